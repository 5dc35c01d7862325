"""A feed killed half-way loses nothing and duplicates nothing when it is run again (issue 5)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time

from banyan.customers.identity import make_resident_id

ROWS = 3000


def _banyan(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "banyan.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=300, check=True)


def _count(db_path, table: str = "customers_customer") -> int:
    for _attempt in range(50):
        try:
            with sqlite3.connect(db_path, timeout=5) as conn:
                return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:
            time.sleep(0.05)
    raise AssertionError("the database stayed locked")


def _kill_after(args: list[str], env, db_path, table: str, rows: int) -> None:
    """Run `banyan ARGS` and SIGKILL it (no clean-up at all) once `table` holds `rows` rows."""
    proc = subprocess.Popen([sys.executable, "-m", "banyan.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _count(db_path, table) < rows and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_feed_killed_in_the_middle_finishes_on_the_second_run_without_losses_or_duplicates(tmp_path):
    # given an empty bank with one manager, and a feed of a few thousand customers
    db_path = tmp_path / "bank.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "BANYAN_TODAY": "2026-11-23",
           "DJANGO_SETTINGS_MODULE": "banyan.settings"}
    _banyan(env, "migrate", "-v0")
    _banyan(env, "staff", "add", "zhangmin", "--role", "rm", "--branch", "B01", stdin="Feed-test-2026\n")
    feed = tmp_path / "customers.csv"
    with feed.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["客户号", "姓名", "证件号码", "客户经理"])
        for i in range(ROWS):
            birth = dt.date(1950 + i % 50, i % 12 + 1, i % 28 + 1)
            w.writerow([f"K{i:06d}", f"客户{i}", make_resident_id("330106", birth, i % 1000), "zhangmin"])

    # when the import is killed (SIGKILL: no clean-up at all) after some rows were written
    _kill_after(["import", "customers", str(feed)], env, db_path, "customers_customer", 200)
    survived = _count(db_path)
    assert 200 <= survived < ROWS

    # and the same file is run again to completion
    rerun = _banyan(env, "import", "customers", str(feed))

    # then every row is there exactly once, and the counts add up
    assert rerun.stdout.strip().splitlines()[-1] == (
        f"added {ROWS - survived}, updated 0, unchanged {survived}, rejected 0")
    with sqlite3.connect(db_path) as conn:
        ids = [r[0] for r in conn.execute("SELECT external_id FROM customers_customer")]
        audit_created = conn.execute("SELECT COUNT(*) FROM audit_auditevent WHERE action = 'customer.created'"
                                     ).fetchone()[0]
    assert len(ids) == len(set(ids)) == ROWS
    assert set(ids) == {f"K{i:06d}" for i in range(ROWS)}
    assert audit_created == ROWS  # no half-written row left an orphan audit event either


def test_a_holdings_feed_killed_between_chunks_leaves_every_aum_in_step_and_finishes_on_the_rerun(tmp_path):
    # given a bank of 300 customers and a deposit product, and a feed of 6,000 holdings (several chunks)
    holdings = 6000
    db_path = tmp_path / "bank.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "BANYAN_TODAY": "2026-11-23",
           "DJANGO_SETTINGS_MODULE": "banyan.settings"}
    _banyan(env, "migrate", "-v0")
    _banyan(env, "staff", "add", "zhangmin", "--role", "rm", "--branch", "B01", stdin="Feed-test-2026\n")
    _banyan(env, "shell", "-c", "from banyan.holdings.services import product_create; product_create(actor=None, "
            "code='TD-1Y', name='一年期整存整取', type='time_deposit', risk_level='R1')")
    customers = tmp_path / "customers.csv"
    with customers.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["客户号", "姓名", "客户经理"])
        w.writerows([f"K{i:04d}", f"客户{i}", "zhangmin"] for i in range(300))
    _banyan(env, "import", "customers", str(customers), "--no-followups")
    feed = tmp_path / "holdings.csv"
    with feed.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["持仓编号", "客户号", "产品代码", "金额", "购买日期"])
        w.writerows([f"H{i:05d}", f"K{i % 300:04d}", "TD-1Y", f"{1000 + i}.00", "2026-01-05"] for i in range(holdings))

    # when the import is killed after its first chunks were written
    _kill_after(["import", "holdings", str(feed), "--no-followups"], env, db_path, "holdings_holding", 500)
    survived = _count(db_path, "holdings_holding")
    assert 500 <= survived < holdings

    # then what survived is whole chunks with their customers' AUM in step
    query_out_of_step = """SELECT COUNT(*) FROM customers_customer c WHERE c.aum != COALESCE(
        (SELECT SUM(h.current_value) FROM holdings_holding h WHERE h.customer_id = c.id), 0)"""
    with sqlite3.connect(db_path) as conn:
        assert conn.execute(query_out_of_step).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM audit_auditevent WHERE action = 'holding.created'"
                            ).fetchone()[0] == survived

    # and the rerun finishes the job: every holding once, every AUM the sum of its holdings
    rerun = _banyan(env, "import", "holdings", str(feed), "--no-followups")
    assert rerun.stdout.strip().splitlines()[-1] == (
        f"added {holdings - survived}, updated 0, unchanged {survived}, rejected 0")
    with sqlite3.connect(db_path) as conn:
        ids = [r[0] for r in conn.execute("SELECT external_id FROM holdings_holding")]
        assert len(ids) == len(set(ids)) == holdings
        assert conn.execute(query_out_of_step).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM audit_auditevent WHERE action = 'holding.created'"
                            ).fetchone()[0] == holdings
