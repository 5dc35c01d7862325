"""Reading gifts (issue 16 §6): the gifts a caller may see, one gift with what the caller may do with
it, and a month's spend by manager and by tier against the budget."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from banyan import clock
from banyan.customers.selectors import visible_customers
from banyan.gifts.models import TIER_CHOICES, Gift, GiftBudget, GiftItem, GiftStatus
from banyan.gifts.services import may_decide
from banyan.org.models import Role, Staff

ZERO = Decimal("0.00")


def catalogue() -> QuerySet[GiftItem]:
    """The gifts a manager may give now."""
    return GiftItem.objects.filter(is_active=True).order_by("name")


def visible_gifts(user) -> QuerySet[Gift]:
    """The gifts on customers the caller may see (visible_customers, the one gate): a manager's own
    book, the branch head's branch, the whole bank for the administrator, none for the auditor."""
    if getattr(user, "role", None) == Role.ADMIN and user.is_active:
        return Gift.objects.all()
    return Gift.objects.filter(customer__in=visible_customers(user))


def get_gift_for_user(user, gift_id) -> tuple[Gift, bool]:
    """The gift and whether the caller may approve or reject it; 404 when out of reach."""
    try:
        gift = (visible_gifts(user).select_related("customer", "item", "given_by", "delivered_by", "decided_by")
                .get(pk=int(gift_id)))
    except (Gift.DoesNotExist, ValueError, TypeError):
        raise Http404("No such gift") from None
    return gift, may_decide(user, gift)


def parse_month(value: str | None) -> dt.date:
    """"2026-11" → the month's first day; empty: this month."""
    if not value:
        return clock.today().replace(day=1)
    try:
        year, month = (int(p) for p in str(value).strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        raise ValidationError({"month": [_("Enter a month as YYYY-MM.")]}) from None


def month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1)


@dataclass
class SpendRow:
    key: str  # a tier code, or a manager's username
    label: str
    spent: Decimal = ZERO  # approved: handed over (within the limit, or approved above it)
    pending: Decimal = ZERO  # waiting for the branch head
    count: int = 0
    budget: Decimal | None = None

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent

    @property
    def used_pct(self) -> int | None:
        if not self.budget:
            return None
        return int((self.spent * 100 / self.budget).to_integral_value())

    @property
    def over(self) -> bool:
        return self.budget is not None and self.spent > self.budget


@dataclass
class Spend:
    month: dt.date
    by_tier: list[SpendRow] = field(default_factory=list)
    by_manager: list[SpendRow] = field(default_factory=list)
    total: SpendRow = field(default_factory=lambda: SpendRow("total", ""))


def spend(gifts: QuerySet[Gift], month: dt.date, *, branch_ids: list[int] | None) -> Spend:
    """The month's spend of `gifts` (already scoped to the caller) by tier and by manager. Budgets are
    the branches' in `branch_ids` summed (None: no budget, e.g. a manager's own gifts). A rejected gift
    was never handed over: it counts nowhere. Two grouped queries, whatever the branch's size."""
    in_month = gifts.filter(given_on__gte=month, given_on__lt=month_end(month))
    sums = dict(spent=Sum("total_cost", filter=Q(status=GiftStatus.APPROVED)),
                pending=Sum("total_cost", filter=Q(status=GiftStatus.PENDING)),
                count=Count("pk", filter=~Q(status=GiftStatus.REJECTED)))
    budgets: dict[str, Decimal] = {}
    if branch_ids is not None:
        for tier, amount in (GiftBudget.objects.filter(branch_id__in=branch_ids).values("tier")
                             .annotate(s=Sum("monthly_amount")).values_list("tier", "s")):
            budgets[tier] = amount
    result = Spend(month)
    rows = {r["tier"]: r for r in in_month.values("tier").annotate(**sums)}
    for tier, label in TIER_CHOICES:
        r = rows.get(tier)
        if r is None and tier not in budgets:
            continue
        result.by_tier.append(SpendRow(tier, str(label), (r or {}).get("spent") or ZERO,
                                       (r or {}).get("pending") or ZERO, (r or {}).get("count") or 0,
                                       budgets.get(tier, ZERO) if branch_ids is not None else None))
    names = {s.pk: s for s in Staff.objects.filter(pk__in=in_month.values("given_by"))}
    for r in in_month.values("given_by").annotate(**sums).order_by("given_by"):
        staff = names[r["given_by"]]
        result.by_manager.append(SpendRow(staff.username, staff.display_name, r["spent"] or ZERO,
                                          r["pending"] or ZERO, r["count"]))
    result.by_manager.sort(key=lambda row: (-row.spent, row.label))
    result.total = SpendRow("total", _("Total"), sum((r.spent for r in result.by_tier), ZERO),
                            sum((r.pending for r in result.by_tier), ZERO), sum(r.count for r in result.by_tier),
                            sum(budgets.values(), ZERO) if branch_ids is not None else None)
    return result


def pending_gifts(gifts: QuerySet[Gift]) -> QuerySet[Gift]:
    return (gifts.filter(status=GiftStatus.PENDING).select_related("customer", "item", "given_by", "delivered_by")
            .order_by("given_on", "pk"))
