"""The nightly job on the beat schedule (BANYAN_NIGHTLY_AT, default 02:30 Asia/Shanghai): on a
month's first night the month-end AUM of every customer (the file's trend), planner statistics and
segments (`nightly_refresh`), then the coming working day's worklists —
the day that is starting (a Saturday's run builds Monday's), so that yesterday's contacts are in
it — and, with a shared cache, every manager's coming week for the morning's 查看未来安排. Also
the same work asked for by day (`worklists_build_on_demand`, `worklist_day`): a page or the API
opening today's list before the nightly job made it. This module sits above both segments and
the worklist engine, which do not import each other.

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
from django.utils import timezone

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.calendars.workdays import coming_working_day
from banyan.holdings.services import aum_month_end_snapshot
from banyan.org.models import Staff
from banyan.segments.services import nightly_refresh
from banyan.service.referral_services import referrals_refresh
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.preview import previews_warm
from banyan.worklists.services import BuildResult, worklist_preview, worklists_build

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
        referrals_refresh()  # SVC-2: time-outs back to the sender, conversions (thanks) before the lists
        built = worklists_build(day=day, actor=None)
        warmed = previews_warm(first=clock.today() + dt.timedelta(days=1)) if day == clock.today() else 0
    return {"day": day.isoformat(), "aum_snapshots": snapshots, "segments": segments, "lists": built.managers,
            "tasks": built.tasks,
            "suppressed": built.suppressed, "weeks_planned": warmed}


def worklists_build_on_demand(*, day: dt.date, manager_ids, actor=None) -> BuildResult:
    """Today's lists asked for before the nightly job made them (a page, the API). Without a
    broker — the single-branch set-up, where no beat runs the nightly job — the day's first such
    build also does the nightly's segment refresh when the segments date from an earlier day, so a
    branch on SQLite does not plan on last week's quadrants and frequencies. (With a broker the
    nightly job does it; a thousand managers' first views must not each recompute the bank.)"""
    if settings.CELERY_TASK_ALWAYS_EAGER and day == clock.today() and _segments_older_than(day):
        nightly_refresh(actor=None)
    return worklists_build(day=day, manager_ids=manager_ids, actor=actor)


def _segments_older_than(day: dt.date) -> bool:
    """True when the segments were last computed before `day` (False when never: a bank that has
    not segmented yet is not segmented behind its back)."""
    last = AuditEvent.objects.filter(action="segments.recomputed").order_by("-at").values_list("at", flat=True)[:1]
    return bool(last) and timezone.localdate(last[0]) < day


def worklist_day(*, manager: Staff, day: dt.date) -> tuple[str, list]:
    """A manager's list for a date: ("stored", tasks) for today (built now if the nightly job has
    not run) and past days (what was planned), ("preview", planned) for a future day — and for a
    past day no list was built for (before Banyan, or a manager new since): planned as of that day."""
    today = clock.today()
    if day > today:
        return "preview", worklist_preview(manager=manager, first=day, days=1)[day]
    if day < today and not WorklistDay.objects.filter(manager=manager, date=day).exists():
        with clock.frozen(day):
            return "preview", worklist_preview(manager=manager, first=day, days=1)[day]
    if day == today:
        worklists_build_on_demand(day=day, manager_ids=[manager.pk])
    tasks = (Task.objects.filter(manager=manager, date=day).select_related("customer")
             .prefetch_related("reasons").order_by("status", "rank"))
    return "stored", list(tasks)
