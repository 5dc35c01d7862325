"""Festivals a bank greets its customers on.

Traditional festivals sit on lunar dates (computed with ``banyan.calendars.lunar``, i.e. from
lunar-python; in a year with a leap month of the same number the festival is in the ordinary
month); 除夕 is the last day of the lunar year (day 29 or 30 of the 12th month), i.e. the eve of
the next 春节. Solar festivals sit on fixed dates, 母亲节/父亲节 on the 2nd Sunday of May / 3rd
Sunday of June.

``audience`` is a hint for whom the greeting suits; None means everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from banyan.calendars.lunar import lunar_year_span, solar_of

LUNAR = "lunar"
SOLAR = "solar"

AUDIENCE_FEMALE = "female"  # 妇女节: female customers
AUDIENCE_TEACHER = "teacher"  # 教师节: customers whose occupation is teacher
AUDIENCE_PARENTS = "parents"  # 母亲节/父亲节: customers with children
AUDIENCE_SENIORS = "seniors"  # 重阳节: customers aged 60 and over


@dataclass(frozen=True, slots=True)
class Festival:
    date: date
    code: str
    name_zh: str
    kind: str  # LUNAR or SOLAR
    audience: str | None = None


# code, name, lunar month, lunar day, audience
_LUNAR_FESTIVALS = (
    ("spring_festival", "春节", 1, 1, None),
    ("lantern", "元宵节", 1, 15, None),
    ("dragon_boat", "端午节", 5, 5, None),
    ("qixi", "七夕节", 7, 7, None),
    ("mid_autumn", "中秋节", 8, 15, None),
    ("double_ninth", "重阳节", 9, 9, AUDIENCE_SENIORS),
)
# code, name, month, day, audience
_SOLAR_FESTIVALS = (
    ("new_year", "元旦", 1, 1, None),
    ("womens_day", "妇女节", 3, 8, AUDIENCE_FEMALE),
    ("labour_day", "劳动节", 5, 1, None),  # a statutory holiday (WL-1); 清明 is one too, but not for greetings
    ("teachers_day", "教师节", 9, 10, AUDIENCE_TEACHER),
    ("national_day", "国庆节", 10, 1, None),
)

NAMES_ZH = {
    **{code: name for code, name, *_ in _LUNAR_FESTIVALS + _SOLAR_FESTIVALS},
    "new_years_eve": "除夕",
    "mothers_day": "母亲节",
    "fathers_day": "父亲节",
}


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _lunar_year_festivals(lunar_year: int) -> list[Festival]:
    found = [
        Festival(solar_of(lunar_year, month, day), code, name, LUNAR, audience)
        for code, name, month, day, audience in _LUNAR_FESTIVALS
    ]
    found.append(Festival(lunar_year_span(lunar_year)[1], "new_years_eve", "除夕", LUNAR))
    return found


def _solar_year_festivals(year: int) -> list[Festival]:
    found = [
        Festival(date(year, month, day), code, name, SOLAR, audience)
        for code, name, month, day, audience in _SOLAR_FESTIVALS
    ]
    found.append(Festival(_nth_sunday(year, 5, 2), "mothers_day", "母亲节", SOLAR, AUDIENCE_PARENTS))
    found.append(Festival(_nth_sunday(year, 6, 3), "fathers_day", "父亲节", SOLAR, AUDIENCE_PARENTS))
    return found


def festivals_between(start: date, end: date) -> list[Festival]:
    """The festivals in [start, end], by date (two on one day keep a stable order: lunar first)."""
    candidates = []
    for year in range(start.year - 1, end.year + 1):
        candidates += _lunar_year_festivals(year)
    for year in range(start.year, end.year + 1):
        candidates += _solar_year_festivals(year)
    return sorted(
        (f for f in candidates if start <= f.date <= end),
        key=lambda f: (f.date, f.kind != LUNAR, f.code),
    )
