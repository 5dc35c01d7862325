"""Judging a holdings feed's new rows: from their cells' remembered values against the services' path
(issue 15 §1, session 20).

    .venv/bin/python benchmarks/bench_judge.py [--customers 20000] [--passes 3]

Writes (or reuses) bench_import.py's files for N customers under benchmarks/out/, imports the
customers into a fresh PostgreSQL database (`bench_judge`), then judges every chunk of the holdings
file twice — with `bulk._new_holding` (each distinct cell judged once per feed, then
holding_build_parsed) and with the services' path (`_convert` and holding_build_unsaved, as before
session 20) — one after the other, the order alternating chunk by chunk, nothing written; each
pass a new feed, remembering no cell of the last. This machine's speed moves by tens of percent
within minutes; compared chunk by chunk in one process, both paths see the same machine. Prints the
process CPU per holding of each and their ratio.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402
from common import OUT, machine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    n = args.customers
    OUT.mkdir(parents=True, exist_ok=True)
    customers_csv, holdings_csv = OUT / f"feed-customers-{n}.csv", OUT / f"feed-holdings-{n}.csv"
    bench_import.fresh_database("bench_judge")  # also django.setup()
    if not (customers_csv.exists() and holdings_csv.exists()):
        bench_import.generate_customers(customers_csv, n, 7)
        bench_import.generate_holdings(holdings_csv, n, 5, 7)
    bench_import.bank_for_feeds()

    from django.utils import translation

    from banyan import clock
    from banyan.feeds import bulk
    from banyan.feeds import services as rows
    from banyan.holdings.services import holding_build_unsaved

    rows.feed_import(kind="customers", path=customers_csv, followups=False)
    remembered = bulk._new_holding

    def services_path(ext, customer, product, cells):
        fields = rows._convert(cells)
        return holding_build_unsaved(customer=customer, product=product, amount=fields.pop("amount", None),
                                     purchase_date=fields.pop("purchase_date", None), external_id=ext, **fields)

    paths = {"remembered cells": remembered, "services' path": services_path}
    cpu = dict.fromkeys(paths, 0.0)
    judged = 0
    look = rows._Lookups()
    with translation.override("zh-hans"), clock.frozen(clock.today()):
        for _pass in range(args.passes):
            sheet, fields = rows.feed_open("holdings", holdings_csv)
            bulk._HOLDING_CELLS.clear()  # each pass a new feed: no cell remembered from the last
            gc.freeze()  # as feed_import does
            thresholds = gc.get_threshold()
            gc.set_threshold(50_000, 20, 20)
            for i, records in enumerate(bulk._chunks(sheet.records)):
                for name in sorted(paths, reverse=i % 2 == 1):
                    bulk._new_holding = paths[name]
                    chunk = bulk._Judged("holdings", records, sheet.headers, fields,
                                         rows.FeedResult(kind="holdings", path=holdings_csv))
                    start = time.process_time()
                    chunk.judge(look)
                    cpu[name] += time.process_time() - start
                    if chunk.chunk.out.added != len(records):
                        raise SystemExit(f"expected only new holdings: {chunk.chunk.out.summary}")
                judged += len(records)
            gc.set_threshold(*thresholds)
            gc.unfreeze()
    bulk._new_holding = remembered
    for name, seconds in cpu.items():
        print(f"{name:18s} {seconds / judged * 1e6:6.1f} µs of CPU per new holding")
    ratio = cpu["remembered cells"] / cpu["services' path"]
    print(f"ratio {ratio:.3f} ({judged:,} holdings judged by each, {args.passes} passes); machine: {machine()}")


if __name__ == "__main__":
    main()
