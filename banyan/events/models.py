"""Client events (举办客户活动, EVT-1..4, seeds 000 and 003): the plan, the invitations with their
answers and check-in, and what was learned at the door — the rows the review counts from.

An event belongs to its branch. Its organiser and staff, the managers who invited to it, the
branch head and the auditor see it (banyan.events.selectors); a manager sees only the guests he or
she invited."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock


class EventType(models.TextChoices):
    SALON = "salon", _("Finance salon")
    LECTURE = "lecture", _("Investment / market lecture")
    BANQUET = "banquet", _("Thank-you banquet")
    TRIP = "trip", _("Short trip")
    SURVEY = "survey", _("Small survey")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    OPEN = "open", _("Invitations out")
    HELD = "held", _("Held")
    REVIEWED = "reviewed", _("Reviewed")
    CANCELLED = "cancelled", _("Cancelled")


#: Invitations may go out while the event is in these states.
INVITING = (EventStatus.APPROVED, EventStatus.OPEN)
#: The event has not taken place yet (it occupies its guests: another invitation overlaps).
UPCOMING = (EventStatus.DRAFT, EventStatus.APPROVED, EventStatus.OPEN)


class Recurrence(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")


class StaffRole(models.TextChoices):
    HOST = "host", _("Host")
    SPEAKER = "speaker", _("Speaker")
    INVITER = "inviter", _("Invites customers")
    CHECKIN = "checkin", _("Check-in at the door")
    SUPPORT = "support", _("Support")


#: What most events need, offered when a plan is made (seed 003: 材料/设备/人员及物品的充分准备).
DEFAULT_CHECKLIST = ("场地确认", "投影/音响设备", "宣传资料与产品折页", "签到表与笔", "茶歇", "伴手礼")


class Event(models.Model):
    branch = models.ForeignKey("org.Branch", db_index=False, on_delete=models.PROTECT, related_name="events")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events_organised")
    name = models.CharField(_("name"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=EventType.choices)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)  # seats, guests included
    method = models.CharField(_("method"), max_length=200, blank=True)  # 讲座+问答, 茶歇交流…
    recurrence = models.CharField(_("recurs"), max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE)
    # the target customers: a saved filter (banyan.outreach.services.customers_matching's keys) or ids
    target_filter = models.JSONField(_("target filter"), default=dict, blank=True)
    target_ids = models.JSONField(_("hand-picked customers"), default=list, blank=True)
    # the product the event promotes, if any: customers who may not buy it are left out (suitability)
    product = models.ForeignKey("holdings.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    # the cost estimate per customer group (seed 003: 不同客户群体投入不同): {group: yuan per head}
    budget_per_group = models.JSONField(_("budget per customer group"), default=dict, blank=True)
    actual_cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    checklist = models.JSONField(_("materials and equipment"), default=list, blank=True)  # [{"item", "done"}]
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # held: no-shows known from here
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review"), blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    # the time or place changed after invitations went out (时间地点已变更): the guests are told again
    moved_at = models.DateTimeField(_("time or place changed at"), null=True, blank=True)
    follow_up_days = models.PositiveSmallIntegerField(_("follow up within (days)"), default=3)
    review_days = models.PositiveSmallIntegerField(_("sales and AUM counted over (days)"), default=30)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["branch", "starts_at"], name="event_branch_start"),
                   models.Index(fields=["status", "starts_at"], name="event_status_start")]

    def __str__(self) -> str:
        return self.name


class EventStaff(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="staff", db_index=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_roles")
    role = models.CharField(_("role"), max_length=10, choices=StaffRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "staff", "role"], name="uniq_event_staff_role")]


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    MAIL = "mail", _("Mail")
    HAND = "hand", _("Hand delivery")
    WALK_IN = "walk_in", _("Walk-in")


class Answer(models.TextChoices):
    """Where an invitation stands: not answered, yes (a seat), yes but on the waiting list, maybe, no."""

    INVITED = "invited", _("Not answered")
    ACCEPTED = "accepted", _("Coming")
    WAITING = "waiting", _("Waiting list")
    MAYBE = "maybe", _("Maybe")
    DECLINED = "declined", _("Not coming")


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="event_invitations")
    # the inviting manager: the guest's follow-up comes on this list; a manager sees only these guests
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.INVITED)
    guests = models.PositiveSmallIntegerField(_("guests coming along"), default=0)
    answered_at = models.DateTimeField(null=True, blank=True)  # the waiting list's order
    invited_at = models.DateTimeField(default=clock.now)
    called_at = models.DateTimeField(null=True, blank=True)  # a phone invitation: the call was made
    message = models.ForeignKey("messaging.Message", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    code = models.CharField(_("check-in code"), max_length=12, unique=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    walk_in = models.BooleanField(_("walk-in"), default=False)
    # the event's time or place changed after this guest was invited: the inviting manager tells
    # the guest again, then ticks it off (services.invitation_reinformed)
    reinform = models.BooleanField(_("to be told of the new time or place"), default=False)
    interaction = models.ForeignKey("contacts.Interaction", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")  # the attendance, a contact (channel event)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="uniq_event_invitation")]
        indexes = [models.Index(fields=["event", "answer"], name="invitation_event_answer"),
                   models.Index(fields=["manager", "event"], name="invitation_manager_event")]

    @property
    def attended(self) -> bool:
        return self.checked_in_at is not None


class EventExclusion(models.Model):
    """A customer of the target list a contact rule left out of the invitations, with the rule."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="exclusions", db_index=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=30)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="uniq_event_exclusion")]
