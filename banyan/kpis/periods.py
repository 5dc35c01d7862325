"""The review's periods: a day, a week (Monday to Sunday), a month, a quarter, a year, or any
from–to. Dates are the bank's (Asia/Shanghai); a period's moments run from its first day's
midnight to the midnight after its last day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

#: The longest period one review reads: three years (a year compared with the two before).
MAX_DAYS = 3 * 366

KINDS = ("day", "week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError({"to": [_("The period ends before it starts.")]})
        if (self.end - self.start).days >= MAX_DAYS:
            raise ValidationError({"to": [_("A review reads at most three years.")]})

    @classmethod
    def of(cls, kind: str, day: dt.date) -> Period:
        """The day, week, month, quarter or year that holds `day`."""
        if kind == "day":
            return cls(day, day)
        if kind == "week":
            monday = day - dt.timedelta(days=day.weekday())
            return cls(monday, monday + dt.timedelta(days=6))
        if kind == "month":
            return cls(day.replace(day=1), _month_end(day.year, day.month))
        if kind == "quarter":
            first = 3 * ((day.month - 1) // 3) + 1
            return cls(dt.date(day.year, first, 1), _month_end(day.year, first + 2))
        if kind == "year":
            return cls(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
        raise ValidationError({"period": [_("A period is a day, week, month, quarter or year.")]})

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> dt.datetime:
        return midnight(self.start)

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the period."""
        return midnight(self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        """The period of the same length just before (a month before a month)."""
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            first = _add_months(self.start, -months)
            return Period(first, self.start - dt.timedelta(days=1))
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def weeks(self) -> list[Period]:
        """The weeks (Monday to Sunday) the period touches, each cut to the period: the trend's points."""
        out, monday = [], self.start - dt.timedelta(days=self.start.weekday())
        while monday <= self.end:
            out.append(Period(max(monday, self.start), min(monday + dt.timedelta(days=6), self.end)))
            monday += dt.timedelta(days=7)
        return out

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}" if self.start != self.end else f"{self.start:%Y-%m-%d}"


def midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def _month_end(year: int, month: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(*, start: str | None, end: str | None, kind: str | None = None, today: dt.date) -> Period:
    """From the query string: `from` and `to` (YYYY-MM-DD), or a `period` kind around `from` (or
    today). Anything else is a ValidationError naming the field."""
    from banyan.clock import parse_day

    errors: dict[str, list[str]] = {}
    days = {}
    for field, text in (("from", start), ("to", end)):
        if text:
            try:
                days[field] = parse_day(text)
            except (ValueError, ValidationError):
                days[field] = None
            if days[field] is None:
                errors[field] = [_("Write the date as YYYY-MM-DD, e.g. 2026-03-31.")]
    if errors:
        raise ValidationError(errors)
    if kind:
        return Period.of(kind, days.get("from") or today)
    if "from" not in days and "to" not in days:
        return Period.of("month", today)
    return Period(days.get("from") or days["to"], days.get("to") or today)
