"""API v1: client events (API.md "Client events"), extended compatibly: the event, its approval,
invitations through the contact rules of campaigns, answers, check-in exactly once, closing, and
the review."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.customers.services import customers_listed
from banyan.events import selectors, services
from banyan.events.models import Event, EventType, Invitation
from banyan.holdings.selectors import get_product
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    Id,
    In,
    Int,
    IsoDateTime,
    Moment,
    Money,
    MoneyIn,
    PathId,
    actor,
    clean_text,
    invalid,
    omittable,
)
from banyan.outreach.api import CampaignFilter

router = Router(tags=["events"])
TypeCode = Literal[tuple(EventType.values)]
ChannelCode = Literal["phone", "sms", "email", "wechat", "mail", "hand"]
#: At most this many customers named in one call (more: give a filter).
MAX_TARGETS = 20_000


class EventIn(In):
    name: str = Field(min_length=1, max_length=100)
    type: TypeCode
    starts_at: IsoDateTime
    ends_at: IsoDateTime | None = None
    place: str = Field(min_length=1, max_length=200)
    capacity: Int | None = Field(None, ge=1, le=100_000, description="Seats, guests included; none: no limit.")
    budget: MoneyIn | None = Field(None, description="The budget in all, yuan.")
    theme: str = Field("", max_length=200)
    method: str = Field("", max_length=200)
    recurrence: Literal["once", "weekly", "monthly", "quarterly"] = "once"
    product_code: str = omittable(min_length=1, max_length=30,
                                  description="The product the event promotes: customers who may not buy it are "
                                              "not invited (suitability rules).")
    follow_up_days: Int = omittable(ge=0, le=30, description="Guests are followed up within this many days.")
    review_days: Int = omittable(ge=1, le=365, description="Sales and AUM change counted over this many days.")


class EventPatchIn(In):
    """Only the fields given change; each is checked and a refusal names it. `capacity`, `budget`
    and `product_code` may be null (no limit, no budget, no product)."""

    name: str = omittable(min_length=1, max_length=100)
    type: TypeCode = omittable()
    theme: str = omittable(max_length=200)
    starts_at: IsoDateTime = omittable(description="A new start keeps the event's length unless ends_at is given.")
    ends_at: IsoDateTime = omittable()
    place: str = omittable(min_length=1, max_length=200)
    capacity: Int | None = Field(None, ge=1, le=100_000, description="Not below the seats accepted (guests "
                                                                     "included); null: no limit.")
    method: str = omittable(max_length=200)
    recurrence: Literal["once", "weekly", "monthly", "quarterly"] = omittable()
    budget: MoneyIn | None = Field(None, description="The budget in all, yuan; null: none.")
    budget_per_group: dict[str, MoneyIn] = omittable(description="{customer group: yuan per head}.")
    target_filter: CampaignFilter = omittable(description="The plan's target list as a saved filter.")
    target_ids: list[Id] = omittable(max_length=MAX_TARGETS, description="The plan's hand-picked customers.")
    product_code: str | None = Field(None, min_length=1, max_length=30, description="null: no product.")
    follow_up_days: Int = omittable(ge=0, le=30)
    review_days: Int = omittable(ge=1, le=365)


class EventOut(Schema):
    id: int
    name: str
    type: str
    theme: str
    starts_at: Moment
    ends_at: Moment
    place: str
    capacity: int | None
    budget: Money | None
    actual_cost: Money | None
    status: str = Field(description="draft, approved, open, held, reviewed, cancelled")
    branch: str
    organiser: str
    invited: int = Field(description="Invitations the caller sees.")
    accepted: int
    waiting: int
    attended: int
    moved_at: Moment | None = Field(None, description="When the time or place changed after invitations went "
                                                      "out (时间地点已变更); null: never.")


class EventUpdatedOut(EventOut):
    status_changed: bool = Field(description="True when a manager's higher budget sent the approved plan back "
                                             "to the branch head (status draft).")
    guests_to_reinform: int = Field(description="Guests who still count on the event and are to be told the "
                                                "new time or place (their invitations show reinform: true).")


class InviteIn(In):
    """The guests are `customer_ids` or a `filter` (the saved filter of campaigns): exactly one; with
    neither, the plan's own target list."""

    model_config = ConfigDict(extra="forbid")

    customer_ids: list[Id] = omittable(min_length=1, max_length=MAX_TARGETS)
    filter: CampaignFilter = omittable()
    channel: ChannelCode


class ExcludedOut(Schema):
    customer_id: int
    rule: str = Field(description="do_not_disturb, no_phone_consent, no_sms_consent, no_email_consent, "
                                  "no_wechat_consent, monthly_call_cap, other_campaign, other_event, "
                                  "already_invited, no_manager; for an event promoting a product also "
                                  "no_assessment, assessment_expired, risk_above_level")


class InvitedOut(Schema):
    invited: list[int]
    excluded: list[ExcludedOut]


class RsvpIn(In):
    answer: Literal["yes", "no", "maybe"]
    guests: Int = Field(0, ge=0, le=10, description="People coming along with the guest.")


class InvitationOut(Schema):
    customer_id: int
    answer: str = Field(description="invited (not answered), accepted, waiting (the waiting list), maybe, declined")
    guests: int
    channel: str
    checked_in: bool
    checked_in_at: Moment | None
    walk_in: bool
    reinform: bool = Field(False, description="The time or place changed after this guest was invited: the "
                                              "inviting manager is to tell the guest again.")


class CheckinIn(In):
    customer_id: Id | None = Field(None, description="The guest (a customer not invited is added as a walk-in).")
    code: str | None = Field(None, min_length=4, max_length=12, description="The invitation's check-in code.")


class AttendanceOut(InvitationOut):
    already_checked_in: bool = Field(description="True when the guest had checked in before: counted once.")


class ReviewOut(Schema):
    invited: int
    accepted: int
    attended: int
    no_show: int
    contacted_after: int = Field(description="Attendees with a real contact after the event, within review_days.")
    contact_achievement_rate: Decimal | None = Field(description="contacted_after ÷ attended, a fraction (0.667).")
    new_info: int
    opportunities: int
    sales: int
    sales_amount: Money
    cost: Money = Field(description="The recorded actual cost, or the budget while none is recorded.")
    cost_per_attendee: Money | None
    cost_per_opportunity: Money | None
    aum_change_attended: Money | None = Field(description="Average AUM change per attendee over review_days.")
    aum_change_invited_absent: Money | None = Field(
        description="Average AUM change per customer invited who did not come, over review_days.")
    review_days: int


def _event_out(user, event: Event) -> dict:
    acc = selectors.access(user, event)
    c = selectors.counts(event, selectors.guests(user, event, acc) if user.role != "auditor" else None)
    return {"id": event.pk, "name": event.name, "type": event.type, "theme": event.theme,
            "starts_at": event.starts_at, "ends_at": event.ends_at, "place": event.place, "capacity": event.capacity,
            "budget": event.budget, "actual_cost": event.actual_cost, "status": event.status,
            "branch": event.branch.code, "organiser": event.organiser.username, "invited": c["invited"],
            "accepted": c["accepted"], "waiting": c["waiting"], "attended": c["attended"], "moved_at": event.moved_at}


def _invitation_out(inv: Invitation) -> dict:
    return {"customer_id": inv.customer_id, "answer": inv.answer, "guests": inv.guests, "channel": inv.channel,
            "checked_in": inv.checked_in_at is not None, "checked_in_at": inv.checked_in_at, "walk_in": inv.walk_in,
            "reinform": inv.reinform}


@router.post("/events", response={201: EventOut, **ERRORS})
def event_create_endpoint(request, payload: EventIn):
    """Plan an event of the caller's branch. A branch head's event is approved at once; a manager's
    waits for `POST /events/{id}/approve` by the branch head before invitations go out."""
    user = actor(request)
    product = None
    if payload.product_code is not None:
        product = get_product(clean_text(payload.product_code).strip())
        if product is None:
            raise invalid("product_code", _("No product has the code %(c)s.") % {"c": payload.product_code})
    extra = {k: getattr(payload, k) for k in ("follow_up_days", "review_days") if getattr(payload, k) is not None}
    event = services.event_create(actor=user, name=payload.name, type=payload.type, starts_at=payload.starts_at,
                                  ends_at=payload.ends_at, place=payload.place, capacity=payload.capacity,
                                  budget=payload.budget, theme=payload.theme, method=payload.method,
                                  recurrence=payload.recurrence, product=product, **extra)
    return Status(201, _event_out(user, event))


@router.get("/events", response={200: list[EventOut], **ERRORS})
def event_list(request):
    """The events the caller sees, newest first (at most 200)."""
    user = actor(request)
    return [_event_out(user, e) for e in selectors.visible_events(user).select_related("branch", "organiser")[:200]]


@router.get("/events/{id}", response={200: EventOut, **ERRORS})
def event_get(request, id: PathId):
    user = actor(request)
    event, _acc = selectors.get_event_for_user(user, id)
    return _event_out(user, event)


@router.patch("/events/{id}", response={200: EventUpdatedOut, **ERRORS_409})
def event_update_endpoint(request, id: PathId, payload: EventPatchIn):
    """Change the plan (the organiser, the branch head). 409 once the event is held, reviewed or
    cancelled; 422 at `capacity` below the seats accepted. A new time or place once invitations
    are out flags the guests to tell again (`guests_to_reinform`); a manager's higher budget on an
    approved plan sends it back to the branch head (`status_changed`, status draft). 404 for a
    caller who does not run the event."""
    user = actor(request)
    event, acc = selectors.get_event_for_user(user, id)
    if not acc.manage:
        raise Http404("Not the organiser")
    given = payload.model_fields_set
    fields = {k: getattr(payload, k) for k in given if k not in ("product_code", "target_filter")}
    if "target_filter" in given:
        fields["target_filter"] = payload.target_filter.model_dump(mode="json", exclude_unset=True)
    if "product_code" in given:
        fields["product"] = None
        if payload.product_code is not None:
            fields["product"] = get_product(clean_text(payload.product_code).strip())
            if fields["product"] is None:
                raise invalid("product_code", _("No product has the code %(c)s.") % {"c": payload.product_code})
    for key in ("name", "theme", "place", "method"):
        if key in fields:
            fields[key] = clean_text(fields[key])
    was = event.status
    event = services.event_update(actor=user, event=event, **fields)
    return {**_event_out(user, event), "status_changed": event.status != was,
            "guests_to_reinform": getattr(event, "reinform", 0)}


@router.post("/events/{id}/approve", response={200: EventOut, **ERRORS_409})
def event_approve_endpoint(request, id: PathId):
    """The branch head approves a manager's event; 409 when it is not waiting for approval."""
    user = actor(request)
    event, _acc = selectors.get_event_for_user(user, id)
    return _event_out(user, services.event_approve(actor=user, event=event))


@router.post("/events/{id}/invitations", response={200: InvitedOut, **ERRORS})
def invitations_endpoint(request, id: PathId, payload: InviteIn):
    """Invite the caller's customers; the contact rules of campaigns apply, and who was left out
    says by which rule. SMS and email invitations carry a personal RSVP link (to the outbox)."""
    user = actor(request)
    event, _acc = selectors.get_event_for_user(user, id)
    if payload.customer_ids is not None and payload.filter is not None:
        raise invalid("customer_ids", _("Give the guests either as customer_ids or as a filter."))
    invited, excluded = services.invitations_send(
        actor=user, event=event, channel=payload.channel, customer_ids=payload.customer_ids,
        filter=payload.filter.model_dump(mode="json", exclude_unset=True) if payload.filter else None,
        base_url=request.build_absolute_uri("/"))
    return {"invited": invited, "excluded": [{"customer_id": c, "rule": r} for c, r in excluded]}


@router.get("/events/{id}/invitations", response={200: list[InvitationOut], **ERRORS})
def invitations_list(request, id: PathId):
    """The invitations the caller sees: a manager, the own guests; the organiser and the door, all."""
    user = actor(request)
    event, acc = selectors.get_event_for_user(user, id)
    rows = list(selectors.guests(user, event, acc))
    customers_listed(actor=user, customer_ids=[i.customer_id for i in rows], via="api_event_invitations",
                     params={"event": event.pk})
    return [_invitation_out(i) for i in rows]


@router.post("/events/{id}/invitations/{customer_id}/rsvp", response={200: InvitationOut, **ERRORS})
def rsvp_endpoint(request, id: PathId, customer_id: PathId, payload: RsvpIn):
    """The guest's answer, taken by the manager (on the phone, in person). A full event puts a yes
    on the waiting list; a no frees the seat for the first waiting."""
    user = actor(request)
    event, _acc = selectors.get_event_for_user(user, id)
    inv = selectors.my_invitation(user, event, customer_id)
    inv = services.rsvp_record(invitation=inv, answer=payload.answer, guests=payload.guests, actor=user, via="api")
    return _invitation_out(inv)


@router.post("/events/{id}/checkin", response={201: AttendanceOut, **ERRORS})
def checkin_endpoint(request, id: PathId, payload: CheckinIn):
    """Check a guest in by `customer_id` or the invitation's `code`. A second check-in of the same
    guest is not counted twice (`already_checked_in`). A customer of the caller's reach who was not
    invited is added as a walk-in."""
    user = actor(request)
    event, acc = selectors.get_event_for_user(user, id)
    if (payload.customer_id is None) == (payload.code is None):
        raise invalid("customer_id", _("Give the guest's customer_id or the check-in code."))
    if payload.code is not None:
        inv = event.invitations.select_related("customer").filter(code=clean_text(payload.code)).first()
        if inv is None or not (acc.door or visible_customers(user).filter(pk=inv.customer_id).exists()):
            raise invalid("code", _("No guest of this event has this code."))
        inv, first = services.checkin(actor=user, event=event, invitation=inv)
    else:
        inv = event.invitations.filter(customer_id=payload.customer_id).select_related("customer").first()
        reachable = visible_customers(user).filter(pk=payload.customer_id).exists()
        if inv is not None and (acc.door or reachable):
            inv, first = services.checkin(actor=user, event=event, invitation=inv)
        elif reachable and (acc.door or acc.invite):
            inv, first = services.walk_in(actor=user, event=event,
                                          customer=Customer.objects.get(pk=payload.customer_id))
        elif not (acc.door or acc.invite):
            raise PermissionDenied(_("Only the event's staff check guests in."))
        else:
            raise invalid("customer_id", _("No such customer."))
    return Status(201, {**_invitation_out(inv), "already_checked_in": not first})


@router.post("/events/{id}/close", response={200: EventOut, **ERRORS_409})
def close_endpoint(request, id: PathId):
    """The event took place: no-shows are known, follow-ups go on the managers' lists, the RSVP
    links stop working. 409 when it was closed already."""
    user = actor(request)
    event, _acc = selectors.get_event_for_user(user, id)
    return _event_out(user, services.event_close(actor=user, event=event))


@router.get("/events/{id}/review", response={200: ReviewOut, **ERRORS})
def review_endpoint(request, id: PathId):
    """The review (EVT-4): over every guest for the organiser, the branch head and the auditor; over
    the own guests for a manager who invited to someone else's event."""
    user = actor(request)
    event, acc = selectors.get_event_for_user(user, id)
    qs = None if acc.all_guests else selectors.guests(user, event, acc)
    return selectors.review(event, qs)

