"""docs/scale.md §5 steps 1 and 2 in a test: an existing table turned, in place, into one partitioned
by month of a date or date-time column (RANGE), or by hash of a column such as the branch (HASH) —
PostgreSQL declarative partitioning — so that Banyan's own services and selectors can be run on it
unchanged.

Meant for the test database: run it inside the test's transaction and PostgreSQL's transactional
DDL rolls the conversion back with the test. It is not a migration (a bank's would create the
partitioned table empty and move the rows month by month)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction


@dataclass(frozen=True)
class Partitioned:
    table: str
    partitions: list[str]  # by month: one per month of the span, oldest first, then DEFAULT; by hash: by remainder
    dropped_references: list[str]  # "table.constraint" of the foreign keys to it PostgreSQL cannot keep


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = _next_month(day)
    return out


def _rows(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def partition_by_month(table: str, column: str, *, first: dt.date, last: dt.date) -> Partitioned:
    """Replace `table` by a table of the same name, columns, rows, indexes, constraints and
    triggers, partitioned by month of `column`: one partition per month from `first`'s to `last`'s,
    and a DEFAULT partition for rows outside them. The primary key becomes (id, column).

    Preconditions: PostgreSQL; a single-column identity primary key (what Django 5.2 creates);
    every other unique constraint already includes `column` (otherwise it raises: narrowing a
    uniqueness to one month is a decision, not a mechanical step)."""
    # Month bounds of a date-time are the bank's midnights, not UTC's: a month asked for in the
    # bank's time zone then falls in one partition.
    with connection.cursor() as cursor:
        (column_type,), = _rows(cursor, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                        "WHERE attrelid = %s::regclass AND attname = %s", [table, column])
    zone = f" {settings.TIME_ZONE}" if column_type == "timestamp with time zone" else ""
    months = _months(first, last)
    ends = [*months[1:], _next_month(months[-1])]
    bounds = [(f"{table}_p{start:%Y_%m}", f"FOR VALUES FROM ('{start}{zone}') TO ('{end}{zone}')")
              for start, end in zip(months, ends, strict=True)]
    # Without it a row of a month that has no partition yet (a backdated snapshot, the monthly
    # job late) would be refused.
    bounds.append((f"{table}_pdefault", "DEFAULT"))
    return _convert(table, column, f"RANGE ({connection.ops.quote_name(column)})", bounds, widen_uniques=False)


def partition_by_hash(table: str, column: str, *, modulus: int, widen_uniques: bool = False) -> Partitioned:
    """The same, partitioned by hash of `column` into `modulus` partitions (docs/scale.md §5 step 2:
    the live tables by branch, so that a branch's rows sit together). The primary key becomes
    (id, column). A unique constraint without `column` raises, unless `widen_uniques`: then it
    becomes unique per value of `column` only (UNIQUE (x) → UNIQUE (x, column)) — the decision the
    step asks for, made here so that its consequences can be tested."""
    bounds = [(f"{table}_h{r:02d}", f"FOR VALUES WITH (MODULUS {modulus}, REMAINDER {r})") for r in range(modulus)]
    return _convert(table, column, f"HASH ({connection.ops.quote_name(column)})", bounds,
                    widen_uniques=widen_uniques)


def _widened(definition: str, column: str) -> str:
    """A unique constraint's or index's definition with `column` added to its columns."""
    q = connection.ops.quote_name(column)
    if definition.startswith("UNIQUE ("):  # a constraint: UNIQUE (a, b)
        return definition.replace(")", f", {q})", 1)
    head, sep, tail = definition.partition(" USING btree (")  # an index: … USING btree (a, b) [WHERE …]
    if not sep:
        raise ValueError(f"cannot widen {definition}")
    return head + sep + tail.replace(")", f", {q})", 1)


def _convert(table: str, column: str, clause: str, bounds: list[tuple[str, str]], *,
             widen_uniques: bool) -> Partitioned:
    assert connection.vendor == "postgresql"
    q = connection.ops.quote_name
    new = f"{table}__partitioned"
    with transaction.atomic(), connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: rows written earlier in this
        # transaction leave checks pending, and PostgreSQL refuses to drop or alter a table with
        # pending trigger events. Run them now; deferred again at the end.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        oid = _rows(cursor, "SELECT %s::regclass::oid", [table])[0][0]
        (pk_name, pk_columns), = _rows(cursor, """
            SELECT conname, array(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey))
            FROM pg_constraint WHERE conrelid = %s AND contype = 'p'""", [oid])
        (pk,) = pk_columns
        (sequence, identity), = _rows(cursor, "SELECT pg_get_serial_sequence(%s, %s), attidentity "
                                              "FROM pg_attribute WHERE attrelid = %s AND attname = %s",
                                      [table, pk, oid, pk])
        if not identity:
            raise ValueError(f"{table}.{pk} is not an identity column")
        # Every unique constraint or index of a partitioned table must include the partition key.
        uniques = _rows(cursor, """
            SELECT c.relname,
                   array(SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = ANY(i.indkey))
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s AND i.indisunique
            AND NOT i.indisprimary""", [oid])
        narrow = {name for name, columns in uniques if column not in columns}
        if narrow and not widen_uniques:
            name = sorted(narrow)[0]
            columns = dict(uniques)[name]
            raise ValueError(f"{name} ({', '.join(columns)}) does not include {column}")
        # What LIKE does not copy, as PostgreSQL itself writes it out: unique and foreign-key
        # constraints, the other indexes (incl. partial and unique ones) and the triggers (the
        # review's stale marks, kpis migration 0003) — replayed on the new table under the same names.
        constraints = [f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} "
                       f"{_widened(definition, column) if name in narrow else definition}"
                       for name, definition in _rows(
                           cursor, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s "
                                   "AND contype IN ('u', 'f') AND confrelid <> conrelid ORDER BY conname", [oid])]
        indexes = [_widened(d, column) if name in narrow else d for name, d in _rows(cursor, """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s
            AND NOT indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)
            ORDER BY indexrelid""", [oid])]
        triggers = [d for (d,) in _rows(cursor, "SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                                                "WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname", [oid])]
        # Foreign keys TO this table (its own to itself too: a customer's referrer) reference its id
        # alone, which can no longer be unique by itself: PostgreSQL refuses them. They are dropped
        # and reported.
        references = _rows(cursor, "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                                   "WHERE confrelid = %s AND contype = 'f' ORDER BY 1, 2", [oid])

        # The parent: same columns, defaults, NOT NULLs, CHECKs and identity, no indexes (its
        # primary key on id alone is what a partitioned table cannot have).
        cursor.execute(f"CREATE TABLE {q(new)} (LIKE {q(table)} INCLUDING ALL EXCLUDING INDEXES) PARTITION BY {clause}")
        for name, bound in bounds:
            cursor.execute(f"CREATE TABLE {q(name)} PARTITION OF {q(new)} {bound}")

        # The rows, ids included (OVERRIDING: in case the identity is GENERATED ALWAYS); before the
        # indexes and triggers, as a bulk load would.
        cursor.execute(f"INSERT INTO {q(new)} OVERRIDING SYSTEM VALUE SELECT * FROM {q(table)}")
        # LIKE gave the new identity a fresh sequence starting at 1. Carried on from where the old
        # one stood: with the key (id, column) a reused id would NOT be refused, and Django, which
        # addresses rows by id alone, would then find two rows for one id.
        (last_value, is_called), = _rows(cursor, f"SELECT last_value, is_called FROM {sequence}")
        (new_sequence,), = _rows(cursor, "SELECT pg_get_serial_sequence(%s, %s)", [new, pk])
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])

        for referencing, name in references:
            cursor.execute(f"ALTER TABLE {referencing} DROP CONSTRAINT {q(name)}")
        # No CASCADE: anything else depending on the old table (a view) stops the conversion.
        cursor.execute(f"DROP TABLE {q(table)}")
        cursor.execute(f"ALTER TABLE {q(new)} RENAME TO {q(table)}")
        # The old sequence went with its table; the name is kept for whoever reads it (a DBA, a dump).
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {sequence.split('.')[-1]}")
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(pk_name)} PRIMARY KEY ({q(pk)}, {q(column)})")
        for statement in constraints + indexes + triggers:
            cursor.execute(statement)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return Partitioned(table, [name for name, _bound in bounds], [f"{t}.{c}" for t, c in references])


def partitioned_tables() -> set[str]:
    """The partitioned tables of the current database."""
    with connection.cursor() as cursor:
        return {name for (name,) in _rows(cursor, "SELECT partrelid::regclass::text FROM pg_partitioned_table")}


def partitions_named_in(plan: str, partitioned: Partitioned) -> set[str]:
    """Which of the table's partitions a query plan (EXPLAIN's text) reads."""
    words = set(plan.replace("(", " ").replace(")", " ").split())
    return {name for name in partitioned.partitions if name in words}
