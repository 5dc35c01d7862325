"""API v1: campaigns, call lists, outcomes and funnel (API.md), and appointments (extension)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema
from ninja.responses import Status

from banyan.contacts.models import Appointment, AppointmentStatus
from banyan.contacts.services import appointment_create
from banyan.customers.api import customer_or_404
from banyan.org.api import ERRORS, ERRORS_409, In, actor
from banyan.outreach.selectors import call_list, entry_for_user, exclusions, get_campaign_for_user
from banyan.outreach.services import call_outcome_record, campaign_create, funnel

router = Router(tags=["outreach"])
OutcomeIn = Literal["not_reached", "refused", "interested", "call_back", "appointment"]


class CampaignIn(In):
    name: str = Field(min_length=1, max_length=100)
    purpose: str = Field("", max_length=300)
    goal: str = Field("", max_length=300)
    start_date: dt.date
    end_date: dt.date
    customer_ids: list[int] | None = Field(None, description="The targets, or give a filter instead.")
    filter: dict[str, str | int | bool] | None = Field(
        None, description="quadrant, aum_min, aum_max, holds, not_holds (product types), maturity_within_days, "
                          "not_contacted_days, risk_level, priority, rm (staff id).")


class CampaignOut(Schema):
    id: int
    name: str
    purpose: str
    goal: str
    start_date: dt.date
    end_date: dt.date
    status: str
    listed: int
    excluded: int


class CallOut(Schema):
    customer_id: int
    status: str = Field(description="pending, not_reached, refused, interested, call_back, appointment")
    attempts: int
    visited: bool
    sold: bool


class ExcludedOut(Schema):
    customer_id: int
    rule: str = Field(description="do_not_disturb, no_phone_consent, monthly_call_cap, other_campaign")


class CallsOut(Schema):
    items: list[CallOut]
    excluded: list[ExcludedOut]


class OutcomeBody(In):
    outcome: OutcomeIn
    reason: str = Field("", max_length=100, description="Why the customer refused.")
    note: str = Field("", max_length=500)
    appointment_at: dt.datetime | None = None
    place: str = Field("", max_length=100)
    call_back_at: dt.datetime | None = None
    objection: Literal["", "delay", "not_interested", "distrust", "misunderstanding", "unmet_need"] = ""
    minutes: int = Field(0, ge=0, le=600)
    attempts: int | None = Field(None, ge=0, le=32767,
                                 description="The calls you saw recorded (`attempts` of GET …/calls): when another "
                                             "was recorded since, 409 and nothing is recorded. Default: as of now.")


class OutcomeOut(Schema):
    customer_id: int
    status: str
    guidance: list[str] = Field(description="Advice to show, e.g. that a meeting usually needs two contacts first.")


class FunnelOut(Schema):
    listed: int
    called: int
    reached: int
    interested: int
    appointment: int
    visited: int
    sold: int


class AppointmentIn(In):
    at: dt.datetime
    place: str = Field(min_length=1, max_length=100)
    purpose: str = Field("", max_length=200)


class AppointmentOut(Schema):
    id: int
    customer_id: int
    at: dt.datetime
    place: str
    purpose: str
    status: str
    guidance: list[str] = []


def _campaign_out(c) -> dict:
    return {"id": c.pk, "name": c.name, "purpose": c.purpose, "goal": c.goal, "start_date": c.start_date,
            "end_date": c.end_date, "status": c.status, "listed": c.entries.count(), "excluded": c.exclusions.count()}


@router.post("/campaigns", response={201: CampaignOut, **ERRORS})
def campaign_create_endpoint(request, payload: CampaignIn):
    """A campaign over the caller's own customers; its call list is built at once, and the
    customers a contact rule leaves out are listed with the rule (GET …/calls)."""
    campaign = campaign_create(actor=actor(request), name=payload.name, purpose=payload.purpose, goal=payload.goal,
                               start_date=payload.start_date, end_date=payload.end_date,
                               customer_ids=payload.customer_ids, filter=payload.filter)
    return Status(201, _campaign_out(campaign))


@router.get("/campaigns/{id}", response={200: CampaignOut, **ERRORS})
def campaign_get(request, id: int):
    return _campaign_out(get_campaign_for_user(actor(request), id))


@router.get("/campaigns/{id}/calls", response={200: CallsOut, **ERRORS})
def campaign_calls(request, id: int):
    """Who is on the call list (the caller's customers), and who was left out by which rule."""
    user = actor(request)
    campaign = get_campaign_for_user(user, id)
    return {"items": [{"customer_id": e.customer_id, "status": e.status, "attempts": e.attempts,
                       "visited": e.visited, "sold": e.sold} for e in call_list(user, campaign)],
            "excluded": [{"customer_id": x.customer_id, "rule": x.rule} for x in exclusions(user, campaign)]}


@router.post("/campaigns/{id}/calls/{customer_id}/outcome", response={201: OutcomeOut, **ERRORS_409})
def campaign_call_outcome(request, id: int, customer_id: int, payload: OutcomeBody):
    """Record a call; it is also a contact in the customer's history. 409 when another call with the
    customer was recorded meanwhile (a double submit): nothing is recorded twice."""
    user = actor(request)
    entry = entry_for_user(user, get_campaign_for_user(user, id), customer_id)
    _log, guidance = call_outcome_record(
        actor=user, entry=entry, outcome=payload.outcome, reason=payload.reason, note=payload.note,
        objection=payload.objection, minutes=payload.minutes, call_back_at=payload.call_back_at,
        appointment_at=payload.appointment_at, place=payload.place, attempts=payload.attempts)
    return Status(201, {"customer_id": entry.customer_id, "status": entry.status, "guidance": guidance})


@router.get("/campaigns/{id}/funnel", response={200: FunnelOut, **ERRORS})
def campaign_funnel(request, id: int):
    """listed → called → reached → interested → appointment → visited → sold."""
    return funnel(get_campaign_for_user(actor(request), id))


def _appointment_out(a: Appointment, guidance: list[str] | None = None) -> dict:
    return {"id": a.pk, "customer_id": a.customer_id, "at": a.at, "place": a.place, "purpose": a.purpose,
            "status": a.status, "guidance": guidance or []}


@router.post("/customers/{id}/appointments", response={201: AppointmentOut, **ERRORS})
def appointment_create_endpoint(request, id: int, payload: AppointmentIn):
    """Book a meeting; it comes back on the worklist (a confirmation call the day before)."""
    customer = customer_or_404(request, id)
    appointment, guidance = appointment_create(actor=actor(request), customer=customer, at=payload.at,
                                               place=payload.place, purpose=payload.purpose)
    return Status(201, _appointment_out(appointment, guidance))


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def my_appointments(request):
    """The caller's scheduled meetings from today on."""
    from banyan import clock

    qs = Appointment.objects.filter(staff=actor(request), status=AppointmentStatus.SCHEDULED,
                                    at__date__gte=clock.today()).order_by("at")[:200]
    return [_appointment_out(a) for a in qs]
