"""Shared set-up for the benchmarks: one synthetic bank per size, built once with `banyan demo`
under benchmarks/out/ (git-ignored) and reused, and small timing helpers."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def use_bank(customers: int, db: str | None = None) -> Path:
    """Point Django at the benchmark bank's SQLite file (before django.setup())."""
    sys.path.insert(0, str(ROOT))
    path = Path(db) if db else OUT / f"bank-{customers}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    return path


PG_PORT = int(os.environ.get("BANYAN_BENCH_PG_PORT", 54329))
PG_DATA = OUT / "pgdata"


def pg_cluster() -> str:
    """The benchmarks' own PostgreSQL server (benchmarks/out/pgdata, loopback port 54329): created
    once, started when not running, left running for the next script. Returns the server's URL
    without a database name. C collation, as in production (search keys are index ranges)."""
    import subprocess

    sys.path.insert(0, str(ROOT))
    from banyan.testing.pgserver import _as_owner, _bindir

    bindir = _bindir()
    url = f"postgres://banyan@127.0.0.1:{PG_PORT}"
    if subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(PG_PORT)],
                      stdout=subprocess.DEVNULL).returncode == 0:
        return url
    if not (PG_DATA / "PG_VERSION").exists():
        PG_DATA.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(PG_DATA, pw.pw_uid, pw.pw_gid)
        subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(PG_DATA), "--locale=C", "--encoding=UTF8",
                                  "--auth=trust", "-U", "banyan"]), check=True, stdout=subprocess.DEVNULL)
    # Durable (fsync on) as in production; commits not waited for, roomy memory for a 24 GiB machine.
    opts = (f"-c listen_addresses=127.0.0.1 -c port={PG_PORT} -c unix_socket_directories={PG_DATA} "
            "-c max_connections=400 -c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=1GB "
            "-c max_wal_size=16GB -c synchronous_commit=off -c effective_cache_size=12GB "
            "-c random_page_cost=1.1")  # SSD, as docs/deployment.md asks of a bank's server
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(PG_DATA), "-o", opts, "-l",
                              str(PG_DATA / "server.log"), "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    return url


def prewarm(connection, tables: tuple[str, ...] | None = None) -> str:
    """pg_prewarm's 'read' mode: every block of `tables` and their indexes (default: every table and
    index of the database) read once into the operating system's cache (not PostgreSQL's own
    buffers, which are smaller than a 1M bank). A bank pushed out of the cache by other work is read
    from disk at first; a production server runs warm. Returns what it did, to print."""
    import time

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        if tables is None:
            cursor.execute("SELECT sum(pg_prewarm(c.oid, 'read')) * current_setting('block_size')::bigint "
                           "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE c.relkind IN ('r', 'i', 'm', 't') AND n.nspname NOT IN ('pg_catalog', "
                           "'information_schema') AND c.relpersistence = 'p'")
        else:
            cursor.execute(
                "SELECT sum(pg_prewarm(c.oid, 'read')) * current_setting('block_size')::bigint FROM pg_class c "
                "WHERE c.relname = ANY(%s) OR c.oid IN (SELECT indexrelid FROM pg_index i JOIN pg_class t "
                "ON t.oid = i.indrelid WHERE t.relname = ANY(%s))", [list(tables), list(tables)])
        size = cursor.fetchone()[0] or 0
    what = "every table and index" if tables is None else "the tables and indexes read"
    return (f"prewarmed: {size / 2**30:.1f} GiB ({what}) read into the OS cache "
            f"in {time.perf_counter() - start:.0f} s")


#: What a worklist build writes (its tasks, their reasons, the lists, the kept figures' stale marks).
BUILD_WRITES = ("worklists_task", "worklists_taskreason", "worklists_worklistday", "kpis_stale")


def vacuum_build_writes() -> None:
    """VACUUM what a worklist build writes, before a timed build on PostgreSQL. The benchmarks roll
    their builds back, and each leaves its 200,000 rows behind as dead tuples and index entries
    until autovacuum comes; a nightly build commits, into tables autovacuum keeps. So every timed
    build starts from the same tables (session 23: no effect stood out of the machine's spread)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {', '.join(BUILD_WRITES)}")


def commit_checks() -> None:
    """Run now, within a timed piece of work, the checks its commit would run (session 24). Django
    makes every foreign key DEFERRABLE INITIALLY DEFERRED, so PostgreSQL checks each row written
    through one (a row a key) only at COMMIT. A benchmark that rolls its work back skips them: at
    bank1m a worklist build's 66k tasks and ~100k reasons are ~230k checks, 2-3 s that the
    benchmarks before session 24 did not count. SET CONSTRAINTS ALL IMMEDIATE runs the pending
    checks at once (and fails as the commit would); the rollback after still undoes the work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def use_pg(database: str, *, create: bool = True) -> str:
    """Point Django at `database` on the benchmarks' PostgreSQL (created when missing), then
    django.setup(). Returns the DATABASE_URL."""
    import subprocess

    server = pg_cluster()
    if create:
        from banyan.testing.pgserver import _bindir

        exists = subprocess.run([str(_bindir() / "psql"), f"{server}/postgres", "-tAc",
                                 f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
                                capture_output=True, text=True, check=True).stdout.strip()
        if not exists:
            subprocess.run([str(_bindir() / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "banyan",
                            database], check=True)
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    return os.environ["DATABASE_URL"]


def ensure_bank(customers: int, seed: int = 7) -> None:
    """Build the demo bank of `customers` once (minutes for 200,000)."""
    from django.core.management import call_command

    from banyan.customers.models import Customer

    call_command("migrate", verbosity=0)
    if not Customer.objects.exists():
        start = time.perf_counter()
        call_command("demo", customers=customers, seed=seed)
        print(f"built the bank of {customers:,} customers in {time.perf_counter() - start:.0f} s", flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))]


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
