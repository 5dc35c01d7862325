"""Reads of products, holdings and AUM. Customer-scoped reads take a customer that already came
through the visibility gate (customers.selectors.get_customer_for_user)."""

from __future__ import annotations

from django.db.models import QuerySet

from banyan.holdings.models import LIABILITY_TYPES, AumSnapshot, Holding, HoldingStatus, Product


def customer_ids_by_account(account_no: str) -> QuerySet:
    """Customer ids holding an account with this number (a subquery, for search)."""
    return Holding.objects.filter(account_no=account_no).values("customer_id")


def holdings_of(customer, *, include_closed: bool = False) -> QuerySet[Holding]:
    qs = Holding.objects.filter(customer=customer).select_related("product")
    if not include_closed:
        qs = qs.filter(status=HoldingStatus.ACTIVE)
    return qs.order_by("product__type", "maturity_date", "-current_value")


def asset_holdings(holdings) -> list[Holding]:
    return [h for h in holdings if h.product.type not in LIABILITY_TYPES]


def liability_holdings(holdings) -> list[Holding]:
    return [h for h in holdings if h.product.type in LIABILITY_TYPES]


def aum_trend(customer, *, months: int = 12) -> list[tuple[str, str]]:
    """(date, aum) pairs, oldest first, for the chart."""
    rows = list(AumSnapshot.objects.filter(customer=customer).order_by("-date").values_list("date", "aum")[:months])
    return [(d.isoformat(), str(a)) for d, a in reversed(rows)]


def products() -> QuerySet[Product]:
    return Product.objects.all()


def get_product(code: str) -> Product | None:
    return Product.objects.filter(code=code).first()
