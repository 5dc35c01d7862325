"""Feed import throughput against a raw PostgreSQL COPY of the same file (issue 5).

    .venv/bin/python benchmarks/bench_import.py [--customers 1000000] [--holdings-per-customer 5]
                                               [--skip-generate] [--database bench_import]
                                               [--rerun all|customers|none] [--profile]
                                               [--only customers]

1. Writes (or, with --skip-generate, reuses) under benchmarks/out/ a customers feed of N rows
   (valid resident IDs, the demo's names, mobiles, a dozen columns, 40 managers by username) and a
   holdings feed of about 5 N rows over the demo catalogue's products.
2. Into a fresh database on the benchmarks' PostgreSQL (dropped, created, migrated; then the
   branches, managers and products the files name): times
   `feed_import(kind="customers", …, followups=False)`, then the holdings feed.
3. Times a rerun of the same files (everything unchanged) — `--rerun customers` for the customers
   file only.
4. Times the baseline: `COPY … FROM STDIN (FORMAT csv, HEADER)` of the SAME files into plain tables
   with the files' columns as text and a primary key on the external number (what a DBA does by
   hand with \\copy), streamed from the file by the client as the import reads it.
5. Times "the write alone": the rows the import stored and their audit events, dumped and COPYed
   back (binary, nothing to convert or check) into empty copies of Banyan's tables with all their
   indexes — what any importer that keeps these rows must at least spend. For holdings, also that
   plus the time the feed's chunks spent refreshing their customers' AUM (timed in the feed): a
   write the importer must make (every customer's row, with its indexes) that the write alone leaves out;
   and the write alone with that AUM written the cheapest way (`aum_write_floor`: one UPDATE of a copy
   of the customers from one aggregate of the holdings, each customer written once).
Prints rows/s of each, the ratio ours ÷ COPY, and the machine. `--profile` runs the customers and
holdings imports under cProfile and prints the top functions (use a small N; the writing thread of
the write-behind is not profiled). `BANYAN_FEED_WRITE_BEHIND=0` in the environment measures the
import one chunk after the other (the baseline of session 18's pairs). `--only customers` times the
customers file alone (its import, rerun, COPY and write alone), for a quicker pair at 1M.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, PG_PORT, machine, pg_cluster, use_pg  # noqa: E402

BRANCHES = 10
MANAGERS_PER_BRANCH = 4
CUSTOMER_HEADER = ["external_id", "name", "id_number", "mobile", "email", "address", "employer", "occupation",
                   "education", "marital_status", "rm", "risk_level", "risk_assessed_on", "other_bank_assets",
                   "account_opened_on", "source", "consent_sms", "consent_phone"]
HOLDING_HEADER = ["external_id", "customer", "product", "account_no", "amount", "purchase_date", "maturity_date",
                  "cost_price", "units", "take_profit_pct", "stop_loss_pct", "auto_rollover", "status"]
_REGIONS = ["330106", "330102", "330105", "330108", "110101", "310104", "440104", "320102", "510104", "420102"]
_STREETS = ["文三路", "天目山路", "学院路", "庆春路", "解放路", "延安路", "凤起路", "体育场路", "中山北路", "莫干山路"]
_EMPLOYERS = ["浙江大学", "阿里巴巴", "杭州银行", "市第一人民医院", "西湖区教育局", "海康威视", "自由职业", "个体经营"]
_OCCUPATIONS = ["教师", "工程师", "医生", "会计", "公务员", "销售", "企业主", "退休"]
_MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "158", "186", "188"]


def log(message: str) -> None:
    print(message, flush=True)


def managers() -> list[tuple[str, str]]:
    """(username, branch code) of the managers the customers feed names."""
    return [(f"rm{b:02d}{m}", f"{b:03d}") for b in range(1, BRANCHES + 1) for m in range(1, MANAGERS_PER_BRANCH + 1)]


def generate_customers(path: Path, n: int, seed: int) -> None:
    from banyan.customers.identity import make_resident_id
    from banyan.demo.names import person_name

    rng = random.Random(seed)
    staff = [u for u, _b in managers()]
    educations = ["本科", "硕士", "大专", "高中", "bachelor", ""]
    maritals = ["已婚", "未婚", "married", "离异", ""]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CUSTOMER_HEADER)
        for i in range(n):
            male = rng.random() < 0.5
            birth = dt.date(1945 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29))
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            w.writerow([
                f"C{i:08d}", person_name(rng, male=male, birth_year=birth.year),
                make_resident_id(rng.choice(_REGIONS), birth, seq),
                f"{rng.choice(_MOBILE_PREFIXES)}{i:08d}",
                f"c{i}@example.com" if rng.random() < 0.2 else "",
                f"杭州市{rng.choice(_STREETS)}{rng.randrange(1, 300)}号" if rng.random() < 0.7 else "",
                rng.choice(_EMPLOYERS), rng.choice(_OCCUPATIONS), rng.choice(educations), rng.choice(maritals),
                staff[i % len(staff)], f"C{rng.randrange(1, 6)}",
                f"{2024 + rng.randrange(2)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                f"{rng.randrange(0, 2_000_000)}.00" if rng.random() < 0.3 else "",
                f"{2000 + rng.randrange(26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
                rng.choice(["代发工资", "自然到店", "转介绍", "walk_in", ""]),
                rng.choice("YN"), rng.choice(["Y", "是", "1"]),
            ])
    tmp.replace(path)


def generate_holdings(path: Path, n: int, per_customer: int, seed: int) -> int:
    from banyan.demo.catalogue import PRODUCTS

    rng = random.Random(seed + 1)
    products = [(p.code, p.type, p.term_days) for p in PRODUCTS]
    count = 0
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HOLDING_HEADER)
        for i in range(n):
            for _k in range(rng.randrange(2 * per_customer - 1) + 1):  # 1 … 2k-1, about k on average
                code, ptype, term = rng.choice(products)
                bought = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2400))
                amount = rng.randrange(1_000, 1_000_000)
                nav_type = ptype in ("fund", "wealth", "precious_metal")
                price = f"{rng.uniform(0.8, 2.2):.4f}" if nav_type else ""
                w.writerow([
                    f"H{count:010d}", f"C{i:08d}", code, f"62220{count:014d}", f"{amount}.00", bought.isoformat(),
                    (bought + dt.timedelta(days=term)).isoformat() if term else "", price, "",
                    rng.choice(["", "", "15"]) if nav_type else "", rng.choice(["", "", "10"]) if nav_type else "",
                    rng.choice("YN") if ptype == "time_deposit" else "", "active",
                ])
                count += 1
    tmp.replace(path)
    return count


def fresh_database(database: str) -> None:
    from banyan.testing.pgserver import _bindir

    pg_cluster()
    subprocess.run([str(_bindir() / "dropdb"), "--if-exists", "--force", "-h", "127.0.0.1", "-p", str(PG_PORT),
                    "-U", "banyan", database], check=True)
    use_pg(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bank_for_feeds() -> None:
    """The branches, managers and products the generated files name."""
    from banyan.demo.catalogue import PRODUCTS
    from banyan.holdings.services import product_create
    from banyan.org.services import branch_ensure, staff_create

    branches = {}
    for username, code in managers():
        if code not in branches:
            branches[code] = branch_ensure(code=code, name=f"第{int(code)}支行")
        staff_create(actor=None, username=username, password="banyan2026", role="rm", branch=branches[code],
                     full_name=username, check_password=False)
    for p in PRODUCTS:
        product_create(actor=None, code=p.code, name=p.name, type=p.type, risk_level=p.risk, term_days=p.term_days,
                       expected_yield=p.yield_pct, issuer=p.issuer)


def copy_baseline(path: Path, table: str, header: list[str]) -> float:
    """Seconds for COPY of `path` into a plain text table keyed by its first column."""
    from django.db import connection

    cols = ", ".join(f'"{c}" text' for c in header)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{table}"')
        cur.execute(f'CREATE TABLE "{table}" ({cols}, PRIMARY KEY ("{header[0]}"))')
    connection.ensure_connection()
    raw = connection.connection
    raw.commit()
    start = time.perf_counter()
    with raw.cursor() as cur, cur.copy(f'COPY "{table}" FROM STDIN (FORMAT csv, HEADER true)') as copy, \
            path.open("rb") as fh:
        while block := fh.read(1 << 20):
            copy.write(block)
    raw.commit()
    return time.perf_counter() - start


def write_floor(parts: list[tuple[str, str]]) -> float:
    """Seconds PostgreSQL takes to COPY the rows the import wrote — already converted, nothing left
    to check — into empty copies of the same tables with the same indexes (LIKE … INCLUDING ALL):
    the least time ANY importer of this file needs to write what Banyan keeps (the rows and their
    audit events). `parts`: (table, WHERE clause choosing the import's rows)."""
    import io

    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    raw.commit()
    total = 0.0
    for table, where in parts:
        dump = io.BytesIO()
        with raw.cursor() as cur:
            with cur.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT (FORMAT binary)") as copy:
                for block in copy:
                    dump.write(block)
            cur.execute(f"DROP TABLE IF EXISTS floor_{table}")
            cur.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        raw.commit()
        data = dump.getbuffer()
        start = time.perf_counter()
        with raw.cursor() as cur, cur.copy(f"COPY floor_{table} FROM STDIN (FORMAT binary)") as copy:
            for at in range(0, len(data), 1 << 20):
                copy.write(data[at:at + (1 << 20)])
        raw.commit()
        total += time.perf_counter() - start
        with raw.cursor() as cur:
            cur.execute(f"DROP TABLE floor_{table}")
        raw.commit()
    return total


def aum_write_floor() -> float:
    """Seconds PostgreSQL takes to write the customers' AUM a holdings feed changes, the cheapest way
    an importer can: one UPDATE of a copy of the customers as the customers feed left them (AUM 0;
    the same indexes, LIKE … INCLUDING ALL) from one aggregate of the stored holdings, each customer
    whose AUM moves written once. Part of what an importer that keeps Banyan's rows must write: the
    customer row is Banyan's own, and its AUM is the sum of the holdings (holdings.services)."""
    from django.db import connection
    from django.db.models import Sum

    from banyan.customers.models import Customer
    from banyan.holdings.models import LIABILITY_TYPES, Holding, HoldingStatus

    table = Customer._meta.db_table
    sums, params = (Holding.objects.filter(status=HoldingStatus.ACTIVE).exclude(product__type__in=LIABILITY_TYPES)
                    .values("customer").annotate(total=Sum("current_value")).values_list("customer", "total")
                    .query.sql_with_params())
    connection.ensure_connection()
    raw = connection.connection
    raw.commit()
    with raw.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS floor_{table}")
        cur.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
        columns = [f'"{field.column}"' for field in Customer._meta.concrete_fields]
        chosen = ", ".join("0" if column == '"aum"' else column for column in columns)
        cur.execute(f"INSERT INTO floor_{table} ({', '.join(columns)}) SELECT {chosen} FROM {table}")
        cur.execute(f"ANALYZE floor_{table}")
    raw.commit()
    start = time.perf_counter()
    with raw.cursor() as cur:
        cur.execute(f"UPDATE floor_{table} AS c SET aum = s.total FROM ({sums}) AS s (customer_id, total) "
                    "WHERE c.id = s.customer_id AND c.aum <> s.total", params)
    raw.commit()
    seconds = time.perf_counter() - start
    with raw.cursor() as cur:  # the same AUMs as the feed's, or the figure is of another write
        cur.execute(f"SELECT count(*) FROM floor_{table} AS c JOIN {table} AS r USING (id) WHERE c.aum <> r.aum")
        if differ := cur.fetchone()[0]:
            log(f"  NO: {differ:,d} customers' AUM written by the floor differ from the feed's")
        cur.execute(f"DROP TABLE floor_{table}")
    raw.commit()
    return seconds


def timed_import(kind: str, path: Path, profile: bool):
    from banyan.feeds.services import feed_import

    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        start = time.perf_counter()
        result = prof.runcall(feed_import, kind=kind, path=path, followups=False)
        seconds = time.perf_counter() - start
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return result, seconds
    start, cpu = time.perf_counter(), time.process_time()
    from banyan.feeds import bulk

    with calls_timed(bulk, "_refresh_aum") as aum, calls_timed(bulk._WriteBehind, "wait") as waited:
        result = feed_import(kind=kind, path=path, followups=False)
    seconds = time.perf_counter() - start
    log(f"  ({kind}: this process used {time.process_time() - cpu:.1f} s of CPU in {seconds:.1f} s; "
        f"its judging thread waited {waited[0]:.1f} s for the writing thread"
        + (f"; the chunks' AUM refresh took {aum[0]:.1f} s of the writing connection's time)" if aum[0] else ")"))
    AUM_SECONDS[kind] = aum[0]
    return result, seconds


#: Seconds a feed's chunks spent refreshing their customers' AUM (an UPDATE of each customer whose
#: AUM the chunk's holdings change): a write the feed must make and "the write alone" does not.
AUM_SECONDS: dict[str, float] = {}


@contextlib.contextmanager
def calls_timed(owner, name: str):
    """Time every call of `owner.name` for the block (seconds in the list yielded): bulk._refresh_aum,
    which runs on the writing thread one chunk after the other, or bulk._WriteBehind.wait, the
    judging thread waiting for the chunk being written (session 25: what the writer's speed can win)."""
    spent = [0.0]
    called = getattr(owner, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return called(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start
    setattr(owner, name, timed)
    try:
        yield spent
    finally:
        setattr(owner, name, called)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--holdings-per-customer", type=int, default=5)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the files under benchmarks/out/")
    parser.add_argument("--database", default="bench_import")
    parser.add_argument("--rerun", choices=["all", "customers", "none"], default="all")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["customers"], help="the customers file alone")
    args = parser.parse_args()
    n = args.customers
    OUT.mkdir(parents=True, exist_ok=True)
    customers_csv = OUT / f"feed-customers-{n}.csv"
    holdings_csv = OUT / f"feed-holdings-{n}.csv"

    fresh_database(args.database)  # also django.setup()
    if not (args.skip_generate and customers_csv.exists() and holdings_csv.exists()):
        start = time.perf_counter()
        generate_customers(customers_csv, n, args.seed)
        rows = generate_holdings(holdings_csv, n, args.holdings_per_customer, args.seed)
        log(f"generated {n:,} customers and {rows:,} holdings in {time.perf_counter() - start:.0f} s")
    bank_for_feeds()

    figures: dict[str, tuple[int, float]] = {}
    kinds = ("customers",) if args.only else ("customers", "holdings")
    for kind, path in (("customers", customers_csv), ("holdings", holdings_csv))[:len(kinds)]:
        result, seconds = timed_import(kind, path, args.profile)
        rows = result.added + result.updated + result.unchanged + result.rejected
        figures[kind] = (rows, seconds)
        log(f"import {kind:9s}: {result.summary} in {seconds:7.1f} s = {rows / seconds:9,.0f} rows/s")
        if result.rejects:
            log(f"  first reject: {result.rejects[0][1]}")
    reruns = [kind for kind in {"all": ("customers", "holdings"), "customers": ("customers",), "none": ()}[args.rerun]
              if kind in kinds]
    for kind in reruns:
        path = customers_csv if kind == "customers" else holdings_csv
        result, seconds = timed_import(kind, path, False)
        rows = result.added + result.updated + result.unchanged + result.rejected
        figures[f"{kind} rerun"] = (rows, seconds)
        log(f"rerun  {kind:9s}: {result.summary} in {seconds:7.1f} s = {rows / seconds:9,.0f} rows/s")

    log("")
    copy_baselines: dict[str, float] = {}
    log(f"{'':18s}{'rows':>11s}{'ours s':>9s}{'ours rows/s':>13s}{'COPY s':>8s}{'COPY rows/s':>13s}{'ours/COPY':>11s}")
    for kind, path, header in (("customers", customers_csv, CUSTOMER_HEADER),
                               ("holdings", holdings_csv, HOLDING_HEADER))[:len(kinds)]:
        copy_seconds = copy_baselines[kind] = copy_baseline(path, f"copy_{kind}", header)
        for label in (kind, f"{kind} rerun"):
            if label not in figures:
                continue
            rows, seconds = figures[label]
            log(f"{label:18s}{rows:11,d}{seconds:9.1f}{rows / seconds:13,.0f}{copy_seconds:8.1f}"
                f"{rows / copy_seconds:13,.0f}{copy_seconds / seconds:10.1%}")
    # What no importer can beat: writing the imported rows and their audit events into tables
    # with Banyan's indexes (the trigram index on the pinyin, the mobile, ID and key indexes …).
    log("")
    log("the write alone — the import's rows and audit events COPYed, converted and unchecked, into empty copies")
    log("of Banyan's tables with their indexes; the ceiling of any importer that keeps them:")
    for kind, parts in (("customers", [("customers_customer", "true"),
                                       ("audit_auditevent", "action = 'customer.created'")]),
                        ("holdings", [("holdings_holding", "true"),
                                      ("audit_auditevent", "action = 'holding.created'")])):
        if kind not in figures:
            continue
        rows, seconds = figures[kind]
        floor = write_floor(parts)
        copy_seconds = copy_baselines[kind]
        log(f"{kind:18s}{rows:11,d}  write alone {floor:6.1f} s = {rows / floor:9,.0f} rows/s = "
            f"{copy_seconds / floor:6.1%} of the raw COPY; ours is {floor / seconds:6.1%} of the write alone")
        if kind == "holdings":
            aum = aum_write_floor()
            log(f"{'':18s}{'':11s}  with the customers' AUM written once ({aum:.1f} s): {floor + aum:6.1f} s; "
                f"ours is {(floor + aum) / seconds:6.1%} of that")
        if AUM_SECONDS.get(kind):
            kept = floor + AUM_SECONDS[kind]
            log(f"{'':18s}{'':11s}  with the AUM refresh the feed made ({AUM_SECONDS[kind]:.1f} s): {kept:6.1f} s; "
                f"ours is {kept / seconds:6.1%} of that")
    from banyan.feeds import bulk

    log(f"machine: {machine()}; PostgreSQL on loopback port {PG_PORT} (benchmarks/out/pgdata); "
        f"write-behind {'on' if bulk.write_behind() else 'off (BANYAN_FEED_WRITE_BEHIND=0)'}")
    search_plan()


def search_plan() -> None:
    """The search for a part of the pinyin on the imported bank: the trigram index at work."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE customers_customer")
        start = time.perf_counter()
        cur.execute("EXPLAIN ANALYZE SELECT id FROM customers_customer WHERE name_pinyin LIKE %s", ["%xiaoming%"])
        plan = [row[0] for row in cur.fetchall()]
    log(f"search for a part of the pinyin (%xiaoming%) over the bank: {(time.perf_counter() - start) * 1000:.0f} ms")
    for line in plan:
        if "Index" in line or "Execution" in line or "Scan" in line:
            log(f"  {line.strip()}")


if __name__ == "__main__":
    main()
