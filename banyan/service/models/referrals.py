"""Referrals and hand-offs (转介绍 / 内部转介, SVC-2).

One row is one thing passed from one member of staff (the sender, credited for passing it on) to
another (the receiver, who answers and works it):

- a **customer referral**: a customer (`referrer_customer`, a link, never free text) refers a
  friend or relative — a customer already on file, or a prospect, who is then written as a
  customer record in the receiver's book (`prospect` set, no account yet, source 转介绍, phone
  consent as the prospect gave it) so that the worklist engine plans the first contact
  (reason `referral`) for the manager who keeps it;
- a **hand-off** inside the team: the customer's manager hands a need to a planner, product
  specialist or private banker (priority customers to senior staff);
- a **walk-in** passed on by the lobby (`POST /lobby/walk-ins` reuses `referral_create`).

The receiver accepts, or declines with a reason, before `answer_by` (working days, a setting);
unanswered it times out and comes back to the sender. The outcome (won / lost, a note) comes back
to the sender. The referral *converts* when the referred becomes a customer (an account opened)
or buys (an opportunity won, a sale recorded, the outcome won): `converted_at` — then the referring
customer is thanked (reason `referral_thanks`) and both members of staff are credited.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan import clock
from banyan.customers.models import Channel
from banyan.holdings.models import ProductType

__all__ = ["Conversion", "Referral", "ReferralKind", "ReferralStatus", "OPEN_REFERRAL_STATUSES"]


class ReferralKind(models.TextChoices):
    CUSTOMER = "customer", pgettext_lazy("referral kind", "Customer referral")
    HANDOFF = "handoff", pgettext_lazy("referral kind", "Hand-off")
    WALK_IN = "walk_in", pgettext_lazy("referral kind", "Walk-in")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("referral status", "Waiting for an answer")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    DECLINED = "declined", pgettext_lazy("referral status", "Declined")
    TIMED_OUT = "timed_out", pgettext_lazy("referral status", "Not answered in time")
    WON = "won", pgettext_lazy("referral status", "Won")
    LOST = "lost", pgettext_lazy("referral status", "Lost")


#: Still being worked: waiting for the receiver's answer, or accepted and not closed yet.
OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


class Conversion(models.TextChoices):
    ACCOUNT = "account", pgettext_lazy("referral conversion", "Became a customer")
    SALE = "sale", pgettext_lazy("referral conversion", "Bought a product")


class Referral(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=ReferralKind.choices)
    # the referred (or the customer whose need is handed off); a prospect is a customer record too
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="referrals",
                                 db_index=False)  # covered by referral_customer_status
    prospect = models.BooleanField(_("prospect"), default=False,
                                   help_text=_("The customer record was written for this referral (no account yet)."))
    referrer_customer = models.ForeignKey("customers.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="referrals_made", verbose_name=_("referred by"))
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_sent",
                               db_index=False)  # covered by referral_sender_status
    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="referrals_received", db_index=False)
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+", db_index=False)
    need = models.CharField(_("need"), max_length=200)
    product_type = models.CharField(_("product type"), max_length=20, choices=ProductType.choices, blank=True)
    # a prospect's consent to be contacted (PIPL): given how and when
    consent_channel = models.CharField(_("consent given via"), max_length=10, choices=Channel.choices, blank=True)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=ReferralStatus.choices,
                              default=ReferralStatus.PENDING)
    answer_by = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("why declined"), max_length=200, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=200, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    conversion = models.CharField(_("conversion"), max_length=10, choices=Conversion.choices, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        indexes = [
            models.Index(fields=["receiver", "status"], name="referral_receiver_status"),
            models.Index(fields=["sender", "status"], name="referral_sender_status"),
            models.Index(fields=["customer", "status"], name="referral_customer_status"),
            models.Index(fields=["branch", "created_at"], name="referral_branch_created"),
            # the time-out sweep: the unanswered ones by deadline
            models.Index(fields=["answer_by"], name="referral_pending_answer_by",
                         condition=models.Q(status="pending")),
            # the thanks trigger: conversions by moment, over the whole bank
            models.Index(fields=["converted_at"], name="referral_converted",
                         condition=models.Q(converted_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(referrer_customer=models.F("customer")),
                                   name="referral_not_self"),
            models.CheckConstraint(condition=models.Q(status__in=["pending", "accepted", "declined", "timed_out",
                                                                  "won", "lost"]),
                                   name="referral_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL_STATUSES

    @property
    def converted(self) -> bool:
        return self.converted_at is not None
