"""Messages to customers (OUT-6): templates with the customer's fields, and the outbox.

An outbox row is written when a message is composed and keeps its fate: sent (with the gateway's
id), failed (with the gateway's error, to be resent), or blocked by a contact rule checked at the
moment of sending (consent, do-not-disturb, a usable address)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock


class TemplateCode(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday greeting")
    FESTIVAL = "festival", _("Festival greeting")
    MATURITY = "maturity", _("Maturity reminder")
    INVITATION = "invitation", _("Event invitation")
    APPOINTMENT_CONFIRMATION = "appointment_confirmation", _("Appointment confirmation")
    # the first contact (seed 004): the manager introduces him- or herself and gives the work mobile
    INTRODUCTION = "introduction", _("Introduction (first contact)")
    # 销售维护 (WEA-3): a holding at the customer's own line, or its product's NAV moving sharply
    TAKE_PROFIT = "take_profit", _("Take-profit notice")
    STOP_LOSS = "stop_loss", _("Stop-loss notice")
    NAV_MOVE = "nav_move", _("NAV move notice")
    CUSTOM = "custom", _("Custom message")


class MessageChannel(models.TextChoices):
    """The channels a message can be written for; the values are those of customers.Channel."""

    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")


class MessageTemplate(models.Model):
    """A text with placeholders {title} {name} {manager} {manager_mobile} {branch} {date} {product}
    {detail}. A branch's template replaces the bank-wide one (branch empty) of the same code and
    channel for that branch's customers. `body_en` / `subject_en`: the same message in English, for
    a customer who reads English (the compose page offers it when there is one)."""

    code = models.CharField(_("kind"), max_length=30, choices=TemplateCode.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    subject = models.CharField(_("subject"), max_length=120, blank=True, help_text=_("Email only."))
    body = models.TextField(_("text"))
    subject_en = models.CharField(_("subject (English)"), max_length=120, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="message_templates", verbose_name=_("branch"),
                               help_text=_("Empty: the bank-wide default."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        ordering = ["code", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["code", "channel"], condition=models.Q(branch__isnull=True),
                                    name="msgtpl_bank_default_unique"),
            models.UniqueConstraint(fields=["code", "channel", "branch"], condition=models.Q(branch__isnull=False),
                                    name="msgtpl_branch_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} · {self.get_channel_display()}"

    def text(self, language: str = "") -> tuple[str, str]:
        """(subject, body) in `language` ("en" for English when written, else the bank's Chinese)."""
        if language == "en" and self.body_en:
            return self.subject_en or self.subject, self.body_en
        return self.subject, self.body


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BLOCKED = "blocked", _("Blocked")


class BlockRule(models.TextChoices):
    """The contact rule that stopped a message at send time."""

    DO_NOT_DISTURB = "do_not_disturb", _("Do not disturb")
    NO_CONSENT = "no_consent", _("No consent for the channel")
    NO_ADDRESS = "no_address", _("No address for the channel")


class Message(models.Model):
    """One message in the outbox. `to` keeps the address actually used (full, for the record and
    the gateway); every page and API answer shows it masked."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="messages", db_index=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent",
                              verbose_name=_("sender"), db_index=False)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    to = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=120, blank=True)
    body = models.TextField(_("text"))
    template = models.ForeignKey(MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="messages", verbose_name=_("template"))
    template_code = models.CharField(_("kind"), max_length=30, choices=TemplateCode.choices,
                                     default=TemplateCode.CUSTOM)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    rule = models.CharField(_("blocking rule"), max_length=20, choices=BlockRule.choices, blank=True)
    status_detail = models.CharField(_("status detail"), max_length=300, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("written at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The compose page's one-time key: a form posted twice (a double click, a reload) writes one
    # message. Null for messages written by other means (several nulls never collide).
    submission = models.CharField(max_length=36, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("message")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["submission"], name="message_submission_once")]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="message_customer_time"),
            models.Index(fields=["staff", "-created_at"], name="message_staff_time"),
            models.Index(fields=["status", "created_at"], name="message_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.customer_id} ({self.status})"
