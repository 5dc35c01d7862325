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


def _count(db_path) -> int:
    for _attempt in range(50):
        try:
            with sqlite3.connect(db_path, timeout=5) as conn:
                return conn.execute("SELECT COUNT(*) FROM customers_customer").fetchone()[0]
        except sqlite3.OperationalError:
            time.sleep(0.05)
    raise AssertionError("the database stayed locked")


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
    proc = subprocess.Popen([sys.executable, "-m", "banyan.cli", "import", "customers", str(feed)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _count(db_path) < 200 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
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
