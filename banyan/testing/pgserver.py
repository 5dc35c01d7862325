"""A private PostgreSQL server for the tests: `python -m banyan.testing.pgserver -- CMD…` starts one
on loopback (its own data directory under var/, C collation so that index ranges order by code
point exactly as on SQLite) and a streaming replica of it, runs CMD with DATABASE_URL pointing at
the server and BANYAN_TEST_REPLICA_URL at the replica, and stops both afterwards.

Debian's initdb refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise SystemExit("PostgreSQL is not installed (apt-get install postgresql).")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _fresh_dir(data_dir: Path) -> Path:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, mode=0o700)  # the server refuses a directory others can read
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(data_dir, pw.pw_uid, pw.pw_gid)
    return data_dir


def _serve(bindir: Path, data_dir: Path) -> tuple[int, callable]:
    """Start the server of `data_dir` on a free loopback port; returns (port, stop)."""
    port = _free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data_dir), "-o", opts, "-l",
                              str(data_dir / "server.log"), "-w", "start"]), check=True, stdout=subprocess.DEVNULL)

    def stop() -> None:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(data_dir, ignore_errors=True)

    return port, stop


def start(data_dir: Path | None = None) -> tuple[str, callable]:
    """Start a server; returns (DATABASE_URL, stop)."""
    bindir = _bindir()
    data_dir = _fresh_dir(data_dir or ROOT / "var" / f"pgtest-{os.getpid()}")
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data_dir), "--locale=C", "--encoding=UTF8",
                              "--auth=trust", "-U", "banyan"]), check=True, stdout=subprocess.DEVNULL)
    port, stop = _serve(bindir, data_dir)
    url = f"postgres://banyan@127.0.0.1:{port}/banyan"
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "banyan", "banyan"], check=True)
    return url, stop


def start_replica(primary_url: str, data_dir: Path | None = None) -> tuple[str, callable]:
    """Start a streaming replica (a hot standby) of the server at `primary_url`, as a bank runs one
    for the review (banyan/replica.py); returns (its DATABASE_URL, stop). initdb's trust rules let
    loopback connect for replication, and the server's defaults (wal_level replica, WAL senders,
    hot standby) are what a replica needs."""
    bindir = _bindir()
    data_dir = _fresh_dir(data_dir or ROOT / "var" / f"pgtest-{os.getpid()}-replica")
    copy = subprocess.run(_as_owner([str(bindir / "pg_basebackup"), "-d", primary_url, "-D", str(data_dir),
                                     "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast"]),
                          capture_output=True, text=True)
    if copy.returncode:  # its warnings (the primary's socket is not copied) only when it fails
        raise SystemExit(f"pg_basebackup failed: {copy.stderr}")
    (data_dir / "server.log").unlink(missing_ok=True)  # the primary's log, copied with its directory
    port, stop = _serve(bindir, data_dir)
    return f"postgres://banyan@127.0.0.1:{port}/banyan", stop


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print("usage: python -m banyan.testing.pgserver -- COMMAND …", file=sys.stderr)
        return 2
    url, stop = start()
    replica_url, stop_replica = None, None
    try:
        _wait_ready(url)
        replica_url, stop_replica = start_replica(url)
        _wait_ready(replica_url)
        print(f"PostgreSQL ready at {url}, its replica at {replica_url}", flush=True)
        # the replica for the tests that read on one (banyan/kpis/tests/test_replica.py) — not
        # BANYAN_REVIEW_DATABASE_URL, which would send every test's review to it
        env = {**os.environ, "DATABASE_URL": url, "BANYAN_TEST_REPLICA_URL": replica_url}
        return subprocess.run(argv, env=env).returncode
    finally:
        if stop_replica:
            stop_replica()
        stop()


def _wait_ready(url: str) -> None:
    for _ in range(50):
        if subprocess.run(["pg_isready", "-d", url], stdout=subprocess.DEVNULL).returncode == 0:
            return
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
