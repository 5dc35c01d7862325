"""API v1: the lobby's walk-in desk (大堂经理, issue 16 §1), API.md "The front line".

`GET /lobby/customers?q=` looks up any customer of the caller's branch and answers the limited card
only (banyan.service.lobby.CARD_KEYS); `POST /lobby/walk-ins` logs a walk-in's need as a referral
to the customer's manager (a prospect: the branch's planner), credited to the caller. A customer
of another branch answers 404, as one that does not exist; a role without a desk (the auditor, an
administrator without a branch) gets 403 for any query."""

from __future__ import annotations

from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from banyan.org.api import ERRORS_409, Bool, Id, In, actor, forbidden, invalid
from banyan.segments.models import Quadrant
from banyan.service.lobby import has_desk, lobby_customer_or_404, lobby_lookup, query_problem, walk_in_log
from banyan.service.referrals_api import ProductTypeCode

router = Router(tags=["lobby"])

QuadrantCode = Literal[tuple(Quadrant.values)]


class LobbyCardOut(Schema):
    customer_id: int
    display_name: str = Field(description="The surname and title (王先生 / 李女士); the full name when the gender "
                                          "is unknown.")
    segment: QuadrantCode | None = Field(description="The value quadrant; null before the first segment recompute.")
    is_priority: bool
    rm: str | None = Field(description="The name of the customer's manager; null when nobody keeps the customer.")
    open_reasons: list[str] = Field(description="Codes of today's open worklist reasons (e.g. deposit_maturity).")


class LobbyCardsOut(Schema):
    items: list[LobbyCardOut]


class WalkInProspectIn(In):
    name: str = Field(min_length=1, max_length=50, description="The visitor, not yet a customer.")
    mobile: str = Field(min_length=1, max_length=20, description="A mainland mobile (11 digits; +86 allowed).")
    consent_phone: Bool = Field(description="The visitor agreed to be called (true is required).")


class WalkInIn(In):
    customer_id: Id | None = Field(None, description="A customer of the caller's branch; or `prospect`.")
    prospect: WalkInProspectIn | None = Field(None, description="A visitor not yet a customer: written into the "
                                                                "receiver's book as a prospect.")
    need: str = Field(min_length=1, max_length=200, description="What the visitor needs, in a few words.")
    product_type: ProductTypeCode | None = None


class WalkInOut(Schema):
    referral_id: int
    to: str = Field(description="Username of who takes it (the customer's manager; a prospect: a planner).")
    to_name: str


def _desk(request):
    me = actor(request)
    if not has_desk(me):
        raise forbidden()
    return me


@router.get("/lobby/customers", response={200: LobbyCardsOut, **ERRORS_409})
def lobby_customers(request, q: str = ""):
    """Look up a walk-in among every customer of the caller's branch, as the customer search
    matches (name, pinyin, mobile or ID tail…): at most 20 limited cards, nothing else of the
    customer. At least 2 characters or 4 digits (422 at `q`). Each look-up is audited."""
    me = _desk(request)
    problem = query_problem(q)
    if problem:
        raise invalid("q", problem)
    return {"items": lobby_lookup(actor=me, q=q, via="api_lobby")}


@router.post("/lobby/walk-ins", response={201: WalkInOut, **ERRORS_409})
def lobby_walk_in(request, payload: WalkInIn):
    """Log a walk-in's need: a referral to the customer's manager (on that manager's worklist),
    or for a prospect (name, mobile, consent to be called) to the branch's planner; credited to the
    caller. The same open walk-in sent twice: 409, one referral."""
    me = _desk(request)
    customer = lobby_customer_or_404(me, payload.customer_id) if payload.customer_id is not None else None
    prospect = payload.prospect.model_dump() if payload.prospect is not None else None
    referral = walk_in_log(actor=me, need=payload.need, customer=customer, prospect=prospect,
                           product_type=payload.product_type or "")
    return Status(201, {"referral_id": referral.pk, "to": referral.receiver.username,
                        "to_name": referral.receiver.display_name})
