"""Feed imports in the background: `import_file(run_id)` imports one uploaded file and records
its progress and outcome on the FeedRun row; `feed_run_queue` / `feed_run_rerun` are the writes the
upload page makes (store the file, create the run, hand it to a worker).

With a broker (CELERY_BROKER_URL) a worker on the `banyan-batch` queue runs the import; without
one `.delay()` runs it at once in the request, so the page lands on a finished run either way.

One file is one task, its chunks taken in the file's order (issue 15 §2 looked at spreading them
over workers, and left them here). Each chunk commits on its own, but a chunk is judged against
what the chunks before it committed: a key met again further down the file is judged against
its earlier row (the later row wins, "updated" not "added"), a holdings chunk refreshes the AUM
of its customers from the holdings committed so far, and a chunk whose write fails is replayed
row by row against that same state. Chunks in parallel would break all three: an earlier chunk
committing last overwrites the later row; two chunks adding one key collide and the replay
reports the row as "updated"; a customer's AUM summed by one chunk misses the holding another
has not committed yet (READ COMMITTED). A safe split would not cut the file by position but by
key — every row of a key, and for holdings every row of a customer (a later row may move an
account to another customer, so the partitions would be the connected keys), in one task in the
file's order — after a first pass over the whole file, with the counts, the rejects (by line) and
the progress merged back onto the run. Not built: the nightly segments and lists are split over
workers (banyan/worklists/tasks.py), a feed's rows are not.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from banyan import clock
from banyan.audit.services import audit_log
from banyan.feeds.models import FeedRun, FeedRunStatus
from banyan.feeds.services import FeedFileError, feed_followups, feed_import

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


def _claim(run_id: int, worker: str) -> bool:
    """Take the run: queued → running, once. A run left "running" by a dead worker (no progress
    for BANYAN_FEED_STALE_MINUTES) may be taken over by the redelivered task; a fresh running run
    belongs to another worker, and a finished one is left alone."""
    now = clock.now()
    claimed = FeedRun.objects.filter(pk=run_id, status=FeedRunStatus.QUEUED).update(
        status=FeedRunStatus.RUNNING, started_at=now, progress_at=now, worker=worker)
    if claimed:
        return True
    run = FeedRun.objects.filter(pk=run_id).first()
    if run is None or run.status != FeedRunStatus.RUNNING or not run.is_stale(now):
        return False
    return bool(FeedRun.objects.filter(pk=run_id, status=FeedRunStatus.RUNNING, progress_at=run.progress_at).update(
        started_at=now, progress_at=now, worker=worker, done_rows=0))


@shared_task(name="banyan.feeds.import_file", bind=True, soft_time_limit=settings.BANYAN_FEED_TIME_LIMIT,
             time_limit=settings.BANYAN_FEED_TIME_LIMIT + 300)
def import_file(self, run_id: int) -> dict:
    """Import the run's file. Progress goes to the run every 1,000 rows (one small UPDATE);
    the counts, the first rejects and the rejects file when the rows are in; then the segments
    and the coming working day's worklists (feed_followups) while the run still shows "running"."""
    if not _claim(run_id, "" if self.request.is_eager else (self.request.hostname or "")):
        run = FeedRun.objects.filter(pk=run_id).first()
        return {"run": run_id, "status": run.status if run else "missing", "skipped": True}
    run = FeedRun.objects.select_related("actor").get(pk=run_id)

    def progress(done: int, total: int) -> None:
        FeedRun.objects.filter(pk=run_id).update(done_rows=done, total_rows=total, progress_at=clock.now())

    try:
        result = feed_import(kind=run.kind, path=run.path, encoding=run.encoding or None, actor=run.actor,
                             progress=progress, followups=False)
        rows = result.added + result.updated + result.unchanged + result.rejected
        FeedRun.objects.filter(pk=run_id).update(
            added=result.added, updated=result.updated, unchanged=result.unchanged, rejected=result.rejected,
            done_rows=rows, total_rows=rows, read_as=result.encoding or "", progress_at=clock.now(),
            rejects_preview=[[line, reason] for line, reason, _cells in result.rejects[:REJECTS_SHOWN]],
            rejects_file=_relative(result.rejects_path) if result.rejects_path else "",
            ignored_columns=list(result.ignored_columns))
        if result.added or result.updated:
            try:
                feed_followups(run.kind, customer_ids=result.customer_ids, actor=run.actor)
            except Exception as e:  # noqa: BLE001 - the rows are in; say what is missing
                logger.exception("Feed run %s: the follow-ups failed", run_id)
                _fail(run_id, f"数据已导入（{result.summary}），但刷新客户分层和工作清单失败："
                              f"{type(e).__name__}: {e}。可重新运行本文件，或等待夜间任务。")
                return {"run": run_id, "status": FeedRunStatus.FAILED}
    except FeedFileError as e:
        _fail(run_id, str(e).replace(run.path.name, run.original_name))
        return {"run": run_id, "status": FeedRunStatus.FAILED}
    except SoftTimeLimitExceeded:
        _fail(run_id, f"超过了时间上限（{settings.BANYAN_FEED_TIME_LIMIT} 秒，BANYAN_FEED_TIME_LIMIT）："
                      "已导入的行会保留，重新运行本文件会接着完成。")
        return {"run": run_id, "status": FeedRunStatus.FAILED}
    except Exception as e:  # noqa: BLE001 - an unexpected error must end the run, not leave it "running"
        logger.exception("Feed run %s failed", run_id)
        _fail(run_id, f"导入出错：{type(e).__name__}: {e}。已导入的行会保留，可重新运行本文件。")
        return {"run": run_id, "status": FeedRunStatus.FAILED}
    FeedRun.objects.filter(pk=run_id).update(status=FeedRunStatus.DONE, finished_at=clock.now())
    audit_log(actor=run.actor, action="feed.imported", obj=run, detail=f"{run.kind} {run.original_name}: "
              f"{result.summary}")
    return {"run": run_id, "status": FeedRunStatus.DONE, "summary": result.summary}
