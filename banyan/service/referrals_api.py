"""API v1: referrals and hand-offs (转介绍 / 内部转介, SVC-2), API.md "Service quality".

A referral is reached by its sender, its receiver, the head of its branch and an administrator;
anyone else gets 404, as for one that does not exist. Only the receiver answers it (403 for the
others who see it). Each answer happens once: the second of two racing requests gets 409."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers.api import ChannelCode, customer_or_404
from banyan.customers.services import customers_listed
from banyan.holdings.models import ProductType
from banyan.org.api import ERRORS_409, Bool, Id, In, IsoDate, Moment, Page, PathId, actor
from banyan.service.models import Conversion, Referral, ReferralKind, ReferralStatus
from banyan.service.referral_selectors import get_referral_for_user, visible_referrals
from banyan.service.referral_services import (
    referral_accept,
    referral_create,
    referral_decline,
    referral_outcome,
    referrals_refresh,
)

router = Router(tags=["referrals"])

StatusCode = Literal[tuple(ReferralStatus.values)]
KindCode = Literal[tuple(ReferralKind.values)]
ConversionCode = Literal[tuple(Conversion.values)]
ProductTypeCode = Literal[tuple(ProductType.values)]


class ReferralProspectIn(In):
    name: str = Field(min_length=1, max_length=50, description="The person referred, not yet a customer.")
    mobile: str = Field(min_length=1, max_length=20, description="A mainland mobile (11 digits; +86 allowed).")
    consent_phone: Bool = Field(description="The prospect agreed to be called (true is required: nobody is "
                                            "called without it).")
    consent_channel: ChannelCode | None = Field(None, description="How the consent was given; omitted: phone.")
    consent_on: IsoDate | None = Field(None, description="When the consent was given; omitted: today.")


class ReferralIn(In):
    customer_id: Id | None = Field(None, description="The customer referred (or whose need is handed off), once "
                                                     "on file; or `prospect`.")
    prospect: ReferralProspectIn | None = Field(None, description="A person not yet a customer: written into the "
                                                          "receiver's book as a prospect.")
    referrer_customer_id: Id | None = Field(None, description="The customer who referred them. Omitted: a "
                                                              "hand-off of the caller's own customer's need.")
    to: str = Field(min_length=1, max_length=150, description="Username of the colleague who takes it (a "
                                                              "manager or a planner of the branch).")
    note: str | None = Field(None, min_length=1, max_length=200, description="The need, in the sender's words.")
    need: str | None = Field(None, min_length=1, max_length=200, description="The same as `note` (one of them).")
    product_type: ProductTypeCode | None = None


class ReferralDeclineIn(In):
    reason: str = Field(min_length=1, max_length=200, description="Why: the sender reads it.")


class ReferralOutcomeIn(In):
    outcome: Literal["won", "lost"]
    note: str | None = Field(None, max_length=200, description="Required when lost: why.")


class ReferralOut(Schema):
    id: int
    kind: KindCode
    customer_id: int
    customer_name: str
    prospect: bool = Field(description="The referred had no account when referred (a prospect's record).")
    referrer_customer_id: int | None
    sender: str = Field(description="Username of who passed it on (credited on conversion).")
    to: str = Field(description="Username of who received it (credited on conversion).")
    need: str
    product_type: ProductTypeCode | None
    status: StatusCode
    answer_by: Moment = Field(description="Unanswered by then, it times out and goes back to the sender.")
    answered_at: Moment | None
    decline_reason: str
    outcome: Literal["won", "lost"] | None
    outcome_note: str
    converted: bool = Field(description="Became a customer or bought: credited to the referrer and both staff.")
    converted_at: Moment | None
    conversion: ConversionCode | None
    created_at: Moment


class ReferralPageOut(Page):
    items: list[ReferralOut]


def referral_out(r: Referral) -> dict:
    data = {f: getattr(r, f) for f in ("id", "kind", "customer_id", "prospect", "referrer_customer_id", "need",
                                       "status", "answer_by", "answered_at", "decline_reason", "outcome_note",
                                       "converted_at", "created_at")}
    data.update(customer_name=r.customer.name, sender=r.sender.username, to=r.receiver.username,
                product_type=r.product_type or None, converted=r.converted_at is not None,
                conversion=r.conversion or None,
                outcome=r.status if r.status in (ReferralStatus.WON, ReferralStatus.LOST) else None)
    return data


@router.post("/referrals", response={201: ReferralOut, **ERRORS_409})
def referral_create_endpoint(request, payload: ReferralIn):
    """Refer a friend or relative (a customer on file, or a prospect with their consent to be
    called), or hand a customer's need to a colleague. The receiver answers within the bank's
    working days (BANYAN_REFERRAL_ANSWER_DAYS, default 2); to oneself it is accepted at once."""
    me = actor(request)
    customer = customer_or_404(request, payload.customer_id) if payload.customer_id is not None else None
    referrer = (customer_or_404(request, payload.referrer_customer_id)
                if payload.referrer_customer_id is not None else None)
    prospect = payload.prospect.model_dump(exclude_none=True) if payload.prospect is not None else None
    referral = referral_create(actor=me, to=payload.to, need=payload.note or payload.need or "", customer=customer,
                               prospect=prospect, referrer_customer=referrer,
                               product_type=payload.product_type or "")
    return Status(201, referral_out(referral))


@router.get("/referrals", response={200: ReferralPageOut, **ERRORS_409})
def referral_list(request, box: Literal["sent", "received", "all"] = "all", status: StatusCode | None = None,
                  limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)):
    """The referrals the caller may see: `sent` by them, `received` by them, or `all` (a branch
    head: the branch's), newest first."""
    me = actor(request)
    referrals_refresh()
    qs = visible_referrals(me).select_related("customer", "sender", "receiver")
    if box == "sent":
        qs = qs.filter(sender_id=me.pk)
    elif box == "received":
        qs = qs.filter(receiver_id=me.pk)
    if status:
        qs = qs.filter(status=status)
    items = list(qs[offset:offset + limit])
    if items:
        customers_listed(actor=me, customer_ids=[r.customer_id for r in items], via="api_referrals",
                         params=request.GET)
    return {"items": [referral_out(r) for r in items], "count": qs.count()}


@router.get("/referrals/{id}", response={200: ReferralOut, **ERRORS_409})
def referral_detail(request, id: PathId):
    referral, _answers = get_referral_for_user(actor(request), id)
    return referral_out(referral)


@router.post("/referrals/{id}/accept", response={200: ReferralOut, **ERRORS_409})
def referral_accept_endpoint(request, id: PathId):
    """The receiver accepts (403 for the sender or the branch head; 409 when answered already or
    past its time — then it has gone back to the sender)."""
    referral, _answers = get_referral_for_user(actor(request), id)
    return referral_out(referral_accept(actor=actor(request), referral=referral))


@router.post("/referrals/{id}/decline", response={200: ReferralOut, **ERRORS_409})
def referral_decline_endpoint(request, id: PathId, payload: ReferralDeclineIn):
    """The receiver declines with a reason; a prospect goes back to the sender's book."""
    referral, _answers = get_referral_for_user(actor(request), id)
    return referral_out(referral_decline(actor=actor(request), referral=referral, reason=payload.reason))


@router.post("/referrals/{id}/outcome", response={200: ReferralOut, **ERRORS_409})
def referral_outcome_endpoint(request, id: PathId, payload: ReferralOutcomeIn):
    """The receiver closes an accepted referral, won or lost (lost: a note saying why); the sender
    sees it. Won converts it: credit to the referrer and both members of staff."""
    referral, _answers = get_referral_for_user(actor(request), id)
    return referral_out(referral_outcome(actor=actor(request), referral=referral, outcome=payload.outcome,
                                         note=payload.note or ""))


