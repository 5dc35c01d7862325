"""One day's worklists for a whole bank (issue 5): the engine against a hand-written DuckDB query
over the same data exported to Parquet, and against a naive per-customer ORM loop, in one run.

    .venv/bin/python benchmarks/bench_worklist.py --pg bank1m [--day 2026-11-25] [--naive-sample 2000] [--per-trigger]
    .venv/bin/python benchmarks/bench_worklist.py [--customers 200000] [--holdings 1000000]   # SQLite

Prints, in this order:
- export: the triggers' tables copied to Parquet (`worklist_duckdb.export`), per table and in all;
- DuckDB: the one query computing every reason of the day's window (`worklist_duckdb.QUERY`), best
  of --repeat runs;
- engine, triggers only: `triggers.collect` for the whole bank over the same window (the 15
  set-based triggers; their Reason objects carry the Chinese detail lines), best of --repeat runs;
- PostgreSQL alone (on PostgreSQL): the triggers' queries re-run under EXPLAIN ANALYZE — the
  server's execution time without sending a row: what the row store costs before any Python;
  with --per-trigger, also each trigger's own time against its queries';
- the same reasons? (customer, code, date, ref) of both, matched per reason code — must be equal;
- engine, full build: `worklists_build(day=…)` for every manager (triggers, the already-planned
  look-up, facts, the planner, stored tasks and reasons) and the foreign-key checks its commit
  would run (`common.commit_checks`; not timed until session 24), best of --repeat like the
  triggers (until session 22 one run);
- naive loop: per customer, ~8 ORM queries for a subset of the reasons (birthdays solar and lunar,
  maturities, cards, overdue loans, take-profit/stop-loss, memos, cadence, risk assessments), then
  the same planner and one INSERT per task and reason; timed on every k-th customer (by id) of
  --naive-sample customers and scaled up linearly (0 = the whole bank);
- ratios: engine ÷ DuckDB (target ≤ 3×) and naive ÷ engine (target ≥ 50×); on PostgreSQL also issue
  15 §3's: triggers ÷ PostgreSQL alone (≤ 1.5×) and full build ÷ triggers (≤ 2×).
Everything the run writes is rolled back (--keep leaves the engine's lists in place).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import defaultdict

from common import OUT, commit_checks, ensure_bank, machine, use_bank, use_pg, vacuum_build_writes


def top_up_holdings(target: int, seed: int) -> None:
    """Clone asset holdings (new numbers, maturities spread over the coming year) up to `target`."""
    from banyan.holdings.models import Holding
    from banyan.holdings.services import customers_refresh_aum
    from banyan.segments.services import segments_recompute

    have = Holding.objects.count()
    if have >= target:
        return
    rng = random.Random(seed)
    start = time.perf_counter()
    source = list(Holding.objects.exclude(product__type__in=["loan", "credit_card"]).values(
        "customer_id", "product_id", "amount", "current_value", "purchase_date", "maturity_date", "cost_price",
        "units", "expected_return_pct", "take_profit_pct", "stop_loss_pct", "risk_level_at_sale"))
    made, batch = have, []
    while made < target:
        row = dict(rng.choice(source))
        if row["maturity_date"]:
            row["maturity_date"] = row["purchase_date"] + dt.timedelta(days=rng.randint(30, 720))
        batch.append(Holding(**row, account_no=f"9{made:018d}"))
        made += 1
        if len(batch) == 5000:
            Holding.objects.bulk_create(batch)
            batch = []
    Holding.objects.bulk_create(batch)
    customers_refresh_aum()
    segments_recompute()
    print(f"topped holdings up to {target:,} in {time.perf_counter() - start:.0f} s", flush=True)


def naive_reasons(customer, day: dt.date, window_last: dt.date, policy, rules):
    """Everything the triggers find, for ONE customer, with the queries a per-customer loop makes."""
    from lunar_python import Lunar, Solar

    from banyan.contacts.models import Interaction, Memo, real_contact_q
    from banyan.holdings.models import Holding
    from banyan.segments.models import CustomerSegment
    from banyan.worklists.triggers import Reason

    out = []

    def span(code):
        rule = rules[code]
        return day - dt.timedelta(days=rule.grace_days), window_last + dt.timedelta(days=rule.lead_days)

    first, last = span("birthday")
    if customer.birth_date:
        birth = customer.birth_date
        for year in {first.year, last.year}:
            if customer.lunar_birthday:
                lunar = Solar.fromYmd(birth.year, birth.month, birth.day).getLunar()
                try:
                    s = Lunar.fromYmd(year, abs(lunar.getMonth()), lunar.getDay()).getSolar()
                except Exception:  # noqa: BLE001 - day 30 missing this year
                    s = Lunar.fromYmd(year, abs(lunar.getMonth()), 29).getSolar()
                when = dt.date(s.getYear(), s.getMonth(), s.getDay())
            else:
                try:
                    when = birth.replace(year=year)
                except ValueError:
                    when = dt.date(year, 2, 28)
            if first <= when <= last:
                out.append(Reason(customer.pk, "birthday", "生日", when))
    holdings = list(Holding.objects.filter(customer=customer, status="active").select_related("product"))
    for h in holdings:
        kind = h.product.type
        code = {"time_deposit": "deposit_maturity", "wealth": "product_maturity", "bond": "product_maturity",
                "insurance": "product_maturity", "loan": "loan_maturity"}.get(kind)
        if code and h.maturity_date:
            f, la = span(code)
            if f <= h.maturity_date <= la:
                out.append(Reason(customer.pk, code, h.product.name, h.maturity_date, f"holding:{h.pk}"))
        if kind == "credit_card" and h.payment_due_date and h.minimum_payment:
            f, la = span("card_repayment")
            if f <= h.payment_due_date <= la:
                out.append(Reason(customer.pk, "card_repayment", "还款", h.payment_due_date, f"holding:{h.pk}"))
        if kind == "loan" and h.overdue_days:
            out.append(Reason(customer.pk, "loan_overdue", "逾期", day, f"holding:{h.pk}"))
        nav = h.product.latest_nav
        if h.cost_price and nav and h.product.latest_nav_date < window_last:
            change = (nav - h.cost_price) / h.cost_price * 100
            if h.stop_loss_pct is not None and change <= -h.stop_loss_pct:
                out.append(Reason(customer.pk, "stop_loss", "止损", day, f"holding:{h.pk}"))
            if h.take_profit_pct is not None and change >= h.take_profit_pct:
                out.append(Reason(customer.pk, "take_profit", "止盈", day, f"holding:{h.pk}"))
    f, la = span("memo_due")
    for memo in Memo.objects.filter(customer=customer, status="open"):
        if f <= memo.due_date <= la:
            out.append(Reason(customer.pk, "memo_due", memo.text, memo.due_date, f"memo:{memo.pk}"))
    last_real = Interaction.objects.filter(real_contact_q(), customer=customer).order_by("-occurred_at").first()
    segment = CustomerSegment.objects.filter(customer=customer).first()
    if segment:
        if last_real is None:
            out.append(Reason(customer.pk, "cadence_due", "首次", day))
        elif last_real.occurred_at.date() + dt.timedelta(days=segment.frequency_days) <= window_last:
            out.append(Reason(customer.pk, "cadence_due", "定期",
                              last_real.occurred_at.date() + dt.timedelta(days=segment.frequency_days)))
    f, la = span("risk_assessment_expiry")
    if customer.risk_assessed_on and f <= customer.risk_assessed_on + dt.timedelta(days=365) <= la:
        out.append(Reason(customer.pk, "risk_assessment_expiry", "测评", customer.risk_assessed_on
                          + dt.timedelta(days=365)))
    return out


def naive_build(day: dt.date, sample: int | None) -> tuple[float, int, int]:
    """A per-customer loop over the ORM; returns (seconds, customers looked at, tasks written).
    With `sample`, only every k-th customer by id, k chosen to look at about `sample` customers."""
    from django.db.models import F

    from banyan.calendars.workdays import is_working_day
    from banyan.contacts.models import Interaction
    from banyan.customers.models import Customer
    from banyan.segments.models import CustomerSegment, SegmentPolicy
    from banyan.worklists.models import Task, TaskReason
    from banyan.worklists.planner import Facts, plan
    from banyan.worklists.services import planner_rules

    customers = Customer.objects.filter(rm__isnull=False).order_by("pk")
    if sample:
        step = max(1, customers.count() // sample)
        customers = customers.alias(k=F("pk") % step).filter(k=0)
    start = time.perf_counter()
    policy = SegmentPolicy.current()
    rules = planner_rules(policy)
    window_last = day + dt.timedelta(days=7)
    by_manager, facts = defaultdict(list), defaultdict(dict)
    seen = 0
    for c in customers.iterator(chunk_size=2000):
        seen += 1
        reasons = naive_reasons(c, day, window_last, policy, rules.reason_rules)
        planned_before = set(TaskReason.objects.filter(customer_id=c.pk, task__date__lt=day)
                             .values_list("code", "due_date", "ref"))
        reasons = [r for r in reasons if (r.code, r.due, r.ref) not in planned_before]
        if not reasons:
            continue
        segment = CustomerSegment.objects.filter(customer=c).first()
        calls = Interaction.objects.filter(customer=c, channel="phone",
                                           occurred_at__date__gte=day.replace(day=1)).count()
        facts[c.rm_id][c.pk] = Facts(c.pk, c.rm_id, float(c.aum), segment.quadrant if segment else "low_low",
                                     bool(segment and segment.is_priority), c.preferred_channel,
                                     c.consent, c.do_not_disturb, calls)
        by_manager[c.rm_id] += reasons
    written = 0
    from banyan.org.models import Staff

    for manager_id, reasons in by_manager.items():
        capacity = Staff.objects.get(pk=manager_id).daily_capacity
        for p in plan(days=[day], reasons=reasons, facts=facts[manager_id], capacity=capacity,
                      is_working_day=is_working_day, rules=rules)[day]:
            task = Task.objects.create(manager_id=manager_id, date=day, customer_id=p.customer_id, rank=p.rank,
                                       priority=p.priority, suggested_channel=p.channel, rule_note=p.rule_note,
                                       status="suppressed" if p.suppressed else "open")
            for r in p.reasons:
                TaskReason.objects.create(task=task, customer_id=r.customer_id, code=r.code, detail=r.detail,
                                          due_date=r.due, ref=r.ref)
            written += 1
    return time.perf_counter() - start, seen, written


def postgres_alone(run) -> tuple[float, int]:
    """The server's own execution time of every query `run` sends (each re-run under EXPLAIN
    (ANALYZE, TIMING OFF): executed in full, nothing sent back): what a row store spends on the
    triggers' reading and joining before any row reaches Python."""
    import json

    from django.db import connection

    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("SELECT"):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        run()
    total = 0.0
    with connection.cursor() as cur:
        for sql, params in captured:
            cur.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}", params)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += plan[0]["Execution Time"] / 1000
    return total, len(captured)


def per_trigger(window, repeat: int) -> None:
    """Each trigger alone: its time in the engine (best of `repeat`) against PostgreSQL alone for
    its queries — where the engine's time over the server's goes (issue 15 §3)."""
    from banyan.worklists.triggers import TRIGGERS, gc_paused

    engine_total = server_total = 0.0
    for trigger in TRIGGERS:
        def run(trigger=trigger):
            with gc_paused():
                return trigger(window)
        engine_s, found = best(run, repeat)
        server_s, queries = postgres_alone(run)
        engine_total, server_total = engine_total + engine_s, server_total + server_s
        print(f"  {trigger.__name__:26} {len(found):9,} reasons   engine {engine_s:6.3f} s   PostgreSQL alone "
              f"{server_s:6.3f} s ({queries} queries)   over {engine_s - server_s:6.3f} s")
    print(f"  {'all, one by one':26} {'':9}           engine {engine_total:6.3f} s   PostgreSQL alone "
          f"{server_total:6.3f} s   = {engine_total / server_total:.2f}×", flush=True)


def clear(day: dt.date) -> None:
    from banyan.worklists.models import Task, WorklistDay

    Task.objects.filter(date=day).delete()
    WorklistDay.objects.filter(date=day).delete()


def best(fn, repeat: int):
    """(best seconds, last result) of `repeat` calls."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def compare(engine_keys: set, duck_keys: set) -> bool:
    """Print, per reason code, how many (customer, code, date, ref) each side found and how many
    match; True when the two sets are equal."""
    codes = sorted({k[1] for k in engine_keys | duck_keys})
    print(f"  {'reason':24} {'engine':>9} {'DuckDB':>9} {'matched':>9} {'engine only':>12} {'DuckDB only':>12}")
    for code in codes:
        e = {k for k in engine_keys if k[1] == code}
        d = {k for k in duck_keys if k[1] == code}
        print(f"  {code:24} {len(e):9,} {len(d):9,} {len(e & d):9,} {len(e - d):12,} {len(d - e):12,}")
        for k in sorted(e - d)[:3] + sorted(d - e)[:3]:
            print(f"      e.g. {'engine only' if k in e else 'DuckDB only'}: {k}")
    same = engine_keys == duck_keys
    print(f"  {'all':24} {len(engine_keys):9,} {len(duck_keys):9,} {len(engine_keys & duck_keys):9,} "
          f"{len(engine_keys - duck_keys):12,} {len(duck_keys - engine_keys):12,}   "
          f"{'the same reasons' if same else 'MISMATCH'}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE", help="a bank on the benchmarks' PostgreSQL (e.g. bank1m)")
    parser.add_argument("--customers", type=int, default=200_000, help="SQLite: the demo bank's size")
    parser.add_argument("--holdings", type=int, default=1_000_000, help="SQLite: top holdings up to this")
    parser.add_argument("--db", default=None, help="SQLite: the bank's file")
    parser.add_argument("--day", default=None, help="YYYY-MM-DD; default: the first working day after today")
    parser.add_argument("--naive-sample", type=int, default=None,
                        help="customers the naive loop looks at (scaled up); 0 = all; default 2000 on PG, 0 on SQLite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the DuckDB query and of the triggers")
    parser.add_argument("--keep", action="store_true", help="keep the engine's stored lists")
    parser.add_argument("--per-trigger", action="store_true",
                        help="PostgreSQL: each trigger's time (best of --repeat) against its queries' execution alone")
    args = parser.parse_args()
    if args.pg:
        use_pg(args.pg, create=False)
        parquet_dir = OUT / f"parquet-{args.pg}"
        sample = 2000 if args.naive_sample is None else args.naive_sample
    else:
        use_bank(args.customers, args.db)
        ensure_bank(args.customers)
        top_up_holdings(args.holdings, seed=11)
        parquet_dir = OUT / f"parquet-{args.customers}"
        sample = args.naive_sample or 0

    import worklist_duckdb
    from django.db import connection, transaction

    from banyan import clock
    from banyan.calendars.workdays import next_working_day
    from banyan.customers.models import Customer
    from banyan.holdings.models import Holding
    from banyan.org.models import BOOK_ROLES, Staff
    from banyan.segments.models import SegmentPolicy
    from banyan.worklists.models import Task
    from banyan.worklists.services import LOOK_AHEAD_DAYS, holiday_overrides_load, planner_rules, worklists_build
    from banyan.worklists.triggers import Window, collect, collect_by_kind

    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    customers, holdings = Customer.objects.count(), Holding.objects.count()
    managers = Staff.objects.filter(role__in=BOOK_ROLES).count()
    print(f"bank: {customers:,} customers, {holdings:,} holdings, {managers:,} managers on {connection.vendor}; "
          f"day {day}; {machine()}", flush=True)

    start = time.perf_counter()
    exported = worklist_duckdb.export(parquet_dir)
    export_s = time.perf_counter() - start
    print(f"export to Parquet:              {export_s:8.2f} s   "
          + ", ".join(f"{name} {rows:,} ({s:.1f} s)" for name, (rows, s) in exported.items()), flush=True)

    with clock.frozen(day):
        p = worklist_duckdb.params(day)
        con = worklist_duckdb.connect(p)
        duck_s, duck_rows = best(lambda: worklist_duckdb.reasons(con, parquet_dir, p), args.repeat)
        print(f"DuckDB query (best of {args.repeat}):       {duck_s:8.3f} s   {len(duck_rows):,} reasons", flush=True)

        policy = SegmentPolicy.current()
        rules = planner_rules(policy)
        window = Window(first=day, last=day + dt.timedelta(days=LOOK_AHEAD_DAYS), rules=rules.reason_rules,
                        policy=policy, manager_ids=None)
        holiday_overrides_load()
        triggers_s, found = best(lambda: collect(window), args.repeat)
        print(f"engine triggers (best of {args.repeat}):    {triggers_s:8.3f} s   {len(found):,} reasons", flush=True)
        # (since session 29 a one-day build runs them with the regular contacts kept by kind, made
        # reasons only as far as the lists take them: its own triggers, printed apart)
        by_kind_s, _parts = best(lambda: collect_by_kind(window), args.repeat)
        print(f"  of which a build runs (collect_by_kind, regular contacts by kind): {by_kind_s:.3f} s", flush=True)
        pg_s = None
        if connection.vendor == "postgresql":
            pg_s, queries = postgres_alone(lambda: collect(window))
            print(f"PostgreSQL alone:               {pg_s:8.3f} s   the triggers' {queries} queries executed by the "
                  f"server, rows discarded (EXPLAIN ANALYZE: no transfer, no Python) = {pg_s / duck_s:.1f}× DuckDB",
                  flush=True)
            if args.per_trigger:
                per_trigger(window, args.repeat)
        print("the same reasons? (customer, code, date, ref)")
        same = compare({(r.customer_id, r.code, r.due, r.ref) for r in found}, set(duck_rows))
        del found

        # best of --repeat, as the triggers (the machine's speed moves by ±30 % within minutes);
        # each build into vacuumed tables, with the checks its commit would run (the deferred
        # foreign keys, common.commit_checks), and rolled back (the last kept with --keep)
        times, checks = [], []
        for n in range(args.repeat):
            vacuum_build_writes()
            with transaction.atomic():
                clear(day)
                start = time.perf_counter()
                result = worklists_build(day=day)
                built = time.perf_counter()
                commit_checks()
                times.append(time.perf_counter() - start)
                checks.append(time.perf_counter() - built)
                engine_tasks = Task.objects.filter(date=day).count()
                transaction.set_rollback(not (args.keep and n == args.repeat - 1))
        build_s = min(times)
        unchecked_s = min(t - c for t, c in zip(times, checks, strict=True))
        print(f"engine full build (best of {args.repeat}): {build_s:6.2f} s   {result.managers:,} managers, "
              f"{result.tasks:,} tasks, {result.suppressed:,} left out by contact rules; each "
              f"{', '.join(f'{t:.2f}' for t in times)} s, of which the commit's foreign-key checks "
              f"{', '.join(f'{t:.2f}' for t in checks)} s", flush=True)

        with transaction.atomic():
            clear(day)
            naive, seen, written = naive_build(day, sample or None)
            transaction.set_rollback(True)  # (the engine's lists, with --keep, come back)
    scale = customers / seen if seen else 1
    naive_total = naive * scale
    label = "naive per-customer ORM loop" + (f" ({seen:,} customers × {scale:.0f})" if scale > 1 else "")
    print(f"{label}: {naive_total:8.1f} s   {written:,} tasks"
          + ("" if scale > 1 else f" (engine: {engine_tasks:,})"))
    print(f"ratios: engine triggers ÷ DuckDB = {triggers_s / duck_s:.1f}×, full build ÷ DuckDB = "
          f"{build_s / duck_s:.1f}× (target ≤ 3×); naive ÷ full build = {naive_total / build_s:.0f}× "
          f"(target ≥ 50×); reasons {'equal' if same else 'NOT equal'}")
    if pg_s:
        print(f"issue 15 §3: triggers ÷ PostgreSQL alone = {triggers_s / pg_s:.2f}× (target ≤ 1.5×), "
              f"full build ÷ triggers = {build_s / triggers_s:.2f}× (target ≤ 2×; without the commit's checks, "
              f"as the runs before session 24 timed it: {unchecked_s / triggers_s:.2f}×); "
              f"full build ÷ the build's own triggers (collect_by_kind) = {build_s / by_kind_s:.2f}×")


if __name__ == "__main__":
    main()
