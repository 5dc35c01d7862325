"""A private PostgreSQL server for the tests: `python -m banyan.testing.pgserver -- CMD…` starts one
on loopback (its own data directory under var/, C collation so that index ranges order by code
point exactly as on SQLite), runs CMD with DATABASE_URL pointing at it, and stops it afterwards.

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


def start(data_dir: Path | None = None) -> tuple[str, callable]:
    """Start a server; returns (DATABASE_URL, stop)."""
    bindir = _bindir()
    data_dir = data_dir or ROOT / "var" / f"pgtest-{os.getpid()}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(data_dir, pw.pw_uid, pw.pw_gid)
    subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data_dir), "--locale=C", "--encoding=UTF8",
                              "--auth=trust", "-U", "banyan"]), check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data_dir), "-o", opts, "-l",
                              str(data_dir / "server.log"), "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    url = f"postgres://banyan@127.0.0.1:{port}/banyan"
    subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "banyan", "banyan"], check=True)

    def stop() -> None:
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(data_dir, ignore_errors=True)

    return url, stop


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print("usage: python -m banyan.testing.pgserver -- COMMAND …", file=sys.stderr)
        return 2
    url, stop = start()
    try:
        for _ in range(50):
            if subprocess.run(["pg_isready", "-d", url], stdout=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.1)
        print(f"PostgreSQL ready at {url}", flush=True)
        return subprocess.run(argv, env={**os.environ, "DATABASE_URL": url}).returncode
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
