"""Review benchmark (issue 14, KPI-1..3): the branch head's review of a quarter, the bank's review
of its branches, and the monthly reports of all branch heads, at 1M customers on PostgreSQL.

    .venv/bin/python benchmarks/bench_kpis.py --pg bank1m [--runs 20] [--bank-runs 3] [--page-runs 10] [--repeat 1]
                                                [--parts abcd] [--jit server|off] [--prewarm]

The bank: benchmarks/generate.py, then benchmarks/history.py (a quarter and a half of daily
worklists, contacts, opportunities, sales, the month-end snapshots' book and quadrant); migrated
first. Periods: the last full quarter before the bank's today (both ends read from month-end
snapshots) and the current quarter so far (the end book is today's customers).

What is timed, in this process, through `banyan.kpis.figures.review()` — what the pages, the API
and the Excel all read:
  (a) the branch review of a quarter, `review(Scope(branch_id=b), quarter)`, for `--runs`
      different branches (the largest among them): p50 / p95 / max (with --repeat N, the best
      of N reviews of each branch), the first review of the process (cold: connection, imports,
      PostgreSQL's plans) apart; the SQL queries per review and the slowest ones. Target p95 ≤ 1 s.
  (a') what the branch head's review page computes for a quarter: the review, the weekly trend,
      the trend per manager and the quadrant migration matrix (`--page-runs` branches).
  (b) the bank's review, `review(Scope(), quarter)` and `.by_branch()` (100 branches): median and
      max over `--bank-runs`. Target ≤ 5 s.
  (c) the monthly reports of every branch head: `banyan.kpis.report.monthly_reports_build` when it
      exists (run in a transaction rolled back: nothing is sent or kept), else the review and its
      workbook (`banyan.kpis.excel.review_workbook`) per branch, else not measured. Total time.
  (d) EXPLAIN (ANALYZE, BUFFERS) of the slowest query of a branch review and of the bank's review.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import os
import random
import re
import statistics
import time

from common import machine, percentile, prewarm, use_pg


class _Rollback(Exception):
    pass


def _label(sql: str) -> str:
    """A short name for a query: the table it reads first, and what it groups by."""
    table = re.search(r'FROM "(\w+)"', sql)
    group = re.search(r"GROUP BY (.{0,60})", sql)
    name = table.group(1) if table else sql[:40]
    return name + (" (grouped)" if group else "")


#: The tables the review reads (with their indexes).
REVIEW_TABLES = ("worklists_task", "contacts_interaction", "contacts_opportunity", "holdings_holding",
                 "holdings_transaction", "holdings_aumsnapshot", "customers_customer", "segments_customersegment",
                 "holdings_product", "org_staff")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE", required=True,
                        help="a bank made by generate.py and history.py on the benchmarks' PostgreSQL")
    parser.add_argument("--runs", type=int, default=20, help="branch reviews (each a different branch)")
    parser.add_argument("--bank-runs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1,
                        help="each branch review N times, the best kept (a shared machine's other jobs filtered out)")
    parser.add_argument("--page-runs", type=int, default=10,
                        help="branches whose review page's figures (review, trends, matrix) are timed")
    parser.add_argument("--parts", default="abcd",
                        help="which of (a) branch reviews, (b) the bank's review, (c) the monthly reports, "
                             "(d) EXPLAIN to run, e.g. 'ab' (default: all)")
    parser.add_argument("--jit", choices=("server", "off"), default="server",
                        help="off: SET jit = off for this connection (PostgreSQL's JIT compiles the bank-wide "
                             "queries, seconds for some; see the README)")
    parser.add_argument("--prewarm", action="store_true",
                        help="read the tables and indexes the review reads into the OS cache first (pg_prewarm), "
                             "as on a database server whose memory holds them; without it, each branch's first "
                             "review reads its rows from disk")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    use_pg(args.pg, create=False)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from banyan import clock
    from banyan.kpis.figures import Scope, review
    from banyan.kpis.periods import Period
    from banyan.org.models import Branch
    from banyan.worklists.models import Task

    if args.jit == "off":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    if args.prewarm:
        print(prewarm(connection, REVIEW_TABLES), flush=True)
    today = clock.today()
    this_quarter = Period.of("quarter", today)
    last_quarter = Period.of("quarter", this_quarter.start - dt.timedelta(days=1))
    rng = random.Random(args.seed)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers_customer")
        customers = cursor.fetchone()[0]
    tasks = Task.objects.filter(date__gte=last_quarter.start).count()
    print(f"bank: {customers:,} customers, {tasks:,} tasks since {last_quarter.start} (PostgreSQL {args.pg}, "
          f"jit {args.jit}); today {today}; {machine()}", flush=True)

    sizes = dict(Branch.objects.annotate(n=Count("customers")).values_list("pk", "n"))
    largest = max(sizes, key=sizes.get)
    branches = [largest] + rng.sample(sorted(set(sizes) - {largest}), min(len(sizes) - 1, args.runs - 1))

    def timed(fn):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            result = fn()
            elapsed = (time.perf_counter() - start) * 1000
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        return elapsed, queries, result

    def line(name: str, values: list[float], target: str) -> None:
        print(f"  {name:<44} n={len(values):>3}  p50 {statistics.median(values):8.1f} ms  "
              f"p95 {percentile(values, 95):8.1f} ms  max {max(values):8.1f} ms   target {target}", flush=True)

    def slowest(queries: list[tuple[float, str]], k: int = 5) -> None:
        for ms, sql in sorted(queries, reverse=True)[:k]:
            print(f"      {ms:8.1f} ms  {_label(sql)}", flush=True)

    # (a) the branch review of a quarter
    results: dict[str, dict] = {}
    for name, period in (("last full quarter", last_quarter), ("this quarter so far", this_quarter)):
        if "a" not in args.parts:
            break
        times, counts, worst = [], [], (0.0, [])
        cold = None
        for b in branches:
            elapsed, queries, r = timed(lambda b=b, period=period: review(Scope(branch_id=b), period))
            if cold is None and not results:
                cold = elapsed
                elapsed, queries, r = timed(lambda b=b, period=period: review(Scope(branch_id=b), period))
            for _k in range(args.repeat - 1):  # best of --repeat: what the other jobs on the cores did not add
                again = timed(lambda b=b, period=period: review(Scope(branch_id=b), period))
                if again[0] < elapsed:
                    elapsed, queries, r = again
            times.append(elapsed)
            counts.append(len(queries))
            if elapsed > worst[0]:
                worst = (elapsed, queries, b, len(r.rows))
        results[name] = {"times": times, "counts": counts, "worst": worst, "cold": cold}

    # (a') what the branch head's review page computes besides: the weekly trend, the trend per
    # manager and the quadrant migration matrix (banyan.kpis.views.review_page)
    from banyan.kpis import figures

    page_times = []
    if "a" in args.parts and all(hasattr(figures, f) for f in ("weekly_trend", "weekly_trend_by_row",
                                                                 "quadrant_matrix")):
        for b in branches[:args.page_runs]:
            scope = Scope(branch_id=b)
            elapsed, _queries, _r = timed(lambda scope=scope: (
                review(scope, last_quarter), figures.weekly_trend(scope, last_quarter),
                figures.weekly_trend_by_row(scope, last_quarter), figures.quadrant_matrix(scope, last_quarter)))
            page_times.append(elapsed)

    # (b) the bank's review, and its branches
    bank: dict[str, dict] = {}
    for name, period in (("last full quarter", last_quarter), ("this quarter so far", this_quarter)):
        if "b" not in args.parts:
            break
        # what it costs to count and keep the period's closed days (banyan.kpis.kept) from nothing,
        # as the morning's run (banyan.kpis.monthly_reports) does once before anyone asks: timed
        # with every kept row deleted, in a transaction rolled back after
        from banyan.kpis.models import KeptBook, KeptDay, KeptWork

        with transaction.atomic():
            for model in (KeptDay, KeptWork, KeptBook):
                model.objects.all().delete()
            filling, _q, _r = timed(lambda period=period: review(Scope(), period).by_branch())
            transaction.set_rollback(True)
        review(Scope(), period)  # kept as before (a run that starts from nothing keeps them here)
        times, first = [], None
        for _k in range(args.bank_runs):
            elapsed, queries, r = timed(lambda period=period: review(Scope(), period).by_branch())
            times.append(elapsed)
            if first is None or elapsed > first[0]:
                first = (elapsed, queries, len(r))
        bank[name] = {"times": times, "worst": first, "filling": filling}

    # (c) the monthly reports of all branch heads
    reports = None
    if "c" in args.parts:
        reports = _monthly_reports(today, timed, transaction)

    print("results:")
    for name, res in results.items():
        print(f"(a) branch review, {name} ({(last_quarter if 'last' in name else this_quarter).label()}):")
        if res["cold"] is not None:
            print(f"  first review of the process (cold), branch {branches[0]}: {res['cold']:.1f} ms")
        line("branch review", res["times"], "p95 ≤ 1,000 ms")
        ms, queries, b, rows = res["worst"]
        print(f"  SQL queries per review: {min(res['counts'])}–{max(res['counts'])}; the slowest review "
              f"(branch {b}, {sizes.get(b, 0):,} customers, {rows} rows) {ms:.1f} ms, its slowest queries:")
        slowest(queries)
    if page_times:
        line("(a') the page's figures (review, trends, matrix)", page_times, "—")
    for name, res in bank.items():
        ms, queries, n = res["worst"]
        print(f"(b) the bank's review and its {n} branches, {name}: best {min(res['times']):.0f} ms, "
              f"median {statistics.median(res['times']):.0f} ms, max {max(res['times']):.0f} ms over "
              f"{len(res['times'])} runs   target ≤ 5,000 ms; "
              f"{len(queries)} queries, the slowest:")
        slowest(queries)
        print(f"  the first review of the period, counting and keeping its closed days from nothing: "
              f"{res['filling']:.0f} ms")
    if reports is None:
        print("(c) the monthly reports: not measured (--parts)")
    else:
        print(f"(c) the monthly reports of all branch heads: {reports}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)

    # (d) the slowest queries, explained
    explained = []
    if "d" in args.parts and results:
        explained.append(("branch review, last full quarter", results["last full quarter"]["worst"][1]))
    if "d" in args.parts and bank:
        explained.append(("the bank's review, last full quarter", bank["last full quarter"]["worst"][1]))
    for title, queries in explained:
        ms, sql = max(queries)
        print(f"\n(d) EXPLAIN ANALYZE of the slowest query of the {title} ({ms:.1f} ms in the run):\n{sql}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("\n".join(row[0] for row in cursor.fetchall()), flush=True)


def _monthly_reports(today: dt.date, timed, transaction) -> str:
    """(c): the reports of the month before today for every branch head, by whatever the review
    offers by now; a description of what was timed and the total."""
    try:
        report = importlib.import_module("banyan.kpis.report")
    except ImportError:
        report = None
    build = getattr(report, "monthly_reports_build", None)
    month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if build is not None:
        params = inspect.signature(build).parameters
        kwargs = {}
        for name in ("day", "today", "month", "as_of"):
            if name in params:
                kwargs[name] = month_start if name == "month" else today
        box = {}

        def run():
            try:
                with transaction.atomic():
                    box["result"] = build(**kwargs)
                    raise _Rollback
            except _Rollback:
                pass
            return box.get("result")

        ms, queries, result = timed(run)
        if isinstance(result, dict):  # {"built": [codes], "sent": {code: [names]}, …}: how many of each
            result = {k: len(v) if isinstance(v, list | dict) else v for k, v in result.items()}
        built = result.get("built", 0) if isinstance(result, dict) else 0
        return (f"monthly_reports_build({', '.join(f'{k}={v}' for k, v in kwargs.items())}) → {result}: "
                f"{ms / 1000:.1f} s in all ({ms / max(1, built):.0f} ms a branch), {len(queries)} queries "
                f"(in a transaction rolled back)")
    try:
        excel = importlib.import_module("banyan.kpis.excel")
    except ImportError:
        excel = None
    workbook = getattr(excel, "review_workbook", None)
    if workbook is None:
        return ("not measured — neither banyan.kpis.report.monthly_reports_build nor "
                "banyan.kpis.excel.review_workbook exists yet")
    from banyan.kpis.figures import Scope, review
    from banyan.kpis.periods import Period
    from banyan.org.models import Branch

    period = Period.of("month", month_start)
    total, sizes = 0.0, []
    for b in Branch.objects.order_by("code").values_list("pk", flat=True):
        ms, _queries, data = timed(lambda b=b: workbook(review(Scope(branch_id=b), period)))
        total += ms
        sizes.append(len(data) if isinstance(data, bytes | bytearray) else 0)
    return (f"review + review_workbook per branch, {len(sizes)} branches, {period.label()}: {total / 1000:.1f} s "
            f"in all, {total / max(1, len(sizes)):.0f} ms a branch")


if __name__ == "__main__":
    main()
