"""A night's feeds as a bank sends them: a few rows changed, not the whole bank new (issue 15 §4,
the daily deltas docs/scale.md projects the nightly window from).

    .venv/bin/python benchmarks/bench_delta.py [--customers 1000000] [--database bench_import]
                                              [--customer-share 0.05] [--holding-share 0.10]

Runs on the bank `bench_import.py --customers N` left (its files under benchmarks/out/ imported,
nothing else since), and changes it: run it once after each bench_import run.
1. A delta extract: a file of the rows that changed, a share of each file chosen at random (seeded)
   — customers with a new address and employer, holdings with a new amount (±1–10 %) —, imported by
   `feed_import(…, followups=False)` as the nightly task does, timed.
2. A full extract: the whole file again, the delta's rows as they now are and another share of rows
   changed the same way: what a bank that sends its full tables each night sends; the unchanged rows
   are passed over at a glance, the changed ones judged.
Each import is checked to update exactly the changed rows (nothing added, nothing rejected). Prints
rows/s of each, the changed rows/s, the holdings' AUM refresh on the writing connection, and the
machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402
from common import OUT, PG_PORT, machine, use_pg  # noqa: E402

log = bench_import.log


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def change(kind: str, header: list[str], row: list[str], rng: random.Random) -> list[str]:
    """The row as it reads after a day's change: a customer moved (address, employer), a holding's
    amount moved by 1–10 % either way."""
    row = list(row)
    if kind == "customers":
        row[header.index("address")] = f"杭州市{rng.choice(bench_import._STREETS)}{rng.randrange(300, 900)}号"
        row[header.index("employer")] = rng.choice(bench_import._EMPLOYERS) + "（新）"
    else:
        at = header.index("amount")
        factor = Decimal(100 + rng.choice([-1, 1]) * rng.randrange(1, 11)) / 100
        row[at] = f"{(Decimal(row[at]) * factor).quantize(Decimal('0.01'))}"
    return row


def timed_feed(kind: str, path: Path, label: str, changed: int) -> None:
    from banyan.feeds import bulk
    from banyan.feeds.services import feed_import

    start, cpu = time.perf_counter(), time.process_time()
    with bench_import.calls_timed(bulk, "_refresh_aum") as aum:
        result = feed_import(kind=kind, path=path, followups=False)
    seconds = time.perf_counter() - start
    rows = result.added + result.updated + result.unchanged + result.rejected
    log(f"{label:28s} {rows:10,d} rows ({result.updated:,d} changed) in {seconds:7.1f} s "
        f"(CPU {time.process_time() - cpu:6.1f} s) = {rows / seconds:9,.0f} rows/s, "
        f"{result.updated / seconds:8,.0f} changed rows/s"
        + (f"; AUM refresh {aum[0]:.1f} s of the writing connection" if aum[0] else ""))
    if (result.updated, result.added, result.rejected) != (changed, 0, 0):
        log(f"  NO: expected {changed:,d} updated, none added or rejected; got {result.summary}")
        if result.rejects:
            log(f"  first reject: {result.rejects[0][1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", default="bench_import")
    parser.add_argument("--customer-share", type=float, default=0.05)
    parser.add_argument("--holding-share", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    n = args.customers
    use_pg(args.database, create=False)
    from banyan.customers.models import Customer
    from banyan.holdings.models import Holding

    rng = random.Random(args.seed)
    log(f"bank: {Customer.objects.count():,} customers, {Holding.objects.count():,} holdings "
        f"({args.database}); {machine()}; PostgreSQL on loopback port {PG_PORT}")
    for kind, share in (("customers", args.customer_share), ("holdings", args.holding_share)):
        header, rows = read_rows(OUT / f"feed-{kind}-{n}.csv")
        if kind == "customers" and Customer.objects.count() != len(rows) or \
                kind == "holdings" and Holding.objects.count() != len(rows):
            sys.exit(f"the bank is not the one bench_import.py --customers {n} left: run that first")
        picked = sorted(rng.sample(range(len(rows)), round(len(rows) * share)))
        delta = {i: change(kind, header, rows[i], rng) for i in picked}
        path = OUT / f"delta-{kind}-{n}.csv"
        write_rows(path, header, [delta[i] for i in picked])
        timed_feed(kind, path, f"{kind}, delta extract", len(picked))
        # The full extract: every row as it is stored now, and another share changed.
        rows = [delta.get(i, row) for i, row in enumerate(rows)]
        others = [i for i in rng.sample(range(len(rows)), round(len(rows) * share)) if i not in delta]
        for i in others:
            rows[i] = change(kind, header, rows[i], rng)
        path = OUT / f"full-{kind}-{n}.csv"
        write_rows(path, header, rows)
        del rows
        timed_feed(kind, path, f"{kind}, full extract", len(others))


if __name__ == "__main__":
    main()
