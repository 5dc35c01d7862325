from datetime import date

import pytest

from banyan.calendars.workdays import (
    clear_overrides,
    holiday_name,
    is_working_day,
    load_overrides,
    next_working_day,
    previous_working_day,
    working_days_between,
)


@pytest.fixture(autouse=True)
def no_overrides():
    clear_overrides()
    yield
    clear_overrides()


def test_saturday_make_up_workday_is_a_working_day():
    assert date(2026, 2, 28).weekday() == 5
    assert is_working_day(date(2026, 2, 28))
    assert holiday_name(date(2026, 2, 28)) is None


def test_national_day_break_2026():
    assert not is_working_day(date(2026, 10, 1))
    assert holiday_name(date(2026, 10, 1)) == "国庆节"
    # observed (补假) on Monday 5 October, swapped rest on 6-7 October, the Sunday inside the break
    for d in (date(2026, 10, 4), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)):
        assert not is_working_day(d)
        assert holiday_name(d) == "国庆节"
    assert is_working_day(date(2026, 10, 8))


def test_spring_festival_break_2026_includes_new_years_eve_and_swapped_days():
    assert [holiday_name(date(2026, 2, day)) for day in range(14, 25)] == [
        None,  # Sat 14: make-up workday
        *["春节"] * 9,  # 15-23, as the State Council's notice counts them
        None,  # Tue 24: back to work
    ]
    assert not is_working_day(date(2026, 2, 20))  # a Friday swapped to rest


def test_ordinary_days():
    assert is_working_day(date(2026, 11, 23))  # Monday
    assert holiday_name(date(2026, 11, 23)) is None
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert holiday_name(date(2026, 11, 28)) is None


def test_a_weekday_override_marks_a_day_as_a_holiday():
    # given the bank enters the 2027 schedule, which the library only projects
    assert is_working_day(date(2027, 2, 11))
    load_overrides([(date(2027, 2, 11), False, "春节"), (date(2027, 2, 20), True, "")])
    # then Thursday 11 February 2027 is a holiday and Saturday the 20th a make-up workday
    assert not is_working_day(date(2027, 2, 11))
    assert holiday_name(date(2027, 2, 11)) == "春节"
    assert is_working_day(date(2027, 2, 20))
    assert next_working_day(date(2027, 2, 10)) == date(2027, 2, 12)


def test_an_override_beats_the_library_and_loading_replaces_the_previous_rows():
    load_overrides([(date(2026, 10, 7), True, None)])
    assert is_working_day(date(2026, 10, 7))
    assert holiday_name(date(2026, 10, 7)) is None
    # when the table is fed again without that row, the library's schedule is back
    load_overrides([(date(2026, 12, 16), False, "")])
    assert not is_working_day(date(2026, 10, 7))
    assert holiday_name(date(2026, 12, 16)) == "休息日"
    # adding keeps what is there
    load_overrides([(date(2026, 12, 18), False, "行庆日")], replace=False)
    assert holiday_name(date(2026, 12, 18)) == "行庆日"
    assert not is_working_day(date(2026, 12, 16))
    # a day off next to a holiday belongs to its break
    load_overrides([(date(2026, 12, 31), False, "")])
    assert holiday_name(date(2026, 12, 31)) == "元旦"


def test_next_and_previous_working_days_skip_breaks_and_count_make_up_days():
    assert next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert previous_working_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)  # a Saturday make-up day
    assert next_working_day(date(2026, 11, 23)) == date(2026, 11, 24)


def test_working_days_between():
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 11)) == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),  # Saturday make-up workday
    ]
