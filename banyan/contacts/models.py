"""Contact history (维护记录) and service memos (服务备忘录) — ARC-4, ARC-5."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan import clock
from banyan.customers.models import Channel
from banyan.holdings.models import ProductType


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


def is_stranger(customer) -> bool:
    """Familiar before selling (seed 004, issue 16 §9): a customer never reached in person or by phone
    gets care and introduction only — no product pitch — until the first real contact. The one rule:
    the worklist's talking points, the calling screen and the visit brief all ask it. The customer's
    last_contact_at moves only on a real contact (services.interaction_log)."""
    return customer.last_contact_at is None


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
    # A product type the customer asked for and the bank could not offer (seed 002: "we don't have
    # it" is not "the customer doesn't need it"): while the memo is open, a product of this type
    # added or put back on sale brings the customer back (worklist reason wanted_product).
    product_type = models.CharField(_("product type wanted"), max_length=20, choices=ProductType.choices,
                                    blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)  # the pinned day under BANYAN_TODAY, like contacts

    class Meta:
        ordering = ["status", "due_date"]
        indexes = [
            models.Index(fields=["customer", "status"], name="memo_customer_status"),
            models.Index(fields=["due_date", "status"], name="memo_due_status"),
            # the wanted_product trigger: the open needs of a product type, over the whole bank
            models.Index(fields=["product_type"], name="memo_wanted_type",
                         condition=models.Q(status="open") & ~models.Q(product_type="")),
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


class OpportunityStage(models.TextChoices):
    """A sales opportunity's way (销售机会): open → contacted → proposed → won or lost."""

    OPEN = "open", pgettext_lazy("opportunity stage", "Open")
    CONTACTED = "contacted", pgettext_lazy("opportunity stage", "Contacted")
    PROPOSED = "proposed", pgettext_lazy("opportunity stage", "Proposed")
    WON = "won", pgettext_lazy("opportunity stage", "Won")
    LOST = "lost", pgettext_lazy("opportunity stage", "Lost")


#: The stages of an opportunity still being worked: they come back on the worklist when due.
OPEN_STAGES = (OpportunityStage.OPEN, OpportunityStage.CONTACTED, OpportunityStage.PROPOSED)


class OpportunitySource(models.TextChoices):
    CALL = "call", pgettext_lazy("opportunity source", "Call")
    EVENT = "event", pgettext_lazy("opportunity source", "Client event")
    DIAGNOSIS = "diagnosis", pgettext_lazy("opportunity source", "Wealth diagnosis")
    REFERRAL = "referral", pgettext_lazy("opportunity source", "Referral")
    WALK_IN = "walk_in", pgettext_lazy("opportunity source", "Walk-in")
    OTHER = "other", pgettext_lazy("opportunity source", "Other")


class Opportunity(models.Model):
    """A need the customer showed that a sale could meet (销售机会, issue 11 §5): what, how much,
    by when, and how far it got. Visibility follows the customer (visible_customers); `owner` is
    the manager working it (the customer's manager when it was opened), whose figures it counts in.
    Each stage keeps the moment it was reached, so that a period's opened / won / lost are counted
    from the row (KPI-1, EVT-4)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="opportunities",
                                 db_index=False)  # covered by opportunity_customer_stage
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities",
                              db_index=False)  # covered by opportunity_owner_stage
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=OpportunitySource.choices)
    # events.Event once the events app exists (EVT-4 counts an event's opportunities)
    event_id = models.BigIntegerField(null=True, blank=True)
    # the contact it came from ("有意向" on a call)
    interaction = models.ForeignKey(Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    need = models.CharField(_("need"), max_length=200)
    product = models.ForeignKey("holdings.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    # the kind of product wanted; the product's own type when one is named
    product_type = models.CharField(_("product type"), max_length=20, choices=ProductType.choices, blank=True)
    expected_amount = models.DecimalField(_("expected amount"), max_digits=16, decimal_places=2, null=True,
                                          blank=True)
    stage = models.CharField(_("stage"), max_length=10, choices=OpportunityStage.choices,
                             default=OpportunityStage.OPEN)
    lost_reason = models.CharField(_("why lost"), max_length=200, blank=True)
    # Lost because the bank had no product of `product_type` to offer (the need stays: a product of
    # that type added or put back on sale brings the customer back, reason wanted_product).
    no_product = models.BooleanField(_("lost: the bank had no such product"), default=False)
    due_date = models.DateField(_("follow up by"))
    # the sale that closed a won opportunity
    holding = models.ForeignKey("holdings.Holding", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    opened_at = models.DateTimeField(default=clock.now)
    contacted_at = models.DateTimeField(null=True, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("sales opportunity")
        indexes = [
            # the customer file's open opportunities; the pipeline joins the book's customers here
            models.Index(fields=["customer", "stage"], name="opportunity_customer_stage"),
            # a manager's own opportunities (KPIs count them per owner)
            models.Index(fields=["owner", "stage"], name="opportunity_owner_stage"),
            # the worklist trigger: the open ones by due date, over the whole bank
            models.Index(fields=["due_date"], name="opportunity_open_due",
                         condition=models.Q(stage__in=["open", "contacted", "proposed"])),
            # the wanted_product trigger: the needs lost for want of a product, by type
            models.Index(fields=["product_type"], name="opportunity_no_product",
                         condition=models.Q(no_product=True)),
        ]
        constraints = [
            # one sale closes one opportunity
            models.UniqueConstraint(fields=["holding"], condition=models.Q(holding__isnull=False),
                                    name="uniq_opportunity_holding"),
        ]

    def __str__(self) -> str:
        return self.need

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES
