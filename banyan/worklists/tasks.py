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

By default the nightly task makes the one bank-wide segment recompute and the one bank-wide build
itself. Across workers (issue 15 §2), when the deployment asks for it (BANYAN_BUILD_GROUP_CUSTOMERS
> 0: on one worker the groups cost more than the one build, benchmarks/README.md), in groups of
branches of similar size (that many customers each), tasks on the batch queue that any number of
workers take: first the segments —
the bank's figures (value ranks, the priority share, the core profile, the seniors' load) once in
the nightly task, then one `banyan.worklists.segment_group` per group of the customers' branches;
the last to finish ends the recompute (one audit event) and goes on with the referrals and the
lists: one `banyan.worklists.build_group` per group of the staff's branches, the last of which
marks the day built (`_day_built`: the coming week's plans warmed, the day's totals kept on Redis,
`banyan:nightly:<day>:built`). The groups make the very segments and lists the one bank-wide
recompute and build make (segments.services.segments_recompute_branches,
services.worklists_build_branches). Groups are counted once each on Redis (a redelivered message
does not count twice). Until the lists are built the day counts as building, and a second nightly
job for it stops at once as if it held no lock. Without a broker (or with
CELERY_TASK_ALWAYS_EAGER) the groups run one after the other in the calling process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import secrets

from celery import current_app, shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.calendars.workdays import coming_working_day
from banyan.dbstats import refresh_planner_statistics
from banyan.holdings.services import aum_month_end_snapshot
from banyan.org.models import Staff
from banyan.segments.services import (
    nightly_refresh,
    segment_groups,
    segments_bank_figures,
    segments_recompute_branches,
    segments_recomputed,
)
from banyan.service.referral_services import referrals_refresh
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.preview import previews_warm
from banyan.worklists.services import (
    BuildResult,
    DayScope,
    worklist_build_groups,
    worklist_preview,
    worklists_build,
    worklists_build_branches,
)

logger = logging.getLogger(__name__)

LOCK_PREFIX = "banyan:nightly:"


def lock_name(day: dt.date) -> str:
    return f"{LOCK_PREFIX}{day.isoformat()}"


def _key(day: dt.date | str, what: str) -> str:
    return f"{LOCK_PREFIX}{day if isinstance(day, str) else day.isoformat()}:{what}"


def _redis_in_use() -> bool:
    client = _redis()
    if client is None:
        return False
    client.close()
    return True


def _redis():
    """The broker's Redis when tasks go through it (None when they run in-process)."""
    url = current_app.conf.broker_url or settings.CELERY_BROKER_URL
    if current_app.conf.task_always_eager or not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    import redis

    return redis.Redis.from_url(url)


def day_building(day: dt.date) -> bool:
    """True while the groups of a split build of `day` are still being built on the workers."""
    client = _redis()
    if client is None:
        return False
    try:
        return bool(client.exists(_key(day, "building")))
    finally:
        client.close()


def nightly_in_groups() -> bool:
    """Whether the deployment asks for the nightly work in groups of branches
    (BANYAN_BUILD_GROUP_CUSTOMERS > 0). By default (0) the nightly job makes one bank-wide segment
    recompute and one bank-wide build, in the task itself: on one worker the groups cost more than
    the one build (benchmarks/README.md, bench_workers.py), which they win back only with more
    workers than one."""
    return settings.BANYAN_BUILD_GROUP_CUSTOMERS > 0


def worklists_build_day(*, day: dt.date) -> dict:
    """The lists of `day` as the deployment asks: in groups of branches on the workers
    (`worklists_build_split`) or, by default, the one bank-wide build here; then the day marked
    built. Returns the totals (with groups: once they are handed out, their number)."""
    if nightly_in_groups():
        return worklists_build_split(day=day)
    built = worklists_build(day=day)
    totals = {"groups": 0, "lists": built.managers, "tasks": built.tasks, "suppressed": built.suppressed}
    return {**totals, "weeks_planned": _day_built(day, totals)}


def worklists_build_split(*, day: dt.date) -> dict:
    """Build the lists of `day` in groups of branches, one task per group. In-process (no broker):
    the groups one after the other, then the day marked built; returns the totals. With a broker:
    the groups handed to the workers, the day marked "building" until the last is done (which marks
    it built); returns the number of groups."""
    groups = worklist_build_groups(day)
    scope = DayScope.now()
    if not _redis_in_use():
        total = BuildResult(0, 0, 0)
        for branches in groups:
            built = worklists_build_branches(day=day, branch_ids=branches, scope=scope)
            total = BuildResult(total.managers + built.managers, total.tasks + built.tasks,
                                total.suppressed + built.suppressed)
        warmed = _day_built(day, {"groups": len(groups), "lists": total.managers, "tasks": total.tasks,
                                  "suppressed": total.suppressed})
        return {"groups": len(groups), "lists": total.managers, "tasks": total.tasks,
                "suppressed": total.suppressed, "weeks_planned": warmed}
    if not groups:
        warmed = _day_built(day, {"groups": 0, "lists": 0, "tasks": 0, "suppressed": 0})
        return {"groups": 0, "lists": 0, "tasks": 0, "suppressed": 0, "weeks_planned": warmed}
    run = _fan_out(day, "lists", len(groups))
    for n, branches in enumerate(groups):
        build_group.delay(day.isoformat(), branches, scope.tasks_upto, scope.lists_upto, run, n)
    return {"groups": len(groups), "dispatched": True}


def _fan_out(day: dt.date, stage: str, groups: int) -> str:
    """Start counting the `groups` of a stage of `day`'s nightly work on Redis; the day is marked
    building until its lists are built. Returns the run's id (the groups' messages carry it)."""
    run = secrets.token_hex(6)
    expires = settings.BANYAN_NIGHTLY_TIME_LIMIT + 600
    client = _redis()
    try:
        pipe = client.pipeline()
        pipe.set(_key(day, "building"), run, ex=expires)
        pipe.sadd(_key(day, f"{stage}:pending:{run}"), *range(groups))
        pipe.expire(_key(day, f"{stage}:pending:{run}"), expires)
        pipe.set(_key(day, f"{stage}:left:{run}"), groups, ex=expires)
        pipe.hset(_key(day, f"{stage}:totals:{run}"), "groups", groups)
        pipe.expire(_key(day, f"{stage}:totals:{run}"), expires)
        pipe.execute()
    finally:
        client.close()
    return run


def _count_done(day: dt.date, stage: str, run: str, group: int, counts: dict[str, int]) -> dict | None:
    """Count a group of the run as done, once (SREM says whether this message was the first for
    it: a redelivered one is not counted again). Returns the stage's totals to the last group,
    None to the others."""
    client = _redis()
    if client is None:
        return None
    totals = _key(day, f"{stage}:totals:{run}")
    try:
        if not client.srem(_key(day, f"{stage}:pending:{run}"), group):
            return None
        pipe = client.pipeline()
        for name, n in counts.items():
            pipe.hincrby(totals, name, n)
        pipe.decr(_key(day, f"{stage}:left:{run}"))
        if pipe.execute()[-1] != 0:
            return None
        found = {k.decode(): int(v) for k, v in client.hgetall(totals).items()}
        client.delete(totals, _key(day, f"{stage}:left:{run}"), _key(day, f"{stage}:pending:{run}"))
        return {"run": run, **found}
    finally:
        client.close()


@shared_task(name="banyan.worklists.build_day", soft_time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT,
             time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT + 300)
def build_day(day: str | None = None) -> dict:
    """The coordinator of a day's lists alone (the nightly job's last step, without its segments):
    the groups of branches handed to the workers, or the one bank-wide build (`worklists_build_day`).
    For a day being built already it does nothing."""
    when = dt.date.fromisoformat(day) if day else coming_working_day(clock.today())
    if day_building(when):
        return {"day": when.isoformat(), "skipped": True}
    return {"day": when.isoformat(), **worklists_build_day(day=when)}


@shared_task(name="banyan.worklists.build_group", bind=True, soft_time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT,
             time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT + 300, autoretry_for=(OperationalError,),
             retry_backoff=5, max_retries=3)
def build_group(self, day: str, branch_ids: list, tasks_upto: int, lists_upto: int, run: str = "",
                group: int = 0) -> dict:
    """One group of branches of a split build (`worklists_build_split`). Run twice — a redelivered
    message, a second coordinator — it builds nothing twice: the lists already there are skipped."""
    when = dt.date.fromisoformat(day)
    built = worklists_build_branches(day=when, branch_ids=branch_ids, scope=DayScope(tasks_upto, lists_upto))
    result = {"day": day, "group": group, "lists": built.managers, "tasks": built.tasks,
              "suppressed": built.suppressed}
    if run:
        totals = _count_done(when, "lists", run, group, {"lists": built.managers, "tasks": built.tasks,
                                                         "suppressed": built.suppressed})
        if totals is not None:  # the last group: the day is built
            _day_built(when, totals)
    return result


def segments_split_then_lists(*, day: dt.date) -> dict:
    """The nightly job's segments, then its lists: planner statistics, the bank's figures once,
    the segments of each group of branches (`segments_recompute_branches`), the recompute's end;
    then the referrals' time-outs and conversions and the day's lists (`worklists_build_split`).
    In-process: one after the other, returns the counts. With a broker: the segment groups handed
    to the workers, the last of which goes on with the lists. Unless the deployment asks for
    groups (`nightly_in_groups`): then the one recompute, the referrals and the one build, here."""
    if not nightly_in_groups():
        count = nightly_refresh(actor=None)
        return {"segments": count, "segment_groups": 0, **_after_segments(day)}
    refresh_planner_statistics()
    figures = segments_bank_figures()
    groups = segment_groups(group_customers=settings.BANYAN_BUILD_GROUP_CUSTOMERS)
    if _redis_in_use() and groups:
        run = _fan_out(day, "segments", len(groups))
        for n, branches in enumerate(groups):
            segment_group.delay(day.isoformat(), branches, figures, run, n)
        return {"segment_groups": len(groups), "dispatched": True}
    count = sum(segments_recompute_branches(branch_ids=branches, figures=figures) for branches in groups)
    if count:  # (a bank without customers is not segmented, as segments_recompute leaves it)
        segments_recomputed(count=count)
    return {"segments": count, "segment_groups": len(groups), **_after_segments(day)}


def _after_segments(day: dt.date) -> dict:
    referrals_refresh()  # SVC-2: time-outs back to the sender, conversions (thanks) before the lists
    return worklists_build_day(day=day)


@shared_task(name="banyan.worklists.segment_group", soft_time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT,
             time_limit=settings.BANYAN_NIGHTLY_TIME_LIMIT + 300, autoretry_for=(OperationalError,),
             retry_backoff=5, max_retries=3)
def segment_group(day: str, branch_ids: list, figures: dict, run: str, group: int) -> dict:
    """One group of branches of the nightly segments (`segments_split_then_lists`); the last
    group to finish ends the recompute and hands the day's lists to the workers."""
    when = dt.date.fromisoformat(day)
    count = segments_recompute_branches(branch_ids=branch_ids, figures=figures)
    totals = _count_done(when, "segments", run, group, {"segments": count})
    if totals is not None:
        segments_recomputed(count=totals["segments"])
        _after_segments(when)
    return {"day": day, "group": group, "segments": count}


def _day_built(day: dt.date, totals: dict) -> int:
    """The final step of a day's build: the day marked built (its totals kept on the broker's Redis
    for a week, `banyan:nightly:<day>:built`; the "building" mark cleared), and — for today's
    lists — every manager's coming week planned into the cache. Returns the weeks planned."""
    warmed = previews_warm(first=clock.today() + dt.timedelta(days=1)) if day == clock.today() else 0
    client = _redis()
    if client is not None:
        try:
            client.set(_key(day, "built"), json.dumps({**totals, "weeks_planned": warmed}), ex=7 * 86400)
            client.delete(_key(day, "building"))
        finally:
            client.close()
    logger.info("Worklists of %s built: %s", day, totals)
    return warmed


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
        if not mine or day_building(day):
            logger.warning("Nightly build of %s is running elsewhere; this one stops.", day)
            return {"day": day.isoformat(), "skipped": True}
        snapshots = aum_month_end_snapshot(today=clock.today())
        done = segments_split_then_lists(day=day)  # with a broker: in groups, on the workers
    return {"day": day.isoformat(), "aum_snapshots": snapshots, **done}


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
