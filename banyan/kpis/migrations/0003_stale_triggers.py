"""Triggers that mark a day stale (kpis.Stale) whenever a row the review counts on that day is
inserted, updated or deleted — by any code, including feeds' COPY and bulk updates — so that the
kept figures (banyan.kpis.kept) are never read stale. The days of a date-time are marked with the
day before and after, so that the bank's time zone never matters here.

On PostgreSQL one trigger per statement (a nightly build's million tasks mark their one day once,
from the statement's transition tables); on SQLite one per row. Both insert only: no writer ever
waits for another on a shared row.

The SQL is written out here, not imported, so that this migration stays what it was when it ran.
A later change to what the review counts needs a migration that replaces these triggers; the
test banyan/kpis/tests/test_kept.py checks that every table a Fact reads has them."""

from django.db import migrations

# (kind, table, day sources, the rows that count on insert and delete, the change that counts on update)
# A source is ("col", column) a date on the row; ("dt", column) a date-time on the row; or
# ("via", sql) a query over other tables naming the row's columns as {r}.column and ending with
# the row's FROM {from} — e.g. the tasks a contact completed.
SPECS = [
    ("work", "worklists_task", [("col", "date")], None, None),
    ("work", "contacts_interaction",
     [("dt", "occurred_at"),
      ("via", "SELECT t.date AS d FROM worklists_task t WHERE t.interaction_id IN (SELECT {r}.id {from})")],
     None, None),
    ("work", "contacts_opportunity", [("dt", "opened_at"), ("dt", "won_at"), ("dt", "lost_at")], None, None),
    ("work", "holdings_holding", [("col", "purchase_date")],
     "{x}.sold_by_id IS NOT NULL",
     "({o}.sold_by_id IS NOT NULL OR {n}.sold_by_id IS NOT NULL) AND ({o}.sold_by_id {ne} {n}.sold_by_id "
     "OR {o}.purchase_date {ne} {n}.purchase_date OR {o}.amount {ne} {n}.amount OR {o}.product_id {ne} {n}.product_id)"),
    ("work", "wealth_salecheck",
     [("via", "SELECT h.purchase_date AS d FROM holdings_holding h WHERE h.id IN (SELECT {r}.holding_id {from})")],
     None, None),
    ("work", "holdings_product",
     [("via", "SELECT h.purchase_date AS d FROM holdings_holding h WHERE h.sold_by_id IS NOT NULL "
              "AND h.product_id IN (SELECT {r}.id {from})")],
     "1 = 0", "{o}.type {ne} {n}.type"),
    ("work", "service_referral", [("dt", "created_at"), ("dt", "converted_at")], None, None),
    ("work", "service_complaint", [("dt", "received_at")], None, None),
    ("work", "events_invitation",
     [("via_dt", ("e.starts_at", "FROM events_event e WHERE e.id IN (SELECT {r}.event_id {from})"))], None, None),
    ("work", "events_event", [("dt", "starts_at")], "1 = 0", "{o}.starts_at {ne} {n}.starts_at"),
    ("snapshot", "holdings_aumsnapshot", [("col", "date")], None, None),
    ("movement", "holdings_transaction", [("col", "occurred_on")], None, None),
]

OPS = ("insert", "update", "delete")


def _day(vendor: str, expr: str, offset: int) -> str:
    if vendor == "postgresql":
        return f"(({expr}) AT TIME ZONE 'UTC')::date {'+' if offset >= 0 else '-'} {abs(offset)}"
    return f"date({expr}, '{offset:+d} day')"


def around_utc(vendor: str, expr: str) -> list[str]:
    """The days a date-time may fall on in any time zone: its UTC date and the days either side
    (what this migration marked; 0005 marks the bank's own date only)."""
    return [_day(vendor, expr, k) for k in (-1, 0, 1)]


def _days(vendor: str, sources, r: str, frm: str, dates=around_utc) -> str:
    """One SELECT of the days (column d) the sources give for the rows `r` (FROM `frm`)."""
    parts = []
    for kind, what in sources:
        if kind == "col":
            parts.append(f"SELECT {r}.{what} AS d {frm}")
        elif kind == "dt":
            parts += [f"SELECT {d} AS d {frm}" for d in dates(vendor, f"{r}.{what}")]
        elif kind == "via":
            parts.append(what.format(r=r, **{"from": frm}))
        else:  # via_dt: (a date-time expression, the FROM … it is read from)
            expr, tail = what
            parts += [f"SELECT {d} AS d " + tail.format(r=r, **{"from": frm}) for d in dates(vendor, expr)]
    return " UNION ".join(parts)


def _insert(vendor: str, kind: str, sources, r: str, frm: str, dates=around_utc, distinct: bool = False) -> str:
    # (`distinct`: each day once, as 0006 makes them; a single source was not made distinct here)
    return (f"INSERT INTO kpis_stale (kind, day) SELECT {'DISTINCT ' if distinct else ''}'{kind}', s.d "
            f"FROM ({_days(vendor, sources, r, frm, dates)}) s WHERE s.d IS NOT NULL")


def _postgresql(kind, table, sources, row_filter, change, dates=around_utc, distinct=False):
    name = f"kpis_stale_{table}"
    x = lambda rows: f"(SELECT x.* FROM {rows} x WHERE {row_filter.format(x='x')})" if row_filter else rows  # noqa: E731
    if change:
        cond = change.format(o="o", n="n", ne="IS DISTINCT FROM")
        old_upd = f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {cond})"
        new_upd = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {cond})"
    else:
        old_upd, new_upd = "old_rows", "new_rows"
    body = f"""
        IF TG_OP = 'INSERT' THEN
            {_insert('postgresql', kind, sources, 'r', f'FROM {x("new_rows")} r', dates, distinct)};
        ELSIF TG_OP = 'DELETE' THEN
            {_insert('postgresql', kind, sources, 'r', f'FROM {x("old_rows")} r', dates, distinct)};
        ELSE
            {_insert('postgresql', kind, sources, 'r', f'FROM {old_upd} r', dates, distinct)};
            {_insert('postgresql', kind, sources, 'r', f'FROM {new_upd} r', dates, distinct)};
        END IF;"""
    sql = [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} "
           f"RETURN NULL; END $$"]
    tables = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
              "delete": "OLD TABLE AS old_rows"}
    for op in OPS:
        sql.append(f"CREATE TRIGGER {name}_{op[0]} AFTER {op.upper()} ON {table} REFERENCING {tables[op]} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    return sql


def _sqlite(kind, table, sources, row_filter, change, dates=around_utc, distinct=False):
    name = f"kpis_stale_{table}"
    sql = []
    for op in OPS:
        r = "NEW" if op == "insert" else "OLD"
        if op == "update":
            when = f" WHEN {change.format(o='OLD', n='NEW', ne='IS NOT')}" if change else ""
            body = (f"{_insert('sqlite', kind, sources, 'OLD', '', dates)}; "
                    f"{_insert('sqlite', kind, sources, 'NEW', '', dates)};")
        else:
            when = f" WHEN {row_filter.format(x=r)}" if row_filter else ""
            body = f"{_insert('sqlite', kind, sources, r, '', dates)};"
        sql.append(f"CREATE TRIGGER {name}_{op[0]} AFTER {op.upper()} ON {table} FOR EACH ROW{when} BEGIN {body} END")
    return sql


def create(apps, schema_editor, dates=around_utc, distinct=False):
    vendor = schema_editor.connection.vendor
    make = _postgresql if vendor == "postgresql" else _sqlite
    for spec in SPECS:
        for statement in make(*spec, dates=dates, distinct=distinct):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for _kind, table, *_rest in SPECS:
        name = f"kpis_stale_{table}"
        for op in OPS:
            suffix = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{op[0]}{suffix}")
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0002_kept_figures"),
        ("worklists", "0009_wanted_product_reason"),
        ("contacts", "0007_wanted_product_type"),
        ("holdings", "0014_sales_by_day"),
        ("wealth", "0006_diagnosis_batch_owner_one_index"),
        ("service", "0006_redundant_fk_indexes"),
        ("events", "0003_redundant_fk_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
