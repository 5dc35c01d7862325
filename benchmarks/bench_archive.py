"""Customer-archive benchmark (issue 2): search and customer-file server time on a large book.

    .venv/bin/python benchmarks/bench_archive.py [--customers 200000] [--samples 300] [--db PATH]
    .venv/bin/python benchmarks/bench_archive.py --pg bank1m [--samples 300]

SQLite (default): builds (once, then reuses) a demo bank of N customers in its own SQLite file
with `banyan demo`. --pg DATABASE: the bank generated on the benchmarks' PostgreSQL by
benchmarks/generate.py (migrated first, so the search indexes of the checkout are there).
Then measures, in this process, through the full Django stack (middleware, auth, visibility
gate, rendering, audit write):
  - search through the header's box (10 hits) and the API (GET /api/v1/customers?q=, 50 hits),
    as the admin (the whole bank is visible) and as the manager with the largest book: name
    prefix, full pinyin prefix, pinyin initials, mobile tail, ID tail, full mobile, and (from
    issue 5) a part of the pinyin (the given name's) and a part of the name in Chinese;
  - the customer file: GET /customers/<id>/ (the page a manager opens twenty times a day).
Prints p50/p95 per kind in milliseconds. Targets: search p95 ≤ 50 ms, file p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from common import ensure_bank, machine, percentile, use_bank, use_pg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--db", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", metavar="DATABASE", help="a bank made by generate.py on the benchmarks' PostgreSQL")
    args = parser.parse_args()

    if args.pg:
        use_pg(args.pg, create=False)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        use_bank(args.customers, args.db)
        ensure_bank(args.customers, args.seed)
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from banyan.customers.models import Customer
    from banyan.customers.pinyin import search_keys
    from banyan.demo.names import family_name_of
    from banyan.org.models import Role, Staff
    from banyan.org.services import api_token_issue

    total = Customer.objects.count()
    rng = random.Random(args.seed)

    admin = Staff.objects.filter(role=Role.ADMIN).first()
    rm = Staff.objects.filter(role=Role.RM).annotate(n=Count("book")).order_by("-n").first()
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    picked = rng.sample(range(1, top + 1), min(top, args.samples * 2))
    keys = ("pk", "name", "name_initials", "name_pinyin", "mobile", "mobile_tail", "id_tail")
    rows = list(Customer.objects.filter(pk__in=picked).values_list(*keys))[:args.samples]
    # The manager searches for customers of their own book (what a manager looks up all day).
    own = list(Customer.objects.filter(rm=rm).values_list(*keys))
    own_rows = rng.sample(own, min(len(own), args.samples))
    print(f"book: {total:,} customers on {connection.vendor}; admin sees all, manager {rm.username} keeps "
          f"{rm.n:,}; {machine()}")

    def given_name(name: str) -> str:
        return name[len(family_name_of(name)):]

    def pinyin_part(name: str, pinyin: str) -> str:
        surname = search_keys(family_name_of(name))[0]
        part = pinyin[len(surname):] if pinyin.startswith(surname) else pinyin[1:]
        return part if len(part) >= 3 else pinyin[1:]

    def queries_for(rows: list[tuple]) -> dict[str, list[str]]:
        return {
            "name prefix": [r[1][:2] for r in rows],
            "pinyin prefix": [r[3][:6] for r in rows],
            "pinyin initials": [r[2] for r in rows],
            "mobile tail": [r[5] for r in rows],
            "ID tail": [r[6] for r in rows],
            "full mobile": [r[4] for r in rows],
            "pinyin part (given name)": [pinyin_part(r[1], r[3]) for r in rows],
            "Chinese part (given name)": [given_name(r[1]) if len(given_name(r[1])) >= 2 else
                                          (r[1][-2:] if len(r[1]) >= 3 else r[1]) for r in rows],
        }

    worst = 0.0
    for title, path in (("the header's search box (10 hits, HTML)", "/customers/search/suggest/"),
                        ("API search (GET /api/v1/customers?q=, 50 hits)", "/api/v1/customers")):
        print(f"\n{title:<52}{'p50 ms':>9}{'p95 ms':>9}{'hits':>7}")
        for who, sample in ((admin, rows), (rm, own_rows)):
            client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=who)}")
            client.force_login(who)
            for kind, qs in queries_for(sample).items():
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
    file_p95 = 0.0
    for who, ids in ((admin, [r[0] for r in rows]), (rm, [r[0] for r in own_rows])):
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
