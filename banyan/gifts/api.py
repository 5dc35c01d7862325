"""API v1: gifts (issue 16 §6) — the catalogue, a gift given to a customer (on a contact), the
caller's gifts, the branch head's approval above the per-customer limit and the month's spend."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.contacts.models import Interaction
from banyan.customers.api import customer_or_404
from banyan.customers.services import customers_listed
from banyan.gifts.models import TIER_CHOICES, Delivery, Gift, GiftStatus
from banyan.gifts.selectors import (
    catalogue,
    get_gift_for_user,
    parse_month,
    pending_gifts,
    spend,
    visible_gifts,
)
from banyan.gifts.services import gift_decide, gift_give, gift_limit
from banyan.org.api import ERRORS, ERRORS_409, Id, In, Int, IsoDate, Moment, Money, Page, PathId, actor, forbidden
from banyan.org.models import Branch, Role

router = Router(tags=["gifts"])

DeliveryCode = Literal[tuple(Delivery.values)]
GiftStatusCode = Literal[tuple(GiftStatus.values)]
TierCode = Literal[tuple(code for code, _label in TIER_CHOICES)]
MONTH_PATTERN = r"^\d{4}-\d{2}$"


class GiftItemOut(Schema):
    id: int
    name: str
    unit_cost: Money


class CatalogueOut(Page):
    items: list[GiftItemOut]
    limit_per_customer: Money = Field(description="The value one customer may receive in any rolling twelve months "
                                                  "before a gift needs the branch head's approval (yuan).")


class GiftIn(In):
    item_id: Id = Field(description="A gift of the catalogue (GET /api/v1/gifts/catalogue).")
    quantity: Int = Field(ge=1, le=99)
    delivered_by: str | None = Field(None, min_length=1, max_length=150,
                                     description="Username of who hands it over (of the customer's branch); "
                                                 "omitted: the caller.")
    delivery: DeliveryCode | None = Field(None, description="in_person (the default) or picked_up.")
    interaction_id: Id | None = Field(None, description="The contact it was given at (this customer's).")
    given_on: IsoDate | None = Field(None, description="Omitted: today. Not in the future.")


class DecisionIn(In):
    note: str | None = Field(None, max_length=200)


class GiftOut(Schema):
    id: int
    customer_id: int
    interaction_id: int | None
    item_id: int
    item: str
    quantity: int
    unit_cost: Money = Field(description="The catalogue's cost when the gift was given (frozen).")
    total_cost: Money
    given_by: str = Field(description="Username of the manager who recorded it.")
    delivered_by: str
    delivery: DeliveryCode
    given_on: dt.date
    tier: TierCode = Field(description="The customer's segment quadrant when given (none: not segmented).")
    status: GiftStatusCode = Field(description="approved (within the limit, or approved), pending (above the "
                                               "limit, waiting for the branch head), rejected.")
    decided_by: str | None
    decided_at: Moment | None
    decision_note: str


class GiftPageOut(Page):
    items: list[GiftOut]


class SpendRowOut(Schema):
    key: str = Field(description="The tier's code or the manager's username.")
    label: str
    spent: Money = Field(description="Approved gifts of the month.")
    pending: Money = Field(description="Gifts of the month waiting for approval.")
    count: int
    budget: Money | None = Field(description="The month's budget (branch heads and administrators).")


class SpendOut(Schema):
    month: str
    branch: str | None
    by_tier: list[SpendRowOut]
    by_manager: list[SpendRowOut]
    total: SpendRowOut
    pending_count: int


def gift_out(g: Gift) -> dict:
    data = {f: getattr(g, f) for f in ("id", "customer_id", "interaction_id", "item_id", "quantity", "unit_cost",
                                       "total_cost", "delivery", "given_on", "tier", "status", "decided_at",
                                       "decision_note")}
    data.update(item=g.item.name, given_by=g.given_by.username, delivered_by=g.delivered_by.username,
                decided_by=g.decided_by.username if g.decided_by_id else None)
    return data


def _row(r) -> dict:
    return {"key": r.key, "label": r.label, "spent": r.spent, "pending": r.pending, "count": r.count,
            "budget": r.budget}


@router.get("/gifts/catalogue", response={200: CatalogueOut, **ERRORS})
def gift_catalogue(request):
    """The gifts a manager may give now, with their unit cost (yuan), and the bank's per-customer limit."""
    items = [{"id": i.pk, "name": i.name, "unit_cost": i.unit_cost} for i in catalogue()]
    return {"items": items, "count": len(items), "limit_per_customer": gift_limit()}


@router.get("/gifts", response={200: GiftPageOut, **ERRORS})
def gift_list(request, month: str | None = Query(None, pattern=MONTH_PATTERN),
              manager: str | None = Query(None, max_length=150, description="Username of who recorded the gift."),
              status: GiftStatusCode | None = None, limit: int = Query(100, ge=1, le=500),
              offset: int = Query(0, ge=0, le=1_000_000)):
    """The gifts the caller may see (a manager's own book, the branch head's branch, the bank for the
    administrator), newest first; filtered by month (YYYY-MM), manager and status."""
    qs = visible_gifts(actor(request)).select_related("item", "given_by", "delivered_by", "decided_by")
    if month:
        first = parse_month(month)
        qs = qs.filter(given_on__gte=first, given_on__lt=(first + dt.timedelta(days=32)).replace(day=1))
    if manager:
        qs = qs.filter(given_by__username=manager)
    if status:
        qs = qs.filter(status=status)
    page = list(qs.order_by("-given_on", "-pk")[offset:offset + limit])
    if page:
        customers_listed(actor=actor(request), customer_ids=[g.customer_id for g in page], via="api_gifts",
                         params=request.GET)
    return {"items": [gift_out(g) for g in page], "count": qs.count()}


@router.post("/customers/{id}/gifts", response={201: GiftOut, **ERRORS})
def gift_create(request, id: PathId, payload: GiftIn):
    """Record a gift given to the customer, on a contact when `interaction_id` names one. Its cost is the
    catalogue's now; above the bank's per-customer limit it is `pending` until the branch head decides."""
    customer = customer_or_404(request, id)
    interaction = None
    if payload.interaction_id is not None:
        interaction = Interaction.objects.filter(pk=payload.interaction_id, customer=customer).first()
        if interaction is None:
            raise ValidationError({"interaction_id": [_("Name a contact with this customer.")]})
    gift = gift_give(actor=actor(request), customer=customer, item=payload.item_id, quantity=payload.quantity,
                     delivered_by=payload.delivered_by, delivery=payload.delivery or "", interaction=interaction,
                     given_on=payload.given_on)
    return Status(201, gift_out(gift))


def _decide(request, id: int, payload: DecisionIn, approve: bool) -> dict:
    gift, may = get_gift_for_user(actor(request), id)
    if not may:
        raise forbidden()
    gift = gift_decide(actor=actor(request), gift=gift, approve=approve, note=payload.note or "")
    return gift_out(gift)


@router.post("/gifts/{id}/approve", response={200: GiftOut, **ERRORS_409})
def gift_approve(request, id: PathId, payload: DecisionIn):
    """The branch head approves a gift above the limit (body `{}` or a note). 409 when it was decided already."""
    return _decide(request, id, payload, True)


@router.post("/gifts/{id}/reject", response={200: GiftOut, **ERRORS_409})
def gift_reject(request, id: PathId, payload: DecisionIn):
    """The branch head rejects a gift above the limit (it is not handed over). 409 when decided already."""
    return _decide(request, id, payload, False)


@router.get("/gifts/spend", response={200: SpendOut, **ERRORS})
def gift_spend(request, month: str | None = Query(None, pattern=MONTH_PATTERN),
               branch: str | None = Query(None, max_length=20, description="An administrator's branch code; "
                                                                          "omitted: the whole bank.")):
    """The month's spend by tier and by manager against the budget: the branch head's branch, the
    administrator's bank (or a branch), a manager's own gifts (no budget)."""
    user = actor(request)
    first = parse_month(month)
    code = None
    if user.role == Role.ADMIN:
        if branch:
            b = Branch.objects.filter(code=branch).first()
            if b is None:
                raise Http404("No such branch")
            gifts, branch_ids, code = Gift.objects.filter(branch=b), [b.pk], b.code
        else:
            gifts, branch_ids = Gift.objects.all(), list(Branch.objects.values_list("pk", flat=True))
    elif user.role == Role.BRANCH_HEAD and user.branch_id:
        gifts, branch_ids, code = Gift.objects.filter(branch_id=user.branch_id), [user.branch_id], user.branch.code
    elif user.role == Role.AUDITOR:
        raise forbidden()
    else:
        gifts, branch_ids = visible_gifts(user), None
    s = spend(gifts, first, branch_ids=branch_ids)
    return {"month": first.strftime("%Y-%m"), "branch": code, "by_tier": [_row(r) for r in s.by_tier],
            "by_manager": [_row(r) for r in s.by_manager], "total": _row(s.total),
            "pending_count": pending_gifts(gifts).count()}
