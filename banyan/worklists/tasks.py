"""The nightly job on the beat schedule (BANYAN_NIGHTLY_AT, default 02:30 Asia/Shanghai): on a
month's first night the month-end AUM of every customer (the file's trend), planner statistics and
segments (`nightly_refresh`), then the coming working day's worklists —
the day that is starting (a Saturday's run builds Monday's), so that yesterday's contacts are in
it — and, with a shared cache, every manager's coming week for the morning's 查看未来安排.

Two beats, or a beat and a hand-sent task, may fire together: a Redis lock per day (on the broker's
Redis) lets one build run and the other return at once. Without a broker the task runs in the
process that calls it and needs no lock; `worklists_build` is idempotent and atomic anyway (a day
already built is left as it is; a duplicate build would roll back on the one-list-per-day rule).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from celery import shared_task
from django.conf import settings

from banyan import clock
from banyan.calendars.workdays import coming_working_day
from banyan.holdings.services import aum_month_end_snapshot
from banyan.segments.services import nightly_refresh
from banyan.worklists.preview import previews_warm
from banyan.worklists.services import worklists_build

logger = logging.getLogger(__name__)

LOCK_PREFIX = "banyan:nightly:"


def lock_name(day: dt.date) -> str:
    return f"{LOCK_PREFIX}{day.isoformat()}"


@contextlib.contextmanager
def nightly_lock(day: dt.date):
    """Yields True when this process may build `day`, False when another holds the day's lock.
    The lock expires on its own after the task's time limit, so a killed worker cannot block the
    next night."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        yield True
        return
    import redis
    from redis.exceptions import LockError

    client = redis.Redis.from_url(url)
    lock = client.lock(lock_name(day), timeout=settings.BANYAN_NIGHTLY_TIME_LIMIT + 60, blocking=False)
    try:
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(LockError):  # expired meanwhile: nothing to release
                lock.release()
    finally:
        client.close()


@shared_task(name="banyan.nightly", soft_time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT,
             time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT + 300)
def nightly(day: str | dt.date | None = None) -> dict:
    """Segments, then the worklists of `day` (YYYY-MM-DD; default today when it is a working day,
    else the next one: the job runs after midnight). Running it again for a built day recomputes
    the segments and leaves the lists alone."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    day = day or coming_working_day(clock.today())
    with nightly_lock(day) as mine:
        if not mine:
            logger.warning("Nightly build of %s is running elsewhere; this one stops.", day)
            return {"day": day.isoformat(), "skipped": True}
        snapshots = aum_month_end_snapshot(today=clock.today())
        segments = nightly_refresh(actor=None)
        built = worklists_build(day=day, actor=None)
        warmed = previews_warm(first=clock.today() + dt.timedelta(days=1)) if day == clock.today() else 0
    return {"day": day.isoformat(), "aum_snapshots": snapshots, "segments": segments, "lists": built.managers,
            "tasks": built.tasks,
            "suppressed": built.suppressed, "weeks_planned": warmed}
