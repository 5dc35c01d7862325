"""Capacity planning benchmark (issue 16 §8): the capacity page's figures for a 100-manager branch
at 1M customers on PostgreSQL. Target ≤ 500 ms.

    .venv/bin/python benchmarks/bench_capacity.py --pg bank1m [--runs 10] [--managers 100] [--over 10]

The bank: benchmarks/generate.py (and history.py); no migration of capacity planning's own (it keeps
no rows). The bank's branches have ~20 managers each, so, in ONE transaction rolled back at the end
(nothing is kept), the largest branch is given managers of other branches until it has
`--managers` (their books follow them: a book is its manager's), and `--over` of them get a daily
capacity of 5 contacts, so that they are over 100 % and the proposals are computed too.

What is timed, in this process: `banyan.staffing.capacity.capacity(branch)` — what the page and
the API read (the managers, the book by quadrant and frequency, the maturities of the customers
contacted only before maturities, the proposals' customers) — and the API's answer built from it
(`capacity_out`), `--runs` times: p50 / p95 / max, the first run (cold: connection, plans) apart;
the SQL queries per run, and the slowest queries of the last run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import machine, percentile, use_pg


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--managers", type=int, default=100)
    parser.add_argument("--over", type=int, default=10, help="managers given 5 contacts a day (over 100 %%)")
    args = parser.parse_args()

    use_pg(args.pg, create=False)  # no migrate: the bank is used as it is (capacity adds no migration)
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from banyan import clock
    from banyan.customers.models import Customer
    from banyan.org.models import BOOK_ROLES, Branch, Staff
    from banyan.staffing.capacity import capacity
    from banyan.staffing.capacity_api import capacity_out

    print(f"load average at the start: {os.getloadavg()[0]:.1f}  ({machine()})", flush=True)
    customers = Customer.objects.count()
    today = clock.today()
    results: dict = {}
    try:
        with transaction.atomic():
            largest = (Staff.objects.filter(role__in=BOOK_ROLES, is_active=True, branch__isnull=False)
                       .values("branch_id").annotate(n=Count("pk")).order_by("-n", "branch_id").first())
            branch = Branch.objects.get(pk=largest["branch_id"])
            had = largest["n"]
            wanted = max(args.managers - had, 0)
            movers = list(Staff.objects.filter(role__in=BOOK_ROLES, is_active=True).exclude(branch=branch)
                          .order_by("pk").values_list("pk", flat=True)[:wanted])
            Staff.objects.filter(pk__in=movers).update(branch=branch)
            managers = list(Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True)
                            .order_by("pk").values_list("pk", flat=True))
            Staff.objects.filter(pk__in=managers[: args.over]).update(daily_capacity=5)
            book = Customer.objects.filter(rm_id__in=managers).count()
            print(f"bank: {customers:,} customers; branch {branch.code}: {had} managers of its own + {len(movers)} "
                  f"moved in (rolled back) = {len(managers)} managers, {book:,} customers in their books; "
                  f"{min(args.over, len(managers))} of them at 5 contacts a day; today {today}", flush=True)
            times, counts, last = [], [], None
            for i in range(args.runs + 1):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    cap = capacity(branch)
                    body = capacity_out(cap, whole=True)
                    ms = (time.perf_counter() - start) * 1000
                if i == 0:
                    results["cold"] = ms
                    continue
                times.append(ms)
                counts.append(len(ctx.captured_queries))
                last = ctx.captured_queries
            over = sum(m["over"] for m in body["managers"])
            moved = sum(len(p["customer_ids"]) for p in body["proposals"])
            results.update(times=times, counts=counts, over=over, proposals=len(body["proposals"]), moved=moved,
                           unrelieved=len(body["unrelieved"]), managers=len(body["managers"]),
                           slow=sorted(((float(q["time"]) * 1000, q["sql"]) for q in last), reverse=True)[:3])
            raise _Rollback
    except _Rollback:
        pass
    t = results["times"]
    print("results:")
    print(f"  capacity of a {results['managers']}-manager branch: n={len(t)}  p50 {statistics.median(t):.1f} ms  "
          f"p95 {percentile(t, 95):.1f} ms  max {max(t):.1f} ms  (first run, cold: {results['cold']:.1f} ms)  "
          f"target ≤ 500 ms")
    print(f"  SQL queries per run: {min(results['counts'])}–{max(results['counts'])}")
    print(f"  managers over 100 %: {results['over']}; proposals: {results['proposals']} moving "
          f"{results['moved']:,} customers; still over after them: {results['unrelieved']}")
    print("  the slowest queries of the last run:")
    for ms, sql in results["slow"]:
        print(f"    {ms:8.1f} ms  {sql[:160]}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
