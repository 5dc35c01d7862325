"""API v1: staffing by tier (issue 16 §7).

`GET /branches/{code}/tiers` — the branch's customers per tier and manager, and who is out of
place (a page of them); `POST /branches/{code}/reassign` — move chosen customers to a manager of
the branch (the hand-over: their open work follows, one audit event; a double submit moves them
once), or `assistant` instead of `to_rm`: give minor customers to an assistant. Only the branch's
head and an administrator: anyone else, and another branch's head, get 404 — as for a branch
that does not exist."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from banyan.customers.services import customers_listed, customers_reassign
from banyan.org.api import ERRORS, Id, In, Money, actor
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff
from banyan.staffing.models import Coverage
from banyan.staffing.tiers import SORTS, customers_give_to_assistant, out_of_place, tier_counts

router = Router(tags=["staffing"])

CoverageCode = Literal[tuple(Coverage.values)]
SortCode = Literal[tuple(SORTS)]


class TierOut(Schema):
    code: str
    name: str
    min_aum: Money = Field(description="The tier starts at this AUM (yuan); the lowest tier takes everyone below.")
    coverage: CoverageCode = Field(description="Who covers the tier's customers: private_banker, senior, "
                                               "branch_head_co_cover (a senior manager, and the branch head "
                                               "co-covers) or assistant_ok (an assistant may serve them).")
    customers: int
    aum: Money


class ManagerTiersOut(Schema):
    manager: str | None = Field(description="Username; null for the customers nobody keeps.")
    name: str
    private_banker: bool
    senior: bool
    tiers: dict[str, int] = Field(description="Customers per tier code.")
    out_of_place: int


class OutOfPlaceOut(Schema):
    customer_id: int
    name: str
    aum: Money
    tier: str
    rm: str | None = Field(description="Username of the customer's manager; null when nobody keeps the customer.")
    assistant: str | None
    why: CoverageCode = Field(description="The coverage the customer's tier calls for and the manager does not give.")


class TiersOut(Schema):
    branch: str
    tiers: list[TierOut]
    managers: list[ManagerTiersOut]
    out_of_place_count: int
    co_covered_by_branch_head: int = Field(description="Customers of the tiers the branch head co-covers.")
    items: list[OutOfPlaceOut] = Field(description="A page of the out-of-place customers (limit, offset, sort).")


class ReassignIn(In):
    customer_ids: list[Id] = Field(min_length=1, max_length=1000, description="Customers of the branch.")
    to_rm: str | None = Field(None, max_length=150, description="Username of a manager of the branch: the "
                                                                 "customers move to his or her book.")
    assistant: str | None = Field(None, max_length=150, description="Or: username of an assistant of the "
                                                                     "branch who serves these minor-tier customers "
                                                                     "(their manager stays).")
    reason: str = Field("", max_length=200, description="A note kept with the audit event.")


class ReassignOut(Schema):
    moved: int = Field(description="Customers moved (or given to the assistant) by this request.")
    skipped: int = Field(description="Customers already there (e.g. by an earlier identical request).")
    customer_ids: list[int]


def _branch(request, code: str) -> tuple[Staff, Branch]:
    me = actor(request)
    branch = Branch.objects.filter(code=code).first()
    if branch is None or not (me.role == Role.ADMIN or (me.role == Role.BRANCH_HEAD and me.branch_id == branch.pk)):
        raise Http404("No such branch")
    return me, branch


@router.get("/branches/{code}/tiers", response={200: TiersOut, **ERRORS})
def branch_tiers(request, code: str, sort: SortCode = "-aum", tier: str = "",
                 limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    """The branch's customers per tier and manager (set-based: one CASE over the bank's tiers), and
    the customers out of place: a private-banking customer whose manager is not a private banker,
    a priority customer whose manager is not senior, a minor customer held by a senior manager or
    private banker with no assistant while the branch has one. The page of customers is audited as
    a list read."""
    me, branch = _branch(request, code)
    counts = tier_counts(me, branch)
    by_code = {t.code: t for t in counts.tiers}
    qs = out_of_place(me, branch, sort=sort, tier=tier)
    page = list(qs[offset:offset + limit])
    if page:
        customers_listed(actor=me, customer_ids=[c.pk for c in page], via="api_tiers",
                         params={"sort": sort, "tier": tier, "limit": limit, "offset": offset},
                         matched=counts.out_of_place if not tier else None)
    return {
        "branch": branch.code,
        "tiers": [{"code": t.code, "name": t.label, "min_aum": t.min_aum, "coverage": t.coverage,
                   "customers": counts.totals[t.code].customers, "aum": counts.totals[t.code].aum}
                  for t in counts.tiers],
        "managers": [{"manager": r.manager.username if r.manager else None,
                      "name": r.manager.display_name if r.manager else "",
                      "private_banker": bool(r.manager and r.manager.is_private_banker),
                      "senior": bool(r.manager and r.manager.is_senior),
                      "tiers": {c: cell.customers for c, cell in r.cells.items()}, "out_of_place": r.out_of_place}
                     for r in counts.rows],
        "out_of_place_count": counts.out_of_place,
        "co_covered_by_branch_head": counts.co_covered,
        "items": [{"customer_id": c.pk, "name": c.name, "aum": c.aum or Decimal(0), "tier": c.tier,
                   "rm": c.rm.username if c.rm else None, "assistant": c.assistant.username if c.assistant else None,
                   "why": by_code[c.tier].coverage} for c in page if c.tier in by_code],
    }


@router.post("/branches/{code}/reassign", response={200: ReassignOut, **ERRORS})
def branch_reassign(request, code: str, payload: ReassignIn):
    """Move the chosen customers of the branch to `to_rm` — the hand-over: open tasks, meetings to
    come, campaign calls and open opportunities follow them; one audit event — or, with
    `assistant`, give minor-tier customers to an assistant of the branch. A customer out of reach
    is refused as an unknown one (422 at customer_ids) and nothing moves; a customer already there
    is skipped (an identical request again moves nothing)."""
    me, branch = _branch(request, code)
    if (payload.to_rm is None) == (payload.assistant is None):
        raise ValidationError({"to_rm": [_("Give to_rm or assistant: one of them.")]})
    if payload.to_rm is not None:
        to_rm = Staff.objects.filter(username=payload.to_rm, branch=branch, role__in=BOOK_ROLES).first()
        if to_rm is None:
            raise ValidationError({"to_rm": [_("Choose a manager of the branch who keeps a book.")]})
        result = customers_reassign(actor=me, customer_ids=payload.customer_ids, to_rm=to_rm,
                                    reason=payload.reason or "tier")
    else:
        assistant = Staff.objects.filter(username=payload.assistant, branch=branch, role=Role.ASSISTANT).first()
        if assistant is None:
            raise ValidationError({"assistant": [_("Choose an assistant of the branch.")]})
        result = customers_give_to_assistant(actor=me, customer_ids=payload.customer_ids, assistant=assistant,
                                             reason=payload.reason or "tier")
    return {"moved": result["customers"], "skipped": result["skipped"], "customer_ids": result["customer_ids"]}
