"""A feed run: one uploaded file imported in the background (or in the request without a broker).

The row is the run's whole story for the upload page — queued, running with its progress, done
with its counts, or failed with the reason — so no Celery result backend is needed, and a worker
that died mid-feed shows as a run whose progress stopped (`is_stale`). A large file may be imported
in parts by several workers at once (`FeedRunPart`, banyan/feeds/tasks.py); the run then sums them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _under_var(stored: str) -> Path:
    p = Path(stored)
    return p if p.is_absolute() else Path(settings.VAR_DIR) / p


class FeedRunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("feed run", "Queued")
    RUNNING = "running", pgettext_lazy("feed run", "Running")
    DONE = "done", pgettext_lazy("feed run", "Done")
    FAILED = "failed", pgettext_lazy("feed run", "Failed")


class FeedRun(models.Model):
    kind = models.CharField(pgettext_lazy("feed", "kind"), max_length=20)
    #: Relative to VAR_DIR (web servers and workers mount the same directory), or absolute.
    stored_path = models.CharField(_("stored file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True, help_text=_("Empty: detect"))
    read_as = models.CharField(_("read as"), max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=FeedRunStatus.choices,
                              default=FeedRunStatus.QUEUED)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    #: The first rejected rows as [line, reason], for the page (the file has them all).
    rejects_preview = models.JSONField(default=list, blank=True)
    rejects_file = models.CharField(_("rejects file"), max_length=500, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    rerun_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns")
    #: How many part tasks import the file side by side (0: one task reads it all).
    parts = models.PositiveSmallIntegerField(_("parts"), default=0)
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("feed run")
        verbose_name_plural = _("feed runs")

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name} ({self.status})"

    @property
    def path(self) -> Path:
        return _under_var(self.stored_path)

    @property
    def rejects_path(self) -> Path | None:
        return _under_var(self.rejects_file) if self.rejects_file else None

    @property
    def finished(self) -> bool:
        return self.status in (FeedRunStatus.DONE, FeedRunStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == FeedRunStatus.DONE:
            return 100
        return int(100 * self.done_rows / self.total_rows) if self.total_rows else 0

    @property
    def refreshing(self) -> bool:
        """Every row is in; the segments and the coming working day's worklists are being refreshed."""
        return self.status == FeedRunStatus.RUNNING and self.total_rows > 0 and self.done_rows >= self.total_rows

    def last_sign_of_life(self) -> dt.datetime:
        return self.progress_at or self.started_at or self.created_at

    def is_stale(self, now: dt.datetime, minutes: int | None = None) -> bool:
        """Queued or running, with no progress for `minutes` (BANYAN_FEED_STALE_MINUTES): the
        worker probably died (or none is running). The admin may run the file again."""
        if self.finished:
            return False
        minutes = settings.BANYAN_FEED_STALE_MINUTES if minutes is None else minutes
        return now - self.last_sign_of_life() > dt.timedelta(minutes=minutes)


class FeedRunPart(models.Model):
    """One part of a run imported in parts: the rows whose key falls in this part
    (banyan.feeds.parts.part_of), in the file's order, by one task. Its counts and rejects are
    summed onto the run by the part that finishes last."""

    run = models.ForeignKey(FeedRun, on_delete=models.CASCADE, related_name="part_rows")
    number = models.PositiveSmallIntegerField(_("part"))
    status = models.CharField(_("status"), max_length=10, choices=FeedRunStatus.choices,
                              default=FeedRunStatus.QUEUED)
    done_rows = models.PositiveIntegerField(_("rows done"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    #: This part's rejected rows (line, reason, cells), merged into the run's file by line at the end.
    rejects_file = models.CharField(_("rejects file"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="uniq_feed_run_part")]
        verbose_name = _("feed run part")
        verbose_name_plural = _("feed run parts")

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} ({self.status})"

    @property
    def rejects_path(self) -> Path | None:
        return _under_var(self.rejects_file) if self.rejects_file else None

    def is_stale(self, now: dt.datetime) -> bool:
        sign = self.progress_at or self.started_at
        return sign is None or now - sign > dt.timedelta(minutes=settings.BANYAN_FEED_STALE_MINUTES)
