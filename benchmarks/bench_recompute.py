"""The night's two whole-bank recomputations (issue 15 §4), each against the way it was done before,
in one run:

    .venv/bin/python benchmarks/bench_recompute.py --pg bank1m [--runs 2]

- segments: `segments_recompute()` storing plain rows by COPY and one upsert (PostgreSQL, a book
  of more than `COPY_FROM_ROWS` customers) against the ORM's batched upsert of model instances
  (the store before session 12 and still the one for small books and SQLite);
- the AUM refresh: `customers_refresh_aum()`, which writes only the customers whose AUM changed,
  against the one UPDATE of every customer it was before (the same sum, every row rewritten).

Each run is in a transaction rolled back afterwards: nothing stays in the bank. The bank as it is
(its AUM already right) is the refresh's best case: "every customer rewritten" is its worst.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from common import commit_checks, machine, use_pg


def timed(work) -> tuple[float, int]:
    from django.db import transaction

    with transaction.atomic():
        start = time.perf_counter()
        n = work()
        commit_checks()
        took = time.perf_counter() - start
        transaction.set_rollback(True)
    return took, n


def rewrite_every_customer() -> int:
    """The refresh before session 12: one UPDATE setting every customer's AUM, changed or not."""
    from django.db.models import OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from banyan.customers.models import Customer
    from banyan.holdings import services
    from banyan.holdings.models import Holding, HoldingStatus

    total = (Holding.objects.filter(customer=OuterRef("pk"), status=HoldingStatus.ACTIVE)
             .exclude(product__type__in=services.LIABILITY_TYPES).values("customer")
             .annotate(total=Sum("current_value")).values("total"))
    money = services._MONEY
    return Customer.objects.update(aum=Coalesce(Subquery(total, output_field=money),
                                                Value(Decimal(0), output_field=money)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", required=True, metavar="DATABASE", help="a bank made by generate.py (e.g. bank1m)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    use_pg(args.pg, create=False)

    from banyan.customers.models import Customer
    from banyan.holdings.services import customers_refresh_aum
    from banyan.segments import services as segments

    print(f"bank {args.pg}: {Customer.objects.count():,} customers; {machine()}", flush=True)
    copy_from = segments.COPY_FROM_ROWS
    best: dict[str, float] = {}

    def run(name: str, work) -> None:
        took, n = timed(work)
        best[name] = min(best.get(name, took), took)
        print(f"  {name:<44} {took:8.1f} s   {n:,} rows", flush=True)

    def orm_store() -> int:
        segments.COPY_FROM_ROWS = 10**12
        try:
            return segments.segments_recompute()
        finally:
            segments.COPY_FROM_ROWS = copy_from

    seg_now, seg_before = "segments, COPY and one upsert (now)", "segments, the ORM's batched upsert (before)"
    aum_now, aum_before = "AUM refresh, the changed only (now)", "AUM refresh, every customer rewritten (before)"
    for k in range(args.runs):
        print(f"run {k + 1}:", flush=True)
        run(seg_now, segments.segments_recompute)
        run(seg_before, orm_store)
        run(aum_now, customers_refresh_aum)
        run(aum_before, rewrite_every_customer)
    print(f"best of {args.runs}: segments before ÷ now = {best[seg_before] / best[seg_now]:.1f}×; "
          f"AUM refresh of this bank before ÷ now = {best[aum_before] / best[aum_now]:.1f}×", flush=True)


if __name__ == "__main__":
    main()
