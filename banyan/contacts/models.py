"""Contact history (维护记录) and service memos (服务备忘录) — ARC-4, ARC-5."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock
from banyan.customers.models import Channel


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED = "refused", _("Refused")
    INTERESTED = "interested", _("Interested")
    APPOINTMENT = "appointment", _("Appointment made")
    SOLD = "sold", _("Sold")


#: Contacts that reset the maintenance cadence (WL-3) — "real contacts": a call, a visit, a
#: meeting at the branch or an event where the customer was reached; a WeChat exchange only when
#: the customer answered (an outcome other than not reached was recorded). A one-way SMS, email
#: or WeChat greeting, or an unanswered call, is not.
TWO_WAY_CHANNELS = (Channel.PHONE, Channel.VISIT, Channel.BRANCH, Channel.EVENT)
ANSWERED = ("reached", "refused", "interested", "appointment", "sold")


def is_real_contact(channel: str, outcome: str) -> bool:
    if channel == Channel.WECHAT:
        return outcome in ANSWERED
    return channel in TWO_WAY_CHANNELS and outcome != Outcome.NOT_REACHED


def real_contact_q(prefix: str = "") -> models.Q:
    """The same rule as a filter on Interaction (prefix e.g. "interactions__")."""
    spoken = models.Q(**{f"{prefix}channel__in": TWO_WAY_CHANNELS}) & ~models.Q(**{f"{prefix}outcome": "not_reached"})
    answered = models.Q(**{f"{prefix}channel": Channel.WECHAT, f"{prefix}outcome__in": ANSWERED})
    return spoken | answered


class Purpose(models.TextChoices):
    CARE = "care", _("Care / greeting")
    AFTER_SALES = "after_sales", _("After-sales follow-up")
    MATURITY = "maturity", _("Maturity reminder")
    PRODUCT = "product", _("Product recommendation")
    INVITATION = "invitation", _("Invitation")
    SERVICE = "service", _("Service / request")
    COMPLAINT = "complaint", _("Complaint")
    INFO = "info", _("Updating the file")
    OTHER = "other", _("Other")


class Interaction(models.Model):
    """One contact with a customer: recorded in seconds, twenty times a day."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="interactions", db_index=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="interactions", db_index=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("when"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    summary = models.CharField(_("what was said"), max_length=500, blank=True)
    outcome = models.CharField(_("result"), max_length=20, choices=Outcome.choices, blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=200, blank=True)
    new_info = models.CharField(_("new information learned"), max_length=500, blank=True)
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    next_contact_on = models.DateField(_("next contact on"), null=True, blank=True)
    # minutes on the phone: the daily calling target counts them (OUT-5, "每天不低于2小时的电话外呼")
    minutes = models.PositiveSmallIntegerField(_("minutes on the phone"), default=0,
                                               validators=[MaxValueValidator(600)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_time"),
            models.Index(fields=["staff", "-occurred_at"], name="interaction_staff_time"),
        ]


class MemoStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Memo(models.Model):
    """A need the bank could not meet yet, or a promise, with the date it comes back."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="memos", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memos")
    text = models.CharField(_("memo"), max_length=500)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=MemoStatus.choices, default=MemoStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)  # the pinned day under BANYAN_TODAY, like contacts

    class Meta:
        ordering = ["status", "due_date"]
        indexes = [
            models.Index(fields=["customer", "status"], name="memo_customer_status"),
            models.Index(fields=["due_date", "status"], name="memo_due_status"),
        ]


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Took place")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(models.Model):
    """A meeting booked with a customer (约见, OUT-4); it comes back on the worklist on its day."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="appointments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="appointments", db_index=False)
    at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.SCHEDULED)
    campaign_id = models.BigIntegerField(null=True, blank=True)  # outreach.Campaign, when booked in one
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["staff", "at"], name="appointment_staff_time"),
                   models.Index(fields=["at", "status"], name="appointment_time_status")]
