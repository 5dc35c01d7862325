"""API v1: value-uplift plans (价值提升计划, KPI-3, seed 004) — an extension of API.md's "Review".

- `GET /api/v1/kpis/plans?month=YYYY-MM` (default this month) → `{"items": [plan…], "count"}`: the plans
  whose period touches the month that the caller sees (a manager his or her own, a branch head the
  branch's, an administrator all; other roles none).
- `POST /api/v1/kpis/plans` with `manager?` (username; a manager omits it and proposes his or her
  own), `start`, `end`, targets `target_contact_rate?` (a fraction, "0.85"), `target_new_aum?`,
  `target_opportunities?`, `target_sales_count?`, `target_sales_amount?`, `note?`, `customer_ids?`
  → 201 the plan with its customers: a branch head's plan is approved at once, a manager's
  proposed; 409 when the manager has a plan for that period already.
- `GET /api/v1/kpis/plans/{id}` → the plan with its progress, its named customers (then and now)
  and its comments.
- `PATCH /api/v1/kpis/plans/{id}` with any target (null drops it) or `note` → the plan: the
  manager while proposed or returned (a returned plan is proposed again), the branch head always.
- `POST /api/v1/kpis/plans/{id}/approve` → the plan (the branch head; 409 when it is not waiting
  for approval: the second of two approvals).
- `POST /api/v1/kpis/plans/{id}/return` with `comment` → the plan, back to its manager.
- `POST /api/v1/kpis/plans/{id}/comments` with `text` → 201 the comment (the branch head, the
  plan's manager).
- `POST /api/v1/kpis/plans/{id}/customers` with `customer_ids` (of the manager's book) → the plan
  with its customers, each with the quadrant and AUM he or she has now.

A plan's `progress` has one item per target it sets: `target` and `actual` as decimal strings (the
rate a fraction, money in yuan, counts whole), `share` = actual ÷ target, `pace` the share of the
period gone, `on_track` (a cumulative figure at or past the pace, the rate at its target) and
`state` (not_started, on_track, behind, met, missed, unknown). The actuals are the review's figures
for the plan's manager over the plan's period (`GET /api/v1/kpis`): contact_achievement_rate,
aum_change (new AUM), opportunities_opened, sales_count, sales_amount.

Another manager's plan, or another branch's, answers 404 on every path, as one that does not
exist; an approval or a return races once (the second request answers 409)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers.services import customers_listed
from banyan.kpis import plans as svc
from banyan.kpis.models import PlanComment, PlanStatus, UpliftPlan
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    DecimalIn,
    DecimalOut,
    Id,
    In,
    Int,
    IsoDate,
    Moment,
    Money,
    Page,
    PathId,
    actor,
    invalid,
    omittable,
)
from banyan.segments.models import Quadrant

router = Router(tags=["review"])

StatusCode = Literal[tuple(PlanStatus.values)]
QuadrantCode = Literal[("", *Quadrant.values)]
StateCode = Literal["not_started", "on_track", "behind", "met", "missed", "unknown"]
TargetKey = Literal[tuple(t.key for t in svc.TARGETS)]
RateIn = DecimalIn(5, 4, ge=0, le=1)
PlanMoneyIn = DecimalIn(svc.MONEY_WHOLE_DIGITS + 2, 2, ge=0)
Rate = DecimalOut(4)
MONTH_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$"

_DESC = {
    "target_contact_rate": "Contact achievement rate to reach (reached ÷ planned), a fraction: \"0.85\" is 85%.",
    "target_new_aum": "New AUM in yuan: AUM at the end − AUM at the start of the manager's book.",
    "target_opportunities": "Sales opportunities to open in the period.",
    "target_sales_count": "Sales to make in the period.",
    "target_sales_amount": "The amount of those sales, in yuan.",
}


class PlanIn(In):
    manager: str | None = Field(None, min_length=1, max_length=150,
                                description="Username of the manager the plan is for (a branch head: a manager of "
                                            "the branch). A manager omits it: he or she proposes his or her own.")
    start: IsoDate = Field(description="The plan's first day.")
    end: IsoDate = Field(description="The plan's last day: not before `start`, at most a year after.")
    target_contact_rate: RateIn | None = Field(None, description=_DESC["target_contact_rate"])
    target_new_aum: PlanMoneyIn | None = Field(None, description=_DESC["target_new_aum"])
    target_opportunities: Int | None = Field(None, ge=0, le=svc.COUNT_MAX, description=_DESC["target_opportunities"])
    target_sales_count: Int | None = Field(None, ge=0, le=svc.COUNT_MAX, description=_DESC["target_sales_count"])
    target_sales_amount: PlanMoneyIn | None = Field(None, description=_DESC["target_sales_amount"])
    note: str | None = Field(None, max_length=svc.NOTE_MAX, description="What the plan is about.")
    customer_ids: list[Id] = Field(default_factory=list, max_length=svc.MAX_LISTED,
                                   description="Customers of the manager's book to move up a quadrant (e.g. of "
                                               "the low-assets / high-potential quadrant).")


class PlanChangeIn(In):
    target_contact_rate: RateIn | None = omittable(description=_DESC["target_contact_rate"] + " null drops it.")
    target_new_aum: PlanMoneyIn | None = omittable(description=_DESC["target_new_aum"] + " null drops it.")
    target_opportunities: Int | None = omittable(ge=0, le=svc.COUNT_MAX, description=_DESC["target_opportunities"])
    target_sales_count: Int | None = omittable(ge=0, le=svc.COUNT_MAX, description=_DESC["target_sales_count"])
    target_sales_amount: PlanMoneyIn | None = omittable(description=_DESC["target_sales_amount"])
    note: str | None = omittable(max_length=svc.NOTE_MAX)


class ReturnIn(In):
    comment: str = Field(min_length=1, max_length=svc.COMMENT_MAX, description="What should change: the manager "
                                                                                 "reads it.")


class CommentIn(In):
    text: str = Field(min_length=1, max_length=svc.COMMENT_MAX)


class CustomersIn(In):
    customer_ids: list[Id] = Field(min_length=1, max_length=svc.MAX_LISTED,
                                   description="Customers of the plan's manager's book.")


class ProgressOut(Schema):
    key: TargetKey
    target: str = Field(description="The plan's target: a fraction for the rate, yuan for money, a whole number.")
    actual: str | None = Field(description="The review's figure so far; null when not known yet (nothing planned, "
                                           "no AUM snapshot before the start, the period not begun).")
    share: float | None = Field(description="actual ÷ target (1.0: met).")
    on_track: bool | None
    state: StateCode


class EffectOut(Schema):
    listed: int = Field(description="Customers the plan names.")
    moved_up: int = Field(description="Of those, the ones who went from a low-assets to a high-assets quadrant.")


class PlanOut(Schema):
    id: int
    manager: str = Field(description="Username.")
    manager_name: str
    branch: str = Field(description="Branch code.")
    start: IsoDate
    end: IsoDate
    status: StatusCode
    target_contact_rate: Rate | None
    target_new_aum: Money | None
    target_opportunities: int | None
    target_sales_count: int | None
    target_sales_amount: Money | None
    note: str
    created_by: str
    created_at: Moment
    approved_by: str | None
    approved_at: Moment | None
    pace: float = Field(description="The share of the period gone (0 before it starts, 1 from its last day).")
    progress: list[ProgressOut]
    effect: EffectOut


class PlanCustomerOut(Schema):
    customer_id: int
    name: str
    quadrant_at_start: QuadrantCode
    quadrant_now: QuadrantCode
    aum_at_start: Money
    aum_now: Money
    moved_up: bool


class CommentOut(Schema):
    id: int
    author: str = Field(description="Username.")
    text: str
    at: Moment


class PlanDetailOut(PlanOut):
    customers: list[PlanCustomerOut]
    comments: list[CommentOut]


class PlanPageOut(Page):
    items: list[PlanOut]


def _text(kind: str, value) -> str:
    if kind == "rate":
        return format(Decimal(value).quantize(Decimal("0.0001")), "f")
    if kind == "money":
        return format(Decimal(value).quantize(Decimal("0.01")), "f")
    return str(int(value))


def _progress_out(progress: svc.PlanProgress) -> list[dict]:
    return [{"key": t.key, "target": _text(t.kind, t.goal),
             "actual": _text(t.kind, t.actual) if t.actual is not None else None,
             "share": round(t.share, 4) if t.share is not None else None, "on_track": t.on_track, "state": t.state}
            for t in progress.targets]


def _plan_out(plan: UpliftPlan, progress: svc.PlanProgress, listed: int, moved_up: int) -> dict:
    data = {f: getattr(plan, f) for f in ("id", "start", "end", "status", "note", "created_at", "approved_at",
                                          *svc.TARGET_COLUMNS)}
    data.update(manager=plan.manager.username, manager_name=plan.manager.display_name, branch=plan.branch.code,
                created_by=plan.created_by.username,
                approved_by=plan.approved_by.username if plan.approved_by_id else None,
                pace=round(progress.pace, 4), progress=_progress_out(progress),
                effect={"listed": listed, "moved_up": moved_up})
    return data


def _detail_out(request, plan: UpliftPlan) -> dict:
    plan = (UpliftPlan.objects.select_related("manager", "branch", "created_by", "approved_by").get(pk=plan.pk))
    progress = svc.plan_progress(plan)
    effect = progress.effect
    assert effect is not None
    if effect.customers:
        customers_listed(actor=actor(request), customer_ids=[c.customer.pk for c in effect.customers],
                         via="api_plan_customers", params={"plan": plan.pk})
    data = _plan_out(plan, progress, effect.listed, effect.moved_up)
    data["customers"] = [{"customer_id": c.customer.pk, "name": c.customer.name, "quadrant_at_start": c.quadrant_then,
                          "quadrant_now": c.quadrant_now, "aum_at_start": c.aum_then, "aum_now": c.aum_now,
                          "moved_up": c.moved_up} for c in effect.customers]
    data["comments"] = [_comment_out(c) for c in svc.plan_comments(plan)]
    return data


def _comment_out(c: PlanComment) -> dict:
    return {"id": c.pk, "author": c.author.username, "text": c.text, "at": c.at}


def _short_out(plan: UpliftPlan) -> dict:
    """The plan as PATCH, approve and return answer it (progress, effect counts; no customers)."""
    plan = (svc.with_effect_counts(UpliftPlan.objects.all())
            .select_related("manager", "branch", "created_by", "approved_by").get(pk=plan.pk))
    progress = svc.plans_progress([plan])[plan.pk]
    return _plan_out(plan, progress, plan.listed, plan.moved_up)


@router.get("/kpis/plans", response={200: PlanPageOut, **ERRORS})
def plans_list(request, month: str | None = Query(None, pattern=MONTH_PATTERN,
                                                   description="YYYY-MM; omitted: this month.")):
    """The value-uplift plans whose period touches the month, that the caller sees (a manager his or
    her own, a branch head the branch's, an administrator all), each with its progress so far and
    the counts of its effect."""
    from banyan import clock

    user = actor(request)
    day = svc.parse_month(month) if month else clock.today().replace(day=1)
    if day is None:
        raise invalid("month", _("Write the month as YYYY-MM, e.g. 2026-11."))
    plans = list(svc.plans_of_month(user, day).select_related("created_by", "approved_by"))
    progress = svc.plans_progress(plans)
    return {"items": [_plan_out(p, progress[p.pk], p.listed, p.moved_up) for p in plans], "count": len(plans)}


@router.post("/kpis/plans", response={201: PlanDetailOut, **ERRORS_409})
def plan_create_endpoint(request, payload: PlanIn):
    """A branch head sets a plan for a manager of the branch (approved at once); a manager proposes
    his or her own (`manager` omitted), for the branch head to approve. 409 when the manager has a
    plan for the same period already; 422 at the field for a bad target or period (the end before
    the start, longer than a year) or a customer of another book."""
    data = payload.model_dump()
    targets = {c: data[c] for c in svc.TARGET_COLUMNS}
    plan = svc.plan_create(actor=actor(request), manager=payload.manager, start=payload.start, end=payload.end,
                           note=payload.note or "", customer_ids=payload.customer_ids, **targets)
    return Status(201, _detail_out(request, plan))


@router.get("/kpis/plans/{uplift_id}", response={200: PlanDetailOut, **ERRORS})
def plan_detail_endpoint(request, uplift_id: PathId):
    """The plan with its progress, its named customers (quadrant and AUM when named and now: the
    effect) and its comments. Reading the customers is audited (one event)."""
    plan, _rights = svc.get_plan_for_user(actor(request), uplift_id)
    return _detail_out(request, plan)


@router.patch("/kpis/plans/{uplift_id}", response={200: PlanOut, **ERRORS_409})
def plan_change_endpoint(request, uplift_id: PathId, payload: PlanChangeIn):
    """Change targets (null drops one) or the note: the manager while the plan is proposed or
    returned (a returned plan goes back to the branch head), the branch head at any time. 409 when
    the plan was approved meanwhile (for its manager); 403 for whoever only reads it."""
    user = actor(request)
    plan, _rights = svc.get_plan_for_user(user, uplift_id)
    changes = payload.model_dump(exclude_unset=True)
    if "note" in changes and changes["note"] is None:
        changes["note"] = ""
    svc.plan_update(actor=user, plan=plan, **changes)
    return _short_out(plan)


@router.post("/kpis/plans/{uplift_id}/approve", response={200: PlanOut, **ERRORS_409})
def plan_approve_endpoint(request, uplift_id: PathId):
    """The branch head approves a proposed plan, once: 409 when it is approved or returned already
    (the second of two approvals); 403 for its manager."""
    user = actor(request)
    plan, _rights = svc.get_plan_for_user(user, uplift_id)
    svc.plan_approve(actor=user, plan=plan)
    return _short_out(plan)


@router.post("/kpis/plans/{uplift_id}/return", response={200: PlanOut, **ERRORS_409})
def plan_return_endpoint(request, uplift_id: PathId, payload: ReturnIn):
    """The branch head returns a proposed plan to its manager with a comment, once (409 otherwise)."""
    user = actor(request)
    plan, _rights = svc.get_plan_for_user(user, uplift_id)
    svc.plan_return(actor=user, plan=plan, comment=payload.comment)
    return _short_out(plan)


@router.post("/kpis/plans/{uplift_id}/comments", response={201: CommentOut, **ERRORS})
def plan_comment_endpoint(request, uplift_id: PathId, payload: CommentIn):
    """A comment on the plan's progress, kept with the plan (the branch head, the plan's manager)."""
    user = actor(request)
    plan, _rights = svc.get_plan_for_user(user, uplift_id)
    comment = svc.plan_comment(actor=user, plan=plan, text=payload.text)
    comment.author = user
    return Status(201, _comment_out(comment))


@router.post("/kpis/plans/{uplift_id}/customers", response={200: PlanDetailOut, **ERRORS_409})
def plan_customers_endpoint(request, uplift_id: PathId, payload: CustomersIn):
    """Name customers of the manager's book to move up a quadrant; each keeps the quadrant and AUM
    he or she has now as the plan's start (named already: unchanged). 422 at `customer_ids` for a
    customer of another book (named by id only)."""
    user = actor(request)
    plan, _rights = svc.get_plan_for_user(user, uplift_id)
    svc.plan_customers_add(actor=user, plan=plan, customer_ids=payload.customer_ids)
    return _detail_out(request, plan)
