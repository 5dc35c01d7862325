"""The only source of "today" in Banyan.

Worklists, tests, demos and training run "as of" any date: set BANYAN_TODAY=YYYY-MM-DD for the
whole process, or use `clock.frozen(date)` for a block of code (tests, one API request).
"""

import contextlib
import contextvars
import datetime as dt
import os

from django.utils import timezone

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
