"""Complaints (SVC-1, 抱怨/投诉): intake from any channel, an owner who is not the person complained
about, the regulator's clock (《银行业保险业消费投诉处理管理办法》: banyan.service.complaints_clock),
actions, the decision told to the customer, the resolution, the customer's satisfaction and the
internal root-cause report "so that it does not happen again" (seed 002)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Complaint", "ComplaintAction", "ComplaintCategory", "ComplaintChannel", "ComplaintRoute",
           "ComplaintStatus", "RootCause", "InformedHow", "ActionKind"]


class ComplaintChannel(models.TextChoices):
    """API.md's complaint channels."""

    BRANCH = "branch", _("At the branch")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter")
    HOTLINE = "hotline", _("12378 hotline")
    REGULATOR = "regulator", _("Through the regulator")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAUSED = "paused", _("Waiting on an appraisal")
    RESOLVED = "resolved", _("Resolved")


class RootCause(models.TextChoices):
    """What the root-cause report names as the cause (the Pareto chart's bars)."""

    ATTITUDE = "attitude", _("Staff attitude")
    SKILL = "skill", _("Staff knowledge or skill")
    PROCESS = "process", _("Process or rule")
    SYSTEM = "system", _("System or equipment")
    DISCLOSURE = "disclosure", _("Disclosure or explanation")
    SUITABILITY = "suitability", _("Suitability of the sale")
    PRICING = "pricing", _("Fees or pricing")
    THIRD_PARTY = "third_party", _("A third party")
    CUSTOMER = "customer", _("Misunderstanding, no fault found")
    OTHER = "other", _("Other")


class InformedHow(models.TextChoices):
    PHONE = "phone", _("By phone")
    VISIT = "visit", _("In person")
    LETTER = "letter", _("By letter")
    SMS = "sms", _("By SMS")
    OTHER = "other", _("Other")


class ActionKind(models.TextChoices):
    NOTE = "note", _("Action")
    RECEIVED = "received", _("Complaint received")
    REPEAT = "repeat", _("Repeat merged")
    FACTS = "facts", _("New facts: clock restarted")
    EXTEND = "extend", _("Deadline extended")
    PAUSE = "pause", _("Waiting on an appraisal")
    RESUME = "resume", _("Appraisal back")
    REASSIGN = "reassign", _("Reassigned")
    RESOLVE = "resolve", _("Resolved")


class ComplaintCategory(models.Model):
    """The bank's list of complaint categories (seeded with API.md's codes; an administrator adds,
    renames, reorders and deactivates them on 设置 · 投诉分类与分派). A category in use is never
    deleted: the complaints keep it; a deactivated one is no longer offered at intake."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class ComplaintRoute(models.Model):
    """A bank's routing rule: complaints of a category (at a branch, or at any branch) go to a named
    staff member (e.g. a service officer) or to the holder of a role at the customer's branch (the
    lobby manager), rather than to the branch head (the default). Exactly one of `owner` and
    `owner_role`. Whoever the rule names, routing never picks a person the complaint is about."""

    #: The roles a rule may route to: of the customer's branch (the head, the lobby manager), or
    #: the head office's administrators.
    ROLES = ("branch_head", "lobby", "admin")

    category = models.ForeignKey(ComplaintCategory, on_delete=models.CASCADE, related_name="routes")
    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="+")
    owner_role = models.CharField(_("owner role"), max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "branch"], name="uniq_complaint_route"),
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=False, owner_role="")
                           | models.Q(owner__isnull=True) & ~models.Q(owner_role="")),
                name="complaint_route_one_owner"),
        ]


class Complaint(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="complaints")
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="complaints", db_index=False)
    channel = models.CharField(_("channel"), max_length=12, choices=ComplaintChannel.choices)
    category = models.ForeignKey(ComplaintCategory, on_delete=models.PROTECT, related_name="complaints",
                                 verbose_name=_("category"))
    description = models.TextField(_("description"), max_length=2000)
    received_at = models.DateTimeField(_("received"))
    products = models.ManyToManyField("holdings.Product", blank=True, related_name="+",
                                      verbose_name=_("products concerned"))
    staff_concerned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="complaints_about",
                                             verbose_name=_("staff concerned"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints_owned",
                              verbose_name=_("owner"))
    status = models.CharField(_("status"), max_length=10, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.OPEN)
    # the regulator's clock (banyan.service.complaints_clock): calendar days from `clock_start`
    clock_start = models.DateField(_("clock started"))
    limit_days = models.PositiveSmallIntegerField(_("days allowed"), default=15)
    paused_days = models.PositiveSmallIntegerField(_("days waiting on appraisals"), default=0)
    paused_since = models.DateField(_("waiting on an appraisal since"), null=True, blank=True)
    due_date = models.DateField(_("decision due"))
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    extension_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                              blank=True, related_name="+")
    repeats = models.PositiveSmallIntegerField(_("repeats merged"), default=0)
    # the decision
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    informed_at = models.DateTimeField(_("customer informed"), null=True, blank=True)
    informed_how = models.CharField(_("informed how"), max_length=10, choices=InformedHow.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True,
                                                    validators=[MinValueValidator(1), MaxValueValidator(5)])
    # the root-cause report
    cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices, blank=True)
    cause_change = models.CharField(_("what changes so it does not recur"), max_length=1000, blank=True)
    cause_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("who owns the change"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["branch", "status", "due_date"], name="complaint_branch_due"),
                   models.Index(fields=["status", "due_date"], name="complaint_status_due"),
                   models.Index(fields=["status", "decided_on"], name="complaint_status_decided")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id}"


class ComplaintAction(models.Model):
    """Who did what, when: every step of a complaint, including the clock's."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=10, choices=ActionKind.choices, default=ActionKind.NOTE)
    text = models.CharField(_("action"), max_length=1000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
