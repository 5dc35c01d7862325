"""Where a bank-wide worklist build spends its time (issue 15 §3), and what one design change would
save, on a bank of the benchmarks' PostgreSQL. Everything written is rolled back.

    .venv/bin/python benchmarks/bench_build_stages.py --pg bank1m --day 2026-12-07 [--runs 2] [--cut 3]

Prints:
- per run of `worklists_build(day=…)`: its total and the time in each stage — the triggers
  (`collect`), the already-planned look-up, the facts, the planner (every manager's `plan`), the
  stored rows (`_insert`), the carried-over reasons — and the rest (sorting reasons to managers,
  making the rows), with a digest of every stored task and reason;
- with --cut K, a what-if: the same build fed either every reason the triggers found, or only, per
  manager, the first K × capacity candidates whose one reason is a regular contact (cadence), in the
  planner's own order (every reason of a customer with another reason kept), with facts read only
  for the customers left. Both builds skip the triggers (their reasons are read once, before) and
  run alternately, twice each. The same digest means the cut changed no list on this bank; the time
  saved is an upper bound (the ranking that would make the cut in SQL is not counted).
The wrappers time whole functions, not lines; a run's spread on this machine is ±15 %.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import time
from collections import defaultdict

from common import machine, use_pg

STAGES = ("collect", "_already_planned", "_facts", "plan", "_insert", "_carry_unfinished")


def timed(module, names, into: dict) -> None:
    """Replace each of `names` in `module` by a wrapper adding its time to `into[name]`."""
    for name in names:
        original = getattr(module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                into[_name] += time.perf_counter() - start

        setattr(module, name, wrapper)


def build(day: dt.date) -> tuple[float, int, str]:
    """(seconds, tasks, digest of the stored tasks and reasons) of one build of `day`, rolled back."""
    from django.db import connection, transaction

    from banyan.worklists.models import Task, WorklistDay
    from banyan.worklists.services import worklists_build

    with transaction.atomic():
        Task.objects.filter(date=day).delete()
        WorklistDay.objects.filter(date=day).delete()
        start = time.perf_counter()
        result = worklists_build(day=day)
        seconds = time.perf_counter() - start
        digest = hashlib.sha256()
        for row in Task.objects.filter(date=day).order_by("manager_id", "rank", "customer_id").values_list(
                "manager_id", "customer_id", "rank", "status", "priority", "suggested_channel", "rule_note"):
            digest.update(repr(row).encode())
        with connection.cursor() as cursor:  # raw SQL: the ORM's ordered join of 230k rows planned badly
            cursor.execute("SELECT t.manager_id, t.rank, r.customer_id, r.code, r.detail, r.due_date, r.ref, r.args "
                           "FROM worklists_taskreason r JOIN worklists_task t ON t.id = r.task_id WHERE t.date = %s",
                           [day])
            for row in sorted(cursor.fetchall(), key=repr):
                digest.update(repr(row).encode())
        transaction.set_rollback(True)
    return seconds, result.tasks, digest.hexdigest()[:16]


def stages(day: dt.date, runs: int) -> None:
    from banyan.worklists import services

    spent: dict[str, float] = defaultdict(float)
    timed(services, STAGES, spent)
    for n in range(1, runs + 1):
        spent.clear()
        seconds, tasks, digest = build(day)
        parts = ", ".join(f"{name.strip('_')} {spent[name]:.2f}" for name in STAGES)
        print(f"run {n}: {seconds:.2f} s, {tasks:,} tasks, digest {digest} — {parts}, "
              f"rest {seconds - sum(spent.values()):.2f} s", flush=True)


def cut_reasons(day: dt.date, k: float):
    """Every reason of the day's window, and the same cut to K × capacity cadence-only candidates
    per manager (ranked as the planner ranks them: priority, then date, then customer)."""
    from banyan.org.models import Staff
    from banyan.segments.models import SegmentPolicy
    from banyan.worklists import services, triggers
    from banyan.worklists.planner import _VALUE_BONUS, CADENCE_PULL_DAYS

    policy = SegmentPolicy.current()
    rules = services.planner_rules(policy)
    window = triggers.Window(first=day, last=day + dt.timedelta(days=services.LOOK_AHEAD_DAYS),
                             rules=rules.reason_rules, policy=policy, manager_ids=None)
    services.holiday_overrides_load()
    every = triggers.collect(window)
    facts = services._facts(window, day.replace(day=1), policy)
    cadence = triggers.C.CADENCE_DUE.value
    weight = rules.reason_rules[cadence].weight
    with_other = {r.customer_id for r in every if r.code != cadence}
    pull_until = day + dt.timedelta(days=CADENCE_PULL_DAYS)
    ranked = defaultdict(list)
    for r in every:
        f = facts.get(r.customer_id)
        if r.code == cadence and r.customer_id not in with_other and f is not None and r.due <= pull_until:
            priority = (weight + _VALUE_BONUS.get(f.quadrant, 0) + (10 if f.is_priority else 0)
                        + min(30, max(0, (day - r.due).days) // 3))
            ranked[f.manager_id].append((-priority, r.due, r.customer_id, r))
    capacity = dict(Staff.objects.values_list("pk", "daily_capacity"))
    kept = set()
    for manager_id, candidates in ranked.items():
        candidates.sort(key=lambda c: c[:3])
        kept.update(id(c[3]) for c in candidates[:int(k * capacity[manager_id])])
    cut = [r for r in every if r.code != cadence or r.customer_id in with_other or id(r) in kept]
    print(f"cut K={k}: reasons {len(every):,} → {len(cut):,}; customers with facts {len(facts):,} → "
          f"{len({r.customer_id for r in cut}):,}", flush=True)
    return every, cut


def what_if_cut(day: dt.date, k: float) -> None:
    from banyan.worklists import services

    every, cut = cut_reasons(day, k)
    read_facts = services._facts
    customers_left = sorted({r.customer_id for r in cut})

    def facts_of_the_cut(window, first_of_month, policy, addressed=frozenset()):
        class Left:  # the window, its customers narrowed to those the cut left (one = ANY(array))
            manager_ids = window.manager_ids
            of_managers = window.of_managers

            @staticmethod
            def customers():
                return window.customers().filter(services._among("pk", customers_left))

        return read_facts(Left, first_of_month, policy, addressed)

    for variant in ("every", "cut", "every", "cut"):
        reasons = every if variant == "every" else cut
        services.collect = lambda _window, _reasons=reasons: list(_reasons)
        services._facts = read_facts if variant == "every" else facts_of_the_cut
        seconds, tasks, digest = build(day)
        print(f"{variant:>5}: build without its triggers {seconds:.2f} s, {tasks:,} tasks, digest {digest}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE", required=True, help="a bank on the benchmarks' PostgreSQL")
    parser.add_argument("--day", default=None, help="YYYY-MM-DD; default: the first working day after today")
    parser.add_argument("--runs", type=int, default=2, help="builds timed by stage")
    parser.add_argument("--cut", type=float, default=None, metavar="K",
                        help="also the what-if of a cut at K × capacity")
    args = parser.parse_args()
    use_pg(args.pg, create=False)
    from banyan import clock
    from banyan.calendars.workdays import next_working_day

    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    print(f"{machine()}; bank {args.pg}, day {day}", flush=True)
    with clock.frozen(day):
        stages(day, args.runs)
        if args.cut:
            what_if_cut(day, args.cut)


if __name__ == "__main__":
    main()
