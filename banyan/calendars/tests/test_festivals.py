from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Solar

from banyan.calendars.festivals import (
    AUDIENCE_FEMALE,
    AUDIENCE_PARENTS,
    AUDIENCE_SENIORS,
    AUDIENCE_TEACHER,
    LUNAR,
    SOLAR,
    Festival,
    festivals_between,
)
from banyan.calendars.lunar import lunar_of


def test_festivals_of_2026():
    found = {f.code: f for f in festivals_between(date(2026, 1, 1), date(2026, 12, 31))}
    assert {code: f.date for code, f in found.items()} == {
        "new_year": date(2026, 1, 1),
        "new_years_eve": date(2026, 2, 16),
        "spring_festival": date(2026, 2, 17),
        "lantern": date(2026, 3, 3),
        "womens_day": date(2026, 3, 8),
        "labour_day": date(2026, 5, 1),
        "mothers_day": date(2026, 5, 10),
        "dragon_boat": date(2026, 6, 19),
        "fathers_day": date(2026, 6, 21),
        "qixi": date(2026, 8, 19),
        "teachers_day": date(2026, 9, 10),
        "mid_autumn": date(2026, 9, 25),
        "national_day": date(2026, 10, 1),
        "double_ninth": date(2026, 10, 18),
    }
    assert found["mid_autumn"] == Festival(date(2026, 9, 25), "mid_autumn", "中秋节", LUNAR)
    assert found["womens_day"] == Festival(date(2026, 3, 8), "womens_day", "妇女节", SOLAR, AUDIENCE_FEMALE)
    assert found["teachers_day"].audience == AUDIENCE_TEACHER
    assert found["mothers_day"].audience == found["fathers_day"].audience == AUDIENCE_PARENTS
    assert found["double_ninth"].audience == AUDIENCE_SENIORS
    assert found["spring_festival"].audience is None


def test_window_across_the_new_year_is_inclusive_and_in_date_order():
    found = festivals_between(date(2027, 1, 1), date(2027, 2, 20))
    assert [(f.date, f.name_zh) for f in found] == [
        (date(2027, 1, 1), "元旦"),
        (date(2027, 2, 5), "除夕"),
        (date(2027, 2, 6), "春节"),
        (date(2027, 2, 20), "元宵节"),
    ]
    assert festivals_between(date(2026, 11, 23), date(2026, 12, 31)) == []


def test_two_festivals_on_one_day():
    # 中秋 and 国庆 coincided on 1 October 2020
    found = festivals_between(date(2020, 10, 1), date(2020, 10, 1))
    assert [f.code for f in found] == ["mid_autumn", "national_day"]


def test_new_years_eve_is_the_last_day_of_the_twelfth_month_29_or_30():
    eves = [f.date for f in festivals_between(date(2026, 1, 1), date(2030, 12, 31)) if f.code == "new_years_eve"]
    assert [lunar_of(d).key for d in eves] == [(12, 29, False)] * 4 + [(12, 30, False)]
    assert all(lunar_of(d + timedelta(days=1)).key == (1, 1, False) for d in eves)


@settings(max_examples=25, deadline=None)
@given(year=st.integers(1902, 2099))
def test_lunar_festivals_agree_with_lunar_python(year):
    for f in festivals_between(date(year, 1, 1), date(year, 12, 31)):
        if f.kind == LUNAR:
            assert f.name_zh in Solar.fromYmd(f.date.year, f.date.month, f.date.day).getLunar().getFestivals()
