"""For the tests of the keys checked by triggers on PostgreSQL (worklists 0011-0012, holdings 0016,
customers 0009, audit 0006) and by foreign keys on SQLite: one way to say "this write is refused"
on both."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

#: The triggers replace the keys on PostgreSQL only (SQLite keeps them).
pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers replace the keys on PostgreSQL")


def checked() -> None:
    """Where the check runs: at once on PostgreSQL (the triggers), at COMMIT on SQLite (Django's
    deferred keys; check_constraints runs them within the test's transaction)."""
    if connection.vendor != "postgresql":
        connection.check_constraints()


def refused(write) -> None:
    """`write` is refused by a key's check (IntegrityError), and leaves nothing behind (rolled back)."""
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
        checked()


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def other_session():
    """A second connection to the test database (PostgreSQL), each statement its own transaction,
    that waits for a lock at most 300 ms."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    other = psycopg.connect(**params, autocommit=True)
    other.execute("SET lock_timeout = '300ms'")
    return other


def key_columns(table: str) -> set[str]:
    """The columns of `table` checked by a foreign key (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.attname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
                       "AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass", [table])
        return {name for (name,) in cursor.fetchall()}


def checking_triggers(table: str) -> set[tuple[str, str]]:
    """(the table it is on, its name) of each enabled trigger that checks `table`'s keys (PostgreSQL;
    named after `table`, as holdings 0016's statement_checks names them). A row trigger on a
    partitioned table is also on each partition, as a clone of it (tgparentid): the clones are not
    counted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal "
                       "AND tgenabled = 'O' AND tgparentid = 0 AND starts_with(tgname, %s)", [f"{table}_"])
        return set(cursor.fetchall())


def statement_checks_of(table: str, named: dict[str, str]) -> set[tuple[str, str]]:
    """The triggers statement_checks makes for `table`'s keys `named` ({column: the table it names})."""
    return {(table, f"{table}_named_i"), (table, f"{table}_named_u"),
            *((other, f"{table}_{column}_{op}") for column, other in named.items() for op in "du")}


def assert_checked_by_triggers(table: str, named: dict[str, str]) -> None:
    """On PostgreSQL, `table`'s columns `named` ({column: the table it names}) are checked by
    statement_checks's triggers, and by no key."""
    keys = key_columns(table) & set(named)
    assert not keys, f"{table} still has keys on {sorted(keys)}"
    found, expected = checking_triggers(table), statement_checks_of(table, named)
    assert found == expected, f"{table}'s checking triggers are {sorted(found)}, not {sorted(expected)}"
