"""Real Celery workers on a real redis-server on loopback, for tests and benchmarks: as the feeds'
worker test starts them (banyan/feeds/tests/test_worker.py), for any number of worker processes.

    with redis_server(folder) as url:
        with celery_workers(url, count=2, env={...}, folder=folder) as workers:
            with sending_through(url): nightly.delay()

The workers are started in their own sessions and stopped with their children at the end."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180  # seconds: a loaded CI machine starts a worker slowly; a passing test never waits this long


class WorkerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, wait: float = 30) -> None:
    """Stop a process started in its own session, children included."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def redis_server(folder: Path):
    """A redis-server on a free loopback port, without persistence; yields its URL."""
    import redis

    for _attempt in range(3):  # another process may take the free port first
        port = free_port()
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--dir", str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            client.close()
            stop(proc, signal.SIGKILL)
            continue
        client.close()
        try:
            yield url
        finally:
            stop(proc)
        return
    raise WorkerFailed("redis-server did not start on loopback")


def worker_database_url() -> str:
    """The DATABASE_URL of the database this process's tests use (the workers' DATABASE_URL)."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def log_tail(worker) -> str:
    return worker.log.read_text("utf-8", errors="replace")[-4000:] if worker.log.exists() else "(no log)"


@contextlib.contextmanager
def celery_workers(url: str, *, count: int, env: dict, folder: Path, concurrency: int = 1,
                   queues: str = "banyan,banyan-batch"):
    """`count` worker processes (`celery -A banyan worker`, prefork, `concurrency` children each)
    on `url`, answering a ping before this yields them (SimpleNamespace: proc, name, log, url)."""
    workers = []
    try:
        for n in range(count):
            name = f"banyan-{os.getpid()}-{n}@localhost"
            log = folder / f"worker-{n}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "banyan", "worker", "--pool=prefork",
                     f"--concurrency={concurrency}", "-Q", queues, "-n", name, "--without-gossip",
                     "--without-mingle", "--loglevel=INFO"],
                    cwd=ROOT, env={**env, "CELERY_BROKER_URL": url}, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            workers.append(SimpleNamespace(proc=proc, name=name, log=log, url=url))
        for w in workers:
            wait_until_ready(w)
        yield workers
    finally:
        for w in workers:
            stop(w.proc)


def wait_until_ready(w) -> None:
    """`celery inspect ping`, from a private client app on the same Redis."""
    from celery import Celery

    probe = Celery("probe", broker=w.url, set_as_current=False)
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if w.proc.poll() is not None:
                raise WorkerFailed(f"the worker exited with {w.proc.returncode}:\n{log_tail(w)}")
            if probe.control.ping(destination=[w.name], timeout=1.0):
                return
        raise WorkerFailed(f"the worker did not answer a ping in {TIMEOUT} s:\n{log_tail(w)}")
    finally:
        probe.close()


def _reset_producer_pools() -> None:
    from kombu import pools

    from banyan import celery_app

    pools.reset()  # closes and forgets kombu's connection and producer pools
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def sending_through(url: str):
    """This process sends its tasks through Redis at `url`, as a web server with CELERY_BROKER_URL
    set does (instead of running them in-process)."""
    from banyan import celery_app

    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    _reset_producer_pools()
    conf.task_always_eager, conf.broker_url = False, url
    try:
        yield
    finally:
        _reset_producer_pools()
        conf.task_always_eager, conf.broker_url = saved


def wait_for(workers, what: str, check, timeout: float = TIMEOUT):
    """Poll `check()` until it returns something true; fails when a worker exits meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        for w in workers:
            if w.proc.poll() is not None:
                raise WorkerFailed(f"worker {w.name} exited while waiting for {what}:\n{log_tail(w)}")
        time.sleep(0.1)
    raise WorkerFailed(f"no {what} after {timeout} s:\n" + "\n".join(log_tail(w) for w in workers))
