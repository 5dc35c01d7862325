"""The customer's tier on the file (issue 16 §7): `{% load staffing_tags %}{% tier_badge c %}` — the
tier the AUM puts the customer in and who covers the tier; for a tier the branch head co-covers,
the branch head named (the co-cover is the tier's rule, kept on no row of the customer's)."""

from __future__ import annotations

from django import template

from banyan.org.models import Role, Staff
from banyan.staffing.models import Coverage
from banyan.staffing.tiers import tier_for_aum

register = template.Library()


@register.inclusion_tag("staffing/partials/_tier_badge.html")
def tier_badge(customer) -> dict:
    tier = tier_for_aum(customer.aum) if customer.aum is not None else None
    head = None
    if tier is not None and tier.coverage == Coverage.BRANCH_HEAD_CO_COVER and customer.branch_id:
        head = (Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=customer.branch_id, is_active=True)
                .order_by("pk").first())
    return {"tier": tier, "head": head}
