"""A sale a demo module records once the bank is built (a guest who bought after a client event …),
kept as coherent as the builder's own holdings: recorded through the wealth service's sale record
(suitability, the sale's check, the audit), on that day, at that day's NAV (units and cost price),
with the product's term as its maturity and an investment account number of its own; then the
month-end AUM history moves with it (`into_history`) — and the file's trend, its AUM and its
holdings agree."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import F, Max

from banyan import clock
from banyan.customers.models import Customer
from banyan.holdings.models import LIABILITY_TYPES, NAV_TYPES, AumSnapshot, Holding, Product, ProductNav
from banyan.wealth import suitability
from banyan.wealth.services import sale_record


def may_buy(customer: Customer, product: Product, day: dt.date) -> bool:
    """Suitability lets the manager record this sale alone that day (no rule refuses it, no second
    colleague's sign-off needed)."""
    verdict = suitability.verdict(customer, product, today=day)
    return verdict.allowed and not verdict.needs_signoff


def _nav_on(product: Product, day: dt.date) -> Decimal | None:
    return (ProductNav.objects.filter(product=product, date__lte=day).order_by("-date")
            .values_list("nav", flat=True).first())


def _free_account(rng: random.Random, branch_code: str) -> str:
    """An investment account number as the builder's (8801, the branch, 16 digits), given to no one."""
    for _i in range(100):
        number = f"8801{branch_code}{rng.randrange(10**9):09d}"
        if not Holding.objects.filter(account_no=number).exists():
            return number
    raise RuntimeError("no free demo account number")  # pragma: no cover - 10^9 numbers a branch


def demo_sale(*, rng: random.Random, actor, customer: Customer, product: Product, amount: Any,
              day: dt.date, **fields: Any) -> Holding:
    """Record the sale on `day` (not after today) and carry it into the month-end history."""
    assert day <= clock.today(), "a demo sale is recorded on a day that has come"
    verdict = suitability.verdict(customer, product, today=day)
    details: dict[str, Any] = dict(fields)
    if product.expected_yield is not None:
        details.setdefault("expected_return_pct", product.expected_yield)
    if product.type in NAV_TYPES:
        details.setdefault("cost_price", _nav_on(product, day))
    if product.term_days:
        details.setdefault("maturity_date", day + dt.timedelta(days=product.term_days))
    details.setdefault("account_no", _free_account(rng, customer.branch.code))
    ref = f"SL{day:%Y%m%d}{rng.randrange(10**4):04d}" if verdict.needs_dual_recording else ""
    with clock.frozen(day):
        holding = sale_record(actor=actor, customer=customer, product=product, amount=str(amount),
                              purchase_date=day, dual_recording_ref=ref, acknowledged=True, **details)
    into_history(holding)
    return holding


def into_history(holding: Holding) -> None:
    """Carry a holding recorded after the history was made into the customer's month-end AUMs:
    every month-end from its purchase on, and the last one in any case — the demo's history ends
    at today's AUM (banyan.demo.activity.aum_walk) — but none before the account was opened."""
    if holding.product.type in LIABILITY_TYPES:
        return
    customer = holding.customer
    last = AumSnapshot.objects.filter(customer=customer).aggregate(last=Max("date"))["last"]
    if last is None:
        return
    since = AumSnapshot.objects.filter(customer=customer, date__gte=min(holding.purchase_date, last))
    if customer.account_opened_on:
        since = since.filter(date__gte=customer.account_opened_on)
    since.update(aum=F("aum") + holding.current_value)
    _quadrants_fit(customer, since)


def _quadrants_fit(customer: Customer, snapshots) -> None:
    """Month-ends that have their quadrant (banyan.demo.review_history sets them once the bank is
    segmented) keep one that fits their new AUM, with the customer's potential."""
    from banyan.segments.models import SegmentPolicy
    from banyan.segments.services import quadrant_of

    snapshots = snapshots.exclude(quadrant="")
    score = customer.segment.potential_score if hasattr(customer, "segment") else None
    if score is None or not snapshots.exists():
        return
    policy = SegmentPolicy.current()
    snapshots.filter(aum__gte=policy.aum_high).update(quadrant=quadrant_of(policy.aum_high, score, policy))
    snapshots.filter(aum__lt=policy.aum_high).update(quadrant=quadrant_of(Decimal(0), score, policy))
