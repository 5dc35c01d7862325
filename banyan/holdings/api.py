"""API v1: the product catalogue with its NAVs, and a customer's holdings (API.md).

Everyone with a token reads the catalogue; only an admin writes it. A NAV that is the latest
revalues every holding of the product and its holders' AUM (`nav_record`)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers.api import customer_or_404
from banyan.customers.services import customer_records_read
from banyan.holdings.models import Holding, HoldingStatus, Product, ProductRisk, ProductType
from banyan.holdings.selectors import get_product, holdings_of, products
from banyan.holdings.services import holding_create, nav_record, product_create
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    Bool,
    DecimalIn,
    DecimalOut,
    In,
    Int,
    IsoDate,
    Money,
    MoneyIn,
    Page,
    PathId,
    actor,
    clean_text,
    invalid,
    require_admin,
)

products_router = Router(tags=["products"])
holdings_router = Router(tags=["holdings"])

ProductTypeCode = Literal[tuple(ProductType.values)]
ProductRiskCode = Literal[tuple(ProductRisk.values)]
HoldingStatusCode = Literal[tuple(HoldingStatus.values)]


def _product_or_404(code: str) -> Product:
    product = get_product(code) if clean_text(code) == code else None  # no product has a NUL in its code
    if product is None:
        raise Http404
    return product


# --- products ----------------------------------------------------------------------------------


class ProductIn(In):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    type: ProductTypeCode
    risk_level: ProductRiskCode = Field(description="R1 (low) to R5 (high).")
    term_days: Int | None = Field(None, ge=0, le=2_147_483_647)
    expected_yield: DecimalIn(7, 4) | None = Field(None, description="Percent a year: \"3.10\" is 3.10 %.")
    issuer: str = Field("", max_length=100)


class ProductOut(Schema):
    code: str
    name: str
    type: ProductTypeCode
    risk_level: ProductRiskCode
    term_days: int | None
    expected_yield: DecimalOut(4) | None = Field(description="Percent a year.")
    issuer: str
    is_active: bool
    latest_nav: DecimalOut(4) | None = Field(description="Per unit, from the latest NAV recorded.")
    latest_nav_date: dt.date | None


class ProductPageOut(Page):
    items: list[ProductOut]


class NavIn(In):
    date: IsoDate
    nav: DecimalIn(14, 4, gt=0) = Field(description="Net asset value per unit.")
    dividend: DecimalIn(14, 4, ge=0) | None = Field(None, description="Dividend per unit paid that day.")


class NavOut(Schema):
    product_code: str
    date: dt.date
    nav: DecimalOut(4)
    dividend: DecimalOut(4) | None


def product_out(p: Product) -> dict:
    return {f: getattr(p, f) for f in ("code", "name", "type", "risk_level", "term_days", "expected_yield", "issuer",
                                       "is_active", "latest_nav", "latest_nav_date")}


@products_router.post("/products", response={201: ProductOut, **ERRORS_409})
def product_create_endpoint(request, payload: ProductIn):
    """Add a product to the catalogue (admin only). 409 when the code exists."""
    require_admin(request)
    product = product_create(actor=actor(request), **payload.model_dump())
    return Status(201, product_out(product))


@products_router.get("/products", response={200: ProductPageOut, **ERRORS})
def product_list(request, type: ProductTypeCode | None = None, limit: int = Query(100, ge=1, le=500),
                 offset: int = Query(0, ge=0, le=1_000_000)):
    """The catalogue by code, optionally of one type."""
    qs = products().order_by("code")
    if type:
        qs = qs.filter(type=type)
    return {"items": [product_out(p) for p in qs[offset:offset + limit]], "count": qs.count()}


@products_router.get("/products/{code}", response={200: ProductOut, **ERRORS})
def product_get(request, code: str):
    """One product with its latest NAV."""
    return product_out(_product_or_404(code))


@products_router.post("/products/{code}/navs", response={201: NavOut, **ERRORS})
def nav_create(request, code: str, payload: NavIn):
    """Record (or correct) a NAV (admin only). When it is the latest, holdings of the product are
    revalued and their customers' AUM follows."""
    require_admin(request)
    product = _product_or_404(code)
    row = nav_record(actor=actor(request), product=product, date=payload.date, nav=payload.nav,
                     dividend=payload.dividend)
    return Status(201, {"product_code": product.code, "date": row.date, "nav": row.nav, "dividend": row.dividend})


# --- holdings ----------------------------------------------------------------------------------


class HoldingIn(In):
    product_code: str = Field(min_length=1, max_length=30)
    amount: MoneyIn = Field(description="Principal or balance in yuan; for a loan the outstanding balance.")
    purchase_date: IsoDate
    maturity_date: IsoDate | None = None
    cost_price: DecimalIn(14, 4, gt=0) | None = Field(None, description="Per unit.")
    units: DecimalIn(18, 4, ge=0) | None = Field(None, description="Derived from amount ÷ cost_price when omitted.")
    expected_return_pct: DecimalIn(7, 4) | None = None
    take_profit_pct: DecimalIn(7, 2) | None = Field(None, description="Percent: \"15\" is +15 %.")
    stop_loss_pct: DecimalIn(7, 2) | None = Field(None, description="Percent: \"10\" is a fall of 10 %.")
    account_no: str | None = Field(None, max_length=32)
    auto_rollover: Bool | None = None
    external_id: str | None = Field(None, max_length=40, description="Core-banking number; unique.")


class HoldingOut(Schema):
    id: int
    customer_id: int
    product_code: str
    product_name: str
    product_type: ProductTypeCode
    account_no: str
    status: HoldingStatusCode
    amount: Money
    current_value: Money
    purchase_date: dt.date
    maturity_date: dt.date | None
    auto_rollover: bool
    cost_price: DecimalOut(4) | None
    units: DecimalOut(4) | None
    expected_return_pct: DecimalOut(4) | None
    take_profit_pct: DecimalOut(2) | None
    stop_loss_pct: DecimalOut(2) | None
    risk_level_at_sale: str
    external_id: str | None


class HoldingPageOut(Page):
    items: list[HoldingOut]


def holding_out(h: Holding) -> dict:
    data = {f: getattr(h, f) for f in ("id", "customer_id", "account_no", "status", "amount", "current_value",
                                       "purchase_date", "maturity_date", "auto_rollover", "cost_price", "units",
                                       "expected_return_pct", "take_profit_pct", "stop_loss_pct",
                                       "risk_level_at_sale", "external_id")}
    data.update(product_code=h.product.code, product_name=h.product.name, product_type=h.product.type)
    return data


@holdings_router.post("/customers/{id}/holdings", response={201: HoldingOut, **ERRORS_409})
def holding_create_endpoint(request, id: PathId, payload: HoldingIn):
    """Record a holding with what the sale recorded; the customer's AUM follows."""
    customer = customer_or_404(request, id)
    product = get_product(payload.product_code.strip())
    if product is None:
        raise invalid("product_code", _("No product has the code %(c)s.") % {"c": payload.product_code})
    fields = payload.model_dump(exclude={"product_code", "amount", "purchase_date"}, exclude_none=True)
    holding = holding_create(actor=actor(request), customer=customer, product=product, amount=payload.amount,
                             purchase_date=payload.purchase_date, **fields)
    return Status(201, holding_out(holding))


@holdings_router.get("/customers/{id}/holdings", response={200: HoldingPageOut, **ERRORS})
def holding_list(request, id: PathId, include_closed: bool = False):
    """The customer's holdings (active ones unless `include_closed`), assets and liabilities."""
    customer = customer_or_404(request, id)
    items = [holding_out(h) for h in holdings_of(customer, include_closed=include_closed)]
    customer_records_read(actor=actor(request), customer=customer, via="api_holdings", records=len(items))
    return {"items": items, "count": len(items)}
