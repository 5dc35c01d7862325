"""API v1: capacity planning (issue 16 §8; shared/API.md "The front line"):
GET /branches/{code}/capacity and POST /branches/{code}/capacity/accept. The figures are
banyan.staffing.capacity's — the same as the page's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import Field, Router, Schema

from banyan.org.api import ERRORS, In, actor
from banyan.org.models import Role
from banyan.staffing.capacity import NONE, QUADRANTS, Capacity, ManagerLoad, capacity, capacity_scope, one_place
from banyan.staffing.capacity_services import MAX_CUSTOMERS, branch_manager, capacity_accept, capacity_read

router = Router(tags=["staffing"])


class BookByQuadrantOut(Schema):
    high_high: int
    high_low: int
    low_high: int
    low_low: int
    none: int = Field(description="Customers without a segment yet.")


class CapacityManagerOut(Schema):
    manager: str = Field(description="The manager's username.")
    name: str
    role: str = Field(description="rm or planner.")
    is_senior: bool
    book: int = Field(description="Customers in the manager's book.")
    book_by_quadrant: BookByQuadrantOut
    agreed: int = Field(description="Customers with a contact frequency agreed with them.")
    maturities_only: int = Field(description="Customers contacted only before maturities.")
    contacts_needed_per_month: float = Field(
        description="Σ over the book of 30.4 ÷ the customer's frequency (the one agreed with the customer, else "
                    "the segment policy's for the quadrant), plus one contact per maturity day this month of the "
                    "customers contacted only before maturities; one decimal.")
    daily_capacity: int
    working_days: int = Field(description="Working days of the month in the bank's calendar.")
    capacity_per_month: int = Field(description="daily_capacity × working_days.")
    load: float | None = Field(description="contacts_needed_per_month ÷ capacity_per_month, a fraction (1.319 is "
                                           "131.9 %); null when the capacity is 0.")
    over: bool = Field(description="More contacts needed than the capacity (load above 1).")
    load_after_proposals: float | None = Field(
        description="The load once every proposal below is accepted (the whole branch's reading only).")


class ProposedCustomerOut(Schema):
    customer_id: int
    name: str
    quadrant: str | None
    frequency_days: int
    contacts_per_month: float


class ProposalOut(Schema):
    from_rm: str = Field(description="The username of the manager over 100 % who gives the customers.")
    to_rm: str = Field(description="The username of the manager with room who takes them.")
    customer_ids: list[int]
    customers: list[ProposedCustomerOut]
    contacts_per_month: float = Field(description="The contacts a month the customers need, moving with them.")


class CapacityOut(Schema):
    branch: str
    month: dt.date = Field(description="The first day of the month the figures are for (this month).")
    working_days: int
    managers: list[CapacityManagerOut]
    proposals: list[ProposalOut] = Field(
        description="Moves that bring the managers over 100 % to 100 % or under, each taker staying at 100 % or "
                    "under; the lowest-value cadence customers first, never a priority customer. Empty for a "
                    "manager reading his or her own row.")
    unrelieved: list[str] = Field(description="Managers still over 100 % after every proposal (no room in the "
                                              "branch).")


class CapacityAcceptIn(In):
    from_rm: str = Field(max_length=150, description="The giver's username.")
    to_rm: str = Field(max_length=150, description="The taker's username.")
    customer_ids: list[int] = Field(min_length=1, max_length=MAX_CUSTOMERS)


class CapacityAcceptOut(Schema):
    moved: list[int] = Field(description="The customers moved by this request.")
    skipped: list[int] = Field(description="The customers no longer in the giver's book (moved already: a second "
                                           "accept of the same proposal moves nothing).")


def _f(value) -> float | None:
    return None if value is None else float(value)


def _manager_out(row: ManagerLoad, cap: Capacity, with_after: bool) -> dict[str, Any]:
    s = row.staff
    return {
        "manager": s.username, "name": s.display_name, "role": s.role, "is_senior": s.is_senior, "book": row.book,
        "book_by_quadrant": {str(q): row.by_quadrant.get(q, 0) for q in [*QUADRANTS, NONE]},
        "agreed": row.agreed, "maturities_only": row.maturities_only,
        "contacts_needed_per_month": float(one_place(row.needed)), "daily_capacity": s.daily_capacity,
        "working_days": cap.working_days, "capacity_per_month": row.capacity, "load": _f(row.load),
        "over": row.over, "load_after_proposals": _f(row.load_after) if with_after else None,
    }


def capacity_out(cap: Capacity, *, whole: bool) -> dict[str, Any]:
    return {
        "branch": cap.branch.code, "month": cap.month, "working_days": cap.working_days,
        "managers": [_manager_out(r, cap, whole) for r in cap.managers],
        "proposals": [{"from_rm": p.giver.staff.username, "to_rm": p.taker.staff.username,
                       "customer_ids": [c.id for c in p.customers],
                       "customers": [{"customer_id": c.id, "name": c.name, "quadrant": c.quadrant,
                                      "frequency_days": c.frequency_days,
                                      "contacts_per_month": float(one_place(c.contacts))}
                                     for c in p.customers],
                       "contacts_per_month": float(one_place(p.contacts))} for p in cap.proposals],
        "unrelieved": [r.staff.username for r in cap.unrelieved],
    }


@router.get("/branches/{code}/capacity", response={200: CapacityOut, **ERRORS})
def capacity_get(request, code: str):
    """The branch's capacity plan for this month (issue 16 §8): per manager the book (by
    quadrant), the contacts a month the cadence demands, the capacity and the load; the proposed
    moves for the managers over 100 %. The branch head of the branch and the admin read it all; a
    manager of the branch reads his or her own row (no proposals); anyone else gets 404. One
    audit event per read (the proposals name customers)."""
    user = actor(request)
    branch, manager_id = capacity_scope(user, code)
    cap = capacity(branch, manager_id=manager_id)
    capacity_read(actor=user, cap=cap, via="api")
    return capacity_out(cap, whole=manager_id is None)


@router.post("/branches/{code}/capacity/accept", response={200: CapacityAcceptOut, **ERRORS})
def capacity_accept_post(request, code: str, body: CapacityAcceptIn):
    """Accept a proposal (or any move of customers between two managers of the branch): a normal
    reassignment — the customers' open work follows them, one audit event names them. Exactly
    once: customers no longer in `from_rm`'s book are skipped. The branch head of the branch and
    the admin; anyone else 404."""
    user = actor(request)
    branch, manager_id = capacity_scope(user, code)
    if manager_id is not None or user.role not in (Role.BRANCH_HEAD, Role.ADMIN):
        raise Http404("Only the branch head moves customers")
    from_rm = branch_manager(branch, body.from_rm, "from_rm")
    to_rm = branch_manager(branch, body.to_rm, "to_rm")
    return capacity_accept(actor=user, branch=branch, from_rm=from_rm, to_rm=to_rm, customer_ids=body.customer_ids)
