"""The only source of "today" in Banyan.

Worklists, tests, demos and training run "as of" any date: set BANYAN_TODAY=YYYY-MM-DD for the
whole process, or use `clock.frozen(date)` for a block of code (tests, one API request).
"""

import contextlib
import contextvars
import datetime as dt
import os

from django.utils import timezone

#: The years a date sent by a person or a client may have (the API's dates, a page's date in its
#: address): outside them a moment cannot be moved between time zones or stored by every database,
#: and no bank date is there.
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_day(text: str | None) -> dt.date | None:
    """A day as a page's address or form gives it, "YYYY-MM-DD" within MIN_YEAR–MAX_YEAR; None otherwise."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


_override: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("banyan_today", default=None)


def today() -> dt.date:
    pinned = _override.get()
    if pinned is not None:
        return pinned
    env = os.environ.get("BANYAN_TODAY")
    if env:
        return dt.date.fromisoformat(env)
    return timezone.localdate()


def now() -> dt.datetime:
    """An aware datetime: today's date (as pinned) with the wall-clock time."""
    real = timezone.localtime()
    day = today()
    if day == real.date():
        return real
    return real.replace(year=day.year, month=day.month, day=day.day)


@contextlib.contextmanager
def frozen(day: dt.date):
    token = _override.set(day)
    try:
        yield day
    finally:
        _override.reset(token)
