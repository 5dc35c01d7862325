"""The writes whose foreign keys session 26 replaced by statement checks, each against the way before,
in one run; first of all the month-end AUM snapshot, also rewritten:

    .venv/bin/python benchmarks/bench_checks.py --pg bank1m [--day 2026-12-31] [--runs 3] [--keys]
                                               [--bulk-read 100000] [--transactions 500000]

- "one statement": `aum_snapshot_take()`, one INSERT … SELECT from the customers and their segments;
- "row by row": the code before session 26 (kept below): every customer read into Python as a
  tuple, made into an `AumSnapshot` and inserted with `bulk_create`, 5,000 at a time.
Each with the snapshot's checks as the database has them (the migrations': on PostgreSQL since
holdings 0017 statement triggers) and, with `--keys`, each also with the three foreign keys Django
made (customer, manager, branch) put back inside the run's transaction, "row by row, keys" (what
session 25 ran: the ratios' baseline then) and "one statement, keys".

With `--bulk-read N`: one bulk read of N customers (`audit_bulk_read`, one event and a row per
customer shown), with audit 0007's triggers and with the key it replaced put back.
With `--transactions N`: N of the bank's account movements written again under new numbers, in
statements of 5,000 as the transactions feed's chunks (one INSERT … SELECT each: the rows, their
indexes and their checks, without the feed's Python), with holdings 0018's triggers and with the
key back.

Each run is one transaction rolled back: nothing stays in the bank. The checks the commit would
run are run inside the timed part (common.commit_checks). The variants alternate within a run, and
the rows each stored are compared (a digest of every row but its id): they must be the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import statistics
import time

from common import commit_checks, machine, use_pg

SNAPSHOT_KEYS = "banyan.holdings.migrations.0017_snapshots_checked_per_statement"
READ_KEYS = "banyan.audit.migrations.0007_event_customers_checked_per_statement"
MOVEMENT_KEYS = "banyan.holdings.migrations.0018_transactions_checked_per_statement"


def row_by_row(day: dt.date) -> int:
    """aum_snapshot_take as it was before session 26."""
    from banyan.customers.models import Customer
    from banyan.holdings.models import AumSnapshot

    AumSnapshot.objects.filter(date=day).delete()
    rows = (Customer.objects.values_list("pk", "aum", "completeness", "rm_id", "branch_id", "segment__quadrant")
            .iterator(chunk_size=5000))
    batch: list[AumSnapshot] = []
    count = 0
    for pk, aum, completeness, rm_id, branch_id, quadrant in rows:
        batch.append(AumSnapshot(customer_id=pk, date=day, aum=aum, completeness=completeness, rm_id=rm_id,
                                 branch_id=branch_id, quadrant=quadrant or ""))
        if len(batch) >= 5000:
            AumSnapshot.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    AumSnapshot.objects.bulk_create(batch)
    return count + len(batch)


def one_statement(day: dt.date) -> int:
    from banyan.holdings.services import aum_snapshot_take

    return aum_snapshot_take(day=day)


def keys_back(module: str = SNAPSHOT_KEYS) -> None:
    """Inside the run's transaction: the triggers of the migration `module` dropped and the keys it
    replaced made again (NOT VALID: the rows already stored are not re-read; new rows are checked
    as by any key)."""
    from django.db import connection

    migration = importlib.import_module(module)
    _make, drop = migration.checks.statement_checks(migration.KEYS)
    with connection.cursor() as cursor:
        cursor.execute(drop)
        for table, column, named, key in migration.KEYS:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key}" FOREIGN KEY ({column}) '
                           f"REFERENCES {named} (id) DEFERRABLE INITIALLY DEFERRED NOT VALID")


def bulk_read(count: int):
    """One bulk read of `count` customers (an export of a branch's book): audit_bulk_read, one event
    and one row per customer it showed."""
    def work(_day: dt.date) -> int:
        from banyan.audit.services import audit_bulk_read
        from banyan.customers.models import Customer

        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:count])
        audit_bulk_read(actor=None, action="customer.exported", via="book", customer_ids=ids)
        return len(ids)
    return work


def movements_load(count: int):
    """`count` movements copied under new numbers, 5,000 a statement (a feed's chunk)."""
    def work(_day: dt.date) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM holdings_transaction ORDER BY id LIMIT %s", [count])
            ids = [row[0] for row in cursor.fetchall()]
            for at in range(0, len(ids), 5000):  # the copies' ids come after every id of the bank
                cursor.execute(
                    "INSERT INTO holdings_transaction (customer_id, external_id, account_no, occurred_on, amount, "
                    "counterparty, description) SELECT customer_id, 'bench-' || id, account_no, occurred_on, "
                    "amount, counterparty, description FROM holdings_transaction WHERE id BETWEEN %s AND %s",
                    [ids[at], ids[min(at + 4999, len(ids) - 1)]])
        return len(ids)
    return work


def key_or_triggers(label: str, module: str, work, runs: int, day: dt.date) -> None:
    """`work` with `module`'s key put back and with its triggers, alternated; medians."""
    times: dict[str, list[float]] = {"key": [], "triggers": []}
    for run in range(1, runs + 1):
        for name, before in (("key", lambda: keys_back(module)), ("triggers", None)):
            took, n, _rows = timed(work, day, before, digested=False)
            times[name].append(took)
            print(f"  run {run}  {label} ({n:,} rows), {name:<8} {took:7.2f} s", flush=True)
    key, triggers = (statistics.median(times[name]) for name in ("key", "triggers"))
    print(f"{label}: key median {key:.2f} s, triggers median {triggers:.2f} s ({key / triggers:.2f}× as fast)")


def digest(day: dt.date) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(string_agg(concat_ws('|', customer_id, aum, completeness, rm_id, branch_id, "
                       "quadrant), ',' ORDER BY customer_id)) FROM holdings_aumsnapshot WHERE date = %s", [day])
        return cursor.fetchone()[0]


def timed(work, day: dt.date, before=None, *, digested: bool = True) -> tuple[float, int, str]:
    from django.db import transaction

    with transaction.atomic():
        if before:
            before()
        start = time.perf_counter()
        n = work(day)
        commit_checks()
        took = time.perf_counter() - start
        rows = digest(day) if digested else ""
        transaction.set_rollback(True)
    return took, n, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", required=True, metavar="DATABASE", help="a bank made by generate.py (e.g. bank1m)")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 12, 31),
                        help="the month-end taken (default 2026-12-31, a day the bank has no snapshot of)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", action="store_true", help="also each way with the three keys back")
    parser.add_argument("--bulk-read", type=int, default=0, metavar="N",
                        help="also one bulk read of N customers with audit 0007's triggers and with its key back")
    parser.add_argument("--transactions", type=int, default=0, metavar="N",
                        help="also N movements written again with holdings 0018's triggers and with its key back")
    args = parser.parse_args()
    use_pg(args.pg, create=False)

    from banyan.customers.models import Customer

    print(f"bank {args.pg}: {Customer.objects.count():,} customers, month-end {args.day}; {machine()}", flush=True)
    variants = [("row by row", row_by_row, None), ("one statement", one_statement, None)]
    if args.keys:  # the code and the checks before session 26 first: the ratios' baseline
        variants = [("row by row, keys (before session 26)", row_by_row, keys_back), *variants,
                    ("one statement, keys", one_statement, keys_back)]
    times: dict[str, list[float]] = {name: [] for name, _w, _b in variants}
    digests: set[str] = set()
    for run in range(1, args.runs + 1):
        for name, work, before in variants:
            took, n, rows = timed(work, args.day, before)
            times[name].append(took)
            digests.add(rows)
            print(f"  run {run}  {name:<38} {took:7.1f} s   {n:,} rows   digest {rows[:12]}", flush=True)
    base = statistics.median(times[variants[0][0]])
    print()
    for name, _w, _b in variants:
        median = statistics.median(times[name])
        print(f"{name:<38} median {median:7.1f} s   ({', '.join(f'{t:.1f}' for t in times[name])}); "
              f"{base / median:5.2f}× as fast as the first", flush=True)
    print("the same rows in every run and variant" if len(digests) == 1 else f"NO: {len(digests)} different digests")
    if args.bulk_read:
        key_or_triggers(f"a bulk read of {args.bulk_read:,} customers", READ_KEYS, bulk_read(args.bulk_read),
                        args.runs, args.day)
    if args.transactions:
        key_or_triggers(f"{args.transactions:,} movements in statements of 5,000", MOVEMENT_KEYS,
                        movements_load(args.transactions), args.runs, args.day)


if __name__ == "__main__":
    main()
