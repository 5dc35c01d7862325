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
    rows = list(sample.values_list("pk", "name", "name_initials"))
    print(f"book: {total:,} customers; admin sees all, manager {rm.username} keeps {rm.n:,}; {machine()}")

    queries = {
        "name prefix": [r[1][:2] for r in rows],
        "pinyin initials": [r[2] for r in rows],
        "mobile tail": [f"{rng.randrange(10000):04d}" for _ in rows],
    }
    worst = 0.0
    for title, path in (("the header's search box (10 hits, HTML)", "/customers/search/suggest/"),
                        ("API search (GET /api/v1/customers?q=, 50 hits)", "/api/v1/customers")):
        print(f"\n{title:<52}{'p50 ms':>9}{'p95 ms':>9}{'hits':>7}")
        for who in (admin, rm):
            client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=who)}")
            client.force_login(who)
            for kind, qs in queries.items():
                times, hits = [], 0
                for q in qs:
                    start = time.perf_counter()
                    response = client.get(path, {"q": q})
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, response.content[:200]
                    hits += response.json()["count"] if path.startswith("/api") else response.content.count(b"<a ")
                worst = max(worst, percentile(times, 95))
                label = f"  {kind} as {who.role} ({who.username})"
                print(f"{label:<52}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}"
                      f"{hits / len(qs):>7.1f}")

    print(f"\n{'customer file (GET /customers/<id>/)':<52}{'p50 ms':>9}{'p95 ms':>9}")
    own = list(Customer.objects.filter(rm=rm).values_list("pk", flat=True))
    file_p95 = 0.0
    for who, ids in ((admin, [r[0] for r in rows]), (rm, rng.sample(own, min(len(own), args.samples)))):
        client = Client()
        client.force_login(who)
        times = []
        for pk in ids:
            start = time.perf_counter()
            response = client.get(f"/customers/{pk}/")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        label = f"  as {who.role} ({who.username}, {len(ids)} files)"
        print(f"{label:<52}{statistics.median(times):>9.1f}{percentile(times, 95):>9.1f}")
        file_p95 = max(file_p95, percentile(times, 95))
    print(f"\ntargets: search p95 ≤ 50 ms (worst here {worst:.1f}); file p95 ≤ 150 ms (worst here {file_p95:.1f})")


if __name__ == "__main__":
    main()
