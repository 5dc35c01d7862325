"""Lunar (农历) dates and birthdays, solar birthdays.

All lunar data comes from lunar-python: each lunar year's months (number, leap flag, first day,
length) are read once from ``LunarYear.getMonthsInYear()`` and cached, because lunar-python is
slow (milliseconds per call) whenever the year changes. Conversions both ways then run on the
cached tables.

A lunar birthday is keyed by ``(month, day, leap)`` — the lunar month and day of birth and whether
the birth month was a leap month (闰月). Customers carry that key (``lunar_key_of(birth_date)``) so
that a date window's lunar-birthday customers are found in one indexed query
(``lunar_keys_by_date``).

THE BIRTHDAY RULE (``lunar_birthday_in``): a customer born on lunar (month, day, leap) celebrates
in lunar year Y on

* month: the ORDINARY month of the same number — also when born in a leap month. Most years have
  no such leap month; in a year that has it, families still celebrate once, in the ordinary month,
  which comes first;
* day: the same day, except that day 30 falls on day 29 (the last day of the month) in a year
  whose month has only 29 days.

So every key lands on exactly one real date in every lunar year.

Solar birthdays (``solar_birthday_in``): a customer born on 29 February celebrates on 28 February
in common years. Solar keys are MMDD integers (1123 for 23 November).
"""

from __future__ import annotations

import bisect
import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from lunar_python import LunarYear, Solar
from lunar_python.util import LunarUtil

LunarKey = tuple[int, int, bool]  # (month 1-12, day 1-30, born in a leap month)


@dataclass(frozen=True, slots=True)
class LunarDate:
    year: int
    month: int  # 1-12, always positive
    day: int  # 1-30
    is_leap_month: bool = False

    @property
    def key(self) -> LunarKey:
        """The birthday key of someone born on this date."""
        return (self.month, self.day, self.is_leap_month)

    @property
    def label_zh(self) -> str:
        """E.g. "闰二月十五", "正月初一", "腊月三十"."""
        return lunar_key_label(self.month, self.day, self.is_leap_month)


def lunar_key_label(month: int, day: int, leap: bool = False) -> str:
    """Chinese label of a lunar month and day, e.g. (2, 15, True) → "闰二月十五"."""
    _check_key(month, day)
    return f"{'闰' if leap else ''}{LunarUtil.MONTH[month]}月{LunarUtil.DAY[day]}"


@dataclass(frozen=True, slots=True)
class _Month:
    month: int
    leap: bool
    first: date
    days: int


@dataclass(frozen=True, slots=True)
class _Year:
    year: int
    months: tuple[_Month, ...]  # in calendar order, a leap month right after its ordinary month
    starts: tuple[date, ...]  # first day of each month, for bisecting
    by_key: dict[tuple[int, bool], _Month]  # (month, leap) → month

    @property
    def first(self) -> date:
        return self.starts[0]

    @property
    def last(self) -> date:
        m = self.months[-1]
        return m.first + timedelta(days=m.days - 1)


@cache
def _year(lunar_year: int) -> _Year:
    months = []
    for m in LunarYear.fromYear(lunar_year).getMonthsInYear():
        first = Solar.fromJulianDay(m.getFirstJulianDay())
        months.append(
            _Month(
                month=abs(m.getMonth()),
                leap=m.getMonth() < 0,
                first=date(first.getYear(), first.getMonth(), first.getDay()),
                days=m.getDayCount(),
            )
        )
    return _Year(
        year=lunar_year,
        months=tuple(months),
        starts=tuple(m.first for m in months),
        by_key={(m.month, m.leap): m for m in months},
    )


def _check_key(month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"lunar month must be 1-12, not {month}")
    if not 1 <= day <= 30:
        raise ValueError(f"lunar day must be 1-30, not {day}")


def lunar_year_span(lunar_year: int) -> tuple[date, date]:
    """First (春节) and last (除夕) solar dates of a lunar year."""
    y = _year(lunar_year)
    return y.first, y.last


def lunar_of(solar: date) -> LunarDate:
    """The lunar date of a solar date; a leap month has ``is_leap_month=True`` and a positive month."""
    y = _year(solar.year)
    if solar < y.first:  # January/early February: still the previous lunar year
        y = _year(solar.year - 1)
    m = y.months[bisect.bisect_right(y.starts, solar) - 1]
    return LunarDate(y.year, m.month, (solar - m.first).days + 1, m.leap)


def lunar_key_of(birth: date) -> LunarKey:
    """The lunar birthday key (month, day, leap) of someone born on a solar date."""
    return lunar_of(birth).key


def solar_of(lunar_year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of a lunar date that exists; ValueError for one that does not
    (a leap month the year lacks, day 30 of a 29-day month)."""
    _check_key(month, day)
    m = _year(lunar_year).by_key.get((month, leap))
    if m is None:
        raise ValueError(f"lunar year {lunar_year} has no leap month {month}")
    if day > m.days:
        raise ValueError(f"lunar month {month}{' (leap)' if leap else ''} of {lunar_year} has {m.days} days")
    return m.first + timedelta(days=day - 1)


def lunar_birthday_in(year_lunar: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date on which someone born on lunar (month, day, leap) celebrates in lunar year
    ``year_lunar``.

    Rule: always in the ORDINARY month numbered ``month`` — a birthday in a leap month (闰月) is
    celebrated in the ordinary month of the same number, in years with that leap month too (once,
    and the ordinary month comes first); and day 30 becomes day 29, the last day of the month, in
    a year whose month has only 29 days. Every key thus lands on exactly one date every year.
    """
    _check_key(month, day)
    m = _year(year_lunar).by_key[(month, False)]
    return m.first + timedelta(days=min(day, m.days) - 1)


@cache
def _keys_by_date_of_year(lunar_year: int) -> dict[date, frozenset[LunarKey]]:
    """Every birthday key of one lunar year, grouped by the solar date it is celebrated on."""
    grouped: dict[date, set[LunarKey]] = {}
    for month in range(1, 13):
        for day in range(1, 31):
            when = lunar_birthday_in(lunar_year, month, day)
            keys = grouped.setdefault(when, set())
            keys.add((month, day, False))
            keys.add((month, day, True))
    return {d: frozenset(keys) for d, keys in sorted(grouped.items())}


def _days(start: date, end: date):
    for i in range((end - start).days + 1):
        yield start + timedelta(days=i)


def lunar_birthdays_between(month: int, day: int, leap: bool, start: date, end: date) -> list[date]:
    """The solar dates in [start, end] on which a lunar birthday (month, day, leap) is celebrated."""
    _check_key(month, day)
    found = []
    for year in range(start.year - 1, end.year + 1):
        when = lunar_birthday_in(year, month, day, leap)
        if start <= when <= end:
            found.append(when)
    return found


def lunar_keys_by_date(start: date, end: date) -> dict[date, set[LunarKey]]:
    """For each solar date in [start, end], the lunar birthday keys celebrated that day (by the rule
    of ``lunar_birthday_in``). Every date carries at least its own (month, day) in both leap
    flags; the last day of a 29-day month also carries day 30."""
    if end < start:
        return {}
    tables = [_keys_by_date_of_year(y) for y in range(lunar_of(start).year, lunar_of(end).year + 1)]
    result: dict[date, set[LunarKey]] = {}
    for d in _days(start, end):
        keys: set[LunarKey] = set()
        for table in tables:
            keys.update(table.get(d, ()))
        result[d] = keys
    return result


def mmdd(d: date) -> int:
    """The solar birthday key of a date: 23 November → 1123."""
    return d.month * 100 + d.day


def solar_birthday_in(birth: date, year: int) -> date:
    """The date in ``year`` on which someone born on ``birth`` celebrates. Rule: 29 February
    birthdays are celebrated on 28 February in common years."""
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birth.replace(year=year)


def solar_keys_by_date(start: date, end: date) -> dict[date, set[int]]:
    """For each date in [start, end], the MMDD birthday keys celebrated that day; 28 February of a
    common year carries both 228 and 229."""
    result: dict[date, set[int]] = {}
    for d in _days(start, end):
        keys = {mmdd(d)}
        if (d.month, d.day) == (2, 28) and not calendar.isleap(d.year):
            keys.add(229)
        result[d] = keys
    return result
