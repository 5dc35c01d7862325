"""今日工作 in one process (issue 15 §5): what the page costs the server per view and per card,
without the load test's queueing, on the bank the load test uses.

    .venv/bin/python benchmarks/bench_today.py --pg load1m [--managers 20] [--views 5]
    .venv/bin/python benchmarks/bench_today.py --customers 5000        # the SQLite demo bank

Picks the load test's managers (every tenth of rm0001…, as bench_load.py's plan; on the demo bank
the managers with a book), builds today's lists for those that have none (as the nightly job
would, kept — run it on a copy such as load1m), then views each manager's 今日工作 through the full
stack (Django's test client, logged in as the manager) --views times after one warm-up view, and
prints per page: the median wall time, the cards written, the queries; and for the whole run the
median page, the median ms per card, and where a page's time goes — what the view reads and
computes (the day's context with every card's lazy parts: talking points, topics, suggested
messages) against writing the HTML (the template).
Run it from two checkouts one after the other (the machine's spread is ±15 %) to compare code.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import ensure_bank, machine, use_bank, use_pg


def managers(count: int) -> list:
    from django.db.models import Count

    from banyan.org.models import BOOK_ROLES, Staff

    people = (Staff.objects.filter(role__in=BOOK_ROLES, is_active=True)
              .annotate(customers=Count("book")).filter(customers__gt=0).order_by("username"))
    generated = people.filter(username__startswith="rm")
    if generated.exists():  # the generated bank: the load test's managers (bench_load.make_plan)
        chosen = list(generated)
        step = max(1, len(chosen) // 200)
        return chosen[::step][:count]
    return list(people[:count])


def build_today(people: list) -> str:
    from banyan import clock
    from banyan.worklists.models import WorklistDay
    from banyan.worklists.services import worklists_build

    day = clock.today()
    ids = [p.pk for p in people]
    missing = sorted(set(ids) - set(WorklistDay.objects.filter(date=day, manager_id__in=ids)
                                    .values_list("manager_id", flat=True)))
    if not missing:
        return f"today's lists ({day}) already built"
    start = time.perf_counter()
    worklists_build(day=day, manager_ids=missing)
    return f"built today's lists ({day}) for {len(missing)} managers in {time.perf_counter() - start:.1f} s"


def context_ms(person) -> float:
    """The view's reading and computing alone: the day's context and every card's lazy parts."""
    from django.test import RequestFactory

    from banyan import clock
    from banyan.worklists.views import day_context

    request = RequestFactory().get("/work/")
    request.user = person
    start = time.perf_counter()
    context = day_context(request, person, clock.today(), readonly=False)
    for t in context["open_tasks"] + context["overdue"]:
        len(t.maintenance)
        t.talk.script  # noqa: B018 — forces the lazy talking points
        t.topics.known  # noqa: B018
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="a generated bank on the benchmarks' PostgreSQL (e.g. load1m)")
    parser.add_argument("--customers", type=int, default=5000, help="the SQLite demo bank, without --pg")
    parser.add_argument("--managers", type=int, default=20)
    parser.add_argument("--views", type=int, default=5)
    args = parser.parse_args()
    if args.pg:
        use_pg(args.pg, create=False)
    else:
        use_bank(args.customers)
        ensure_bank(args.customers)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    people = managers(args.managers)
    print(f"{args.pg or f'demo bank of {args.customers:,}'}: {len(people)} managers; {machine()}", flush=True)
    print(build_today(people), flush=True)
    pages, per_card, contexts = [], [], []
    for person in people:
        client = Client()
        client.force_login(person)
        answer = client.get("/work/")  # warm-up: the first view of a process reads its templates
        assert answer.status_code == 200, (person.username, answer.status_code)
        cards = answer.content.count(b'class="card task-card')
        times = []
        for _ in range(args.views):
            start = time.perf_counter()
            client.get("/work/")
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get("/work/")
        reading = statistics.median(context_ms(person) for _ in range(3))
        page = statistics.median(times)
        pages.append(page)
        contexts.append(reading)
        if cards:
            per_card.append(page / cards)
        print(f"  {person.username:10} {cards:3d} cards  page {page:7.1f} ms  reading {reading:6.1f} ms  "
              f"{len(queries.captured_queries):3d} queries  {len(answer.content) / 1024:6.0f} KiB", flush=True)
    page, reading = statistics.median(pages), statistics.median(contexts)
    print(f"median page {page:.1f} ms; per card {statistics.median(per_card):.2f} ms; reading and computing "
          f"{reading:.1f} ms ({reading / page:.0%}), writing the HTML and the rest {page - reading:.1f} ms")


if __name__ == "__main__":
    main()
