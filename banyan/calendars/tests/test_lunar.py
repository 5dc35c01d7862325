from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunar_python import Lunar, Solar

from banyan.calendars.lunar import (
    LunarDate,
    lunar_birthday_in,
    lunar_birthdays_between,
    lunar_key_label,
    lunar_key_of,
    lunar_keys_by_date,
    lunar_of,
    lunar_year_span,
    solar_birthday_in,
    solar_keys_by_date,
    solar_of,
)

KEYS = [(m, d, leap) for m in range(1, 13) for d in range(1, 31) for leap in (False, True)]
dates_1901_2099 = st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31))
keys = st.tuples(st.integers(1, 12), st.integers(1, 30), st.booleans())


def oracle(d: date) -> LunarDate:
    """lunar-python's own conversion (slow), independent of our cached month tables."""
    lunar = Solar.fromYmd(d.year, d.month, d.day).getLunar()
    return LunarDate(lunar.getYear(), abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0)


def test_every_lunar_birthday_lands_on_one_real_date_every_lunar_year_1901_to_2099():
    # given every birthday key, when celebrated in each lunar year 1901-2099
    for year in range(1901, 2100):
        for month, day, leap in KEYS:
            when = lunar_birthday_in(year, month, day, leap)
            # then it is a date of that year, in the ordinary month of the same number,
            got = lunar_of(when)
            assert (got.year, got.month, got.is_leap_month) == (year, month, False)
            # on the same day, except day 30 of a 29-day month, which is its last day (29)
            if got.day != day:
                assert (day, got.day) == (30, 29)
                assert lunar_of(when + timedelta(days=1)).day == 1


@settings(max_examples=60, deadline=None)
@given(year=st.integers(1901, 2099), key=keys)
def test_lunar_birthday_agrees_with_lunar_python(year, key):
    month, day, leap = key
    # when a customer's lunar birthday is placed in a lunar year
    when = lunar_birthday_in(year, month, day, leap)
    # then lunar-python itself reads that date as the ordinary month, same day (or 29 for 30)
    got = oracle(when)
    assert (got.year, got.month, got.is_leap_month) == (year, month, False)
    assert got.day == day or (day == 30 and got.day == 29)


@settings(max_examples=150, deadline=None)
@given(d=dates_1901_2099)
def test_lunar_of_agrees_with_lunar_python_and_round_trips(d):
    got = lunar_of(d)
    assert got == oracle(d)
    assert solar_of(got.year, got.month, got.day, got.is_leap_month) == d


def test_known_dates():
    assert solar_of(2026, 8, 15) == date(2026, 9, 25)  # 中秋 2026
    assert solar_of(2027, 1, 1) == date(2027, 2, 6)  # 春节 2027
    assert lunar_year_span(2026) == (date(2026, 2, 17), date(2027, 2, 5))


def test_2025_has_a_leap_sixth_month_and_2023_a_leap_second():
    assert lunar_of(date(2025, 7, 25)) == LunarDate(2025, 6, 1, True)
    assert lunar_of(date(2025, 7, 25)).label_zh == "闰六月初一"
    assert solar_of(2023, 2, 1, leap=True) == date(2023, 3, 22)
    assert lunar_of(date(2023, 3, 22)).key == (2, 1, True)
    # and a year without it has no such month
    with pytest.raises(ValueError):
        solar_of(2026, 6, 1, leap=True)


def test_birthday_in_a_leap_month_is_celebrated_in_the_ordinary_month():
    # 1990 had a leap 5th month (闰五月), not a leap 2nd
    with pytest.raises(ValueError):
        solar_of(1990, 2, 15, leap=True)
    # given a customer born on 闰五月十五 1990 (7 July 1990)
    assert lunar_key_of(date(1990, 7, 7)) == (5, 15, True)
    # when 2026 comes (no leap month), then 五月十五 2026
    assert lunar_birthday_in(2026, 5, 15, leap=True) == date(2026, 6, 29) == solar_of(2026, 5, 15)
    # given a customer born on 闰二月十五 2004 (4 April 2004)
    assert lunar_key_of(date(2004, 4, 4)) == (2, 15, True)
    # then 2026's celebration is on 二月十五 2026
    assert lunar_birthday_in(2026, 2, 15, leap=True) == date(2026, 4, 2)
    # and in 2023, which has a 闰二月 too, once, on the ordinary 二月十五 (not 5 April)
    assert lunar_birthday_in(2023, 2, 15, leap=True) == date(2023, 3, 6)
    assert lunar_birthdays_between(2, 15, True, date(2023, 1, 1), date(2023, 12, 31)) == [date(2023, 3, 6)]


def test_day_30_birthday_in_a_29_day_month_goes_to_day_29():
    # given someone born on 二月三十 1990 (1990's second month had 30 days)
    born = solar_of(1990, 2, 30)
    assert lunar_key_of(born) == (2, 30, False)
    # 2026's second month has 29 days: 二月三十 2026 does not exist
    with pytest.raises(ValueError):
        solar_of(2026, 2, 30)
    # then the birthday is on 二月廿九, the month's last day, and 三月初一 follows
    assert lunar_birthday_in(2026, 2, 30, False) == solar_of(2026, 2, 29) == date(2026, 4, 16)
    assert lunar_of(date(2026, 4, 17)).key == (3, 1, False)
    # in a year whose month has 30 days it stays on day 30
    assert lunar_birthday_in(2026, 1, 30, False) == solar_of(2026, 1, 30)


def test_lunar_birthdays_between_finds_two_dates_in_one_solar_year():
    found = lunar_birthdays_between(11, 20, False, date(2026, 1, 1), date(2026, 12, 31))
    assert found == [date(2026, 1, 8), date(2026, 12, 28)]
    assert found[0] == date.fromisoformat(Lunar.fromYmd(2025, 11, 20).getSolar().toYmd())
    assert lunar_birthdays_between(11, 20, False, date(2026, 1, 9), date(2026, 12, 27)) == []
    # both ends are inclusive
    assert lunar_birthdays_between(11, 20, False, date(2026, 12, 28), date(2026, 12, 28)) == [date(2026, 12, 28)]


def test_keys_by_date_carry_day_30_on_the_last_day_of_a_29_day_month():
    keys = lunar_keys_by_date(date(2026, 4, 16), date(2026, 4, 17))
    assert keys == {
        date(2026, 4, 16): {(2, 29, False), (2, 29, True), (2, 30, False), (2, 30, True)},
        date(2026, 4, 17): {(3, 1, False), (3, 1, True)},
    }


@pytest.mark.parametrize("year", [2023, 2025, 2026, 2099])
def test_keys_by_date_over_a_lunar_year_cover_every_key_exactly_once(year):
    first, last = lunar_year_span(year)
    by_date = lunar_keys_by_date(first, last)
    assert list(by_date) == [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts = Counter(key for keys in by_date.values() for key in keys)
    assert counts == Counter(KEYS)


@settings(max_examples=60, deadline=None)
@given(key=keys, start=dates_1901_2099, length=st.integers(0, 400))
def test_keys_by_date_agree_with_birthdays_between(key, start, length):
    end = start + timedelta(days=length)
    by_date = lunar_keys_by_date(start, end)
    assert [d for d, ks in by_date.items() if key in ks] == lunar_birthdays_between(*key, start, end)


def test_keys_by_date_returns_copies_the_caller_may_change():
    first = lunar_keys_by_date(date(2026, 11, 23), date(2026, 11, 23))
    first[date(2026, 11, 23)].clear()
    assert lunar_keys_by_date(date(2026, 11, 23), date(2026, 11, 23))[date(2026, 11, 23)] == {
        (10, 15, False),
        (10, 15, True),
    }


def test_lunar_labels():
    assert lunar_key_label(1, 1) == "正月初一"
    assert lunar_key_label(12, 30) == "腊月三十"
    assert lunar_key_label(2, 15, True) == "闰二月十五"


@pytest.mark.parametrize("month,day", [(0, 1), (13, 1), (1, 0), (1, 31)])
def test_impossible_lunar_keys_are_refused(month, day):
    with pytest.raises(ValueError):
        lunar_birthday_in(2026, month, day, False)


def test_feb_29_birthday_is_celebrated_on_feb_28_in_common_years():
    born = date(1992, 2, 29)
    assert solar_birthday_in(born, 2026) == date(2026, 2, 28)
    assert solar_birthday_in(born, 2028) == date(2028, 2, 29)
    assert solar_birthday_in(date(1980, 11, 23), 2026) == date(2026, 11, 23)


def test_solar_keys_by_date():
    assert solar_keys_by_date(date(2026, 2, 27), date(2026, 3, 1)) == {
        date(2026, 2, 27): {227},
        date(2026, 2, 28): {228, 229},
        date(2026, 3, 1): {301},
    }
    assert solar_keys_by_date(date(2028, 2, 28), date(2028, 2, 29)) == {
        date(2028, 2, 28): {228},
        date(2028, 2, 29): {229},
    }
    assert solar_keys_by_date(date(2026, 11, 23), date(2026, 11, 22)) == {}


def test_an_empty_window_has_no_keys():
    assert lunar_keys_by_date(date(2026, 11, 23), date(2026, 11, 22)) == {}
