"""Reads of products, holdings and AUM. Customer-scoped reads take a customer that already came
through the visibility gate (customers.selectors.get_customer_for_user)."""

from __future__ import annotations

from django.db.models import QuerySet

from banyan.holdings.models import LIABILITY_TYPES, AumSnapshot, Holding, HoldingStatus, Product, account_search_key

#: A tail matches at most this many holdings in a search. Four digits are shared by about one
#: holding in 10,000 (460 of 4.6M at a million customers); the cap bounds a query like "0000".
ACCOUNT_TAIL_CAP = 5000


def customer_ids_by_account(number: str) -> set[int]:
    """The customers holding an account or card whose number is `number` or ends with it (尾号):
    a prefix of the reversed number (account_search_key), read by its index. For search, which
    keeps only those the caller may see."""
    key = account_search_key(number)
    if not key:
        return set()
    found = (Holding.objects.filter(account_no_reversed__gte=key, account_no_reversed__lt=key + "\U0010ffff")
             .order_by().values_list("customer_id", flat=True)[:ACCOUNT_TAIL_CAP])
    return set(found)


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
