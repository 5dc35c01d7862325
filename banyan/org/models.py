"""Branches, staff and their roles (SEG-4)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    """A branch (网点 / 支行)."""

    code = models.CharField(_("branch code"), max_length=20, unique=True)
    name = models.CharField(_("branch name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("branch")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    RM = "rm", _("Relationship manager")
    ASSISTANT = "assistant", _("Assistant")
    LOBBY = "lobby", _("Lobby manager")
    PLANNER = "planner", _("Financial planner")
    BRANCH_HEAD = "branch_head", _("Branch head")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


#: Roles that keep a book of customers of their own.
BOOK_ROLES = (Role.RM, Role.PLANNER)


class Staff(AbstractUser):
    """A login. Managers (rm, planner) keep a book; an assistant works for one manager and sees
    that manager's book; a branch head sees the branch; an auditor reads the audit log; an admin
    sees the whole bank."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RM)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff",
                               db_index=False)
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="assistants",
        help_text=_("For an assistant: the manager whose book they help keep."),
    )
    full_name = models.CharField(_("name"), max_length=50, blank=True)
    is_senior = models.BooleanField(_("senior manager"), default=False)
    #: A private banker (私人银行家): the bank's private-banking tier calls for one (staffing.Tier).
    is_private_banker = models.BooleanField(_("private banker"), default=False)
    daily_capacity = models.PositiveSmallIntegerField(_("daily contact capacity"), default=20)
    #: The manager's own number for customers (seed 004: let the customer know your number): the
    #: templates' {manager_mobile}; 11 digits, checked as a customer's mobile (org.services).
    work_mobile = models.CharField(_("work mobile"), max_length=11, blank=True, default="")
    work_wechat = models.CharField(_("work WeChat ID"), max_length=40, blank=True, default="")
    #: Part of the signed address of the staff member's calendar feed (outreach/ical.py): a new
    #: value, and every address given out before stops working. Empty: the first address ever given.
    calendar_key = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("staff member")
        indexes = [models.Index(fields=["branch", "role"])]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class LoginFailure(models.Model):
    """One failed login, kept for throttling (per username and per address)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)


class ApiToken(models.Model):
    """A bearer token for API v1. Only the SHA-256 of the token is stored."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)


class StaffPosting(models.Model):
    """A branch a staff member worked at before his or her present one (SEG-4): `staff.branch` is
    where he or she works now; each move to another branch (org.services.staff_move) closes a
    posting here. The review counts a day's work in the branch the person worked at that day
    (kpis): the posting whose `until` is the first on or after the day, else the present branch."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="postings", db_index=False)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("since"), null=True, blank=True)  # None: from before Banyan kept postings
    until = models.DateField(_("until"))  # the last day worked there

    class Meta:
        ordering = ["staff", "until"]
        constraints = [models.UniqueConstraint(fields=["staff", "until"], name="uniq_posting_until")]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.branch_id} … {self.until}"
