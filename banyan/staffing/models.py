"""Staffing models: the tiers (issue 16 §7). Capacity (§8) is computed and keeps no rows."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Coverage(models.TextChoices):
    """Who a tier's customers call for (SEG-4, seed 002's 合适的人员)."""

    PRIVATE_BANKER = "private_banker", _("A private banker")
    SENIOR = "senior", _("A senior manager")
    BRANCH_HEAD_CO_COVER = "branch_head_co_cover", _("A senior manager, co-covered by the branch head")
    ASSISTANT_OK = "assistant_ok", _("Any manager; an assistant may serve them")


class Tier(models.Model):
    """A tier of customers by AUM (二八原则): a customer is in the tier with the highest `min_aum`
    at or below his or her AUM; the tier with the lowest `min_aum` takes everyone below too.
    Rows the administrator keeps (names and thresholds are configuration); the defaults are
    seeded by migration 0002 (私人银行 ≥ ¥6,000,000, 贵宾 ≥ ¥500,000, 大众)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=40, blank=True, default="")
    min_aum = models.DecimalField(_("from AUM (yuan)"), max_digits=16, decimal_places=2, unique=True,
                                  validators=[MinValueValidator(0)])
    coverage = models.CharField(_("who covers"), max_length=30, choices=Coverage.choices)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "-min_aum"]
        verbose_name = _("tier")
        constraints = [models.CheckConstraint(condition=models.Q(min_aum__gte=0), name="tier_min_aum_not_negative")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language (the English name when there is one)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name
