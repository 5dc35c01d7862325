"""API v1: a customer's contact history (维护记录) and service memos (服务备忘录), API.md."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan import clock
from banyan.contacts.models import (
    OPEN_STAGES,
    Interaction,
    Memo,
    MemoStatus,
    Opportunity,
    OpportunitySource,
    OpportunityStage,
    Outcome,
    Purpose,
)
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.contacts.selectors import get_opportunity_for_user, interactions_of, open_memos
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers.api import ChannelCode, customer_or_404
from banyan.customers.services import customer_records_read
from banyan.holdings.models import ProductType
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    Bool,
    Id,
    In,
    Int,
    IsoDate,
    IsoDateTime,
    Moment,
    Money,
    MoneyIn,
    Page,
    PathId,
    actor,
)

router = Router(tags=["contacts"])

OutcomeCode = Literal[tuple(Outcome.values)]
PurposeCode = Literal[tuple(Purpose.values)]
MemoStatusCode = Literal[tuple(MemoStatus.values)]
OpportunityStageCode = Literal[tuple(OpportunityStage.values)]
OpportunitySourceCode = Literal[tuple(OpportunitySource.values)]
ProductTypeCode = Literal[tuple(ProductType.values)]


class InteractionIn(In):
    channel: ChannelCode
    occurred_at: IsoDateTime | None = Field(None, description="When; without an offset Beijing time; "
                                                              "omitted: now. Not in the future.")
    purpose: PurposeCode | None = None
    summary: str | None = Field(None, max_length=500, description="One line of what was said.")
    outcome: OutcomeCode | None = None
    rejection_reason: str | None = Field(None, max_length=200)
    new_info: str | None = Field(None, max_length=500, description="Anything new learned about the customer.")
    next_step: str | None = Field(None, max_length=200)
    next_contact_on: IsoDate | None = Field(None, description="Comes back that day as a follow-up on the worklist.")
    minutes: Int | None = Field(None, ge=0, le=600, description="Minutes on the phone (the daily calling target).")


class InteractionOut(Schema):
    id: int
    customer_id: int
    staff: str = Field(description="Username of who recorded the contact.")
    channel: ChannelCode
    occurred_at: Moment
    purpose: PurposeCode | None
    summary: str
    outcome: OutcomeCode | None
    rejection_reason: str
    new_info: str
    next_step: str
    next_contact_on: dt.date | None
    minutes: int
    created_at: Moment


class InteractionPageOut(Page):
    items: list[InteractionOut]


class MemoIn(In):
    text: str = Field(min_length=1, max_length=500)
    due_date: IsoDate
    product_type: ProductTypeCode | None = Field(
        None, description="A kind of product the customer asked for and the bank could not offer: while the memo "
                          "is open, a product of this type added or put back on sale brings the customer back on "
                          "the manager's worklist (reason wanted_product), with the product named.")


class MemoOut(Schema):
    id: int
    customer_id: int
    author: str = Field(description="Username of who wrote the memo.")
    text: str
    due_date: dt.date
    product_type: ProductTypeCode | None = Field(None, description="The kind of product asked for, if any.")
    status: MemoStatusCode
    done_at: Moment | None
    created_at: Moment


class MemoPageOut(Page):
    items: list[MemoOut]


def interaction_out(i: Interaction) -> dict:
    data = {f: getattr(i, f) for f in ("id", "customer_id", "channel", "occurred_at", "summary", "rejection_reason",
                                       "new_info", "next_step", "next_contact_on", "minutes", "created_at")}
    data.update(staff=i.staff.username, purpose=i.purpose or None, outcome=i.outcome or None)
    return data


def memo_out(m: Memo) -> dict:
    data = {f: getattr(m, f) for f in ("id", "customer_id", "text", "due_date", "status", "done_at", "created_at")}
    data["author"] = m.author.username
    data["product_type"] = m.product_type or None
    return data


@router.post("/customers/{id}/interactions", response={201: InteractionOut, **ERRORS})
def interaction_create(request, id: PathId, payload: InteractionIn):
    """Record a contact; the channel alone is enough. The customer's last contact follows."""
    customer = customer_or_404(request, id)
    fields = payload.model_dump(exclude_none=True)
    interaction = interaction_log(actor=actor(request), customer=customer, **fields)
    return Status(201, interaction_out(interaction))


@router.get("/customers/{id}/interactions", response={200: InteractionPageOut, **ERRORS})
def interaction_list(request, id: PathId, limit: int = Query(50, ge=1, le=200),
                     offset: int = Query(0, ge=0, le=1_000_000)):
    """The contact history, newest first."""
    customer = customer_or_404(request, id)
    qs = interactions_of(customer)
    items = [interaction_out(i) for i in qs[offset:offset + limit]]
    customer_records_read(actor=actor(request), customer=customer, via="api_interactions", records=len(items))
    return {"items": items, "count": qs.count()}


@router.post("/customers/{id}/memos", response={201: MemoOut, **ERRORS})
def memo_create_endpoint(request, id: PathId, payload: MemoIn):
    """A need or a promise, with the day it comes back; with `product_type`, a need the bank could not
    meet (reason wanted_product when a product of that type goes on sale)."""
    customer = customer_or_404(request, id)
    memo = memo_create(actor=actor(request), customer=customer, text=payload.text, due_date=payload.due_date,
                       product_type=payload.product_type)
    return Status(201, memo_out(memo))


@router.get("/customers/{id}/memos", response={200: MemoPageOut, **ERRORS})
def memo_list(request, id: PathId):
    """The customer's open memos, soonest due first."""
    customer = customer_or_404(request, id)
    items = [memo_out(m) for m in open_memos(customer).select_related("author")]
    customer_records_read(actor=actor(request), customer=customer, via="api_memos", records=len(items))
    return {"items": items, "count": len(items)}


# --- sales opportunities (销售机会) ----------------------------------------------------------------


class OpportunityIn(In):
    need: str = Field(min_length=1, max_length=200, description="What the customer needs, in the manager's words.")
    source: OpportunitySourceCode = Field(description="Where it came from: a call, an event, a wealth diagnosis, "
                                                      "a referral, a walk-in, or other.")
    product_code: str | None = Field(None, min_length=1, max_length=30, description="The product in view, if any.")
    product_type: ProductTypeCode | None = Field(None, description="The kind of product wanted, when no product "
                                                                   "is named (a named product's own type wins).")
    expected_amount: MoneyIn | None = None
    event_id: Id | None = Field(None, description="The client event it came from; only with source event.")
    due_date: IsoDate | None = Field(None, description="Comes back on the worklist (opportunity_due) then; "
                                                       "today or later. Omitted: in 14 days.")


class OpportunityStageIn(In):
    stage: OpportunityStageCode = Field(description="Forward only: open → contacted → proposed → won or lost.")
    reason: str | None = Field(None, max_length=200, description="Why it was lost (required for lost).")
    no_product: Bool | None = Field(None, description="For lost: lost because the bank had no product of the "
                                                      "opportunity's product_type; a product of that type added "
                                                      "or put back on sale brings the customer back (reason "
                                                      "wanted_product).")
    holding_id: Id | None = Field(None, description="For won: the sale (a holding of the same customer) that "
                                                    "closed it.")


class OpportunityOut(Schema):
    id: int
    customer_id: int
    owner: str = Field(description="Username of the manager working it.")
    created_by: str = Field(description="Username of who opened it.")
    source: OpportunitySourceCode
    event_id: int | None
    need: str
    product_code: str | None
    product_type: ProductTypeCode | None
    expected_amount: Money | None
    stage: OpportunityStageCode
    lost_reason: str
    no_product: bool = Field(False, description="Lost for want of a product of its type (wanted_product).")
    due_date: dt.date
    overdue: bool = Field(description="Still open and its date has passed.")
    holding_id: int | None = Field(description="The sale that closed a won opportunity.")
    opened_at: Moment
    contacted_at: Moment | None
    proposed_at: Moment | None
    won_at: Moment | None
    lost_at: Moment | None


class OpportunityPageOut(Page):
    items: list[OpportunityOut]


def opportunity_out(o: Opportunity) -> dict:
    data = {f: getattr(o, f) for f in ("id", "customer_id", "source", "event_id", "need", "expected_amount", "stage",
                                       "lost_reason", "no_product", "due_date", "holding_id", "opened_at",
                                       "contacted_at", "proposed_at", "won_at", "lost_at")}
    data.update(owner=o.owner.username, created_by=o.created_by.username,
                product_code=o.product.code if o.product_id else None, product_type=o.product_type or None,
                overdue=o.stage in OPEN_STAGES and o.due_date < clock.today())
    return data


@router.post("/customers/{id}/opportunities", response={201: OpportunityOut, **ERRORS})
def opportunity_create_endpoint(request, id: PathId, payload: OpportunityIn):
    """Open a sales opportunity (销售机会): it comes back on the worklist of the customer's manager
    on its date (reason opportunity_due) until it is won or lost."""
    customer = customer_or_404(request, id)
    opportunity = opportunity_create(actor=actor(request), customer=customer, **payload.model_dump(exclude_none=True))
    return Status(201, opportunity_out(opportunity))


@router.get("/customers/{id}/opportunities", response={200: OpportunityPageOut, **ERRORS})
def opportunity_list(request, id: PathId, stage: OpportunityStageCode | None = None):
    """The customer's opportunities, open ones soonest due first, then the closed ones."""
    customer = customer_or_404(request, id)
    qs = Opportunity.objects.filter(customer=customer).select_related("owner", "created_by", "product")
    if stage:
        qs = qs.filter(stage=stage)
    items = sorted(qs, key=lambda o: (o.stage not in OPEN_STAGES, o.due_date, o.pk))
    customer_records_read(actor=actor(request), customer=customer, via="api_opportunities", records=len(items))
    return {"items": [opportunity_out(o) for o in items], "count": len(items)}


@router.post("/opportunities/{id}/stage", response={200: OpportunityOut, **ERRORS_409})
def opportunity_stage_endpoint(request, id: PathId, payload: OpportunityStageIn):
    """Move an opportunity on. Lost needs a reason; won may name the sale that closed it. 409 when
    another request moved it first, or it is closed already."""
    opportunity = get_opportunity_for_user(actor(request), id)
    opportunity = opportunity_stage(actor=actor(request), opportunity=opportunity, stage=payload.stage,
                                    reason=payload.reason or "", holding_id=payload.holding_id,
                                    no_product=bool(payload.no_product))
    return opportunity_out(opportunity)
