"""Customer-archive benchmark (issue 2): search and customer-file server time on a large book.

    .venv/bin/python benchmarks/bench_archive.py [--customers 200000] [--samples 300] [--db PATH]

Builds (once, then reuses) a demo bank of N customers in its own SQLite file with `banyan demo`,
then measures, in this process, through the full Django stack (middleware, auth, visibility gate,
rendering, audit write):
  - search: GET /api/v1/customers?q=… by name prefix, pinyin initials and mobile tail, as the
    admin (the whole bank is visible) and as the manager with the largest book;
  - the customer file: GET /customers/<id>/ (the page a manager opens twenty times a day).
Prints p50/p95 per kind in milliseconds. Targets (issue 2): search p95 ≤ 50 ms, file p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from common import ensure_bank, machine, percentile, use_bank


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--db", default=None)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    use_bank(args.customers, args.db)
    ensure_bank(args.customers, args.seed)
    from django.db.models import Count
    from django.test import Client

    from banyan.customers.models import Customer
    from banyan.org.models import Role, Staff
    from banyan.org.services import api_token_issue

    total = Customer.objects.count()
    rng = random.Random(args.seed)

    admin = Staff.objects.filter(role=Role.ADMIN).first()
    rm = Staff.objects.filter(role=Role.RM).annotate(n=Count("book")).order_by("-n").first()
    ids = list(Customer.objects.values_list("pk", flat=True))
    sample = Customer.objects.filter(pk__in=rng.sample(ids, min(len(ids), args.samples)))
    rows = list(sample.values_list("pk", "rm_id", "name", "name_initials", "mobile_tail"))
    print(f"book: {total:,} customers; admin sees all, manager {rm.username} keeps {rm.n:,}; {machine()}")

    queries = {
        "name prefix": [r[2][:2] for r in rows],
        "pinyin initials": [r[3] for r in rows],
        "mobile tail": [f"{rng.randrange(10000):04d}" for _ in rows],
    }
    print(f"\n{'search (GET /api/v1/customers?q=)':<44}{'p50 ms':>9}{'p95 ms':>9}{'hits':>7}")
    worst = 0.0
    for who in (admin, rm):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=who)}")
        for kind, qs in queries.items():
            times, hits = [], 0
            for q in qs:
                start = time.perf_counter()
                response = client.get("/api/v1/customers", {"q": q})
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.content[:200]
                hits += response.json()["count"]
            worst = max(worst, percentile(times, 95))
            label = f"  {kind} as {who.role} ({who.username})"
            print(f"{label:<44}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}{hits / len(qs):>7.1f}")

    print(f"\n{'customer file (GET /customers/<id>/)':<44}{'p50 ms':>9}{'p95 ms':>9}")
    for who, subset in ((admin, rows), (rm, [r for r in rows if r[1] == rm.pk] or rows[:0])):
        if not subset:
            subset = [(pk, rm.pk) for pk in Customer.objects.filter(rm=rm).values_list("pk", flat=True)[:100]]
        client = Client()
        client.force_login(who)
        times = []
        for row in subset:
            start = time.perf_counter()
            response = client.get(f"/customers/{row[0]}/")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        label = f"  as {who.role} ({who.username}, {len(subset)} files)"
        print(f"{label:<44}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}")
        file_p95 = percentile(times, 95)
    print(f"\ntargets: search p95 ≤ 50 ms (worst here {worst:.1f}); file p95 ≤ 150 ms (last {file_p95:.1f})")


if __name__ == "__main__":
    main()
