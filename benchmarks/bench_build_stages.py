"""Where a bank-wide worklist build spends its time (issue 15 §3), on a bank of the benchmarks'
PostgreSQL. Everything written is rolled back.

    .venv/bin/python benchmarks/bench_build_stages.py --pg bank1m --day 2026-12-07 [--runs 2]

Prints, per run of `worklists_build(day=…)`: its total and the time in each stage — the triggers
(`collect_by_kind`; `collect` before session 29), the already-planned look-up, what reasons are
sorted and ranked by
(`_managers_and_values`: every customer of the books; since session 28 both read on a second
connection while the triggers run, and printed apart as not on the build's path), the reasons
sorted to their lists (`sort_to_lists`), the planner (every manager's `planning`, run side by side by
`plan_together`, without its reads of facts), the facts of the customers the planners reached
(`_facts_of`), the stored rows (`_insert`), the carried-over reasons, the foreign-key checks its
commit would run (`common.commit_checks`, from session 24) — and the rest (making the rows, the
earlier tasks superseded, the lists' days), with a digest of every stored task and reason.
(Session 14's what-if of a cut at K × capacity, `--cut`, is gone with the planner it measured:
the facts are now read only of the customers the planner reaches; its figures are in the README.)
The wrappers time whole functions, not lines; a run's spread on this machine is ±15 %.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import threading
import time
from collections import defaultdict

from common import commit_checks, machine, use_pg, vacuum_build_writes

STAGES = ("collect_by_kind", "_already_planned", "_managers_and_values", "sort_to_lists", "plan_together",
          "_facts_of", "_insert", "_carry_unfinished")
ASIDE = " (read aside, during collect)"
INSIDE = {"_facts_of": "plan_together"}  # a stage timed within another: its time is taken from that one


def timed(module, names, into: dict) -> None:
    """Replace each of `names` in `module` by a wrapper adding its time to `into[name]`, or to
    `into[name + ASIDE]` when it ran on another thread (session 28: the managers and values and the
    reasons planned already, read on a second connection while the triggers run — not on the
    build's path)."""
    for name in names:
        original = getattr(module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                aside = threading.current_thread() is not threading.main_thread()
                into[_name + ASIDE if aside else _name] += time.perf_counter() - start

        setattr(module, name, wrapper)


def build(day: dt.date) -> tuple[float, float, int, str]:
    """(seconds, of which the commit's checks, tasks, digest of the stored tasks and reasons) of one
    build of `day`, rolled back."""
    from django.db import connection, transaction

    from banyan.worklists.models import Task, WorklistDay
    from banyan.worklists.services import worklists_build

    vacuum_build_writes()  # (the rolled-back builds' debris)
    with transaction.atomic():
        Task.objects.filter(date=day).delete()
        WorklistDay.objects.filter(date=day).delete()
        start = time.perf_counter()
        result = worklists_build(day=day)
        built = time.perf_counter()
        commit_checks()  # (what its commit would check: the deferred foreign keys)
        seconds, checks = time.perf_counter() - start, time.perf_counter() - built
        digest = hashlib.sha256()
        for row in Task.objects.filter(date=day).order_by("manager_id", "rank", "customer_id").values_list(
                "manager_id", "customer_id", "rank", "status", "priority", "suggested_channel", "rule_note"):
            digest.update(repr(row).encode())
        with connection.cursor() as cursor:  # raw SQL: the ORM's ordered join of 230k rows planned badly
            # and no nested loop: the tables' statistics, taken before the build wrote them, made one
            # of 140k reasons by 66k tasks run for minutes
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SELECT t.manager_id, t.rank, r.customer_id, r.code, r.detail, r.due_date, r.ref, r.args "
                           "FROM worklists_taskreason r JOIN worklists_task t ON t.id = r.task_id WHERE t.date = %s",
                           [day])
            for row in sorted(cursor.fetchall(), key=repr):
                digest.update(repr(row).encode())
        transaction.set_rollback(True)
    return seconds, checks, result.tasks, digest.hexdigest()[:16]


def stages(day: dt.date, runs: int) -> None:
    from banyan.worklists import services

    spent: dict[str, float] = defaultdict(float)
    timed(services, STAGES, spent)
    for n in range(1, runs + 1):
        spent.clear()
        seconds, checks, tasks, digest = build(day)
        for inner, outer in INSIDE.items():
            spent[outer] -= spent[inner]
        parts = ", ".join(f"{name.strip('_')} {spent[name]:.2f}" for name in STAGES)
        aside = "".join(f", {name.strip('_')} {spent[name + ASIDE]:.2f}{ASIDE}" for name in STAGES
                        if name + ASIDE in spent)
        on_path = sum(seconds for name, seconds in spent.items() if not name.endswith(ASIDE))
        print(f"run {n}: {seconds:.2f} s, {tasks:,} tasks, digest {digest} — {parts}{aside}, "
              f"the commit's foreign-key checks {checks:.2f}, rest {seconds - checks - on_path:.2f} s",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE", required=True, help="a bank on the benchmarks' PostgreSQL")
    parser.add_argument("--day", default=None, help="YYYY-MM-DD; default: the first working day after today")
    parser.add_argument("--runs", type=int, default=2, help="builds timed by stage")
    args = parser.parse_args()
    use_pg(args.pg, create=False)
    from banyan import clock
    from banyan.calendars.workdays import next_working_day

    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    print(f"{machine()}; bank {args.pg}, day {day}", flush=True)
    with clock.frozen(day):
        stages(day, args.runs)


if __name__ == "__main__":
    main()
