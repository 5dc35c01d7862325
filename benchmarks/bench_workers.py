"""The nightly build across Celery workers (issue 15 §2): one worker against two, on this machine.

    .venv/bin/python benchmarks/bench_workers.py --customers 20000 [--database workers20k] [--day 2026-12-04]
                                                 [--repeat 2] [--workers 1,2] [--group-customers N]

A bank made by benchmarks/generate.py on the benchmarks' PostgreSQL (port 54329; built once into
--database, default workers<N>, and reused), a redis-server on loopback, then for each worker
count W: W `celery -A banyan worker` processes (one child each, both queues), and the day's lists
built by the coordinator task `banyan.worklists.build_day` — the groups of branches
(`worklist_build_groups`, of about --group-customers customers each: by default an eighth of the
bank up to 50,000; BANYAN_BUILD_GROUP_CUSTOMERS for the workers) taken by the workers, timed from
sending the coordinator to the day marked built by the last group (the `banyan:nightly:<day>:built`
key), best of --repeat runs; then, once, the whole nightly job (`banyan.nightly`: the segments in
groups, then the lists in groups). Then the same on one worker in the default set-up
(BANYAN_BUILD_GROUP_CUSTOMERS=0: the one bank-wide recompute and build in the task). Between runs
the day's lists are removed and the earlier tasks a build superseded are put back, so every run
builds the same day from the same data. For reference the one bank-wide build and segment
recompute in this process (rolled back), and at the end the ratios 1 worker ÷ 2 workers (target
≥ 1.6× for the lists), 1 worker in groups ÷ the one build on 1 worker (target ≤ 1.3×), and
whether every run made the same lists.

A feed split over workers has its own benchmark: benchmarks/bench_feed_workers.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, commit_checks, machine, use_pg

ROOT = Path(__file__).resolve().parents[1]


def lists_digest(day: dt.date) -> str:
    """A digest of the day's lists without ids: who, whom, rank, channel, status, reasons in order."""
    from banyan.worklists.models import Task, TaskReason

    h = hashlib.sha256()
    ids = {}
    for pk, *row in (Task.objects.filter(date=day).order_by("manager_id", "rank", "customer_id")
                     .values_list("pk", "manager_id", "customer_id", "rank", "priority", "suggested_channel",
                                  "rule_code", "status")):
        ids[pk] = row
    reasons: dict[int, list] = {pk: [] for pk in ids}
    for task, *row in (TaskReason.objects.filter(task__date=day).order_by("task_id", "pk")
                       .values_list("task_id", "code", "due_date", "ref", "detail")):
        reasons[task].append(row)
    for pk, row in ids.items():
        h.update(repr((row, reasons[pk])).encode())
    return f"{len(ids)} tasks, {h.hexdigest()[:12]}"


def timed(work):
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def reset_day(day: dt.date, superseded_before: set[int]) -> None:
    """Remove the day's lists and put back the earlier tasks the build superseded."""
    from django.db import transaction

    from banyan.worklists.models import Task, TaskReason, TaskStatus, WorklistDay

    with transaction.atomic():
        TaskReason.objects.filter(task__date=day).delete()
        Task.objects.filter(date=day).delete()
        WorklistDay.objects.filter(date=day).delete()
        (Task.objects.filter(date__lt=day, status=TaskStatus.SUPERSEDED).exclude(pk__in=superseded_before)
         .update(status=TaskStatus.OPEN))


def _label(count: int) -> str:
    """A run's name: W workers taking groups, or (0) the one build on one worker."""
    return "1 worker, one build (default)" if count == 0 else f"{count} worker(s) in groups"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--database", default=None, help="default: workers<N> (e.g. workers20k)")
    parser.add_argument("--day", default=None, help="YYYY-MM-DD; default: the first working day after today")
    parser.add_argument("--repeat", type=int, default=2, help="runs per worker count (the best is kept)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2")
    parser.add_argument("--group-customers", type=int, default=None,
                        help="customers per group of branches (default: an eighth of the bank, at most 50,000)")
    args = parser.parse_args()
    n = args.customers
    database = args.database or ("workers" + (f"{n // 1000}k" if n % 1000 == 0 else str(n)))
    url = use_pg(database)
    sys.path.insert(0, str(ROOT))

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from banyan import clock
    from banyan.calendars.workdays import next_working_day
    from banyan.customers.models import Customer
    from banyan.org.models import BOOK_ROLES, Staff
    from banyan.segments.models import SegmentPolicy
    from banyan.segments.services import segments_recompute
    from banyan.testing.workers import celery_workers, redis_server, sending_through, wait_for
    from banyan.worklists.models import Task, TaskStatus
    from banyan.worklists.services import (
        LOOK_AHEAD_DAYS,
        holiday_overrides_load,
        planner_rules,
        worklist_build_groups,
        worklist_staff,
        worklists_build,
    )
    from banyan.worklists.tasks import _key, build_day, nightly
    from banyan.worklists.triggers import Window, collect

    call_command("migrate", verbosity=0)
    if not Customer.objects.exists():
        import generate

        generate.generate(customers=n, seed=7)
    group_customers = args.group_customers or max(1, min(50_000, n // 8))
    settings.BANYAN_BUILD_GROUP_CUSTOMERS = group_customers
    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    today = clock.today()
    superseded_before = set(Task.objects.filter(date__lt=day, status=TaskStatus.SUPERSEDED)
                            .values_list("pk", flat=True))
    reset_day(day, superseded_before)
    customers, managers = Customer.objects.count(), Staff.objects.filter(role__in=BOOK_ROLES).count()
    groups = worklist_build_groups(day)
    print(f"bank: {customers:,} customers, {managers:,} managers, {len(groups)} groups of branches "
          f"(~{group_customers:,} customers each) "
          f"on {connection.vendor} ({database}); day {day}; {machine()}", flush=True)

    start = time.perf_counter()
    with transaction.atomic():
        single = worklists_build(day=day)
        commit_checks()  # (as the workers' builds, which commit)
        single_s = time.perf_counter() - start
        digest = lists_digest(day)
        transaction.set_rollback(True)
    print(f"one bank-wide build in this process:  {single_s:8.2f} s   {single.tasks:,} tasks "
          f"({single.managers:,} lists)  [{digest}]", flush=True)

    # The triggers read the bank's rows in a date window and keep a group's managers': what part of
    # their cost a group of 1/G of the bank still pays (the rest is paid again by every group)
    policy = SegmentPolicy.current()
    rules = planner_rules(policy)
    holiday_overrides_load()

    def window(managers):
        return Window(first=day, last=day + dt.timedelta(days=LOOK_AHEAD_DAYS), rules=rules.reason_rules,
                      policy=policy, manager_ids=managers)

    biggest = max(groups, key=len)
    managers = tuple(worklist_staff().filter(branch_id__in=[b for b in biggest if b is not None])
                     .values_list("pk", flat=True))
    collect(window(None))  # warm
    whole_s, found = timed(lambda: collect(window(None)))
    group_s, mine = timed(lambda: collect(window(managers)))
    print(f"triggers, whole bank:                {whole_s:8.2f} s   {len(found):,} reasons", flush=True)
    print(f"triggers, one group of {len(groups)}:          {group_s:8.2f} s   {len(mine):,} reasons "
          f"({group_s / whole_s:.0%} of the whole bank's time for {len(mine) / max(1, len(found)):.0%} of its reasons)",
          flush=True)

    start = time.perf_counter()
    with transaction.atomic():
        segmented = segments_recompute()
        transaction.set_rollback(True)
    segments_s = time.perf_counter() - start
    print(f"one segment recompute in this process: {segments_s:7.2f} s   {segmented:,} customers", flush=True)

    connection.close()  # the workers take the database from here
    times: dict[int, float] = {}
    nights: dict[int, float] = {}
    same = True
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-", dir=OUT))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "banyan.settings", "DATABASE_URL": url,
           "BANYAN_TODAY": today.isoformat(), "BANYAN_VAR_DIR": str(folder), "BANYAN_LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    # the worker counts in groups, then one worker in the default set-up (BANYAN_BUILD_GROUP_CUSTOMERS
    # 0: the one bank-wide recompute and build in the nightly task): key 0 below
    runs = [(int(w), group_customers) for w in args.workers.split(",")] + [(0, 0)]
    with redis_server(folder) as redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        for count, size in runs:
            env["BANYAN_BUILD_GROUP_CUSTOMERS"] = str(size)
            with celery_workers(redis_url, count=max(1, count), env=env, folder=folder) as workers, \
                    sending_through(redis_url):
                best = None
                for run in range(args.repeat):
                    reset_day(day, superseded_before)
                    client.delete(_key(day, "built"))
                    started = time.perf_counter()
                    build_day.delay(day.isoformat())
                    totals = wait_for(workers, "the day built", lambda: client.get(_key(day, "built")),
                                      timeout=3600)
                    took = time.perf_counter() - started
                    best = took if best is None else min(best, took)
                    made = lists_digest(day)
                    same = same and made == digest
                    print(f"{_label(count) + f', run {run + 1}:':38s} {took:8.2f} s   [{made}] {totals.decode()}",
                          flush=True)
                times[count] = best
                # the whole nightly job: segments in groups, then the lists in groups
                reset_day(day, superseded_before)
                client.delete(_key(day, "built"))
                started = time.perf_counter()
                nightly.delay(day.isoformat())
                totals = wait_for(workers, "the night done", lambda: client.get(_key(day, "built")), timeout=3600)
                nights[count] = time.perf_counter() - started
                made = lists_digest(day)
                same = same and made == digest
                print(f"{_label(count) + ', nightly job:':38s} {nights[count]:8.2f} s   [{made}] {totals.decode()}",
                      flush=True)
                connection.close()
        client.close()
    reset_day(day, superseded_before)
    for count, took in times.items():
        print(f"lists, {_label(count)} (best of {args.repeat}): {took:8.2f} s", flush=True)
    for count, took in nights.items():
        print(f"nightly job (segments + lists), {_label(count)}: {took:8.2f} s", flush=True)
    if 1 in times and 2 in times:
        print(f"speed-up 1 → 2 workers in groups, lists: {times[1] / times[2]:.2f}× (target ≥ 1.6×); "
              f"nightly job: {nights[1] / nights[2]:.2f}×", flush=True)
    if 1 in times:
        print(f"1 worker in groups ÷ one in-process build: {times[1] / single_s:.2f}×; "
              f"÷ the one build on 1 worker: lists {times[1] / times[0]:.2f}×, nightly job "
              f"{nights[1] / nights[0]:.2f}× (target ≤ 1.3×)", flush=True)
    if 2 in times:
        print(f"2 workers in groups against the one build on 1 worker: lists {times[0] / times[2]:.2f}×, "
              f"nightly job {nights[0] / nights[2]:.2f}× faster", flush=True)
    print(f"every run made the one build's lists: {'yes' if same else 'NO'}", flush=True)
    shutil.rmtree(folder, ignore_errors=True)  # the workers' logs and Redis's folder


if __name__ == "__main__":
    main()
