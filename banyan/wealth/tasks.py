"""The diagnosis PDFs of a manager's priority customers, in the background, into one ZIP (WEA-2).

`diagnosis_batch_queue` fixes the customers (the manager's priority customers as of now), creates
the DiagnosisBatch row and hands it to a worker; `diagnosis_batch_run` makes one PDF after another,
recording its progress on the row (one small UPDATE a PDF) for the page that polls it, and writes
the ZIP under VAR_DIR/diagnosis/.

With a broker (CELERY_BROKER_URL) a worker on the `banyan-batch` queue runs it. Without one the same
task runs in-process — in a thread of the web process, so that the page comes back at once and shows
the progress (a book's hundred PDFs take a minute or two; a request that long would outlive the
server's timeout). `BANYAN_BATCH_THREAD=0` runs it inside the request instead, as the feeds do
(the tests). A run whose process died is seen as stale (no progress for BANYAN_FEED_STALE_MINUTES)
and the manager starts a new one.
"""

from __future__ import annotations

import logging
import secrets
import threading
import zipfile
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.selectors import visible_customers
from banyan.org.models import Role
from banyan.wealth.models import BatchStatus, DiagnosisBatch

logger = logging.getLogger(__name__)

#: Who makes a batch of his or her priority customers: those who keep a book (or help keep one).
BATCH_ROLES = (Role.RM, Role.PLANNER, Role.ASSISTANT)
#: A batch takes at most this many customers (a priority list is a fifth of a book).
BATCH_MAX = 2000


def batch_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "diagnosis"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def batch_path(batch: DiagnosisBatch) -> Path:
    path = Path(batch.file)
    return path if path.is_absolute() else Path(settings.VAR_DIR) / path


def priority_customers(user):
    """The customers a batch covers: the caller's own priority customers (an assistant: those of
    the manager he or she works for), largest first."""
    return (visible_customers(user).filter(segment__is_priority=True)
            .order_by("-aum", "pk"))


def may_batch(user) -> bool:
    return getattr(user, "role", None) in BATCH_ROLES


def is_stale(batch: DiagnosisBatch) -> bool:
    """Running (or queued) with no progress for a while: its process is gone."""
    if batch.status not in (BatchStatus.QUEUED, BatchStatus.RUNNING):
        return False
    last = batch.progress_at or batch.created_at
    return (clock.now() - last).total_seconds() > settings.BANYAN_FEED_STALE_MINUTES * 60


def _in_thread() -> bool:
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)) and bool(getattr(settings, "BANYAN_BATCH_THREAD",
                                                                                       True))


def _thread_main(batch_id: int) -> None:
    try:
        diagnosis_batch_run.apply(args=(batch_id,))
    finally:
        connections.close_all()  # this thread's own connections: nothing else would ever close them


def _dispatch(batch: DiagnosisBatch) -> DiagnosisBatch:
    if _in_thread():
        threading.Thread(target=_thread_main, args=(batch.pk,), name=f"diagnosis-batch-{batch.pk}",
                         daemon=True).start()
        return batch
    try:
        diagnosis_batch_run.delay(batch.pk)
    except OperationalError as e:  # the broker is down: say so on the batch instead of a 500
        logger.exception("Could not queue diagnosis batch %s", batch.pk)
        _fail(batch.pk, _("Could not hand the job to the background workers (%(e)s): try again later.") % {"e": e})
    batch.refresh_from_db()
    return batch


def diagnosis_batch_queue(*, actor, as_of) -> DiagnosisBatch:
    """Queue the PDFs of the actor's priority customers as of `as_of`. Not inside a transaction:
    the worker must see the committed row."""
    if not may_batch(actor):
        raise PermissionDenied(_("Only a manager (or the manager's assistant) makes the PDFs of a book's "
                                 "priority customers."))
    ids = list(priority_customers(actor).values_list("pk", flat=True)[:BATCH_MAX])
    batch = DiagnosisBatch.objects.create(owner=actor, as_of=as_of, customer_ids=ids, total=len(ids),
                                          created_at=clock.now())
    audit_log(actor=actor, action="diagnosis.batch_queued", obj=batch, data={"count": len(ids),
                                                                            "date": as_of.isoformat()})
    return _dispatch(batch)


def _fail(batch_id: int, error: str) -> None:
    DiagnosisBatch.objects.filter(pk=batch_id).update(status=BatchStatus.FAILED, error=error,
                                                      finished_at=clock.now())


@shared_task(name="banyan.wealth.diagnosis_batch", bind=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 300)
def diagnosis_batch_run(self, batch_id: int) -> dict:
    """Make the batch's PDFs into its ZIP. Claimed once (queued → running); each PDF moves the
    progress; the ZIP is written under a temporary name and renamed when whole."""
    from banyan.wealth.report import PdfUnavailable, diagnosis_pdf, pdf_filename

    now = clock.now()
    if not DiagnosisBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
            status=BatchStatus.RUNNING, started_at=now, progress_at=now):
        return {"batch": batch_id, "skipped": True}
    batch = DiagnosisBatch.objects.select_related("owner").get(pk=batch_id)
    owner = batch.owner
    # still within the owner's reach now (a book handed over since is left out), in the queued order
    reach = {c.pk: c for c in visible_customers(owner).filter(pk__in=batch.customer_ids)
             .select_related("rm", "rm__branch")}
    customers = [reach[cid] for cid in batch.customer_ids if cid in reach]
    final = batch_dir() / f"batch-{batch.pk}-{secrets.token_hex(6)}.zip"
    partial = final.with_suffix(".part")
    done = 0
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
            for customer in customers:
                zf.writestr(pdf_filename(customer, batch.as_of), diagnosis_pdf(customer, as_of=batch.as_of))
                done += 1
                DiagnosisBatch.objects.filter(pk=batch_id).update(done=done, progress_at=clock.now())
        partial.rename(final)
    except (PdfUnavailable, SoftTimeLimitExceeded, OSError) as e:
        partial.unlink(missing_ok=True)
        _fail(batch_id, str(e))
        return {"batch": batch_id, "status": BatchStatus.FAILED}
    except Exception as e:  # noqa: BLE001 - an unexpected error must end the batch, not leave it running
        logger.exception("Diagnosis batch %s failed", batch_id)
        partial.unlink(missing_ok=True)
        _fail(batch_id, f"{type(e).__name__}: {e}")
        return {"batch": batch_id, "status": BatchStatus.FAILED}
    try:
        relative = str(final.relative_to(settings.VAR_DIR))
    except ValueError:
        relative = str(final)
    DiagnosisBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.DONE, done=done, total=len(customers), customer_ids=[c.pk for c in customers],
        file=relative, size=final.stat().st_size, finished_at=clock.now(), progress_at=clock.now())
    return {"batch": batch_id, "status": BatchStatus.DONE, "pdfs": done}
