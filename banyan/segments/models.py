"""Segmentation and maintenance strategy (客户分类): value quadrants, potential, tiers (SEG-1..5)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from banyan.segments.potential import reason_text


class Quadrant(models.TextChoices):
    """Seed 004's matrix: asset scale × potential sets the maintenance frequency."""

    HIGH_HIGH = "high_high", _("High assets, high potential")
    LOW_HIGH = "low_high", _("Low assets, high potential")
    HIGH_LOW = "high_low", _("High assets, low potential")
    LOW_LOW = "low_low", _("Low assets, low potential")


def greeted_by_call() -> models.Q:
    """The customers a festival greets with a call on the worklist: the priority customers and
    those whose quadrant asks for frequent contact. The rest of the book gets the festival SMS
    (messaging) — one rule, so that nobody gets both and nobody neither."""
    return models.Q(segment__is_priority=True) | models.Q(
        segment__quadrant__in=[Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW, Quadrant.LOW_HIGH])


class SegmentPolicy(models.Model):
    """The bank's thresholds and frequencies (one row; configuration, not code — SEG-1, WL-6)."""

    aum_high = models.DecimalField(_("high assets from (AUM, yuan)"), max_digits=16, decimal_places=2,
                                   default=Decimal("500000"))
    potential_high = models.PositiveSmallIntegerField(_("high potential from (score)"), default=40)
    days_high_high = models.PositiveSmallIntegerField(_("contact every N days: high/high"), default=7)
    days_low_high = models.PositiveSmallIntegerField(_("contact every N days: low assets/high potential"),
                                                     default=14)
    days_high_low = models.PositiveSmallIntegerField(_("contact every N days: high assets/low potential"),
                                                     default=30)
    days_low_low = models.PositiveSmallIntegerField(_("contact every N days: low/low"), default=90)
    priority_share_pct = models.PositiveSmallIntegerField(_("priority customers (top % by value)"), default=20)
    call_cap_aum = models.DecimalField(_("monthly call cap applies from (AUM, yuan)"), max_digits=16,
                                       decimal_places=2, default=Decimal("200000"))
    call_cap_per_month = models.PositiveSmallIntegerField(_("calls per month at most"), default=3)
    large_flow_amount = models.DecimalField(_("large inflow/outflow from (yuan)"), max_digits=16,
                                            decimal_places=2, default=Decimal("50000"))
    nav_move_pct = models.DecimalField(_("NAV move worth a call (%)"), max_digits=5, decimal_places=2,
                                       default=Decimal("3"))

    class Meta:
        verbose_name = _("segmentation policy")

    @classmethod
    def current(cls) -> "SegmentPolicy":
        policy = cls.objects.order_by("pk").first()
        return policy or cls.objects.create()

    def frequency_days(self, quadrant: str) -> int:
        return {
            Quadrant.HIGH_HIGH: self.days_high_high,
            Quadrant.LOW_HIGH: self.days_low_high,
            Quadrant.HIGH_LOW: self.days_high_low,
            Quadrant.LOW_LOW: self.days_low_low,
        }[quadrant]


class CustomerSegment(models.Model):
    """The segment of one customer, recomputed in bulk (`segments_recompute`)."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="segment")
    quadrant = models.CharField(_("quadrant"), max_length=10, choices=Quadrant.choices)
    frequency_days = models.PositiveSmallIntegerField(_("contact every N days"))
    orientation = models.CharField(_("orientation"), max_length=12)
    orientation_inferred = models.BooleanField(default=False)
    potential_score = models.PositiveSmallIntegerField(_("potential score"))
    reasons = models.JSONField(_("why"), default=list)
    value_rank = models.PositiveIntegerField(_("value rank"))
    is_priority = models.BooleanField(_("priority customer"), default=False)
    relationship_established = models.BooleanField(_("relationship established"), default=True)
    suggested_rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("suggested senior manager"))
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["quadrant"], name="segment_quadrant"),
                   models.Index(fields=["is_priority"], name="segment_priority")]

    @property
    def reason_texts(self) -> list[str]:
        """The reasons in words, in the reader's language."""
        return [reason_text(r) for r in self.reasons]
