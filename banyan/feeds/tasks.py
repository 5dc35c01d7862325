"""Feed imports in the background: `import_file(run_id)` imports one uploaded file and records
its progress and outcome on the FeedRun row; `feed_run_queue` / `feed_run_rerun` are the writes the
upload page makes (store the file, create the run, hand it to a worker).

With a broker (CELERY_BROKER_URL) a worker on the `banyan-batch` queue runs the import; without
one `.delay()` runs it at once in the request, so the page lands on a finished run either way.

A file of a few rows is one task, its chunks taken in the file's order. A large one
(BANYAN_FEED_PARTS > 1, at least BANYAN_FEED_PART_ROWS rows, a kind of parts.PART_KINDS) is cut by
key into parts (banyan/feeds/parts.py says why by key and not by position): `import_file` checks the
file's header, creates the run's FeedRunPart rows and queues one `import_part` task each; any
worker takes them. Each part reads the file, imports only its keys' rows, and reports its progress,
counts and rejects on its own row; the part that ends last — found under a lock on the run, so once
— sums the counts onto the run, merges the rejects by line into the run's file and runs the
follow-ups. Without a broker the parts run one after the other in the request, with the same code.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone
from kombu.exceptions import OperationalError

from banyan import clock
from banyan.audit.services import audit_log
from banyan.feeds import parts as cut
from banyan.feeds.models import FeedRun, FeedRunPart, FeedRunStatus
from banyan.feeds.readers import write_rejects
from banyan.feeds.services import (
    FeedFileError,
    FeedResult,
    feed_followups,
    feed_import,
    feed_open,
    ignored_columns,
    rejects_path_for,
)

logger = logging.getLogger(__name__)

#: How many rejected rows the run keeps for its page (the rejects file has them all).
REJECTS_SHOWN = 200


def uploads_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _relative(path: Path) -> str:
    """A path under VAR_DIR as relative to it: web servers and workers may mount it elsewhere."""
    try:
        return str(path.relative_to(settings.VAR_DIR))
    except ValueError:
        return str(path)


def _dispatch(run: FeedRun) -> FeedRun:
    try:
        import_file.delay(run.pk)
    except OperationalError as e:  # the broker is down: say so on the run instead of a 500
        logger.exception("Could not queue feed run %s", run.pk)
        _fail(run.pk, f"无法把导入任务交给后台（任务队列不可用：{e}），请稍后重新运行。")
    run.refresh_from_db()
    return run


def feed_run_queue(*, kind: str, upload, encoding: str = "", actor) -> FeedRun:
    """Store an uploaded file under VAR_DIR/feeds, create its run and hand it to a worker (or run
    it now, without a broker). `upload` is a Django UploadedFile. Not inside a transaction: the
    worker must see the committed run."""
    suffix = "xlsx" if upload.name.lower().endswith((".xlsx", ".xlsm")) else "csv"
    stored = uploads_dir() / f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.{suffix}"
    with stored.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    run = FeedRun.objects.create(kind=kind, stored_path=_relative(stored), original_name=upload.name[:255],
                                 encoding=encoding or "", actor=actor, created_at=clock.now())
    audit_log(actor=actor, action="feed.queued", obj=run, detail=f"{kind} {run.original_name}")
    return _dispatch(run)


def feed_run_rerun(*, run: FeedRun, actor) -> FeedRun:
    """Import the same stored file again as a new run (imports are idempotent: rows already in
    come out "unchanged"). A run still marked queued or running — its worker died — is closed as
    failed first, so a late redelivery of its task does nothing."""
    now = clock.now()
    again = FeedRun.objects.create(kind=run.kind, stored_path=run.stored_path, original_name=run.original_name,
                                   encoding=run.encoding, actor=actor, rerun_of=run, created_at=now)
    FeedRun.objects.filter(pk=run.pk, status__in=(FeedRunStatus.QUEUED, FeedRunStatus.RUNNING)).update(
        status=FeedRunStatus.FAILED, finished_at=now, error=f"可能已中断：没有进度，已重新运行（第 {again.pk} 号）。")
    audit_log(actor=actor, action="feed.rerun", obj=again, detail=f"{run.kind} {run.original_name} (#{run.pk})")
    return _dispatch(again)


def _fail(run_id: int, error: str) -> None:
    FeedRun.objects.filter(pk=run_id).update(status=FeedRunStatus.FAILED, error=error, finished_at=clock.now())
    run = FeedRun.objects.select_related("actor").filter(pk=run_id).first()
    if run is not None:
        audit_log(actor=run.actor, action="feed.failed", obj=run, detail=f"{run.kind} {run.original_name}: {error}")


def _take(rows, worker: str) -> bool:
    """Take a run or a part (`rows`: a query of that one row): queued → running, once. One left
    "running" by a dead worker (no progress for BANYAN_FEED_STALE_MINUTES) may be taken over by the
    redelivered task; a fresh running one belongs to another worker, and a finished one is left alone."""
    now = clock.now()
    if rows.filter(status=FeedRunStatus.QUEUED).update(status=FeedRunStatus.RUNNING, started_at=now,
                                                       progress_at=now, worker=worker):
        return True
    found = rows.first()
    if found is None or found.status != FeedRunStatus.RUNNING or not found.is_stale(now):
        return False
    return bool(rows.filter(status=FeedRunStatus.RUNNING, progress_at=found.progress_at).update(
        started_at=now, progress_at=now, worker=worker, done_rows=0))


def _failure(run: FeedRun, error: Exception) -> str:
    """What the run's page says of an import stopped by `error` (logged when unexpected)."""
    if isinstance(error, FeedFileError):
        return str(error).replace(run.path.name, run.original_name)
    if isinstance(error, SoftTimeLimitExceeded):
        return (f"超过了时间上限（{settings.BANYAN_FEED_TIME_LIMIT} 秒，BANYAN_FEED_TIME_LIMIT）："
                "已导入的行会保留，重新运行本文件会接着完成。")
    logger.exception("Feed run %s failed", run.pk)
    return f"导入出错：{type(error).__name__}: {error}。已导入的行会保留，可重新运行本文件。"


def _followups(run: FeedRun, result: FeedResult) -> bool:
    """The segments and the coming day's lists after the rows are in; False (the run failed,
    saying what is missing) when they could not be refreshed."""
    try:
        feed_followups(run.kind, customer_ids=result.customer_ids, actor=run.actor)
    except Exception as e:  # noqa: BLE001 - the rows are in; say what is missing
        logger.exception("Feed run %s: the follow-ups failed", run.pk)
        _fail(run.pk, f"数据已导入（{result.summary}），但刷新客户分层和工作清单失败："
                      f"{type(e).__name__}: {e}。可重新运行本文件，或等待夜间任务。")
        return False
    return True


@shared_task(name="banyan.feeds.import_file", bind=True, soft_time_limit=settings.BANYAN_FEED_TIME_LIMIT,
             time_limit=settings.BANYAN_FEED_TIME_LIMIT + 300)
def import_file(self, run_id: int) -> dict:
    """Import the run's file. Progress goes to the run every 1,000 rows (one small UPDATE);
    the counts, the first rejects and the rejects file when the rows are in; then the segments
    and the coming working day's worklists (feed_followups) while the run still shows "running"."""
    if not _take(FeedRun.objects.filter(pk=run_id), "" if self.request.is_eager else (self.request.hostname or "")):
        run = FeedRun.objects.filter(pk=run_id).first()
        return {"run": run_id, "status": run.status if run else "missing", "skipped": True}
    run = FeedRun.objects.select_related("actor").get(pk=run_id)

    def progress(done: int, total: int) -> None:
        FeedRun.objects.filter(pk=run_id).update(done_rows=done, total_rows=total, progress_at=clock.now())

    try:
        parts = _parts_for(run)
        if parts:
            return _fan_out(run, parts)
        result = feed_import(kind=run.kind, path=run.path, encoding=run.encoding or None, actor=run.actor,
                             progress=progress, followups=False)
        rows = result.added + result.updated + result.unchanged + result.rejected
        FeedRun.objects.filter(pk=run_id).update(
            added=result.added, updated=result.updated, unchanged=result.unchanged, rejected=result.rejected,
            done_rows=rows, total_rows=rows, read_as=result.encoding or "", progress_at=clock.now(),
            rejects_preview=[[line, reason] for line, reason, _cells in result.rejects[:REJECTS_SHOWN]],
            rejects_file=_relative(result.rejects_path) if result.rejects_path else "",
            ignored_columns=list(result.ignored_columns))
        if (result.added or result.updated) and not _followups(run, result):
            return {"run": run_id, "status": FeedRunStatus.FAILED}
    except Exception as e:  # noqa: BLE001 - an unreadable file, the time limit, the unexpected: end the run
        _fail(run_id, _failure(run, e))
        return {"run": run_id, "status": FeedRunStatus.FAILED}
    FeedRun.objects.filter(pk=run_id).update(status=FeedRunStatus.DONE, finished_at=clock.now())
    audit_log(actor=run.actor, action="feed.imported", obj=run, detail=f"{run.kind} {run.original_name}: "
              f"{result.summary}")
    return {"run": run_id, "status": FeedRunStatus.DONE, "summary": result.summary}


# --- a large file in parts ------------------------------------------------------------------------

def _parts_for(run: FeedRun) -> int:
    """How many parts the run's file is imported in: 0 for one task. Reads the file's header and
    counts its rows (raises FeedFileError for a file that cannot be imported at all)."""
    if run.parts:  # a redelivered run that was cut already
        return run.parts
    if settings.BANYAN_FEED_PARTS < 2 or run.kind not in cut.PART_KINDS:
        return 0
    sheet, fields = feed_open(run.kind, run.path, run.encoding or None)
    if sheet.total < settings.BANYAN_FEED_PART_ROWS:
        return 0
    FeedRun.objects.filter(pk=run.pk).update(
        parts=settings.BANYAN_FEED_PARTS, total_rows=sheet.total, done_rows=0, read_as=sheet.encoding or "",
        ignored_columns=ignored_columns(sheet.headers, fields), progress_at=clock.now())
    return settings.BANYAN_FEED_PARTS


def _fan_out(run: FeedRun, parts: int) -> dict:
    """Create the run's parts (once) and queue those not done."""
    with transaction.atomic():
        for number in range(parts):
            FeedRunPart.objects.get_or_create(run=run, number=number)
    waiting = list(FeedRunPart.objects.filter(run=run).exclude(status=FeedRunStatus.DONE)
                   .values_list("number", flat=True))
    try:
        for number in waiting:
            import_part.delay(run.pk, number)
    except OperationalError as e:
        logger.exception("Could not queue the parts of feed run %s", run.pk)
        _fail(run.pk, f"无法把分段导入任务交给后台（任务队列不可用：{e}），请稍后重新运行。")
    return {"run": run.pk, "parts": parts, "queued": len(waiting)}


def _part_failed(part: FeedRunPart, error: str) -> dict:
    FeedRunPart.objects.filter(pk=part.pk, worker=part.worker).update(
        status=FeedRunStatus.FAILED, error=error, finished_at=clock.now())
    if FeedRun.objects.filter(pk=part.run_id).exclude(status__in=(FeedRunStatus.DONE, FeedRunStatus.FAILED)).exists():
        _fail(part.run_id, f"第 {part.number + 1} 段：{error}")
    return {"run": part.run_id, "part": part.number, "status": FeedRunStatus.FAILED}


@shared_task(name="banyan.feeds.import_part", bind=True, soft_time_limit=settings.BANYAN_FEED_TIME_LIMIT,
             time_limit=settings.BANYAN_FEED_TIME_LIMIT + 300)
def import_part(self, run_id: int, number: int) -> dict:
    """Import one part of a run's file (the rows whose key falls in it); the last part to end
    finishes the run."""
    host = "" if self.request.is_eager else (self.request.hostname or "")
    mine = FeedRunPart.objects.filter(run_id=run_id, number=number)
    if not _take(mine, f"{host}#{secrets.token_hex(4)}"):  # a token each: the part's end checks it is still its own
        return {"run": run_id, "part": number, "skipped": True}
    part = mine.get()
    run = FeedRun.objects.select_related("actor").get(pk=run_id)
    if run.finished:  # another part failed, or the run was closed for a rerun: leave the rows to that
        return _part_failed(part, "导入已结束，这一段未运行。")
    done_of_parts = (FeedRunPart.objects.filter(run=OuterRef("pk")).values("run")
                     .annotate(rows=Sum("done_rows")).values("rows"))

    def progress(done: int, total: int) -> None:
        now = clock.now()
        FeedRunPart.objects.filter(pk=part.pk).update(done_rows=done, progress_at=now)
        FeedRun.objects.filter(pk=run_id).update(done_rows=Subquery(done_of_parts), progress_at=now)

    try:
        result = feed_import(kind=run.kind, path=run.path, encoding=run.encoding or None, actor=run.actor,
                             progress=progress, followups=False, part=(number, run.parts))
    except Exception as e:  # noqa: BLE001 - an unreadable file, the time limit, the unexpected: end the run
        return _part_failed(part, _failure(run, e))
    with transaction.atomic():
        FeedRun.objects.select_for_update().filter(pk=run_id).first()  # the parts' ends one at a time
        ended = FeedRunPart.objects.filter(pk=part.pk, status=FeedRunStatus.RUNNING, worker=part.worker).update(
            status=FeedRunStatus.DONE, finished_at=clock.now(), progress_at=clock.now(),
            added=result.added, updated=result.updated, unchanged=result.unchanged, rejected=result.rejected,
            done_rows=result.added + result.updated + result.unchanged + result.rejected,
            rejects_file=_relative(result.rejects_path) if result.rejects_path else "")
        last = bool(ended) and not FeedRunPart.objects.filter(run_id=run_id).exclude(
            status=FeedRunStatus.DONE).exists()
    if not ended:  # taken over by another worker meanwhile: that one reports
        return {"run": run_id, "part": number, "skipped": True}
    if last:
        try:
            return _finish_parts(run)
        except Exception as e:  # noqa: BLE001 - every part is in; the run must end, not stay "running"
            logger.exception("Feed run %s: finishing its parts failed", run_id)
            _fail(run_id, f"各段已导入，但汇总结果出错：{type(e).__name__}: {e}。可重新运行本文件。")
            return {"run": run_id, "status": FeedRunStatus.FAILED}
    return {"run": run_id, "part": number, "status": FeedRunStatus.DONE}


def _finish_parts(run: FeedRun) -> dict:
    """Every part is in: the run's counts are their sums, its rejects theirs in the file's order;
    then the follow-ups, as after a file imported by one task."""
    if not FeedRun.objects.filter(pk=run.pk, status=FeedRunStatus.RUNNING).exists():
        return {"run": run.pk, "status": "closed"}  # closed meanwhile (a rerun took its place)
    parts = list(FeedRunPart.objects.filter(run=run))
    counts = {name: sum(getattr(p, name) for p in parts) for name in ("added", "updated", "unchanged", "rejected")}
    # no customer ids for the follow-ups: each holdings chunk refreshed its customers' AUM (parts.py)
    total = FeedResult(kind=run.kind, path=run.path, **counts)
    files = [p.rejects_path for p in parts if p.rejects_file]
    run_rejects = rejects_path_for(run.path)
    rejects = cut.merged_rejects(files)
    if rejects:
        write_rejects(run_rejects, cut.rejects_headers(files[0]), rejects)
    elif run_rejects.exists():
        run_rejects.unlink()  # an old run's rejects would mislead
    for path in files:
        path.unlink(missing_ok=True)
    rows = sum(counts.values())
    FeedRun.objects.filter(pk=run.pk).update(
        **counts, done_rows=rows, total_rows=rows, progress_at=clock.now(),
        rejects_preview=[[line, reason] for line, reason, _cells in rejects[:REJECTS_SHOWN]],
        rejects_file=_relative(run_rejects) if rejects else "")
    if (total.added or total.updated) and not _followups(run, total):
        return {"run": run.pk, "status": FeedRunStatus.FAILED}
    FeedRun.objects.filter(pk=run.pk).update(status=FeedRunStatus.DONE, finished_at=clock.now())
    audit_log(actor=run.actor, action="feed.imported", obj=run,
              detail=f"{run.kind} {run.original_name}: {total.summary}（分 {len(parts)} 段导入）")
    return {"run": run.pk, "status": FeedRunStatus.DONE, "summary": total.summary, "parts": len(parts)}
