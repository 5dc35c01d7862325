"""Phone-invitation campaigns (电话邀约, seed 004): call lists, scripts, outcomes (OUT-1..5)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


#: Seed 004's preparation before a calling session (准备电话邀约清单), in the reader's language.
PREPARATION_CHECKLIST = (
    ("purpose", _("Be clear about this call's purpose and goal")),
    ("questions", _("Have the questions for the customer ready")),
    ("opening", _("Rehearse the opening until it comes naturally")),
    ("objections", _("Think through the customer's likely objections and the answers to them")),
    ("customer_file", _("Read the customer's file: assets, products, the last contact")),
    ("invitation_table", _("Have the invitation sheet at hand to note each call's result")),
    ("environment", _("A quiet place; settle your mood and tone of voice")),
)


class Script(models.Model):
    """A piece of the script library (话术, OUT-2): an opening, a probing question set, the
    handling of one kind of objection in steps, a buying signal, a closing technique."""

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        PROBING = "probing", _("Needs probing (SPIN)")
        OBJECTION = "objection", _("Objection handling")
        BUYING_SIGNAL = "buying_signal", _("Buying signal")
        CLOSING = "closing", _("Closing")

    class Objection(models.TextChoices):
        DELAY = "delay", _("Delay (我考虑考虑)")
        NOT_INTERESTED = "not_interested", _("Not interested (我不需要)")
        DISTRUST = "distrust", _("Distrust")
        MISUNDERSTANDING = "misunderstanding", _("Misunderstanding")
        UNMET_NEED = "unmet_need", _("A need the bank cannot meet")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    objection = models.CharField(_("objection"), max_length=20, choices=Objection.choices, blank=True)
    steps = models.JSONField(_("steps"), default=list)  # [{"step": "empathise", "text": "…"}, …]
    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, null=True, blank=True,
                               help_text=_("Empty: the bank's own library; else a branch's addition."))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "objection", "pk"]


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=300)
    goal = models.CharField(_("goal"), max_length=300, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, null=True, blank=True)
    filter = models.JSONField(_("target filter"), default=dict, blank=True)
    opening = models.ForeignKey(Script, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                verbose_name=_("opening line"))
    # The product the calls promote, if any: customers who may not buy it (banyan.wealth.suitability)
    # are left off the list with the rule.
    product = models.ForeignKey("holdings.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("product promoted"))
    checklist = models.JSONField(_("preparation"), default=dict, blank=True)  # {item code: done}
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-start_date", "-pk"]


class CallStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    NOT_REACHED = "not_reached", _("Not reached")
    REFUSED = "refused", _("Refused")
    INTERESTED = "interested", _("Interested")
    CALL_BACK = "call_back", _("Call back")
    APPOINTMENT = "appointment", _("Appointment")


class CallEntry(models.Model):
    """A customer on a campaign's call list, with where the calling stands."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="entries", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="call_entries")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    reached = models.BooleanField(default=False)
    last_called_at = models.DateTimeField(null=True, blank=True)
    call_back_at = models.DateTimeField(null=True, blank=True)
    visited = models.BooleanField(_("visited"), default=False)
    sold = models.BooleanField(_("sold"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="uniq_call_entry")]
        indexes = [models.Index(fields=["campaign", "status"], name="call_entry_status")]


class Exclusion(models.Model):
    """A customer the filter found but a contact rule left off the list (shown to the manager)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="exclusions", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="uniq_exclusion")]


class CallLog(models.Model):
    """One call of a campaign, kept for the funnel and for the objection win rates."""

    entry = models.ForeignKey(CallEntry, on_delete=models.CASCADE, related_name="calls")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=12, choices=CallStatus.choices)
    reason = models.CharField(_("rejection reason"), max_length=100, blank=True)
    objection = models.CharField(max_length=20, choices=Script.Objection.choices, blank=True)
    script = models.ForeignKey(Script, on_delete=models.SET_NULL, null=True, blank=True, related_name="uses")
    note = models.CharField(max_length=500, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes on the phone"), default=0)
    interaction = models.ForeignKey("contacts.Interaction", on_delete=models.SET_NULL, null=True, related_name="+")


class CallTarget(models.Model):
    """Daily calling targets (OUT-5, seed 004: "每人每天不低于2小时的电话外呼", 20 call records).
    The row without a manager is the bank's default; a manager's own row overrides it."""

    manager = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="call_target")
    calls_per_day = models.PositiveSmallIntegerField(_("call records a day"), default=20)
    minutes_per_day = models.PositiveSmallIntegerField(_("minutes of calling a day"), default=120)


# The cultivation content library (OUT-7) lives in its own module; its models are the app's too.
from banyan.outreach.content_models import (  # noqa: E402,F401
    ContentDelivery,
    ContentKind,
    ContentPiece,
    ContentPlan,
    ContentPlanRun,
    ContentStatus,
)
