"""API v1: campaigns, call lists, outcomes and funnel (API.md), and appointments (extension)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, model_validator

from banyan.contacts.models import Appointment, AppointmentStatus
from banyan.contacts.services import appointment_create
from banyan.customers.api import RiskCode, customer_or_404
from banyan.customers.services import customers_listed
from banyan.holdings.api import ProductTypeCode
from banyan.holdings.selectors import get_product
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    Bool,
    Id,
    In,
    Int,
    IsoDate,
    IsoDateTime,
    MoneyIn,
    PathId,
    actor,
    clean_text,
    invalid,
    omittable,
)
from banyan.outreach.selectors import (
    call_list,
    entry_for_user,
    exclusions,
    get_campaign_for_user,
    visible_funnel,
)
from banyan.outreach.services import call_outcome_record, campaign_create
from banyan.segments.models import Quadrant

router = Router(tags=["outreach"])
OutcomeIn = Literal["not_reached", "refused", "interested", "call_back", "appointment"]
QuadrantCode = Literal[tuple(Quadrant.values)]
#: At most this many customers named in one campaign (more: give a filter).
MAX_TARGETS = 10_000


class CampaignFilter(In):
    """The saved filter of a campaign (OUT-1) over the caller's customers: every criterion given
    must hold; at least one is given (an empty filter would take the whole book)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    quadrant: QuadrantCode = omittable()
    aum_min: MoneyIn = omittable(description="AUM at least, yuan.")
    aum_max: MoneyIn = omittable(description="AUM below, yuan.")
    holds: ProductTypeCode = omittable(description="Holds a product of this type.")
    not_holds: ProductTypeCode = omittable(description="Holds no product of this type.")
    maturity_within_days: Int = omittable(ge=0, le=366, description="A product matures within this many days.")
    not_contacted_days: Int = omittable(ge=0, le=3650, description="Not contacted for this many days.")
    risk_level: RiskCode = omittable()
    priority: Bool = omittable(description="Priority customers only (true) or everyone (false).")
    rm: Id = omittable(description="The id of the manager whose customers.")

    @model_validator(mode="after")
    def _some_criterion(self):
        if not self.model_fields_set:
            raise ValueError(_("Give at least one criterion: an empty filter would take every customer."))
        return self


class CampaignIn(In):
    """The targets are `customer_ids` or a `filter`: exactly one of them."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["customer_ids"]},
                                                           {"required": ["filter"]}]})

    name: str = Field(min_length=1, max_length=100)
    purpose: str = Field("", max_length=300)
    goal: str = Field("", max_length=300)
    start_date: IsoDate
    end_date: IsoDate
    customer_ids: list[Id] = omittable(min_length=1, max_length=MAX_TARGETS,
                                       description="The targets (customer ids), or give a filter instead.")
    filter: CampaignFilter = omittable()  # a $ref: its description is CampaignFilter's
    product_code: str = omittable(min_length=1, max_length=30,
                                  description="The product the calls promote: customers who may not buy it "
                                              "(banyan.wealth.suitability) are left out with the rule.")


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
    product_code: str | None = Field(None, description="The product the calls promote, if any.")


class CallOut(Schema):
    customer_id: int
    status: str = Field(description="pending, not_reached, refused, interested, call_back, appointment")
    attempts: int
    visited: bool
    sold: bool


class ExcludedOut(Schema):
    customer_id: int
    rule: str = Field(description="do_not_disturb, no_phone_consent, monthly_call_cap, other_campaign; for a "
                                  "campaign promoting a product also no_assessment, assessment_expired, "
                                  "risk_above_level")


class CallsOut(Schema):
    items: list[CallOut]
    excluded: list[ExcludedOut]


class OutcomeBody(In):
    outcome: OutcomeIn
    reason: str = Field("", max_length=100, description="Why the customer refused.")
    note: str = Field("", max_length=500)
    appointment_at: IsoDateTime | None = None
    place: str = Field("", max_length=100)
    call_back_at: IsoDateTime | None = None
    objection: Literal["", "delay", "not_interested", "distrust", "misunderstanding", "unmet_need"] = ""
    minutes: Int = Field(0, ge=0, le=600)
    attempts: Int | None = Field(None, ge=0, le=32766,  # one more call must fit the column
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
    at: IsoDateTime
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


def _campaign_out(user, c) -> dict:
    """The campaign as the caller may see it: `listed` and `excluded` count only the caller's
    customers (a manager: their own; a branch head: the branch's), as the campaign page does."""
    return {"id": c.pk, "name": c.name, "purpose": c.purpose, "goal": c.goal, "start_date": c.start_date,
            "end_date": c.end_date, "status": c.status, "listed": visible_funnel(user, c)["listed"],
            "excluded": exclusions(user, c).count(), "product_code": c.product.code if c.product_id else None}


@router.post("/campaigns", response={201: CampaignOut, **ERRORS})
def campaign_create_endpoint(request, payload: CampaignIn):
    """A campaign over the caller's own customers; its call list is built at once, and the
    customers a contact rule leaves out are listed with the rule (GET …/calls)."""
    product = None
    if payload.product_code is not None:
        product = get_product(clean_text(payload.product_code).strip())
        if product is None:
            raise invalid("product_code", _("No product has the code %(c)s.") % {"c": payload.product_code})
    campaign = campaign_create(actor=actor(request), name=payload.name, purpose=payload.purpose, goal=payload.goal,
                               start_date=payload.start_date, end_date=payload.end_date, product=product,
                               customer_ids=payload.customer_ids,
                               filter=payload.filter.model_dump(mode="json", exclude_unset=True) if payload.filter
                               else None)
    return Status(201, _campaign_out(actor(request), campaign))


@router.get("/campaigns/{id}", response={200: CampaignOut, **ERRORS})
def campaign_get(request, id: PathId):
    """The campaign, with the number of the caller's customers it lists and leaves out."""
    user = actor(request)
    return _campaign_out(user, get_campaign_for_user(user, id))


@router.get("/campaigns/{id}/calls", response={200: CallsOut, **ERRORS})
def campaign_calls(request, id: PathId):
    """Who is on the call list (the caller's customers), and who was left out by which rule."""
    user = actor(request)
    campaign = get_campaign_for_user(user, id)
    items = [{"customer_id": e.customer_id, "status": e.status, "attempts": e.attempts, "visited": e.visited,
              "sold": e.sold} for e in call_list(user, campaign)]
    excluded = [{"customer_id": x.customer_id, "rule": x.rule} for x in exclusions(user, campaign)]
    customers_listed(actor=user, customer_ids=[r["customer_id"] for r in items + excluded], via="api_campaign_calls",
                     params={"campaign": campaign.pk})
    return {"items": items, "excluded": excluded}


@router.post("/campaigns/{id}/calls/{customer_id}/outcome", response={201: OutcomeOut, **ERRORS_409})
def campaign_call_outcome(request, id: PathId, customer_id: PathId, payload: OutcomeBody):
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
def campaign_funnel(request, id: PathId):
    """listed → called → reached → interested → appointment → visited → sold, over the caller's
    customers on the list (a manager: their own calls; a branch head: the branch's)."""
    user = actor(request)
    return visible_funnel(user, get_campaign_for_user(user, id))


def _appointment_out(a: Appointment, guidance: list[str] | None = None) -> dict:
    return {"id": a.pk, "customer_id": a.customer_id, "at": a.at, "place": a.place, "purpose": a.purpose,
            "status": a.status, "guidance": guidance or []}


@router.post("/customers/{id}/appointments", response={201: AppointmentOut, **ERRORS_409})
def appointment_create_endpoint(request, id: PathId, payload: AppointmentIn):
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
