"""Working days in mainland China: statutory holidays and make-up workdays (调休).

The schedule comes from the ``holidays`` library (country CN, Chinese names), one cached instance
per year. The State Council publishes each year's schedule late in the previous year; for a year
the library does not know yet (it then projects the fixed rules), the bank enters the official
schedule as overrides, fed in with ``load_overrides`` — an override wins over the library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

REST_DAY = "休息日"
_SEARCH_LIMIT = 60  # days; no Chinese holiday break is anywhere near this long


@dataclass(frozen=True, slots=True)
class Override:
    date: date
    is_working_day: bool
    name: str = ""


_overrides: dict[date, Override] = {}


def load_overrides(rows: Iterable[tuple[date, bool, str | None]], *, replace: bool = True) -> None:
    """Register the bank's own schedule: rows of (date, is_working_day, name). By default the rows
    replace every override registered before (feed the whole table); ``replace=False`` adds to them."""
    global _overrides
    new = {} if replace else dict(_overrides)
    for when, working, name in rows:
        new[when] = Override(when, bool(working), name or "")
    _overrides = new  # swapped in one step: readers never see a half-loaded registry


def clear_overrides() -> None:
    global _overrides
    _overrides = {}


def overrides() -> dict[date, Override]:
    return dict(_overrides)


@cache
def _cn(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year, language="zh_CN")


def is_working_day(d: date) -> bool:
    """True on weekdays that are not holidays and on weekend make-up workdays (调休上班)."""
    override = _overrides.get(d)
    if override is not None:
        return override.is_working_day
    return _cn(d.year).is_working_day(d)


# The statutory 春节 break includes 除夕 (the library names that day "农历除夕"); the festival
# itself is in ``festivals``.
_BREAK_OF = {"农历除夕": "春节"}


def _own_name(d: date) -> str | None:
    """The name the schedule gives ``d`` itself: the holiday without its suffix
    ("国庆节（补假）" → "国庆节"), REST_DAY for a weekday swapped to rest ("休息日（由 … 调休）") or
    an unnamed override, None for an ordinary day."""
    override = _overrides.get(d)
    if override is not None:
        return None if override.is_working_day else (override.name or REST_DAY)
    names = [n.split("（")[0] for n in _cn(d.year).get_list(d)]
    named = [_BREAK_OF.get(n, n) for n in names if n != REST_DAY]
    if named:
        return named[0]
    return REST_DAY if names else None


def holiday_name(d: date) -> str | None:
    """The Chinese name of the holiday break ``d`` belongs to (春节, 清明节, 劳动节, 端午节, 中秋节,
    国庆节, 元旦 …), None on working days and on ordinary weekends.

    Observed days (补假), weekdays swapped to rest (调休) and weekend days that touch a holiday
    through days off all carry the name of their break, as the State Council's notices count
    them (国庆节 2026: 10月1日至7日).
    """
    if is_working_day(d):
        return None
    own = _own_name(d)
    if own is not None and own != REST_DAY:
        return own
    for step in (-1, 1):
        other = d + timedelta(days=step)
        while abs((other - d).days) <= 10 and not is_working_day(other):
            name = _own_name(other)
            if name is not None and name != REST_DAY:
                return name
            other += timedelta(days=step)
    return own


def _step(d: date, step: int) -> date:
    for _ in range(_SEARCH_LIMIT):
        d += timedelta(days=step)
        if is_working_day(d):
            return d
    raise ValueError(f"no working day within {_SEARCH_LIMIT} days of {d}")


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    return _step(d, 1)


def coming_working_day(d: date) -> date:
    """``d`` when it is a working day, else the first working day after it: the day a list built
    in the small hours of ``d`` is for."""
    return d if is_working_day(d) else next_working_day(d)


def previous_working_day(d: date) -> date:
    """The last working day strictly before ``d``."""
    return _step(d, -1)


def working_days_between(start: date, end: date) -> list[date]:
    """The working days in [start, end]."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_working_day(d)]
