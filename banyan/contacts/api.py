"""API v1: a customer's contact history (维护记录) and service memos (服务备忘录), API.md."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.contacts.models import Interaction, Memo, MemoStatus, Outcome, Purpose
from banyan.contacts.selectors import interactions_of, open_memos
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers.api import ChannelCode, customer_or_404
from banyan.customers.services import customer_records_read
from banyan.org.api import ERRORS, In, Int, IsoDate, IsoDateTime, Moment, Page, PathId, actor

router = Router(tags=["contacts"])

OutcomeCode = Literal[tuple(Outcome.values)]
PurposeCode = Literal[tuple(Purpose.values)]
MemoStatusCode = Literal[tuple(MemoStatus.values)]


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


class MemoOut(Schema):
    id: int
    customer_id: int
    author: str = Field(description="Username of who wrote the memo.")
    text: str
    due_date: dt.date
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
    """A need or a promise, with the day it comes back."""
    customer = customer_or_404(request, id)
    memo = memo_create(actor=actor(request), customer=customer, text=payload.text, due_date=payload.due_date)
    return Status(201, memo_out(memo))


@router.get("/customers/{id}/memos", response={200: MemoPageOut, **ERRORS})
def memo_list(request, id: PathId):
    """The customer's open memos, soonest due first."""
    customer = customer_or_404(request, id)
    items = [memo_out(m) for m in open_memos(customer).select_related("author")]
    customer_records_read(actor=actor(request), customer=customer, via="api_memos", records=len(items))
    return {"items": items, "count": len(items)}
