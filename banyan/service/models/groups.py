"""Customer groups (客户群, SVC-3; seed 001: "在征得客户同意的情况下将客户分类组合成群体，共同交流，
共享信息，提高客户粘度"): a WeChat group a manager runs, a salon club. A customer is a member only
with an explicit consent recorded for that group (date, channel, the exact wording shown); a
withdrawal ends the membership, which stays in the history; what was shared in the group is
recorded with the members it reached. Banyan does not post to WeChat: shares are a record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ConsentChannel", "CustomerGroup", "GroupConsentWording", "GroupKind", "GroupMembership", "GroupShare",
           "ShareKind"]


class GroupKind(models.TextChoices):
    WECHAT = "wechat", _("WeChat group")
    SALON = "salon", _("Salon club")
    OTHER = "other", _("Other group")


class ConsentChannel(models.TextChoices):
    """How a consent (or its withdrawal) was given."""

    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    WECHAT = "wechat", _("On WeChat")
    PAPER = "paper", _("Paper form")


class ShareKind(models.TextChoices):
    TEXT = "text", _("Free text")
    LIBRARY = "library", _("From the content library")


class GroupConsentWording(models.Model):
    """The bank's wording read or shown to a customer asked to join a group, in versions: a new
    wording is a new version, and each consent keeps the text as it was shown (GroupMembership
    .consent_text), so a later change never rewrites what a customer agreed to. The text may name
    {group}, {manager}, {kind} and {bank}: filled in when it is shown."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(_("consent wording"), max_length=1000)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-version"]
        verbose_name = _("group consent wording")

    def __str__(self) -> str:
        return f"v{self.version}"


class CustomerGroup(models.Model):
    """A group a manager (or a branch head, for the branch) runs. Members come from the runner's
    book (a branch head's: the branch)."""

    name = models.CharField(_("group name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.WECHAT)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, on_delete=models.PROTECT,
                                related_name="customer_groups",
                                verbose_name=_("run by"))
    branch = models.ForeignKey("org.Branch", db_index=False, on_delete=models.PROTECT,
                                related_name="customer_groups",
                               verbose_name=_("branch"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    created_on = models.DateField(_("created on"))
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("customer group")
        indexes = [models.Index(fields=["manager", "name"], name="group_manager"),
                   models.Index(fields=["branch", "name"], name="group_branch")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """One customer's time in one group: joined with a consent, left with a withdrawal. Never
    deleted: a withdrawn membership is the proof that the customer left and when. A customer is at
    most once a current member of a group (the constraint); joining again after a withdrawal is a
    new membership with a new consent."""

    group = models.ForeignKey(CustomerGroup, db_index=False, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey("customers.Customer", db_index=False, on_delete=models.CASCADE,
                                 related_name="group_memberships")
    consent_on = models.DateField(_("consent date"))
    consent_channel = models.CharField(_("consent channel"), max_length=10, choices=ConsentChannel.choices)
    consent_wording = models.ForeignKey(GroupConsentWording, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="consents",
                                        help_text=_("The bank's version shown; empty for a wording of its own "
                                                    "(e.g. a paper form's)."))
    consent_text = models.TextField(_("wording shown"), max_length=1000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(_("recorded at"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_channel = models.CharField(_("withdrawn by"), max_length=10, choices=ConsentChannel.choices,
                                         blank=True)
    withdrawn_note = models.CharField(_("note"), max_length=200, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        verbose_name = _("group member")
        constraints = [
            models.UniqueConstraint(fields=["group", "customer"], condition=models.Q(withdrawn_at__isnull=True),
                                    name="group_member_once"),
        ]
        indexes = [models.Index(fields=["customer"], name="group_member_customer")]

    @property
    def is_current(self) -> bool:
        return self.withdrawn_at is None


class GroupShare(models.Model):
    """Something shared in a group: recorded, not posted (Banyan does not post to WeChat). It
    reached the members current at the time (`recipients`): a withdrawn member never again."""

    group = models.ForeignKey(CustomerGroup, db_index=False, on_delete=models.CASCADE, related_name="shares")
    kind = models.CharField(_("content"), max_length=10, choices=ShareKind.choices, default=ShareKind.TEXT)
    text = models.TextField(_("what was shared"), max_length=2000)
    # A share of kind "library" names the content library's piece (OUT-7) it shared; its text is the
    # piece's short text. PROTECT, not SET_NULL: the share is the record of what reached these
    # customers, and an approved piece is never deleted (it is retired by a newer version), so a
    # delete that would cut the link is a mistake to refuse, not a link to drop silently.
    content_ref = models.ForeignKey("outreach.ContentPiece", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="group_shares", verbose_name=_("content library piece"))
    shared_at = models.DateTimeField(_("shared at"))
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    recipients = models.ManyToManyField(GroupMembership, related_name="shares_received", blank=True)

    class Meta:
        verbose_name = _("group share")
        indexes = [models.Index(fields=["group", "-shared_at"], name="group_share_time")]
