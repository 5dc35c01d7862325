"""The yardstick for the worklist engine (issue 5): the same day's reasons computed by ONE
hand-written DuckDB query over the bank's tables exported to Parquet.

Two steps, timed apart by `bench_worklist.py`:

1. `export(out_dir)` copies the columns the triggers read, from the Django database, to one Parquet
   file per table: PostgreSQL streams `COPY (SELECT …) TO STDOUT (FORMAT csv)` into a CSV file,
   SQLite goes through a plain cursor; DuckDB's `read_csv` (with the column types spelled out) then
   writes the Parquet file. Whole tables (every row, active or not), nothing filtered for the day.
2. `reasons(out_dir, day)` runs one SQL statement — a CTE per reason, UNION ALL — and returns the
   (customer_id, code, due, ref) rows of every reason the engine's 15 triggers
   (`banyan/worklists/triggers.py`) find for the window the nightly build looks at (the day and
   the week after it, `services.LOOK_AHEAD_DAYS`), with the same windows, lead and grace days from
   the bank's reason rules, thresholds from the segment policy, and the same quirks. What Python
   computes beforehand is small and independent of the data, as in the engine: the solar and lunar
   birthday keys celebrated on each day of the window (from lunar-python), the festivals of the
   window, and the window's dates. DuckDB does not write the Chinese detail lines the engine
   writes for each reason; it finds the same reasons.

    .venv/bin/python benchmarks/worklist_duckdb.py --pg bank1m [--day 2026-11-24]   # export + query
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

# Table → (Parquet file, [(column, DuckDB type, SQL expression on PostgreSQL, on SQLite)]).
# Timestamps are exported as UTC wall-clock (naive), booleans as 0/1.
_UTC_PG = "({c} AT TIME ZONE 'UTC')"
TABLES: dict[str, tuple[str, list[tuple[str, str, str | None, str | None]]]] = {
    "customers": ("customers_customer", [
        ("id", "BIGINT", None, None),
        ("rm_id", "BIGINT", None, None),
        ("birth_date", "DATE", None, None),
        ("lunar_birthday", "BOOLEAN", "lunar_birthday::int", "CASE WHEN lunar_birthday THEN 1 ELSE 0 END"),
        ("birthday_mmdd", "INTEGER", None, None),
        ("lunar_birthday_key", "INTEGER", None, None),
        ("gender", "VARCHAR", None, None),
        ("occupation", "VARCHAR", None, None),
        ("children", "VARCHAR", None, None),
        ("wedding_anniversary", "DATE", None, None),
        ("business_opened_on", "DATE", None, None),
        ("account_opened_on", "DATE", None, None),
        ("last_contact_at", "TIMESTAMP", _UTC_PG.format(c="last_contact_at"), None),
        ("risk_assessed_on", "DATE", None, None),
        ("risk_level", "VARCHAR", None, None),
    ]),
    "segments": ("segments_customersegment", [
        ("customer_id", "BIGINT", None, None),
        ("quadrant", "VARCHAR", None, None),
        ("frequency_days", "INTEGER", None, None),
        ("is_priority", "BOOLEAN", "is_priority::int", "CASE WHEN is_priority THEN 1 ELSE 0 END"),
    ]),
    "products": ("holdings_product", [
        ("id", "BIGINT", None, None),
        ("type", "VARCHAR", None, None),
        ("risk_level", "VARCHAR", None, None),
        ("latest_nav", "DECIMAL(14,4)", None, None),
        ("latest_nav_date", "DATE", None, None),
    ]),
    "navs": ("holdings_productnav", [
        ("product_id", "BIGINT", None, None),
        ("date", "DATE", None, None),
        ("nav", "DECIMAL(14,4)", None, None),
        ("dividend", "DECIMAL(14,4)", None, None),
    ]),
    "holdings": ("holdings_holding", [
        ("id", "BIGINT", None, None),
        ("customer_id", "BIGINT", None, None),
        ("product_id", "BIGINT", None, None),
        ("status", "VARCHAR", None, None),
        ("maturity_date", "DATE", None, None),
        ("payment_due_date", "DATE", None, None),
        ("minimum_payment", "DECIMAL(14,2)", None, None),
        ("overdue_days", "INTEGER", None, None),
        ("cost_price", "DECIMAL(14,4)", None, None),
        ("take_profit_pct", "DECIMAL(7,2)", None, None),
        ("stop_loss_pct", "DECIMAL(7,2)", None, None),
    ]),
    "transactions": ("holdings_transaction", [
        ("id", "BIGINT", None, None),
        ("customer_id", "BIGINT", None, None),
        ("occurred_on", "DATE", None, None),
        ("amount", "DECIMAL(16,2)", None, None),
    ]),
    "interactions": ("contacts_interaction", [
        ("id", "BIGINT", None, None),
        ("customer_id", "BIGINT", None, None),
        ("next_contact_on", "DATE", None, None),
    ]),
    "memos": ("contacts_memo", [
        ("id", "BIGINT", None, None),
        ("customer_id", "BIGINT", None, None),
        ("status", "VARCHAR", None, None),
        ("due_date", "DATE", None, None),
    ]),
    "appointments": ("contacts_appointment", [
        ("id", "BIGINT", None, None),
        ("customer_id", "BIGINT", None, None),
        ("status", "VARCHAR", None, None),
        ("at", "TIMESTAMP", _UTC_PG.format(c="at"), None),
    ]),
}


def _select(table: str, columns, vendor: str) -> str:
    exprs = []
    for name, _type, pg, lite in columns:
        expr = (pg if vendor == "postgresql" else lite) or f'"{name}"'
        exprs.append(f'{expr} AS "{name}"')
    return f"SELECT {', '.join(exprs)} FROM {table}"


def export(out_dir: Path) -> dict[str, tuple[int, float]]:
    """Copy the triggers' tables to `out_dir/<name>.parquet`; returns name → (rows, seconds)."""
    import duckdb
    from django.db import connection

    out_dir.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    timings = {}
    con = duckdb.connect()
    for name, (table, columns) in TABLES.items():
        start = time.perf_counter()
        csv_path = out_dir / f"{name}.csv"
        select = _select(table, columns, vendor)
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                with open(csv_path, "wb") as f, cursor.cursor.copy(f"COPY ({select}) TO STDOUT (FORMAT csv)") as copy:
                    for block in copy:
                        f.write(block)
            else:
                cursor.execute(select)
                with open(csv_path, "w", newline="", encoding="utf-8") as f:
                    writer = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)  # "" is '', nothing is NULL
                    while rows := cursor.fetchmany(20000):
                        writer.writerows(rows)
        types = ", ".join(f"'{c}': '{t}'" for c, t, *_ in columns)
        parquet = out_dir / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}', header=false, columns={{{types}}}, "
                    f"delim=',', auto_detect=false, nullstr='', allow_quoted_nulls=false, quote='\"', "
                    f"escape='\"')) TO '{parquet}' (FORMAT parquet)")
        rows = con.execute(f"SELECT count(*) FROM '{parquet}'").fetchone()[0]
        csv_path.unlink()
        timings[name] = (rows, time.perf_counter() - start)
    con.close()
    return timings


# --- the day's parameters: small, data-independent, computed in Python as the engine does --------

@dataclass
class Params:
    first: dt.date
    last: dt.date
    spans: dict[str, tuple[dt.date, dt.date]]
    values: dict[str, object]
    solar_days: list[tuple[dt.date, int]]
    lunar_days: list[tuple[dt.date, int]]
    festivals: list[tuple[dt.date, str, str | None, str | None, dt.date | None]]
    anniversary_days: list[dt.date]
    enabled: list[str]


def params(day: dt.date) -> Params:
    from banyan.calendars.festivals import festivals_between
    from banyan.calendars.lunar import lunar_keys_by_date, solar_keys_by_date
    from banyan.segments.models import Quadrant, SegmentPolicy
    from banyan.wealth.suitability import INVESTMENT_TYPES
    from banyan.worklists.models import ReasonCode as C
    from banyan.worklists.services import LOOK_AHEAD_DAYS, planner_rules

    policy = SegmentPolicy.current()
    rules = planner_rules(policy).reason_rules
    first, last = day, day + dt.timedelta(days=LOOK_AHEAD_DAYS)
    spans = {code: (first - dt.timedelta(days=r.grace_days), last + dt.timedelta(days=r.lead_days))
             for code, r in rules.items()}
    b0, b1 = spans[C.BIRTHDAY]
    solar = sorted({(d, k) for d, keys in solar_keys_by_date(b0, b1).items() for k in keys})
    lunar = sorted({(d, m * 100 + dom) for d, keys in lunar_keys_by_date(b0, b1).items() for m, dom, _leap in keys})
    f0, f1 = spans[C.FESTIVAL]
    fests = []
    for f in festivals_between(f0, f1):
        gender = {"female": "F", "parents": "F" if f.code == "mothers_day" else "M"}.get(f.audience or "")
        cutoff = f.date.replace(year=f.date.year - 60) if f.audience == "seniors" else None
        fests.append((f.date, f.code, f.audience, gender, cutoff))
    a0, a1 = spans[C.ANNIVERSARY]
    values = {
        "first": first, "last": last,
        "nav_from": first - dt.timedelta(days=4), "nav_rows_from": first - dt.timedelta(days=14),
        "nav_pct": policy.nav_move_pct, "flow": policy.large_flow_amount,
        "flow_from": first - dt.timedelta(days=3),
        "new_from": first - dt.timedelta(days=rules[C.NEW_CUSTOMER].lead_days),
        "new_lead": rules[C.NEW_CUSTOMER].lead_days,
        **{f"days_{q.value}": policy.frequency_days(q) for q in Quadrant},
        "investment_types": sorted(str(t) for t in INVESTMENT_TYPES),
    }
    for code, (s0, s1) in spans.items():
        values[f"{code}_from"], values[f"{code}_to"] = s0, s1
    return Params(first, last, spans, values, solar, lunar, fests,
                  [a0 + dt.timedelta(days=i) for i in range((a1 - a0).days + 1)],
                  sorted(code for code, r in rules.items() if r.weight > 0))


# --- the query ---------------------------------------------------------------------------------

QUERY = """
WITH
c AS (SELECT * FROM read_parquet('{d}/customers.parquet') WHERE rm_id IS NOT NULL),
seg AS (SELECT * FROM read_parquet('{d}/segments.parquet')),
products AS (SELECT * FROM read_parquet('{d}/products.parquet')),
h AS (
    SELECT h.*, p.type, p.risk_level AS product_risk, p.latest_nav, p.latest_nav_date
    FROM read_parquet('{d}/holdings.parquet') h
    JOIN products p ON p.id = h.product_id
    WHERE h.status = 'active'  -- like the engine over the whole bank: every customer's, assigned or not
),
birthday AS (
    SELECT c.id AS customer_id, 'birthday' AS code, s.day AS due, '' AS ref
    FROM c JOIN solar_days s ON s.key = c.birthday_mmdd WHERE NOT c.lunar_birthday
    UNION ALL
    SELECT c.id, 'birthday', l.day, '' FROM c JOIN lunar_days l ON l.key = c.lunar_birthday_key WHERE c.lunar_birthday
),
festival AS (
    SELECT x.id, 'festival', f.day, 'festival:' || f.code
    FROM festivals f JOIN (
        SELECT c.*, coalesce(seg.is_priority OR seg.quadrant IN ('high_high', 'high_low', 'low_high'), false)
                    AS frequent
        FROM c LEFT JOIN seg ON seg.customer_id = c.id
    ) x ON CASE WHEN f.audience = 'teacher' THEN x.occupation LIKE '%教师%'
                ELSE x.frequent AND (f.audience IS NULL
                                     OR (f.audience = 'female' AND x.gender = 'F')
                                     OR (f.audience = 'seniors' AND x.birth_date <= f.senior_cutoff)
                                     OR (f.audience = 'parents' AND x.gender = f.gender AND x.children <> '')
                                     OR f.audience NOT IN ('female', 'seniors', 'parents')) END
),
anniversary AS (
    SELECT c.id, 'anniversary', d.day, 'wedding_anniversary' FROM c JOIN anniversary_days d
        ON month(c.wedding_anniversary) = month(d.day) AND day(c.wedding_anniversary) = day(d.day)
        WHERE c.wedding_anniversary < $first
    UNION ALL
    SELECT c.id, 'anniversary', d.day, 'business_opened_on' FROM c JOIN anniversary_days d
        ON month(c.business_opened_on) = month(d.day) AND day(c.business_opened_on) = day(d.day)
        WHERE c.business_opened_on < $first
    UNION ALL
    SELECT c.id, 'anniversary', d.day, 'account_opened_on' FROM c JOIN anniversary_days d
        ON month(c.account_opened_on) = month(d.day) AND day(c.account_opened_on) = day(d.day)
        WHERE c.account_opened_on < $first
          AND year(d.day) - year(c.account_opened_on) IN (1, 3, 5, 8, 10, 15, 20, 25, 30)
),
maturity AS (
    SELECT customer_id, 'deposit_maturity', maturity_date, 'holding:' || id FROM h
        WHERE type = 'time_deposit' AND maturity_date BETWEEN $deposit_maturity_from AND $deposit_maturity_to
    UNION ALL
    SELECT customer_id, 'product_maturity', maturity_date, 'holding:' || id FROM h
        WHERE type IN ('wealth', 'bond', 'insurance')
          AND maturity_date BETWEEN $product_maturity_from AND $product_maturity_to
    UNION ALL
    SELECT customer_id, 'loan_maturity', maturity_date, 'holding:' || id FROM h
        WHERE type = 'loan' AND maturity_date BETWEEN $loan_maturity_from AND $loan_maturity_to
),
card AS (
    SELECT customer_id, 'card_repayment', payment_due_date, 'holding:' || id FROM h
    WHERE type = 'credit_card' AND payment_due_date BETWEEN $card_repayment_from AND $card_repayment_to
      AND minimum_payment > 0
),
overdue AS (
    SELECT customer_id, 'loan_overdue', $first::DATE, 'holding:' || id FROM h WHERE type = 'loan' AND overdue_days > 0
),
nav_ranked AS (
    SELECT n.product_id, n.date, n.nav, n.dividend,
           row_number() OVER (PARTITION BY n.product_id ORDER BY n.date DESC) AS rn
    FROM read_parquet('{d}/navs.parquet') n
    SEMI JOIN products p ON p.id = n.product_id AND p.latest_nav_date >= $nav_from AND p.latest_nav_date < $last
    WHERE n.date >= $nav_rows_from
),
nav_latest AS (
    SELECT a.product_id, a.date, a.nav, a.dividend, b.nav AS prev
    FROM nav_ranked a LEFT JOIN nav_ranked b ON b.product_id = a.product_id AND b.rn = 2
    WHERE a.rn = 1
),
nav AS (
    SELECT h.customer_id, 'nav_move', n.date + 1, 'holding:' || h.id
    FROM nav_latest n JOIN h ON h.product_id = n.product_id
    WHERE n.prev <> 0 AND abs(n.nav - n.prev) * 100 >= $nav_pct * n.prev
    UNION ALL
    SELECT h.customer_id, 'dividend', n.date + 1, 'holding:' || h.id
    FROM nav_latest n JOIN h ON h.product_id = n.product_id
    WHERE n.dividend <> 0
),
limits AS (
    SELECT customer_id, 'stop_loss', greatest(latest_nav_date + 1, $first::DATE), 'holding:' || id FROM h
    WHERE cost_price > 0 AND latest_nav IS NOT NULL AND latest_nav_date < $last
      AND stop_loss_pct IS NOT NULL AND latest_nav * 100 <= cost_price * (100 - stop_loss_pct)
    UNION ALL
    SELECT customer_id, 'take_profit', greatest(latest_nav_date + 1, $first::DATE), 'holding:' || id FROM h
    WHERE cost_price > 0 AND latest_nav IS NOT NULL AND latest_nav_date < $last
      AND take_profit_pct IS NOT NULL AND latest_nav * 100 >= cost_price * (100 + take_profit_pct)
),
flow AS (
    -- every customer's, assigned or not (as `h`)
    SELECT customer_id, CASE WHEN amount > 0 THEN 'large_inflow' ELSE 'large_outflow' END, occurred_on + 1,
           'transaction:' || id
    FROM read_parquet('{d}/transactions.parquet')
    WHERE occurred_on >= $flow_from AND occurred_on < $last AND (amount >= $flow OR amount <= -$flow)
),
cadence AS (
    SELECT c.id, 'cadence_due',
           CASE WHEN c.last_contact_at IS NULL THEN $first::DATE
                ELSE c.last_contact_at::DATE + seg.frequency_days END, ''
    FROM c JOIN seg ON seg.customer_id = c.id
    WHERE c.last_contact_at IS NULL
       OR c.last_contact_at::DATE <= $last::DATE - CASE seg.quadrant WHEN 'high_high' THEN $days_high_high
                                                                     WHEN 'low_high' THEN $days_low_high
                                                                     WHEN 'high_low' THEN $days_high_low
                                                                     WHEN 'low_low' THEN $days_low_low END
),
memo AS (
    SELECT m.customer_id, 'memo_due', m.due_date, 'memo:' || m.id FROM read_parquet('{d}/memos.parquet') m
    WHERE m.status = 'open' AND m.due_date BETWEEN $memo_due_from AND $memo_due_to
),
follow_up AS (
    SELECT i.customer_id, 'follow_up', i.next_contact_on, 'interaction:' || i.id
    FROM read_parquet('{d}/interactions.parquet') i
    WHERE i.next_contact_on BETWEEN $follow_up_from AND $follow_up_to
),
appointment AS (
    -- the local (Asia/Shanghai, UTC+8 all year) date of the meeting
    SELECT a.customer_id, 'appointment', (a.at + INTERVAL 8 HOUR)::DATE, 'appointment:' || a.id
    FROM read_parquet('{d}/appointments.parquet') a
    WHERE a.status = 'scheduled' AND (a.at + INTERVAL 8 HOUR)::DATE BETWEEN $appointment_from AND $appointment_to
),
new_customer AS (
    SELECT id, 'new_customer', account_opened_on + $new_lead, '' FROM c
    WHERE account_opened_on BETWEEN $new_from AND $last AND last_contact_at IS NULL
),
risk AS (
    SELECT id, 'risk_assessment_expiry', risk_assessed_on + 365, '' FROM c
    WHERE risk_assessed_on BETWEEN $risk_assessment_expiry_from::DATE - 365 AND $risk_assessment_expiry_to::DATE - 365
),
suitability AS (
    -- assessed in the window, now holding an investment product above the level (C1–C4 against
    -- R2–R5): one reason per customer, on the assessment's date
    SELECT DISTINCT c.id, 'suitability_drift', c.risk_assessed_on,
           'assessed:' || strftime(c.risk_assessed_on, '%Y-%m-%d')
    FROM c JOIN h ON h.customer_id = c.id
    WHERE c.risk_assessed_on BETWEEN $suitability_drift_from AND $suitability_drift_to
      AND c.risk_level IN ('C1', 'C2', 'C3', 'C4') AND h.product_risk IN ('R1', 'R2', 'R3', 'R4', 'R5')
      AND list_contains($investment_types, h.type)
      AND substr(h.product_risk, 2)::INTEGER > substr(c.risk_level, 2)::INTEGER
),
everything AS (
    SELECT * FROM birthday UNION ALL SELECT * FROM festival UNION ALL SELECT * FROM anniversary
    UNION ALL SELECT * FROM maturity UNION ALL SELECT * FROM card UNION ALL SELECT * FROM overdue
    UNION ALL SELECT * FROM nav UNION ALL SELECT * FROM limits UNION ALL SELECT * FROM flow
    UNION ALL SELECT * FROM cadence UNION ALL SELECT * FROM memo UNION ALL SELECT * FROM follow_up
    UNION ALL SELECT * FROM appointment UNION ALL SELECT * FROM new_customer UNION ALL SELECT * FROM risk
    UNION ALL SELECT * FROM suitability
)
SELECT customer_id, code, due, ref FROM everything WHERE code IN (SELECT code FROM enabled)
"""


def connect(p: Params):
    """A DuckDB connection holding the day's small tables."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE solar_days (day DATE, key INTEGER)")
    con.execute("CREATE TABLE lunar_days (day DATE, key INTEGER)")
    con.execute("CREATE TABLE festivals (day DATE, code VARCHAR, audience VARCHAR, gender VARCHAR, "
                "senior_cutoff DATE)")
    con.execute("CREATE TABLE anniversary_days (day DATE)")
    con.execute("CREATE TABLE enabled (code VARCHAR)")
    if p.solar_days:
        con.executemany("INSERT INTO solar_days VALUES (?, ?)", p.solar_days)
    if p.lunar_days:
        con.executemany("INSERT INTO lunar_days VALUES (?, ?)", p.lunar_days)
    if p.festivals:
        con.executemany("INSERT INTO festivals VALUES (?, ?, ?, ?, ?)", p.festivals)
    if p.anniversary_days:
        con.executemany("INSERT INTO anniversary_days VALUES (?)", [(d,) for d in p.anniversary_days])
    con.executemany("INSERT INTO enabled VALUES (?)", [(c,) for c in p.enabled])
    return con


def reasons(con, out_dir: Path, p: Params) -> list[tuple[int, str, dt.date, str]]:
    """Every (customer_id, code, due, ref) of the day's window."""
    sql = QUERY.replace("{d}", str(out_dir))
    used = {k: v for k, v in p.values.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchall()


def main() -> None:
    import argparse
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import OUT, use_bank, use_pg

    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", metavar="DATABASE")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--day", default=None)
    args = parser.parse_args()
    if args.pg:
        use_pg(args.pg, create=False)
        out = OUT / f"parquet-{args.pg}"
    else:
        use_bank(args.customers)
        out = OUT / f"parquet-{args.customers}"
    from banyan import clock
    from banyan.calendars.workdays import next_working_day

    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    for name, (rows, seconds) in export(out).items():
        print(f"export {name:13} {rows:>11,} rows {seconds:7.2f} s")
    p = params(day)
    con = connect(p)
    start = time.perf_counter()
    found = reasons(con, out, p)
    print(f"DuckDB: {len(found):,} reasons for {day} in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
