"""The cultivation content library (培育维护, seed 000; OUT-7): market notes, financial-knowledge
pieces and real cases, approved by a named person, sent with consent — by a periodic plan or by a
manager from the customer's file — and never twice to the same customer.

Imported by banyan/outreach/models.py, so `banyan.outreach.models.ContentPiece` is the name other
apps use (a customer group's share may point at a piece)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock


class ContentKind(models.TextChoices):
    MARKET_NOTE = "market_note", _("Market note")
    KNOWLEDGE = "knowledge", _("Financial knowledge")
    CASE = "case", _("Real case")


class ContentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class ContentPiece(models.Model):
    """One piece of the library. A draft is never sent; once approved it is locked (a correction
    is a new version: a draft that, when approved, retires the old one and keeps its `lineage`, so
    whoever received one version never receives another). Tags say whom it fits: interests
    (matched in the customer's interests), orientations and value quadrants; empty = everyone.
    An expired piece (`valid_until` passed) is not sent."""

    kind = models.CharField(_("kind"), max_length=12, choices=ContentKind.choices)
    title = models.CharField(_("title"), max_length=60)
    body = models.TextField(_("text"), max_length=2000, help_text=_("The full text: email and the piece's page."))
    short = models.CharField(_("short text"), max_length=300, blank=True,
                             help_text=_("For SMS and WeChat; empty: the full text, when it is short enough."))
    interests = models.CharField(_("interests"), max_length=200, blank=True,
                                 help_text=_("Tags separated by 、 — e.g. 基金、养老."))
    orientations = models.JSONField(_("orientations"), default=list, blank=True)
    quadrants = models.JSONField(_("quadrants"), default=list, blank=True)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=ContentStatus.choices, default=ContentStatus.DRAFT)
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("branch"), help_text=_("Empty: the bank's own library."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    lineage = models.UUIDField(default=uuid.uuid4, editable=False)
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("previous version"))

    class Meta:
        verbose_name = _("content piece")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "valid_until"], name="content_status_valid"),
                   models.Index(fields=["lineage"], name="content_lineage")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="approved") | models.Q(approved_by__isnull=False),
                                   name="content_approved_by_someone"),
        ]

    def __str__(self) -> str:
        return self.title

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.interests.replace(",", "、").replace("，", "、").split("、") if t.strip()]

    def sendable_on(self, day) -> bool:
        return self.status == ContentStatus.APPROVED and self.valid_until >= day


class ContentPlan(models.Model):
    """A periodic plan ("every two weeks, to value-oriented customers with interest in funds"):
    the audience as a campaign's saved filter, over the reach of who made the plan; the channels in
    order of preference; the pieces in rotation (each customer gets the first that fits and is new
    to him or her)."""

    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filter = models.JSONField(_("audience"), default=dict, blank=True)
    every_days = models.PositiveSmallIntegerField(_("every N days"), default=14)
    channels = models.JSONField(_("channels"), default=list)
    pieces = models.ManyToManyField(ContentPiece, related_name="plans", verbose_name=_("pieces in rotation"))
    next_run_on = models.DateField(_("next run"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["next_run_on", "pk"]
        indexes = [models.Index(fields=["is_active", "next_run_on"], name="content_plan_due")]

    def __str__(self) -> str:
        return self.name


class ContentPlanRun(models.Model):
    """One run of a plan on a day (at most one: two schedulers firing together make one run)."""

    plan = models.ForeignKey(ContentPlan, on_delete=models.CASCADE, related_name="runs", db_index=False)
    day = models.DateField()
    ran_at = models.DateTimeField(default=clock.now)
    ran_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    audience = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    excluded = models.JSONField(default=dict)  # {rule: count}

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="content_plan_run_once_a_day")]


class ContentDelivery(models.Model):
    """Who received which piece (and through which message): one row per customer and piece —
    any version of it — whoever sent it, so nobody gets the same piece twice."""

    piece = models.ForeignKey(ContentPiece, on_delete=models.PROTECT, related_name="deliveries")
    lineage = models.UUIDField()
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False)
    message = models.ForeignKey("messaging.Message", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    run = models.ForeignKey(ContentPlanRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="deliveries")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["lineage", "customer"], name="content_once_per_customer")]
        indexes = [models.Index(fields=["customer", "-at"], name="content_delivery_customer")]
