"""Wealth diagnosis benchmark (issue 11, WEA-2): one diagnosis page, one PDF, and the batch job.

    .venv/bin/python benchmarks/bench_diagnosis.py --pg bank1m [--samples 200] [--pdfs 40] [--batch 500]
    .venv/bin/python benchmarks/bench_diagnosis.py [--customers 20000] [--samples 200] [--pdfs 40] [--batch 500]

--pg DATABASE: the bank generated on the benchmarks' PostgreSQL by benchmarks/generate.py
(migrated first, so the model portfolios of the checkout are there). Without it: the demo bank of
N customers on SQLite under benchmarks/out/ (built once with `banyan demo`).

Measures, in this process, through the full Django stack (middleware, login session, the
visibility gate, the audit write), each request as the customer's own manager, customers drawn at
random across the bank:
  - the diagnosis page: GET /wealth/customers/<id>/diagnosis/ (and the API's JSON);
  - the PDF: GET /wealth/customers/<id>/diagnosis.pdf (diagnosis + three matplotlib charts +
    WeasyPrint), after one warm-up PDF (fonts loaded);
  - the batch: the PDFs of 500 customers of one manager into one ZIP, by the very task the page
    queues (banyan.wealth.tasks.diagnosis_batch_run), in one process: PDFs per second.
Prints p50/p95 in milliseconds. Targets: page p95 ≤ 300 ms, PDF p95 ≤ 1.5 s. Beside the wall
time, the PDF's CPU time in this process (time.process_time: matplotlib, WeasyPrint, the views):
on a shared machine the wall time measures the other jobs too, the CPU time does not; the load
average at the start and at the end is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from common import ensure_bank, machine, percentile, use_bank, use_pg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=200, help="diagnosis pages (and API answers)")
    parser.add_argument("--pdfs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500, help="customers in the batch job (0: skip)")
    parser.add_argument("--db", default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", metavar="DATABASE", help="a bank made by generate.py on the benchmarks' PostgreSQL")
    args = parser.parse_args()
    os.environ.setdefault("BANYAN_BATCH_THREAD", "0")

    if args.pg:
        use_pg(args.pg, create=False)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        use_bank(args.customers, args.db)
        ensure_bank(args.customers, args.seed)
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from banyan import clock
    from banyan.customers.models import Customer
    from banyan.org.models import Role, Staff
    from banyan.org.services import api_token_issue
    from banyan.wealth.models import DiagnosisBatch
    from banyan.wealth.tasks import diagnosis_batch_run

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    total = Customer.objects.count()
    rng = random.Random(args.seed)
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    print(f"bank: {total:,} customers ({'PostgreSQL ' + args.pg if args.pg else 'SQLite'}); {machine()}", flush=True)

    # customers drawn across the bank (by id range: no ORDER BY random() over a million rows)
    low = Customer.objects.order_by("pk").values_list("pk", flat=True).first()
    high = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    picked: list = []
    while len(picked) < args.samples + args.pdfs:
        pk = rng.randint(low, high)
        c = Customer.objects.filter(pk__gte=pk, rm__isnull=False).order_by("pk").values("pk", "rm_id").first()
        if c:
            picked.append(c)
    clients: dict[int, Client] = {}
    tokens: dict[int, str] = {}

    def session(rm_id: int) -> Client:
        if rm_id not in clients:
            staff = Staff.objects.get(pk=rm_id)
            client = Client()
            client.force_login(staff)
            clients[rm_id] = client
            tokens[rm_id] = api_token_issue(staff=staff)
        return clients[rm_id]

    def timed(fn) -> float:
        start = time.perf_counter()
        response = fn()
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return elapsed

    pages, apis = [], []
    session(picked[0]["rm_id"]).get(f"/wealth/customers/{picked[0]['pk']}/diagnosis/")  # warm-up
    for c in picked[:args.samples]:
        client = session(c["rm_id"])
        pages.append(timed(lambda c=c, client=client: client.get(f"/wealth/customers/{c['pk']}/diagnosis/")))
        apis.append(timed(lambda c=c, client=client: client.get(
            f"/api/v1/customers/{c['pk']}/diagnosis", HTTP_AUTHORIZATION=f"Bearer {tokens[c['rm_id']]}")))
    pdfs, pdf_cpu = [], []
    first = picked[args.samples]
    session(first["rm_id"]).get(f"/wealth/customers/{first['pk']}/diagnosis.pdf")  # fonts, matplotlib's cache
    sizes = []
    for c in picked[args.samples:]:
        client = session(c["rm_id"])
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(f"/wealth/customers/{c['pk']}/diagnosis.pdf")
        pdfs.append((time.perf_counter() - start) * 1000)
        pdf_cpu.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        sizes.append(len(response.content))

    def line(name: str, values: list[float], target: str) -> None:
        print(f"  {name:<28} n={len(values):>4}  p50 {statistics.median(values):8.1f} ms  "
              f"p95 {percentile(values, 95):8.1f} ms  max {max(values):8.1f} ms   target {target}", flush=True)

    print("results:")
    line("diagnosis page", pages, "p95 ≤ 300 ms")
    line("diagnosis API (JSON)", apis, "—")
    line("diagnosis PDF", pdfs, "p95 ≤ 1,500 ms")
    line("diagnosis PDF, CPU time", pdf_cpu, "—")
    print(f"  PDF size: median {statistics.median(sizes) / 1024:.0f} KiB", flush=True)

    if args.batch:
        manager = (Staff.objects.filter(role=Role.RM).annotate(n=Count("book")).filter(n__gte=args.batch)
                   .order_by("n").first() or Staff.objects.filter(role=Role.RM).annotate(n=Count("book"))
                   .order_by("-n").first())
        ids = list(Customer.objects.filter(rm=manager).order_by("-aum").values_list("pk", flat=True)[:args.batch])
        batch = DiagnosisBatch.objects.create(owner=manager, as_of=clock.today(), customer_ids=ids, total=len(ids),
                                              created_at=clock.now())
        start, cpu = time.perf_counter(), time.process_time()
        diagnosis_batch_run.apply(args=(batch.pk,))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        batch.refresh_from_db()
        assert batch.status == "done", batch.error
        print(f"  batch of {batch.done} PDFs ({manager.username}'s book): {seconds:.1f} s, "
              f"{batch.done / seconds:.2f} PDFs/s in one process ({batch.done / cpu:.2f} per CPU second), "
              f"ZIP {batch.size / 1024 / 1024:.1f} MiB", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
