"""API v1 of the next best offers (API.md "Wealth care": `GET /api/v1/customers/{id}/offers`).

`items` are the ranked offers, never a product the customer may not buy (banyan.wealth.offers);
each names its product (or, for a service such as the risk assessment, `kind` "service" and the
service's code, with an empty `product_code`), its score and its reasons in the caller's language,
with the reasons' codes for a program. A customer out of the caller's reach answers 404."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema
from pydantic import Field

from banyan.customers.api import customer_or_404
from banyan.customers.services import customer_records_read
from banyan.holdings.models import ProductType
from banyan.org.api import ERRORS, PathId, actor
from banyan.wealth import suitability
from banyan.wealth.offers import ORIENTATION, SERVICE_SCORES, WEIGHTS, offers_for

router = Router(tags=["wealth"])


class OfferOut(Schema):
    product_code: str = Field(description="The product's code; empty for a service.")
    product_name: str = Field(description="The product's name, or the service's, in the caller's language.")
    kind: Literal["product", "service"]
    service: Literal[tuple(SERVICE_SCORES)] | None = Field(description="For a service: what it is.")
    type: Literal[tuple(ProductType.values)] | None = Field(description="The product's type.")
    risk_level: Literal["R1", "R2", "R3", "R4", "R5"] | None
    score: int = Field(description="The sum of its reasons' weights (the bank's table); higher first.")
    reasons: list[str] = Field(description="Why, in the caller's language (Chinese by default).")
    reason_codes: list[Literal[tuple(list(WEIGHTS) + list(SERVICE_SCORES))]] = Field(
        description="The reasons as codes, in the same order.")
    warnings: list[Literal[tuple(suitability.WARNINGS)]] = Field(
        description="Suitability warnings the sale will carry (none of the blocking rules: those never reach here).")


class OffersOut(Schema):
    items: list[OfferOut]
    customer_level: str = Field(description="C1–C5, or empty when never assessed.")
    orientation: Literal[tuple(ORIENTATION)] = Field(description="The customer's orientation (empty: unknown).")
    max_products: int = Field(description="How many products the orientation allows (services come on top).")


@router.get("/customers/{id}/offers", response={200: OffersOut, **ERRORS})
def offers_get(request, id: PathId):
    """The next best offers (下一步最佳产品, WEA-4): maturing money to re-invest, idle demand
    deposits, a gap against the model portfolio, a life event, what the customer asked for, as many
    as the orientation allows — each a product the customer may buy today. When the assessment
    keeps investment products away, the risk assessment comes first as a service."""
    customer = customer_or_404(request, id)
    found = offers_for(customer)
    items = [o.as_dict() for o in found.offers]
    customer_records_read(actor=actor(request), customer=customer, via="api_offers", records=len(items))
    return {"items": items, "customer_level": found.level,
            "orientation": found.orientation if found.orientation in ORIENTATION else "",
            "max_products": found.max_products}
