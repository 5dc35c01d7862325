"""The daily worklist (日常关系管理计划): one task per customer per manager per day, with every
reason that brings the customer up that day (WL-1..9)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.customers.models import Channel


class ReasonCode(models.TextChoices):
    """API.md's worklist reason codes."""

    BIRTHDAY = "birthday", _("Birthday")
    FESTIVAL = "festival", _("Festival")
    ANNIVERSARY = "anniversary", _("Anniversary")
    DEPOSIT_MATURITY = "deposit_maturity", _("Deposit maturing")
    PRODUCT_MATURITY = "product_maturity", _("Product maturing")
    CARD_REPAYMENT = "card_repayment", _("Card repayment due")
    LOAN_MATURITY = "loan_maturity", _("Loan maturing")
    LOAN_OVERDUE = "loan_overdue", _("Loan overdue")
    NAV_MOVE = "nav_move", _("NAV moved")
    DIVIDEND = "dividend", _("Dividend paid")
    TAKE_PROFIT = "take_profit", _("Take-profit reached")
    STOP_LOSS = "stop_loss", _("Stop-loss reached")
    LARGE_OUTFLOW = "large_outflow", _("Large outflow")
    LARGE_INFLOW = "large_inflow", _("Large inflow")
    CADENCE_DUE = "cadence_due", _("Regular contact due")
    MEMO_DUE = "memo_due", _("Memo due")
    FOLLOW_UP = "follow_up", _("Follow-up")
    APPOINTMENT = "appointment", _("Appointment")
    NEW_CUSTOMER = "new_customer", _("New customer")
    RISK_ASSESSMENT_EXPIRY = "risk_assessment_expiry", _("Risk assessment expiring")
    OPPORTUNITY_DUE = "opportunity_due", _("Sales opportunity due")
    SUITABILITY_DRIFT = "suitability_drift", _("Holdings above the risk level")
    COMPLAINT_DUE = "complaint_due", _("Complaint decision due")
    COMPLAINT_CARE = "complaint_care", _("Care after a complaint")
    REFERRAL = "referral", _("Referral")
    REFERRAL_THANKS = "referral_thanks", _("Thanks for a referral")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    EVENT_FOLLOW_UP = "event_follow_up", _("Event follow-up")
    WANTED_PRODUCT = "wanted_product", _("A product the customer asked for")


#: Each reason code's words (lazy: in the reader's language when shown). A card names its reasons
#: from here rather than through ReasonCode(code).label, which builds the enum's lists each time.
REASON_LABELS = dict(ReasonCode.choices)


class ReasonRule(models.Model):
    """A bank's override of a reason's defaults (banyan.worklists.reasons.DEFAULTS)."""

    code = models.CharField(_("reason"), max_length=30, choices=ReasonCode.choices, unique=True)
    lead_days = models.PositiveSmallIntegerField(_("days ahead"))
    weight = models.PositiveSmallIntegerField(_("weight"))
    enabled = models.BooleanField(_("enabled"), default=True)


class TalkingPoint(models.Model):
    """An editable opening line for a reason, optionally per orientation (SEG-2 sets the content).
    Placeholders: {title} (王先生 / 李女士), {name}, {detail}, {manager}."""

    code = models.CharField(_("reason"), max_length=30, choices=ReasonCode.choices)
    orientation = models.CharField(_("orientation"), max_length=12, blank=True)
    text = models.CharField(_("talking point"), max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "orientation"], name="uniq_talking_point")]


class WorklistDay(models.Model):
    """Marks that a manager's list for a date was built: the list is then stable (a rebuild
    changes nothing), explainable and auditable."""

    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="worklist_days", db_index=False)
    date = models.DateField()
    built_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["manager", "date"], name="uniq_worklist_day")]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    MOVED = "moved", _("Moved")
    SUPERSEDED = "superseded", _("Carried into a later task")
    SUPPRESSED = "suppressed", _("Left out by a contact rule")


class Task(models.Model):
    # On PostgreSQL the database checks the manager and the customer per statement, by triggers
    # (migration 0012: a bank-wide build writes tens of thousands of tasks at once); on SQLite they
    # are foreign keys.
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="tasks", db_index=False)
    date = models.DateField(_("date"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="tasks", db_index=False)
    rank = models.PositiveSmallIntegerField(_("rank"))
    priority = models.PositiveSmallIntegerField(_("priority"))
    suggested_channel = models.CharField(_("suggested channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    #: The contact rule that changed the channel or left the customer out, as a code of
    #: banyan.worklists.planner.RULE_ARGS and its facts (a JSON list, as TaskReason.args): put in
    #: words when shown, in the reader's language (planner.rule_words). Tasks built before kept the
    #: rule's Chinese words in `rule_note`, shown as they are.
    rule_code = models.CharField(max_length=30, blank=True, default="")
    rule_args = models.TextField(blank=True, default="")
    rule_note = models.CharField(_("contact rule applied"), max_length=200, blank=True)
    # Tasks built before issue 10 kept their Chinese lines here; now what to say and the manager's
    # notes are written when shown, in the reader's language, from the reasons (worklists.talking).
    talking_points = models.TextField(_("talking points"), blank=True)
    # (the two references a task gets when it is closed: indexed only where set — the partial
    # indexes in Meta — since a build writes tens of thousands of open tasks at a time)
    interaction = models.ForeignKey("contacts.Interaction", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", db_index=False)
    skip_reason = models.CharField(_("why skipped"), max_length=200, blank=True)
    moved_to = models.DateField(_("moved to"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", db_index=False)

    class Meta:
        ordering = ["date", "rank"]
        constraints = [models.UniqueConstraint(fields=["manager", "date", "customer"], name="uniq_task_per_day")]
        indexes = [models.Index(fields=["manager", "date", "status"], name="task_manager_day"),
                   models.Index(fields=["customer", "date"], name="task_customer_day"),
                   models.Index(fields=["interaction"], name="task_interaction",
                                condition=models.Q(interaction__isnull=False)),
                   models.Index(fields=["closed_by"], name="task_closed_by",
                                condition=models.Q(closed_by__isnull=False))]


class TaskReason(models.Model):
    """One reason on a task. `ref` names the object behind it ("holding:12", "memo:7") and, with
    code and due date, identifies the reason so that it is planned once."""

    # On PostgreSQL the database checks this key per statement, by triggers (migration 0011: a
    # bank-wide build writes a hundred thousand reasons at once); on SQLite it is the foreign key.
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reasons")
    customer_id = models.BigIntegerField()  # denormalised for the "already planned?" lookup
    code = models.CharField(max_length=30, choices=ReasonCode.choices)
    detail = models.CharField(max_length=300)
    due_date = models.DateField()
    ref = models.CharField(max_length=40, blank=True)
    #: The detail's facts as data, a JSON list (banyan.worklists.talking.ARGS names them per code):
    #: the talking points and the detail are written from them in the reader's language. Text, not
    #: a JSONField: the bulk build streams rows with COPY, which takes the JSON as text.
    args = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["customer_id", "code", "due_date"], name="reason_lookup")]


class MixRule(models.Model):
    """The bank's rule of which reasons do not mix in one call (one row; none: the defaults of
    banyan.worklists.reasons). A call with a `sensitive` reason (an overdue loan, a card repayment
    past its date) is about that: the offers of the `marketing` reasons are left out of it."""

    sensitive = models.JSONField(_("sensitive reasons"), default=list)
    marketing = models.JSONField(_("marketing reasons"), default=list)


class HolidayOverride(models.Model):
    """A bank's own entry in the holiday calendar: a statutory holiday or make-up workday the
    `holidays` library does not know yet (next year's schedule is published each November)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)
