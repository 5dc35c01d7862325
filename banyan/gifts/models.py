"""Gift models (issue 16 §6; seeds 001, 003): the bank's catalogue, the branches' monthly budgets per
tier, and each gift given to a customer — recorded on the contact it was handed over at.

The "tier" of a budget is the customer's segment quadrant (banyan.segments.Quadrant: 高资产高潜力 …),
the classification managers already work by (the worklist cadence, the segment matrix). The
bank-configurable tiers of banyan/staffing are built apart; a gift keeps the quadrant it was given
under, so that a month's spend does not move when customers are re-segmented."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan import clock
from banyan.segments.models import Quadrant

#: A gift given to a customer with no segment yet (a new customer): its own line of the budget.
UNSEGMENTED = "none"
TIER_CHOICES = [*Quadrant.choices, (UNSEGMENTED, _("Not segmented yet"))]


class GiftItem(models.Model):
    """One gift of the bank's catalogue (礼品目录), kept by the administrator."""

    name = models.CharField(_("gift"), max_length=60, unique=True)
    unit_cost = models.DecimalField(_("unit cost (yuan)"), max_digits=10, decimal_places=2,
                                    validators=[MinValueValidator(Decimal("0.01"))])
    is_active = models.BooleanField(_("in the catalogue"), default=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("catalogue gift")

    def __str__(self) -> str:
        return self.name


class GiftBudget(models.Model):
    """What a branch may spend on gifts each month for the customers of one tier."""

    branch = models.ForeignKey("org.Branch", on_delete=models.CASCADE, related_name="gift_budgets", db_index=False)
    tier = models.CharField(_("tier"), max_length=10, choices=TIER_CHOICES)
    monthly_amount = models.DecimalField(_("budget per month (yuan)"), max_digits=12, decimal_places=2,
                                         validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["branch", "tier"]
        verbose_name = _("gift budget")
        constraints = [models.UniqueConstraint(fields=["branch", "tier"], name="gift_budget_branch_tier")]


class Delivery(models.TextChoices):
    IN_PERSON = "in_person", _("Delivered in person")
    PICKED_UP = "picked_up", _("Picked up at the branch")


class GiftStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")  # within the limit: approved as it is given
    PENDING = "pending", _("Awaiting the branch head's approval")
    REJECTED = "rejected", _("Rejected")


class Gift(models.Model):
    """A gift given to a customer (赠礼). Its cost is the catalogue's at the time, frozen; its branch
    and tier are the customer's at the time. Above the bank's per-customer limit it waits for the
    branch head's approval (anti-bribery rules)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="gifts",
                                 db_index=False)
    interaction = models.ForeignKey("contacts.Interaction", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="gifts", verbose_name=_("contact"))
    item = models.ForeignKey(GiftItem, on_delete=models.PROTECT, related_name="gifts", verbose_name=_("gift"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(_("unit cost (yuan)"), max_digits=10, decimal_places=2)
    total_cost = models.DecimalField(_("cost (yuan)"), max_digits=12, decimal_places=2)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gifts_given",
                                 db_index=False, verbose_name=_("manager"))
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("delivered by"))
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IN_PERSON)
    given_on = models.DateField(_("given on"))
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+", db_index=False)
    tier = models.CharField(_("tier"), max_length=10, choices=TIER_CHOICES)
    status = models.CharField(_("status"), max_length=10, choices=GiftStatus.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-given_on", "-id"]
        verbose_name = _("gift given")
        indexes = [
            # the spend page: a branch's month
            models.Index(fields=["branch", "given_on"], name="gift_branch_day"),
            # the limit: one customer's last twelve months
            models.Index(fields=["customer", "given_on"], name="gift_customer_day"),
            # a manager's own gifts
            models.Index(fields=["given_by", "given_on"], name="gift_manager_day"),
            # (a branch's gifts awaiting approval are few: gift_branch_day finds them)
        ]
