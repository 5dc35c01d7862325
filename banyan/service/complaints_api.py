"""API v1: complaints (SVC-1, API.md "Service quality")."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from banyan.audit.services import audit_log
from banyan.customers.api import customer_or_404
from banyan.holdings.models import Product
from banyan.org.api import ERRORS, ERRORS_409, Id, In, IsoDateTime, Moment, Page, PathId, actor
from banyan.org.models import Staff
from banyan.service.complaint_selectors import complaints_list, get_complaint_for_user, is_overdue, may_note, may_work
from banyan.service.complaints import (
    complaint_act,
    complaint_extend,
    complaint_new_facts,
    complaint_pause,
    complaint_reassign,
    complaint_receive,
    complaint_resolve,
    complaint_resume,
)
from banyan.service.complaints_clock import MAX_DAYS
from banyan.service.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    InformedHow,
    RootCause,
)

router = Router(tags=["complaints"])

ChannelCode = Literal[tuple(ComplaintChannel.values)]
StatusCode = Literal[tuple(ComplaintStatus.values)]
CauseCode = Literal[tuple(RootCause.values)]
InformedCode = Literal[tuple(InformedHow.values)]


class ComplaintIn(In):
    customer_id: Id
    channel: ChannelCode
    category: str = Field(min_length=1, max_length=30, description="A category code of the bank's list: service, "
                                                                   "fees, sales, wealth, card, loan, deposit, "
                                                                   "ebanking, other, or one the bank added.")
    description: str = Field(min_length=1, max_length=2000)
    received_at: IsoDateTime = Field(description="When the bank received it; the regulator's clock starts then.")
    staff_concerned: list[str] = Field(default_factory=list, max_length=20,
                                       description="Usernames of the staff the complaint is about: never its owner.")
    product_codes: list[str] = Field(default_factory=list, max_length=20, description="Products concerned.")


class ActionIn(In):
    text: str = Field(min_length=1, max_length=1000)


class ExtendIn(In):
    days: int = Field(ge=1, le=MAX_DAYS, description="Days added to the allowance: to at most 30 in all with a "
                                                    "reason, at most 60 only by a branch head; 422 beyond.")
    reason: str = Field(min_length=1, max_length=500)


class PauseIn(In):
    reason: str = Field(min_length=1, max_length=500, description="The outside appraisal (鉴定) waited on.")


class ResumeIn(In):
    note: str | None = Field(None, max_length=500)


class FactsIn(In):
    text: str = Field(min_length=1, max_length=1000, description="New facts and reasons: the clock restarts.")


class ReassignIn(In):
    owner: str = Field(min_length=1, max_length=150, description="Username; never one of the staff concerned.")
    note: str | None = Field(None, max_length=500)


class RootCauseIn(In):
    cause: CauseCode
    change: str = Field(min_length=1, max_length=1000, description="What changes so that it does not recur.")
    owner: str | None = Field(None, max_length=150, description="Username of who owns the change; omitted: "
                                                                "the caller.")


class ResolveIn(In):
    resolution: str = Field(min_length=1, max_length=2000)
    root_cause: RootCauseIn | None = Field(None, description="Required: 422 without it.")
    satisfaction: int | None = Field(None, ge=1, le=5)
    informed_how: InformedCode | None = Field(None, description="How the customer was told the decision; "
                                                                 "omitted: by phone.")
    informed_at: IsoDateTime | None = Field(None, description="When; omitted: now.")


class ActionOut(Schema):
    id: int
    kind: str
    text: str
    actor: str
    at: Moment


class ComplaintOut(Schema):
    id: int
    customer_id: int
    channel: ChannelCode
    category: str
    description: str
    received_at: Moment
    status: StatusCode
    owner: str = Field(description="Username of the owner.")
    due_date: dt.date = Field(description="The decision is due then (calendar days; appraisal time not counted).")
    limit_days: int
    paused_days: int
    overdue: bool
    extension_reason: str
    repeats: int
    staff_concerned: list[str]
    resolution: str
    decided_on: dt.date | None
    informed_at: Moment | None
    informed_how: str
    satisfaction: int | None
    root_cause: dict | None
    merged: bool = Field(False, description="On intake: a repeat merged into this open complaint.")


class ComplaintPageOut(Page):
    items: list[ComplaintOut]


def complaint_out(c: Complaint, *, merged: bool = False) -> dict:
    data = {f: getattr(c, f) for f in ("id", "customer_id", "channel", "description", "received_at", "status",
                                       "due_date", "limit_days", "paused_days", "extension_reason", "repeats",
                                       "resolution", "decided_on", "informed_at", "informed_how", "satisfaction")}
    data.update(category=c.category.code, owner=c.owner.username, overdue=is_overdue(c), merged=merged,
                staff_concerned=sorted(s.username for s in c.staff_concerned.all()),
                root_cause={"cause": c.cause, "change": c.cause_change,
                            "owner": c.cause_owner.username if c.cause_owner_id else None} if c.cause else None)
    return data


def _staff(usernames, field: str) -> list[Staff]:
    found = {s.username: s for s in Staff.objects.filter(username__in=usernames)}
    missing = [u for u in usernames if u not in found]
    if missing:
        raise ValidationError({field: [_("Unknown staff: %(names)s") % {"names": ", ".join(missing)}]})
    return [found[u] for u in usernames]


def _workable(request, id: int) -> Complaint:
    """A complaint the caller may change (owner, branch head); one merely visible is 403, one not
    visible 404."""
    c = get_complaint_for_user(actor(request), id)
    if not may_work(actor(request), c):
        raise PermissionDenied
    return c


@router.post("/complaints", response={201: ComplaintOut, **ERRORS})
def complaint_create(request, payload: ComplaintIn):
    """Take in a complaint from any channel. The owner is routed (the branch head of the customer's
    branch, or the bank's rule for the category) and is never one of the staff concerned; the
    decision is due 15 calendar days after receipt. A repeat of an open complaint of the same
    customer and category is merged into it (`merged` true, the same id)."""
    customer = customer_or_404(request, payload.customer_id)
    category = ComplaintCategory.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise ValidationError({"category": [_("No such complaint category.")]})
    concerned = _staff(payload.staff_concerned, "staff_concerned")
    products = list(Product.objects.filter(code__in=payload.product_codes))
    if len(products) != len(set(payload.product_codes)):
        raise ValidationError({"product_codes": [_("Unknown product.")]})
    c, merged = complaint_receive(actor=actor(request), customer=customer, channel=payload.channel, category=category,
                                  description=payload.description, received_at=payload.received_at,
                                  staff_concerned=concerned, products=products)
    return Status(201, complaint_out(c, merged=merged))


@router.get("/complaints", response={200: ComplaintPageOut, **ERRORS})
def complaint_index(request, status: StatusCode | None = None, overdue: bool | None = None):
    """The complaints the caller may see (owner, the customer's manager, the branch head, the auditor)."""
    qs = complaints_list(actor(request), status=status, overdue=overdue).prefetch_related("staff_concerned")
    items = [complaint_out(c) for c in qs[:500]]
    audit_log(actor=actor(request), action="complaints.listed", data={"count": len(items)},
              customer_ids=[i["customer_id"] for i in items])
    return {"items": items, "count": len(items)}


@router.get("/complaints/{id}", response={200: ComplaintOut, **ERRORS})
def complaint_detail(request, id: PathId):
    c = get_complaint_for_user(actor(request), id)
    audit_log(actor=actor(request), action="complaint.read", customer_id=c.customer_id, obj=c)
    return complaint_out(c)


@router.get("/complaints/{id}/actions", response={200: list[ActionOut], **ERRORS})
def complaint_actions(request, id: PathId):
    c = get_complaint_for_user(actor(request), id)
    return [{"id": a.pk, "kind": a.kind, "text": a.text, "actor": a.actor.username, "at": a.at}
            for a in c.actions.select_related("actor")]


@router.post("/complaints/{id}/actions", response={201: ActionOut, **ERRORS_409})
def complaint_action_create(request, id: PathId, payload: ActionIn):
    """Record an action (who, what, when): the owner, the branch head or the customer's manager."""
    c = get_complaint_for_user(actor(request), id)
    if not may_note(actor(request), c):
        raise PermissionDenied
    a = complaint_act(actor=actor(request), complaint=c, text=payload.text)
    return Status(201, {"id": a.pk, "kind": a.kind, "text": a.text, "actor": a.actor.username, "at": a.at})


@router.post("/complaints/{id}/extend", response={200: ComplaintOut, **ERRORS_409})
def complaint_extend_endpoint(request, id: PathId, payload: ExtendIn):
    """Extend the deadline for a complex case: to at most 30 days in all with a reason, at most 60
    with a branch head's approval (the caller); 422 beyond the regulator's limit."""
    c = complaint_extend(actor=actor(request), complaint=_workable(request, id), days=payload.days,
                         reason=payload.reason)
    return complaint_out(c)


@router.post("/complaints/{id}/pause", response={200: ComplaintOut, **ERRORS_409})
def complaint_pause_endpoint(request, id: PathId, payload: PauseIn):
    """An outside appraisal is out: its days do not count toward the deadline."""
    return complaint_out(complaint_pause(actor=actor(request), complaint=_workable(request, id), reason=payload.reason))


@router.post("/complaints/{id}/resume", response={200: ComplaintOut, **ERRORS_409})
def complaint_resume_endpoint(request, id: PathId, payload: ResumeIn):
    """The appraisal is back: the due date moves by the days it took."""
    return complaint_out(complaint_resume(actor=actor(request), complaint=_workable(request, id),
                                          note=payload.note or ""))


@router.post("/complaints/{id}/facts", response={200: ComplaintOut, **ERRORS_409})
def complaint_facts_endpoint(request, id: PathId, payload: FactsIn):
    """New facts from the customer: the clock restarts (15 days from today)."""
    return complaint_out(complaint_new_facts(actor=actor(request), complaint=_workable(request, id), text=payload.text))


@router.post("/complaints/{id}/reassign", response={200: ComplaintOut, **ERRORS_409})
def complaint_reassign_endpoint(request, id: PathId, payload: ReassignIn):
    """The branch head hands the complaint to another owner (never one of the staff concerned)."""
    c = _workable(request, id)
    me = actor(request)
    if not (me.role == "branch_head" and me.branch_id == c.branch_id):
        raise PermissionDenied
    to = Staff.objects.filter(username=payload.owner, is_active=True).first()
    if to is None:
        raise ValidationError({"owner": [_("Unknown staff: %(names)s") % {"names": payload.owner}]})
    return complaint_out(complaint_reassign(actor=me, complaint=c, to=to, note=payload.note or ""))


@router.post("/complaints/{id}/resolve", response={200: ComplaintOut, **ERRORS_409})
def complaint_resolve_endpoint(request, id: PathId, payload: ResolveIn):
    """Record the decision, how the customer was told, their satisfaction and the root cause (its
    category, what changes so it does not recur, who owns the change). 422 without a root cause;
    409 when resolved already. The customer's manager then gets a care call (complaint_care)."""
    c = _workable(request, id)
    rc = payload.root_cause
    if rc is None:
        raise ValidationError({"root_cause": [_("Name the root cause: no complaint is closed without it.")]})
    owner = _staff([rc.owner], "root_cause")[0] if rc.owner else None
    c = complaint_resolve(actor=actor(request), complaint=c, resolution=payload.resolution, cause=rc.cause,
                          cause_change=rc.change, cause_owner=owner, satisfaction=payload.satisfaction,
                          informed_how=payload.informed_how or "", informed_at=payload.informed_at)
    return complaint_out(c)

