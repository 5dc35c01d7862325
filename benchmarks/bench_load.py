"""Load test (issue 5; the pages added since, issue 15 §5): 200 simulated managers, and a branch
head for every twenty of them, against gunicorn + PostgreSQL on loopback.

    .venv/bin/python benchmarks/bench_load.py [--database bank1m] [--users 200] [--heads N] [--spawn-rate 20]
                                              [--time 180s] [--workers 4] [--threads 4]
                                              [--login-spread 0] [--think 3,10] [--port 8765] [--no-cache] [--prewarm]

Needs the generated bank (benchmarks/generate.py). Steps:
  1. picks the managers (every tenth of rm0001…, one per user) and, for each, 30 customers of
     their book (id, name, mobile tail) — the plan the locust users follow (benchmarks/locustfile.py);
     and --heads branch heads (default: one per twenty managers), those of the first managers'
     branches, each with the managers of the branch;
  2. builds today's worklists for those managers, as the nightly job would have, and (with the
     cache) plans every manager's coming week into it, as the nightly job does after the lists;
     counts the bank's review of the running and past month, quarter and year, as the morning's
     review run does (banyan.kpis.tasks.review_warm: it keeps their closed days);
  2b. gives the new pages what a working branch has (once: a rerun finds them): an upcoming
     client event in each planned manager's branch, organised by the branch head, with ten of each
     planned manager's customers invited, and two complaints on each planned manager's customers —
     through the services, as the pages would; then reads, through the app's own visibility gates,
     the events and complaints each manager sees (the plan's ids: none a 404);
  3. starts a redis-server on a free loopback port as the shared cache (BANYAN_CACHE_URL, as in
     docs/deployment.md: it keeps each manager's coming-week preview; --no-cache runs without);
     starts `banyan serve` (gunicorn, --workers × --threads; default 4 × 4 for 2 cores: a Django
     request is mostly Python, so a process per core and then some for the time spent waiting on
     PostgreSQL) on 127.0.0.1:--port, and waits until it answers;
  4. runs `locust --headless -u USERS -r RATE -t TIME` (bounded: killed 2 minutes after TIME);
  5. prints p50/p95 per action, overall (with and without the one-off login) and requests/s, the
     error count, and whether login throttling refused anyone; stops gunicorn.
Targets: p95 ≤ 300 ms, 0 errors.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import OUT, ROOT, machine, percentile, prewarm, use_pg


def parse_seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def make_plan(users: int, per_manager: int, seed: int) -> list[dict]:
    from banyan.customers.models import Customer
    from banyan.org.models import BOOK_ROLES, Staff

    managers = list(Staff.objects.filter(role__in=BOOK_ROLES, is_active=True, username__startswith="rm")
                    .order_by("username").values_list("pk", "username"))
    step = max(1, len(managers) // users)
    chosen = managers[::step][:users]
    rng = random.Random(seed)
    plan = []
    for pk, username in chosen:
        book = list(Customer.objects.filter(rm_id=pk).values_list("pk", "name", "mobile_tail")[:2000])
        picked = rng.sample(book, min(per_manager, len(book)))
        plan.append({"id": pk, "username": username,
                     "book": [{"id": c, "name": n, "tail": t} for c, n, t in picked]})
    return [p for p in plan if p["book"]]


LOAD_EVENT = "客户答谢会（压测）"
LOAD_COMPLAINT = "（压测）"
COMPLAINTS = (("service", 3, "柜台办理业务排队时间过长，询问时员工解释不清。"),
              ("fees", 10, "账户管理费扣收前未收到通知，要求说明收费依据。"))


def prepare_pages(plan: list[dict]) -> str:
    """An upcoming event in each planned manager's branch with some of each manager's customers
    invited (by the branch head, hand delivery), and two complaints on each planned manager's
    customers; what is already there from an earlier run is kept. Through the services."""
    from django.db import transaction
    from django.utils import timezone

    from banyan import clock
    from banyan.customers.models import Customer
    from banyan.events import services as events
    from banyan.events.models import UPCOMING, Event, Invitation
    from banyan.org.models import Role, Staff
    from banyan.service.complaints import complaint_receive
    from banyan.service.models import Complaint, ComplaintCategory

    start = time.perf_counter()
    now, today = clock.now(), clock.today()
    staff = Staff.objects.in_bulk([p["id"] for p in plan])
    by_branch: dict[int, list[dict]] = {}
    for p in plan:
        by_branch.setdefault(staff[p["id"]].branch_id, []).append(p)
    made_events = invited = made_complaints = 0
    for branch_id, managers in by_branch.items():
        head = Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=branch_id, is_active=True).order_by("pk").first()
        if head is None:
            continue
        with transaction.atomic():
            event = (Event.objects.filter(branch_id=branch_id, name=LOAD_EVENT, status__in=UPCOMING,
                                          starts_at__gte=now).order_by("starts_at").first())
            if event is None:
                day = today + dt.timedelta(days=7)
                event = events.event_create(
                    actor=head, name=LOAD_EVENT, type="salon", place="支行三楼贵宾厅", capacity=500,
                    starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(14, 30))))
                made_events += 1
            ids = [c["id"] for p in managers for c in p["book"][:10]]
            before = Invitation.objects.filter(event=event).count()
            events.invitations_send(actor=head, event=event, channel="hand", customer_ids=ids)
            invited += Invitation.objects.filter(event=event).count() - before
    categories = {c.code: c for c in ComplaintCategory.objects.filter(code__in=[c for c, *_ in COMPLAINTS])}
    have = set(Complaint.objects.filter(customer__rm_id__in=staff, description__startswith=LOAD_COMPLAINT)
               .values_list("customer__rm_id", flat=True))
    for p in plan:
        if p["id"] in have or len(p["book"]) < len(COMPLAINTS) or len(categories) < len(COMPLAINTS):
            continue
        customers = Customer.objects.in_bulk([c["id"] for c in p["book"][-len(COMPLAINTS):]])
        for (code, days_ago, text), customer in zip(COMPLAINTS, customers.values(), strict=True):
            with transaction.atomic():
                complaint_receive(actor=staff[p["id"]], customer=customer, channel="branch",
                                  category=categories[code], description=LOAD_COMPLAINT + text,
                                  received_at=now - dt.timedelta(days=days_ago))
            made_complaints += 1
    return (f"the new pages' rows: {made_events} events made ({len(by_branch)} branches), {invited:,} guests "
            f"invited, {made_complaints} complaints received in {time.perf_counter() - start:.1f} s")


def plan_visible(plan: list[dict]) -> str:
    """Each manager's upcoming events and complaints, as the pages' own gates show them."""
    from django.utils import timezone

    from banyan import clock
    from banyan.events.models import EventStatus
    from banyan.events.selectors import visible_events
    from banyan.org.models import Staff
    from banyan.service.complaint_selectors import visible_complaints

    today = timezone.make_aware(dt.datetime.combine(clock.today(), dt.time.min))
    staff = Staff.objects.select_related("branch").in_bulk([p["id"] for p in plan])
    for p in plan:
        me = staff[p["id"]]
        p["events"] = [{"id": pk, "name": name} for pk, name in visible_events(me).filter(starts_at__gte=today)
                       .exclude(status=EventStatus.CANCELLED).order_by("starts_at").values_list("pk", "name")[:5]]
        p["complaints"] = list(visible_complaints(me).order_by("-pk").values_list("pk", flat=True)[:5])
    return (f"{sum(1 for p in plan if p['events'])} of {len(plan)} managers see an upcoming event, "
            f"{sum(1 for p in plan if p['complaints'])} a complaint")


def make_heads(plan: list[dict], heads: int) -> list[dict]:
    """The branch heads of the first planned managers' branches, each with the branch's managers."""
    from banyan.org.models import BOOK_ROLES, Role, Staff

    branches = Staff.objects.in_bulk([p["id"] for p in plan])
    out = []
    for branch_id in dict.fromkeys(branches[p["id"]].branch_id for p in plan):
        if len(out) >= heads:
            break
        head = (Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=branch_id, is_active=True)
                .select_related("branch").order_by("pk").first())
        managers = [{"username": u, "name": n or u} for u, n in Staff.objects.filter(
            branch_id=branch_id, role__in=BOOK_ROLES, is_active=True).order_by("username")
            .values_list("username", "full_name")]
        if head is not None and managers:
            out.append({"username": head.username, "branch": head.branch.code, "managers": managers})
    return out


def warm_review() -> str:
    """What the morning's review run does first (banyan.kpis.tasks.review_warm)."""
    from banyan.kpis.tasks import review_warm

    start = time.perf_counter()
    periods = review_warm()
    return f"the morning's review run: the bank's {', '.join(periods)} counted in {time.perf_counter() - start:.1f} s"


def build_worklists(manager_ids: list[int]) -> str:
    from banyan import clock
    from banyan.worklists.models import WorklistDay
    from banyan.worklists.services import worklists_build

    day = clock.today()
    missing = list(set(manager_ids) - set(WorklistDay.objects.filter(date=day, manager_id__in=manager_ids)
                                          .values_list("manager_id", flat=True)))
    if not missing:
        return f"today's worklists ({day}) already built"
    start = time.perf_counter()
    result = worklists_build(day=day, manager_ids=missing)
    return (f"built today's worklists ({day}) for {len(missing)} managers in {time.perf_counter() - start:.1f} s "
            f"({getattr(result, 'tasks', '?')} tasks)")


def start_redis() -> tuple[subprocess.Popen, str]:
    """A throw-away redis-server on a free loopback port, nothing saved to disk."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--maxmemory", "512mb", "--maxmemory-policy", "volatile-lru"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"redis://127.0.0.1:{port}/1"
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("redis-server did not start (apt-get install redis-server)")


def warm_weeks() -> str:
    """What the nightly job does after the day's lists: every manager's coming week, one pass."""
    import datetime as dt

    from banyan import clock
    from banyan.worklists.preview import previews_warm

    start = time.perf_counter()
    managers = previews_warm(first=clock.today() + dt.timedelta(days=1))
    return f"the nightly's coming weeks of {managers:,} managers planned in {time.perf_counter() - start:.1f} s"


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


class WaitSampler:
    """What PostgreSQL's backends are doing during the run: pg_stat_activity sampled every second
    from a connection of its own (with the machine's load), summed over the run. Working on the CPU
    (no wait event) against waiting on a lock, on a disk read (DataFileRead: the bank is not in
    memory) or on the client (ClientRead: idle in a transaction, the app is the bottleneck)."""

    def __init__(self, url: str):
        import threading

        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.counts: dict[str, int] = {}
        self.samples = 0
        self.loads: list[float] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(1.0):
            rows = self.connection.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'").fetchall()
            self.samples += 1
            self.loads.append(os.getloadavg()[0])
            for (what,) in rows:
                self.counts[what] = self.counts.get(what, 0) + 1

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)
        self.connection.close()

    def summary(self) -> str:
        if not self.samples:
            return "PostgreSQL's backends: not sampled"
        busy = sorted(self.counts.items(), key=lambda kv: -kv[1])
        parts = ", ".join(f"{what} {n / self.samples:.2f}" for what, n in busy[:8])
        return (f"PostgreSQL's active backends, mean over {self.samples} one-second samples: "
                f"{sum(self.counts.values()) / self.samples:.2f} ({parts or 'none'}); "
                f"load average (1 min) median {statistics.median(self.loads):.1f}, max {max(self.loads):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="bank1m")
    parser.add_argument("--users", type=int, default=200, help="managers")
    parser.add_argument("--heads", type=int, default=None,
                        help="branch heads beside the managers (default: one per twenty managers; 0: none)")
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--time", default="180s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--login-spread", type=float, default=0,
                        help="stagger the logins over the first N seconds (default: at spawn)")
    parser.add_argument("--think", default="3,10", help="think time between actions, min,max seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-cache", action="store_true", help="no Redis: the preview is planned on every view")
    parser.add_argument("--prewarm", action="store_true",
                        help="read the whole bank into the OS cache first (pg_prewarm), as a server in use has it")
    args = parser.parse_args()

    redis = None if args.no_cache else start_redis()
    if redis is not None:  # before Django starts: this process warms the cache the servers read
        os.environ["BANYAN_CACHE_URL"] = redis[1]
    url = use_pg(args.database, create=False)
    from django.db.models import Count

    from banyan.customers.models import Customer
    from banyan.org.models import LoginFailure

    if not Customer.objects.exists():
        raise SystemExit(f"{args.database} has no customers: build it with benchmarks/generate.py first")
    total = Customer.objects.count()
    plan = make_plan(args.users, 30, args.seed)
    heads = make_heads(plan, args.users // 20 if args.heads is None else args.heads)
    args.heads_run = len(heads)
    plan_file, times_file, csv_prefix = OUT / "load-plan.json", OUT / "load-times.json", OUT / "load"
    books = dict(Customer.objects.filter(rm_id__in=[p["id"] for p in plan]).values("rm_id")
                 .annotate(n=Count("pk")).values_list("rm_id", "n"))
    print(f"bank {args.database}: {total:,} customers; {len(plan)} managers, books of "
          f"{min(books.values()):,}–{max(books.values()):,} (median {statistics.median(books.values()):,.0f}); "
          f"{machine()}; {len(heads)} branch heads", flush=True)
    if args.prewarm:
        from django.db import connection

        print(prewarm(connection), flush=True)
    print(build_worklists([p["id"] for p in plan]), flush=True)
    print(warm_review(), flush=True)
    print(prepare_pages(plan), flush=True)
    print(plan_visible(plan), flush=True)
    plan_file.write_text(json.dumps({"managers": plan, "heads": heads}, ensure_ascii=False), encoding="utf-8")
    if redis is not None:
        print(f"shared cache: redis-server on {redis[1]}; " + warm_weeks(), flush=True)
    failures_before = LoginFailure.objects.count()
    from django.db import connections

    connections.close_all()

    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "BANYAN_LOG_LEVEL": "ERROR"}
    env.pop("BANYAN_DEBUG", None)
    server_log = open(OUT / "load-gunicorn.log", "w")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen([str(ROOT / ".venv/bin/banyan"), "serve", "--port", str(args.port),
                               "--workers", str(args.workers), "--threads", str(args.threads)],
                              cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT)
    host = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(f"{host}/login/")
        print(f"gunicorn: {args.workers} workers × {args.threads} threads on {host} (pid {server.pid})", flush=True)
        seconds = parse_seconds(args.time)
        locust_env = {**os.environ, "BANYAN_LOAD_PLAN": str(plan_file), "BANYAN_LOAD_TIMES": str(times_file),
                      "BANYAN_LOAD_LOGIN_SPREAD": str(args.login_spread), "BANYAN_LOAD_THINK": args.think}
        times_file.unlink(missing_ok=True)
        waits = WaitSampler(url)
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "benchmarks/locustfile.py"), "--headless",
                        "-u", str(len(plan) + len(heads)), "-r", str(args.spawn_rate), "-t", args.time, "--host", host,
                        "--csv", str(csv_prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "15"],
                       cwd=ROOT, env=locust_env, timeout=seconds + 120, check=False)
        elapsed = time.perf_counter() - started
        waits.stop()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
        if redis is not None:
            redis[0].terminate()
            redis[0].wait(timeout=30)

    report(args, csv_prefix, times_file, elapsed)
    print(waits.summary())
    failures = LoginFailure.objects.count() - failures_before
    print(f"login throttling: {failures} failed logins recorded during the run "
          f"(BANYAN_LOGIN_MAX_FAILURES counts failures only; {len(plan)} successful logins from 127.0.0.1)")


def report(args, csv_prefix: Path, times_file: Path, elapsed: float) -> None:
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    times = json.loads(times_file.read_text(encoding="utf-8")) if times_file.exists() else []
    by_name: dict[str, list[float]] = {}
    for name, ms, _ok, _at in times:
        by_name.setdefault(name, []).append(ms)
    print(f"\n{args.users} managers and {args.heads_run} branch heads, spawn {args.spawn_rate:g}/s, {args.time} "
          f"(ran {elapsed:.0f} s), "
          f"think time {args.think.replace(',', '–')} s, logins spread over {args.login_spread:g} s; "
          f"gunicorn {args.workers}×{args.threads}")
    print(f"{'action':<50}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'req/s':>8}")
    for r in rows:
        name = r["Name"]
        label = "overall (all requests)" if name == "Aggregated" else name
        ms = by_name.get(name)
        p50, p95 = ((statistics.median(ms), percentile(ms, 95)) if ms else
                    (float(r["50%"] or 0), float(r["95%"] or 0)))
        print(f"{label[:49]:<50}{int(r['Request Count']):>9}{int(r['Failure Count']):>8}{p50:>9.0f}{p95:>9.0f}"
              f"{float(r['Max Response Time']):>9.0f}{float(r['Requests/s']):>8.1f}")
    work = [ms for name, ms, _ok, _at in times if not name.startswith("0 login")]
    if work:
        print(f"{'overall without the login':<50}{len(work):>9}{'':>8}{statistics.median(work):>9.0f}"
              f"{percentile(work, 95):>9.0f}{max(work):>9.0f}{len(work) / elapsed:>8.1f}")
    logged_in = max((at for name, _ms, _ok, at in times if name.startswith("0 login POST")), default=None)
    ends = [at for *_rest, at in times]
    steady = [(name, ms) for name, ms, _ok, at in times if logged_in and at - ms / 1000 > logged_in]
    if steady:
        span = max(ends) - logged_in
        print(f"\nonce every manager had logged in (the last {span:.0f} s, {len(steady)} requests):")
        for name in sorted({n for n, _ms in steady}):
            ms = [m for n, m in steady if n == name]
            print(f"  {name[:48]:<48}{len(ms):>9}{'':>8}{statistics.median(ms):>9.0f}{percentile(ms, 95):>9.0f}"
                  f"{max(ms):>9.0f}{len(ms) / span:>8.1f}")
        ms = [m for _n, m in steady]
        print(f"  {'all':<48}{len(ms):>9}{'':>8}{statistics.median(ms):>9.0f}{percentile(ms, 95):>9.0f}"
              f"{max(ms):>9.0f}{len(ms) / span:>8.1f}")
    errors = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
    print(f"errors: {errors}" + (f" (see {csv_prefix}_failures.csv)" if errors else ""))
    all_ms = [ms for _name, ms, _ok, _at in times]
    if all_ms:
        print(f"targets: p95 ≤ 300 ms (here {percentile(all_ms, 95):.0f} overall, "
              f"{percentile(work, 95) if work else 0:.0f} without the login), 0 errors (here {errors})")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
