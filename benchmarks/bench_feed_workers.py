"""A feed file split over Celery workers (issue 15 §2): one worker against two, on this machine.

    .venv/bin/python benchmarks/bench_feed_workers.py [--customers 200000] [--holdings-per-customer 5]
                                                      [--seed 7] [--skip-generate] [--database feedworkers]
                                                      [--variants one-task,parts-1w,parts-2w] [--repeat 1]
                                                      [--keep]

The customers and holdings feeds of benchmarks/bench_import.py (the same generated files under
benchmarks/out/, reused with --skip-generate), imported as the upload page imports them: a FeedRun
row and the task `banyan.feeds.import_file` sent through a throw-away redis-server to real
`celery -A banyan worker` processes (one child each) on the benchmarks' PostgreSQL (port 54329).
The empty bank the files name (branches, managers, products) is built once into a template
database (<database>_tmpl); every run imports into a fresh copy of it, so each starts equal.

Variants (alternated when --repeat > 1, the best run of each kept):
  one-task   1 worker,  BANYAN_FEED_PARTS=1: one task reads the whole file (the default set-up)
  parts-1w   1 worker,  BANYAN_FEED_PARTS=2: the file cut by key into 2 part tasks, one after the other
  parts-2w   2 workers, BANYAN_FEED_PARTS=2: the 2 part tasks side by side
(BANYAN_FEED_PART_ROWS=1000, so that a small file is cut too.)

For each feed, polled every 0.25 s: "rows in" — from queuing the task until every row is in (the
run's done_rows reach its total_rows, or it is done); "with follow-ups" — until the run is done
(segments and the coming working day's lists refreshed). Prints each run, then a table of the best,
and the ratios one-task ÷ parts-2w and parts-1w ÷ parts-2w of "rows in" (target ≥ 1.6× from 1
worker to 2); writes the figures to benchmarks/out/feed-workers.json. Every run must leave the same
outcome — the runs' counts, the stored customers and holdings (a checksum of their business
columns in SQL), the audit events by action, the rejects, the segments (a value rank compared as
the first rank of its customers' AUM: equal AUMs are ranked by id) — or the benchmark stops and
says what differs. The lists the follow-ups made are compared too, but only reported: the planner
picks among candidates of equal priority by customer id, parts give the new customers their ids
in another order than the file's, and the lists built after the customers feed (every AUM still
0, so the priority customers are the first ids) are left as they are by the holdings feed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402  (the generated files and the bank they name)
from common import OUT, PG_PORT, machine, pg_cluster  # noqa: E402

#: name: (worker processes, BANYAN_FEED_PARTS)
VARIANTS = {"one-task": (1, 1), "parts-1w": (1, 2), "parts-2w": (2, 2)}
FEEDS = ("customers", "holdings")
PART_ROWS = 1000  # BANYAN_FEED_PART_ROWS for the workers: even a small file is cut into parts
POLL = 0.25  # seconds between two looks at the run
TIMEOUT = 6 * 3600  # seconds a feed may take before the benchmark gives up
#: Outcome parts that must be equal in every run; the others are reported only (module docstring).
MUST_AGREE = ("customers run", "holdings run", "customers rows", "holdings rows", "audit events",
              "customers rejects", "holdings rejects", "segments")


def log(message: str = "") -> None:
    print(message, flush=True)


# --- databases ------------------------------------------------------------------------------------

def psql(sql: str) -> None:
    """One statement on the cluster's `postgres` database (CREATE/DROP DATABASE cannot run in a
    transaction, and must not run on the database they copy or drop)."""
    from banyan.testing.pgserver import _bindir

    subprocess.run([str(_bindir() / "psql"), f"{pg_cluster()}/postgres", "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
                   check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})  # no "does not exist, skipping"


def build_template(template: str) -> None:
    """The empty bank the feeds name, migrated, in `template` (dropped and made again each time:
    a template left by an older checkout would miss its migrations). Also sets Django up."""
    start = time.perf_counter()
    bench_import.fresh_database(template)
    bench_import.bank_for_feeds()
    log(f"template database {template}: migrated, {len(bench_import.managers())} managers and the products "
        f"in {time.perf_counter() - start:.0f} s")


def copy_database(template: str, database: str) -> None:
    """A fresh copy of the template. FILE_COPY copies the files (with a checkpoint) instead of
    writing every page through the WAL: seconds, whatever the bank."""
    from django.db import connection

    connection.close()  # no session may be open on the template
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{database}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    connection.settings_dict["NAME"] = database  # this process follows the workers onto the copy


def drop_database(database: str) -> None:
    from django.db import connection

    connection.close()
    psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# --- the files ------------------------------------------------------------------------------------

def feed_files(args) -> dict[str, Path]:
    """The generated customers and holdings files (bench_import's names: one may reuse the other's)."""
    n = args.customers
    files = {"customers": OUT / f"feed-customers-{n}.csv", "holdings": OUT / f"feed-holdings-{n}.csv"}
    if args.skip_generate and all(p.exists() for p in files.values()):
        log(f"reusing {files['customers'].name} and {files['holdings'].name}")
        return files
    start = time.perf_counter()
    bench_import.generate_customers(files["customers"], n, args.seed)
    rows = bench_import.generate_holdings(files["holdings"], n, args.holdings_per_customer, args.seed)
    log(f"generated {n:,} customers and {rows:,} holdings in {time.perf_counter() - start:.0f} s")
    return files


def place_files(files: dict[str, Path], var: Path) -> dict[str, str]:
    """The files linked under the run's VAR_DIR/feeds as the upload page stores them: the rejects
    files are written beside them, in the run's folder, not beside the generated files."""
    feeds = var / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    stored = {}
    for kind, path in files.items():
        (feeds / path.name).symlink_to(path)
        stored[kind] = f"feeds/{path.name}"
    return stored


# --- one run --------------------------------------------------------------------------------------

class Failed(SystemExit):
    """The benchmark cannot go on: the message says why (the copy and the logs are kept)."""


def worker_logs(workers) -> str:
    from banyan.testing.workers import log_tail

    return "\n".join(f"--- {w.name} ({w.log}):\n{log_tail(w)}" for w in workers)


def watch(run_id: int, workers) -> dict:
    """Poll the run every POLL seconds until it is done; seconds from the first look (just after
    queuing) until the rows were in and until it was done."""
    from banyan.feeds.models import FeedRun, FeedRunStatus

    queued = time.perf_counter()
    rows_in = None
    while True:
        run = FeedRun.objects.get(pk=run_id)
        took = time.perf_counter() - queued
        if rows_in is None and (run.status == FeedRunStatus.DONE or 0 < run.total_rows <= run.done_rows):
            rows_in = took
        if run.status == FeedRunStatus.DONE:
            return {"rows_in": rows_in, "with_followups": took, "run": run}
        if run.status == FeedRunStatus.FAILED:
            raise Failed(f"feed run {run_id} ({run.kind}) failed: {run.error}\n{worker_logs(workers)}")
        for w in workers:
            if w.proc.poll() is not None:
                raise Failed(f"worker {w.name} exited with {w.proc.returncode} during the {run.kind} feed:\n"
                             f"{worker_logs(workers)}")
        if took > TIMEOUT:
            raise Failed(f"the {run.kind} feed was not done after {TIMEOUT} s:\n{worker_logs(workers)}")
        time.sleep(max(0.0, queued + POLL * (int(took / POLL) + 1) - time.perf_counter()))


def import_feed(kind: str, stored: str, parts: int, workers) -> dict:
    """A FeedRun for the file, as feed_run_queue makes it (the file already in place), its task
    sent through Redis, and the run watched to its end."""
    from banyan import clock
    from banyan.feeds.models import FeedRun
    from banyan.feeds.tasks import import_file

    run = FeedRun.objects.create(kind=kind, stored_path=stored, original_name=Path(stored).name,
                                 created_at=clock.now())
    import_file.delay(run.pk)
    seen = watch(run.pk, workers)
    run = seen.pop("run")
    if run.parts != (parts if parts > 1 else 0):  # the setting did not reach the workers
        raise Failed(f"the {kind} run was imported in {run.parts} parts, not {parts} (BANYAN_FEED_PARTS; "
                     f"a file of fewer than {PART_ROWS} rows is not cut)")
    return {**seen, "rows": run.total_rows, "parts": run.parts,
            "counts": [run.added, run.updated, run.unchanged, run.rejected],
            # the run's own stamps, finer than the polls: rows in at its last progress, done at its end
            "db_rows_in": (run.progress_at - run.started_at).total_seconds(),
            "db_with_followups": (run.finished_at - run.started_at).total_seconds(),
            "db_waited": (run.started_at - run.created_at).total_seconds(),
            "rejects_md5": md5_of(run.rejects_path)}


def md5_of(path: Path | None) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest() if path and path.exists() else "none"


def run_variant(name: str, template: str, database: str, files: dict[str, Path], server: str) -> dict:
    """One variant on a fresh copy of the template: its own Redis, workers and VAR_DIR."""
    from django.conf import settings

    from banyan.testing.workers import celery_workers, redis_server, sending_through

    count, parts = VARIANTS[name]
    copy_database(template, database)
    var = Path(tempfile.mkdtemp(prefix=f"bench-feed-workers-{name}-", dir=OUT))
    stored = place_files(files, var)
    settings.VAR_DIR = var  # where the run's files are, for this process too
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "banyan.settings", "DATABASE_URL": f"{server}/{database}",
           "BANYAN_VAR_DIR": str(var), "BANYAN_LOG_LEVEL": "WARNING",
           "BANYAN_FEED_PARTS": str(parts), "BANYAN_FEED_PART_ROWS": str(PART_ROWS)}
    env.pop("REDIS_URL", None)  # the broker is the throw-away Redis alone (celery_workers sets it)
    try:
        with redis_server(var) as url, \
                celery_workers(url, count=count, env=env, folder=var, concurrency=1) as workers, \
                sending_through(url):
            feeds = {kind: import_feed(kind, stored[kind], parts, workers) for kind in FEEDS}
    except Failed as e:
        raise Failed(f"{name}: {e}\n(kept for a look: database {database}, folder {var})") from None
    outcome = outcome_of(feeds)
    shutil.rmtree(var, ignore_errors=True)  # the logs, Redis's folder, the rejects files
    return {"variant": name, "workers": count, "parts": parts, "feeds": feeds, "outcome": outcome}


# --- what a run left ------------------------------------------------------------------------------

def _digest(sql: str) -> str:
    """'<rows> rows, <md5>' of a query giving one text per row (ids and timestamps left out)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*), coalesce(md5(string_agg(line, E'\\n' ORDER BY n)), '') "
                    f"FROM (SELECT row_number() OVER () AS n, line FROM ({sql}) q(line)) numbered")
        rows, md5 = cur.fetchone()
    return f"{rows:,} rows, {md5[:12]}"


def _line(*columns: str) -> str:
    """The columns as one text, NULL written as such (concat_ws alone would skip it)."""
    return "concat_ws('|', " + ", ".join(f"coalesce(({c})::text, '<null>')" for c in columns) + ")"


def customers_digest() -> str:
    return _digest(
        "SELECT " + _line(
            "c.external_id", "c.name", "c.gender", "c.id_type", "c.id_number", "c.birth_date", "c.mobile",
            "c.mobile2", "c.email", "c.address", "c.employer", "c.occupation", "c.industry", "c.education",
            "c.marital_status", "c.account_opened_on", "c.source", "c.risk_level", "c.risk_assessed_on",
            "c.orientation", "c.other_bank_assets", "c.consent_sms", "c.consent_phone", "c.consent_email",
            "c.consent_wechat", "c.do_not_disturb", "b.code", "rm.username", "c.aum", "c.completeness",
            "c.name_pinyin", "c.name_initials", "c.mobile_tail", "c.id_tail", "c.birthday_mmdd",
            "c.lunar_birthday_key") +
        " FROM customers_customer c JOIN org_branch b ON b.id = c.branch_id"
        " LEFT JOIN org_staff rm ON rm.id = c.rm_id ORDER BY c.external_id")


def holdings_digest() -> str:
    return _digest(
        "SELECT " + _line(
            "h.external_id", "c.external_id", "p.code", "h.account_no", "h.account_no_reversed", "h.status",
            "h.amount", "h.current_value", "h.purchase_date", "h.maturity_date", "h.auto_rollover",
            "h.cost_price", "h.units", "h.expected_return_pct", "h.take_profit_pct", "h.stop_loss_pct",
            "h.risk_level_at_sale", "s.username", "h.overdue_days", "h.credit_limit", "h.statement_date",
            "h.payment_due_date", "h.minimum_payment") +
        " FROM holdings_holding h JOIN customers_customer c ON c.id = h.customer_id"
        " JOIN holdings_product p ON p.id = h.product_id LEFT JOIN org_staff s ON s.id = h.sold_by_id"
        " ORDER BY h.external_id, c.external_id, h.account_no")


def segments_digest() -> str:
    """Every customer's segment. The value rank orders equal AUMs by id, which parts give in
    another order: compared as the first rank of the customer's AUM, which ids do not move."""
    return _digest(
        "SELECT " + _line(
            "c.external_id", "g.quadrant", "g.frequency_days", "g.orientation", "g.orientation_inferred",
            "g.potential_score", "g.reasons", "min(g.value_rank) OVER (PARTITION BY c.aum)", "g.is_priority",
            "g.relationship_established", "s.username") +
        " FROM segments_customersegment g JOIN customers_customer c ON c.id = g.customer_id"
        " LEFT JOIN org_staff s ON s.id = g.suggested_rm_id ORDER BY c.external_id")


def worklists_digest() -> str:
    """Every task with its reasons (a reason's ref is left out: it may hold a row's id)."""
    reasons = ("(SELECT string_agg(concat_ws('/', r.code, r.due_date, r.detail), ';' "
               "ORDER BY r.code, r.due_date, r.detail) FROM worklists_taskreason r WHERE r.task_id = t.id)")
    return _digest(
        "SELECT " + _line(
            "m.username", "t.date", "c.external_id", "t.rank", "t.priority", "t.suggested_channel", "t.status",
            "t.rule_code", "t.rule_args", "t.rule_note", "t.talking_points", reasons) +
        " FROM worklists_task t JOIN org_staff m ON m.id = t.manager_id"
        " JOIN customers_customer c ON c.id = t.customer_id ORDER BY m.username, t.date, t.rank, c.external_id")


def audit_events() -> dict[str, int]:
    from django.db.models import Count

    from banyan.audit.models import AuditEvent

    return dict(AuditEvent.objects.values_list("action").annotate(n=Count("pk")).order_by("action"))


def outcome_of(feeds: dict[str, dict]) -> dict:
    """What a run left, without ids and timestamps: to be the same in every run."""
    out = {}
    for kind in FEEDS:
        out[f"{kind} run"] = "added {}, updated {}, unchanged {}, rejected {}".format(*feeds[kind]["counts"])
        out[f"{kind} rejects"] = feeds[kind]["rejects_md5"]
    out.update({"customers rows": customers_digest(), "holdings rows": holdings_digest(),
                "audit events": audit_events(), "segments": segments_digest(), "worklists": worklists_digest()})
    return out


def compare(first: dict, run: dict) -> list[str]:
    """The outcome parts that differ from the first run's, as 'part: first's vs this run's'."""
    return [f"{part}: {first['variant']} {first['outcome'][part]} vs {run['variant']} {run['outcome'][part]}"
            for part in first["outcome"] if first["outcome"][part] != run["outcome"][part]]


# --- the figures ----------------------------------------------------------------------------------

def rows_in(run: dict) -> float:
    return sum(run["feeds"][kind]["rows_in"] for kind in FEEDS)


def show_run(run: dict, number: int) -> None:
    c, h = run["feeds"]["customers"], run["feeds"]["holdings"]
    log(f"{run['variant']:9s} run {number}: customers rows in {c['rows_in']:7.2f} s "
        f"(done {c['with_followups']:7.2f} s), holdings rows in {h['rows_in']:7.2f} s "
        f"(done {h['with_followups']:7.2f} s)  "
        f"[{run['outcome']['customers rows']}; {run['outcome']['holdings rows']}]")


def table(best: dict[str, dict]) -> None:
    log(f"{'variant':10s}{'workers':>8s}{'parts':>6s}{'customers':>11s}{'holdings':>11s}{'both':>11s}"
        f"{'both':>19s}{'rows/s':>11s}")
    log(f"{'':24s}{'rows in s':>11s}{'rows in s':>11s}{'rows in s':>11s}{'with follow-ups s':>19s}{'(rows in)':>11s}")
    for name, run in best.items():
        c, h = run["feeds"]["customers"], run["feeds"]["holdings"]
        both = rows_in(run)
        done = c["with_followups"] + h["with_followups"]
        log(f"{name:10s}{run['workers']:8d}{run['parts']:6d}{c['rows_in']:11.2f}{h['rows_in']:11.2f}{both:11.2f}"
            f"{done:19.2f}{(c['rows'] + h['rows']) / both:11,.0f}")


def ratios(best: dict[str, dict]) -> dict[str, dict[str, float]]:
    """'rows in' of one-task and parts-1w ÷ parts-2w, per feed and both together."""
    if "parts-2w" not in best:
        return {}
    two = best["parts-2w"]
    out = {}
    for name in ("one-task", "parts-1w"):
        if name in best:
            one = best[name]
            out[f"{name} / parts-2w"] = {
                **{kind: one["feeds"][kind]["rows_in"] / two["feeds"][kind]["rows_in"] for kind in FEEDS},
                "both": rows_in(one) / rows_in(two)}
    return out


def write_json(args, runs: list[dict], best: dict[str, dict], found: dict, differ: list[str]) -> Path:
    path = OUT / "feed-workers.json"
    path.write_text(json.dumps({
        "at": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
        "customers": args.customers, "holdings_per_customer": args.holdings_per_customer, "seed": args.seed,
        "part_rows": PART_ROWS, "poll_s": POLL, "variants": list(best), "repeat": args.repeat,
        "runs": runs,
        "best": {name: runs.index(run) for name, run in best.items()},
        "ratios_rows_in": found, "reported_differences": differ,
    }, indent=2, ensure_ascii=False, default=str))
    return path


# --- main -----------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--holdings-per-customer", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the files under benchmarks/out/")
    parser.add_argument("--database", default="feedworkers", help="prefix of the databases made (and dropped)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"some of {', '.join(VARIANTS)}")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each variant, alternated; the best is kept")
    parser.add_argument("--keep", action="store_true", help="keep the template and the runs' databases")
    args = parser.parse_args()
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown or not args.variants:
        parser.error(f"unknown variant(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(VARIANTS)}")
    return args


def main() -> None:
    args = parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    template = f"{args.database}_tmpl"
    build_template(template)  # also django.setup()

    from banyan import clock

    # One "today" for this process and every worker: the follow-ups build the coming working day's
    # lists, which must be the same day in every run (as bench_workers pins it)
    os.environ["BANYAN_TODAY"] = clock.today().isoformat()
    files = feed_files(args)
    server = pg_cluster()
    log(f"{args.customers:,} customers; variants {', '.join(args.variants)} × {args.repeat}; "
        f"BANYAN_FEED_PART_ROWS={PART_ROWS}; today {os.environ['BANYAN_TODAY']}; PostgreSQL port {PG_PORT}; "
        f"{machine()}")

    runs: list[dict] = []
    differ: list[str] = []  # reported-only differences (segments, lists)
    for round_ in range(args.repeat):
        for name in args.variants:
            database = f"{args.database}_{name.replace('-', '_')}_{round_ + 1}"
            run = run_variant(name, template, database, files, server)
            runs.append(run)
            show_run(run, round_ + 1)
            found = compare(runs[0], run)
            wrong = [d for d in found if d.split(":")[0] in MUST_AGREE]
            if wrong:
                raise Failed("the runs differ (a bug in the feeds, not in the benchmark):\n  " + "\n  ".join(wrong)
                             + f"\n(kept for a look: database {database})")
            for d in found:
                log(f"  note — {d}")
            differ += found
            if not args.keep:
                drop_database(database)
    if not args.keep:
        drop_database(template)

    best = {name: min((r for r in runs if r["variant"] == name), key=rows_in) for name in args.variants}
    log()
    table(best)
    found = ratios(best)
    for label, figures in found.items():
        log(f"rows in, {label}: customers {figures['customers']:.2f}×, holdings {figures['holdings']:.2f}×, "
            f"both {figures['both']:.2f}× (target ≥ 1.6× from 1 worker to 2)")
    log("every run left the same counts, rejects, customers, holdings, segments and audit events: yes")
    if differ:
        log("(the lists differ where the planner picks among equal priorities by customer id: notes above)")
    log(f"figures: {write_json(args, runs, best, found, differ)}")


if __name__ == "__main__":
    main()
