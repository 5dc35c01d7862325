"""Value-uplift plans (价值提升计划, KPI-3, seed 004): the services that write them and the selectors
that read them with their progress and effect.

Seed 004: 客户经理及网点负责人需要定期对客户价值提升计划的执行进度和执行效果进行检查和评估 — the branch
head reviews each manager's plan by its *progress* (the targets against the review's figures for
the same manager and period, with the pace the part of the period gone asks for) and its *effect*
(did the customers the plan named move up a quadrant, and what became of their AUM).

Who does what:
- the branch head sets a plan for a manager of the branch (approved at once); an administrator
  does the same anywhere;
- a manager proposes his or her own plan; the branch head approves it or returns it with a
  comment; a manager who changes a returned plan sends it back (proposed again);
- targets and the named customers change while the plan is proposed or returned (the manager),
  or at any time (the branch head); comments are kept with the plan, in order.

Every change is audited and happens once: approve and return are one conditional UPDATE from
`proposed` (banyan/transitions.py), so the second of two racing requests is refused (409).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.kpis.models import PlanComment, PlanCustomer, PlanStatus, UpliftPlan
from banyan.org.models import BOOK_ROLES, Role, Staff, StaffPosting
from banyan.segments.models import Quadrant
from banyan.transitions import Conflict, transition
from banyan.validation import TOO_LONG

S = PlanStatus

NOTE_MAX = UpliftPlan._meta.get_field("note").max_length
COMMENT_MAX = PlanComment._meta.get_field("text").max_length
#: Customers named in one request (the checklist of a manager's low-assets / high-potential customers).
MAX_LISTED = 500
#: The low-assets quadrants a plan lifts customers from, and the high ones they move up to (the
#: review's own definition of "moved up a quadrant", banyan.kpis.figures).
LOW = (Quadrant.LOW_HIGH, Quadrant.LOW_LOW)
HIGH = (Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW)
HEAD_ROLES = (Role.BRANCH_HEAD, Role.ADMIN)


@dataclass(frozen=True)
class Target:
    """A target of the plan and the review's figure it is measured by."""

    key: str  # short name (API, page ids)
    column: str  # UpliftPlan's field
    figure: str  # the review's figure (banyan.kpis.definitions FIELDS)
    kind: str  # "rate" (a fraction), "money" (yuan), "count"
    label: Any


TARGETS: list[Target] = [
    Target("contact_rate", "target_contact_rate", "contact_achievement_rate", "rate",
           pgettext_lazy("uplift plan", "Contact achievement rate")),
    Target("new_aum", "target_new_aum", "aum_change", "money", pgettext_lazy("uplift plan", "New AUM")),
    Target("opportunities", "target_opportunities", "opportunities_opened", "count",
           pgettext_lazy("uplift plan", "Opportunities opened")),
    Target("sales_count", "target_sales_count", "sales_count", "count", pgettext_lazy("uplift plan", "Sales")),
    Target("sales_amount", "target_sales_amount", "sales_amount", "money",
           pgettext_lazy("uplift plan", "Sales amount")),
]
TARGET_COLUMNS = tuple(t.column for t in TARGETS)
#: What a plan's writer may change after it is made.
EDITABLE = (*TARGET_COLUMNS, "note")
COUNT_MAX = 1_000_000
#: Yuan up to ten trillion: 15 significant digits, what SQLite's storage of a decimal keeps exactly
#: (the column's 16 would come back rounded past its size).
MONEY_WHOLE_DIGITS = 13


# =============================================================================================
# Reads: who sees which plan, and what he or she may do with it


def visible_plans(user) -> QuerySet[UpliftPlan]:
    """The plans the user may see: an administrator all, a branch head the branch's, a manager
    (rm, planner) his or her own; nobody else any (lobby, assistant, auditor)."""
    qs = UpliftPlan.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id) if user.branch_id else qs.none()
    if user.role in BOOK_ROLES:
        return qs.filter(manager_id=user.pk)
    return qs.none()


@dataclass(frozen=True)
class Rights:
    """What the caller may do with a plan he or she sees."""

    review: bool  # approve or return (the branch head of the plan's branch, an administrator)
    edit: bool  # change the targets and the named customers (now, in the plan's present status)
    comment: bool


def rights_of(user, plan: UpliftPlan) -> Rights:
    head = user.role == Role.ADMIN or (user.role == Role.BRANCH_HEAD and user.branch_id == plan.branch_id)
    own = plan.manager_id == user.pk
    return Rights(review=head and plan.status == S.PROPOSED,
                  edit=head or (own and plan.status in (S.PROPOSED, S.RETURNED)),
                  comment=head or own)


def get_plan_for_user(user, plan_id) -> tuple[UpliftPlan, Rights]:
    """The plan and the caller's rights over it; Http404 when it does not exist or is out of reach
    (the two are indistinguishable on purpose)."""
    try:
        plan = (visible_plans(user).select_related("manager", "branch", "created_by", "approved_by")
                .get(pk=int(plan_id)))
    except (UpliftPlan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such plan") from None
    return plan, rights_of(user, plan)


def plannable_managers(user) -> QuerySet[Staff]:
    """The managers the user may write a plan for: a branch head the branch's active managers, an
    administrator every active manager, a manager him- or herself; nobody for other roles."""
    qs = Staff.objects.filter(role__in=BOOK_ROLES, is_active=True, branch__isnull=False)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id) if user.branch_id else qs.none()
    if user.role in BOOK_ROLES:
        return qs.filter(pk=user.pk)
    return qs.none()


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def parse_month(text: str | None) -> dt.date | None:
    """"2026-11" → 2026-11-01; None when it is not a month of the years a bank date has."""
    text = (text or "").strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (clock.MIN_YEAR <= year <= clock.MAX_YEAR and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def plans_of_month(user, month: dt.date) -> QuerySet[UpliftPlan]:
    """The plans the user sees whose period touches the month, with the counts of their effect
    (`listed`, `moved_up`): one query."""
    first, last = month_bounds(month)
    return (with_effect_counts(visible_plans(user).filter(start__lte=last, end__gte=first))
            .select_related("manager", "branch")
            .order_by("branch__code", "manager__full_name", "manager__username", "start"))


def with_effect_counts(qs: QuerySet[UpliftPlan]) -> QuerySet[UpliftPlan]:
    """The plans with `listed` (customers named) and `moved_up` (of those, now in a high-assets
    quadrant after a low-assets one when named), counted in the same query."""
    return qs.annotate(listed=Count("customers", distinct=True),
                       moved_up=Count("customers", distinct=True, filter=_moved_up_q("customers__")))


def _moved_up_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}quadrant_at_start__in": LOW, f"{prefix}customer__segment__quadrant__in": HIGH})


# ---------------------------------------------------------------------------------------------
# Progress: the targets against the review's figures


@dataclass
class TargetProgress:
    target: Target
    goal: Decimal | int  # the plan's target
    actual: Decimal | int | None  # the review's figure (None: not known, e.g. nothing planned yet)
    share: float | None  # actual ÷ goal (1.0: met)
    pace: float  # the share of the period gone: where a cumulative figure should be by now
    on_track: bool | None
    state: str  # not_started, on_track, behind, met, missed, unknown

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def label(self):
        return self.target.label

    @property
    def kind(self) -> str:
        return self.target.kind

    @property
    def bar(self) -> int:
        """The progress bar's width, 0–100."""
        return max(0, min(100, round((self.share or 0) * 100)))

    @property
    def pace_mark(self) -> int:
        return max(0, min(100, round(self.pace * 100)))

    @property
    def goal_percent(self) -> Decimal | None:
        """A rate's target in percent (0.85 → 85.00), for the page."""
        return (Decimal(self.goal) * 100).quantize(Decimal("0.1")) if self.kind == "rate" else None

    @property
    def actual_percent(self) -> Decimal | None:
        if self.kind != "rate" or self.actual is None:
            return None
        return (Decimal(self.actual) * 100).quantize(Decimal("0.1"))


@dataclass
class ListedCustomer:
    """A customer the plan names: where he or she stood when listed and stands now."""

    row: PlanCustomer
    customer: Customer
    quadrant_then: str
    quadrant_now: str
    aum_then: Decimal
    aum_now: Decimal

    @property
    def moved_up(self) -> bool:
        return self.quadrant_then in LOW and self.quadrant_now in HIGH

    @property
    def moved_down(self) -> bool:
        return self.quadrant_then in HIGH and self.quadrant_now in LOW

    @property
    def aum_change(self) -> Decimal:
        return self.aum_now - self.aum_then

    @property
    def quadrant_then_label(self) -> str:
        return _quadrant_label(self.quadrant_then)

    @property
    def quadrant_now_label(self) -> str:
        return _quadrant_label(self.quadrant_now)


def _quadrant_label(code: str) -> str:
    return str(Quadrant(code).label) if code in Quadrant.values else "—"


@dataclass
class Effect:
    customers: list[ListedCustomer]

    @property
    def listed(self) -> int:
        return len(self.customers)

    @property
    def moved_up(self) -> int:
        return sum(c.moved_up for c in self.customers)

    @property
    def aum_then(self) -> Decimal:
        return sum((c.aum_then for c in self.customers), Decimal("0.00"))

    @property
    def aum_now(self) -> Decimal:
        return sum((c.aum_now for c in self.customers), Decimal("0.00"))

    @property
    def aum_change(self) -> Decimal:
        return self.aum_now - self.aum_then


@dataclass
class PlanProgress:
    plan: UpliftPlan
    as_of: dt.date  # the figures are counted up to this day (today, or the plan's end)
    pace: float  # the share of the period gone
    targets: list[TargetProgress]
    figures: dict[str, Any]  # the manager's review figures over the plan's period
    aum_known: bool  # a month-end snapshot before the start exists (else the AUM change is unknown)
    effect: Effect | None = None

    @property
    def started(self) -> bool:
        return clock.today() >= self.plan.start

    @property
    def ended(self) -> bool:
        return clock.today() > self.plan.end

    @property
    def by_key(self) -> dict[str, TargetProgress]:
        return {t.key: t for t in self.targets}

    @property
    def cells(self) -> list[TargetProgress | None]:
        """The targets in the order of TARGETS, None where the plan sets none (a table's columns)."""
        mine = self.by_key
        return [mine.get(t.key) for t in TARGETS]

    @property
    def on_track(self) -> bool | None:
        """Every target on track or met (None: nothing to tell yet)."""
        known = [t.on_track for t in self.targets if t.on_track is not None]
        return all(known) if known else None


def pace_of(plan: UpliftPlan, today: dt.date) -> float:
    """The share of the plan's days gone, today counted: 0 before it starts, 1 from its last day."""
    if today < plan.start:
        return 0.0
    if today >= plan.end:
        return 1.0
    return ((today - plan.start).days + 1) / ((plan.end - plan.start).days + 1)


def _actual(target: Target, figures: dict[str, Any], aum_known: bool) -> Decimal | int | None:
    value = figures.get(target.figure)
    if value is None:
        return None
    if target.kind == "rate":
        return Decimal(str(value))
    if target.kind == "money":
        if target.figure == "aum_change" and not aum_known:
            return None
        return Decimal(value)
    return int(value)


def _progress_of(target: Target, goal, actual, pace: float, today: dt.date, plan: UpliftPlan) -> TargetProgress:
    if today < plan.start:
        return TargetProgress(target, goal, actual, None, pace, None, "not_started")
    if actual is None:
        return TargetProgress(target, goal, None, None, pace, None, "unknown")
    share = float(actual / goal) if goal else (1.0 if actual >= 0 else 0.0)
    met = actual >= goal
    ended = today > plan.end
    if target.kind == "rate":
        # a rate is not cumulative: it is on track when it is at the target now
        on_track = met
    else:
        on_track = met or share >= pace
    if met:
        state = "met"
    elif ended:
        state = "missed"
    else:
        state = "on_track" if on_track else "behind"
    return TargetProgress(target, goal, actual, share, pace, on_track, state)


def _figures_by_plan(plans: list[UpliftPlan]) -> dict[int, tuple[dict[str, Any], bool]]:
    """The review's figures of each plan's manager over the plan's period: one review per period
    and branch (the manager's row of the branch's review), whatever the number of managers; a
    manager who worked at another branch during the period has a review of his or her own (every
    branch's days counted)."""
    from banyan.kpis.figures import Scope, review
    from banyan.kpis.periods import Period

    out: dict[int, tuple[dict[str, Any], bool]] = {}
    if not plans:
        return out
    earliest = min(p.start for p in plans)
    moved = set(StaffPosting.objects.filter(staff_id__in={p.manager_id for p in plans}, until__gte=earliest)
                .values_list("staff_id", flat=True))
    groups: dict[tuple[dt.date, dt.date, int | None], list[UpliftPlan]] = defaultdict(list)
    for plan in plans:
        branch = plan.manager.branch_id
        if plan.manager_id in moved or branch is None:
            figures = review(Scope(manager_id=plan.manager_id), Period(plan.start, plan.end))
            out[plan.pk] = (figures.total, figures.as_of.get("aum_start_date") is not None)
        else:
            groups[(plan.start, plan.end, branch)].append(plan)
    for (start, end, branch), members in groups.items():
        figures = review(Scope(branch_id=branch), Period(start, end))
        # within one branch's review a manager has one row (staff, branch) at most
        rows = {row.staff_id: row.values for row in figures.rows if row.staff_id is not None}
        known = figures.as_of.get("aum_start_date") is not None
        for plan in members:
            out[plan.pk] = (rows.get(plan.manager_id, {}), known)
    return out


def plans_progress(plans: Iterable[UpliftPlan]) -> dict[int, PlanProgress]:
    """Progress of each plan (no effect: see `plan_effect`), set-based over the plans."""
    plans = list(plans)
    today = clock.today()
    figures = _figures_by_plan([p for p in plans if today >= p.start])
    out = {}
    for plan in plans:
        values, aum_known = figures.get(plan.pk, ({}, False))
        pace = pace_of(plan, today)
        targets = []
        for target in TARGETS:
            goal = getattr(plan, target.column)
            if goal is None:
                continue
            targets.append(_progress_of(target, goal, _actual(target, values, aum_known), pace, today, plan))
        out[plan.pk] = PlanProgress(plan, min(today, plan.end), pace, targets, values, aum_known)
    return out


def plan_effect(plan: UpliftPlan) -> Effect:
    """The customers the plan names, each with the quadrant and AUM when listed and now: one query."""
    rows = (PlanCustomer.objects.filter(plan_id=plan.pk)
            .select_related("customer", "customer__segment").order_by("customer__name", "customer_id"))
    customers = []
    for row in rows:
        c = row.customer
        segment = getattr(c, "segment", None)
        customers.append(ListedCustomer(row, c, row.quadrant_at_start, segment.quadrant if segment else "",
                                        row.aum_at_start, c.aum))
    return Effect(customers)


def plan_progress(plan: UpliftPlan) -> PlanProgress:
    """One plan's progress and effect (the plan's page, the API's detail)."""
    progress = plans_progress([plan])[plan.pk]
    progress.effect = plan_effect(plan)
    return progress


def plan_comments(plan: UpliftPlan) -> QuerySet[PlanComment]:
    return PlanComment.objects.filter(plan_id=plan.pk).select_related("author").order_by("at", "id")


def low_high_candidates(plan: UpliftPlan, *, limit: int = 200) -> QuerySet[Customer]:
    """The plan's manager's low-assets / high-potential customers not yet named by the plan, the
    richest first (the nearest to moving up)."""
    return (Customer.objects.filter(rm_id=plan.manager_id, segment__quadrant=Quadrant.LOW_HIGH)
            .exclude(pk__in=PlanCustomer.objects.filter(plan_id=plan.pk).values("customer_id"))
            .select_related("segment").order_by("-aum", "pk")[:limit])


# =============================================================================================
# Writes


def _errors_of(**messages: str) -> ValidationError:
    return ValidationError({k: [v] for k, v in messages.items()})


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        value = str(value) if isinstance(value, float) else "x"
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def clean_targets(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The targets given (None clears one), checked at their field: the rate a fraction 0–1 (0.85),
    money in yuan ≥ 0 with at most 2 decimals, counts whole numbers ≥ 0."""
    out: dict[str, Any] = {}
    for target in TARGETS:
        if target.column not in values:
            continue
        raw = values[target.column]
        try:
            number = _decimal(raw)
        except ValueError:
            errors[target.column] = [_("Enter a number, e.g. 100000.00.") if target.kind != "rate"
                                     else _("Enter a fraction between 0 and 1, e.g. 0.85.")]
            continue
        if number is None:
            out[target.column] = None
            continue
        if target.kind == "rate":
            if not Decimal(0) <= number <= Decimal(1):
                errors[target.column] = [_("A rate is a fraction between 0 and 1 (0.85 is 85%).")]
            elif _places(number) > 4:
                errors[target.column] = [_("At most 4 digits after the point (0.8525 is 85.25%).")]
            else:
                out[target.column] = number.quantize(Decimal("0.0001"))
        elif target.kind == "money":
            if number < 0:
                errors[target.column] = [_("Must be at least 0.")]
            elif _places(number) > 2:
                errors[target.column] = [_("Yuan with at most 2 digits after the point, e.g. 500000.00.")]
            elif number >= Decimal(10) ** MONEY_WHOLE_DIGITS:
                errors[target.column] = [_("At most %(n)s digits before the point.") % {"n": MONEY_WHOLE_DIGITS}]
            else:
                out[target.column] = number.quantize(Decimal("0.01"))
        else:
            if number != number.to_integral_value():
                errors[target.column] = [_("Enter a whole number.")]
            elif number < 0:
                errors[target.column] = [_("Must be at least 0.")]
            elif number > COUNT_MAX:
                errors[target.column] = [_("At most %(n)s.") % {"n": f"{COUNT_MAX:,}"}]
            else:
                out[target.column] = int(number)
    return out


def _day(value: Any, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        day = clock.parse_day(value if isinstance(value, str) else None)
    if day is None:
        errors[name] = [_("Enter a date as YYYY-MM-DD.") if value not in (None, "") else _("This field is required.")]
    return day


def year_after(day: dt.date) -> dt.date:
    """The same day a year later (February 29th: March 1st): a plan ends before it."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return dt.date(day.year + 1, 3, 1)


def clean_period(start: Any, end: Any, errors: dict[str, list[str]]) -> tuple[dt.date | None, dt.date | None]:
    """The plan's first and last day: the end not before the start, at most a year."""
    first, last = _day(start, "start", errors), _day(end, "end", errors)
    if first and last:
        if last < first:
            errors["end"] = [_("The plan ends before it starts.")]
        elif last >= year_after(first):
            errors["end"] = [_("A plan runs at most a year.")]
    return first, last


def _note(note: Any, errors: dict[str, list[str]]) -> str:
    text = (note or "").strip() if isinstance(note, str) or note is None else str(note)
    if len(text) > NOTE_MAX:
        errors["note"] = [str(TOO_LONG % {"limit_value": NOTE_MAX, "show_value": len(text)})]
    return text


def _manager(actor, manager: Any, errors: dict[str, list[str]]) -> Staff | None:
    """The manager a plan is for: the actor him- or herself (a manager proposing), or one the actor
    may plan for (a branch head: of the branch). Named by Staff, id or username; one out of reach
    reads as one that does not exist."""
    allowed = plannable_managers(actor)
    if manager is None or manager == "":
        if actor.role in BOOK_ROLES:
            found = allowed.first()
            if found is None:
                errors["manager"] = [_("You work at no branch: a plan is a branch's.")]
            return found
        errors["manager"] = [_("Choose the manager the plan is for.")]
        return None
    if isinstance(manager, Staff):
        found = allowed.filter(pk=manager.pk).first()
        name = manager.username
    elif isinstance(manager, int) and not isinstance(manager, bool):
        found = allowed.filter(pk=manager).first() if 0 < manager < 2**63 else None
        name = str(manager)
    else:
        name = str(manager).strip()
        found = allowed.filter(username=name).first() if name else None
    if found is None:
        if actor.role in BOOK_ROLES:
            errors["manager"] = [_("A manager proposes his or her own plan only.")]
        else:
            errors["manager"] = [_("No manager of the branch has the username %(u)s.") % {"u": name}]
    return found


def _may_write(actor) -> None:
    if actor.role not in (*HEAD_ROLES, *BOOK_ROLES) or not actor.is_active:
        raise PermissionDenied(_("Only a branch head sets a value-uplift plan, and a manager proposes one."))


def _customer_ids(values: Any, errors: dict[str, list[str]], field_name: str = "customer_ids") -> list[int]:
    ids: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[field_name] = [_("Give customers by their id.")]
            return []
        if not 0 < number < 2**63:
            errors[field_name] = [_("Give customers by their id.")]
            return []
        ids.append(number)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_LISTED:
        errors[field_name] = [_("At most %(n)s customers at once.") % {"n": MAX_LISTED}]
        return []
    return ids


def _listable(manager_id: int, ids: list[int], errors: dict[str, list[str]],
              field_name: str = "customer_ids") -> list[Customer]:
    """The customers of the manager's book among `ids` (one query); any other id is refused at the
    field, by its id only (nothing of another book is told)."""
    if not ids:
        return []
    found = {c.pk: c for c in Customer.objects.filter(pk__in=ids, rm_id=manager_id).select_related("segment")}
    missing = [i for i in ids if i not in found]
    if missing:
        errors[field_name] = [_("Not in the manager's book: %(ids)s. A plan names the manager's own customers.")
                              % {"ids": ", ".join(str(i) for i in missing[:10])}]
        return []
    return [found[i] for i in ids]


def _list_customers(plan: UpliftPlan, customers: list[Customer]) -> list[int]:
    """Write the named customers with where they stand now; those named already are left as they
    were (their start is when they were first named). Returns the ids added."""
    if not customers:
        return []
    already = set(PlanCustomer.objects.filter(plan_id=plan.pk, customer_id__in=[c.pk for c in customers])
                  .values_list("customer_id", flat=True))
    rows = [PlanCustomer(plan_id=plan.pk, customer_id=c.pk, aum_at_start=c.aum,
                         quadrant_at_start=getattr(getattr(c, "segment", None), "quadrant", "") or "")
            for c in customers if c.pk not in already]
    PlanCustomer.objects.bulk_create(rows, ignore_conflicts=True)  # a racing request's rows stay as they are
    return [r.customer_id for r in rows]


def _snapshot(plan: UpliftPlan) -> dict[str, Any]:
    return {**{c: getattr(plan, c) for c in TARGET_COLUMNS}, "note": plan.note, "status": plan.status,
            "start": plan.start, "end": plan.end, "manager": plan.manager_id}


def _duplicate(manager: Staff, start: dt.date, end: dt.date) -> ValidationError:
    return ValidationError({"start": [ValidationError(
        _("%(name)s has a plan for %(start)s – %(end)s already: open it and change its targets.")
        % {"name": manager.display_name, "start": start.isoformat(), "end": end.isoformat()}, code="unique")]})


@transaction.atomic
def plan_create(*, actor, start: Any, end: Any, manager: Any = None, note: str = "",
                customer_ids: Iterable[Any] = (), **targets: Any) -> UpliftPlan:
    """A branch head (or an administrator) sets a plan for a manager: approved at once. A manager
    (rm, planner) proposes his or her own (`manager` omitted or him- or herself): proposed, for the
    branch head to approve. One plan per manager and period: a second is refused at `start` with
    the code `unique` (the API's 409). Targets are keyword arguments named as UpliftPlan's fields
    (target_contact_rate as a fraction, 0.85); `customer_ids` names customers of the manager's
    book to move up a quadrant. Nothing is written unless everything is valid."""
    _may_write(actor)
    errors: dict[str, list[str]] = {}
    unknown = set(targets) - set(TARGET_COLUMNS)
    for name in unknown:
        errors[name] = [_("Unknown field.")]
    cleaned = clean_targets(targets, errors)
    first, last = clean_period(start, end, errors)
    text = _note(note, errors)
    staff = _manager(actor, manager, errors)
    ids = _customer_ids(customer_ids, errors)
    customers = _listable(staff.pk, ids, errors) if staff is not None else []
    if not errors and not any(v is not None for v in cleaned.values()) and not customers:
        errors[NON_FIELD_ERRORS] = [_("Set at least one target, or name the customers to move up.")]
    if errors:
        raise ValidationError(errors)
    assert staff is not None and first is not None and last is not None
    if UpliftPlan.objects.filter(manager=staff, start=first, end=last).exists():
        raise _duplicate(staff, first, last)
    now = clock.now()
    head = actor.role in HEAD_ROLES
    plan = UpliftPlan(manager=staff, branch_id=staff.branch_id, start=first, end=last, note=text,
                      status=S.APPROVED if head else S.PROPOSED, created_by=actor, created_at=now,
                      approved_by=actor if head else None, approved_at=now if head else None, **cleaned)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:  # a racing request made the same plan first
        raise _duplicate(staff, first, last) from None
    added = _list_customers(plan, customers)
    audit_log(actor=actor, action="uplift_plan.set" if head else "uplift_plan.proposed", obj=plan,
              after=_snapshot(plan), data={"customers": len(added)} if added else None, customer_ids=added)
    return plan


def _may_edit(actor, plan: UpliftPlan) -> tuple[tuple[str, ...], bool]:
    """(the statuses the plan may be changed from by the actor, whether the change re-proposes it)."""
    head = actor.role == Role.ADMIN or (actor.role == Role.BRANCH_HEAD and actor.branch_id == plan.branch_id)
    if head:
        return (S.PROPOSED, S.RETURNED, S.APPROVED), False
    if plan.manager_id == actor.pk:
        if plan.status == S.APPROVED:
            raise Conflict(_("The plan is approved: only the branch head changes it now."))
        return (S.PROPOSED, S.RETURNED), True
    raise PermissionDenied(_("You may read this plan, not change it."))


@transaction.atomic
def plan_update(*, actor, plan: UpliftPlan, **changes: Any) -> UpliftPlan:
    """Change targets (a target given as None is dropped) and the note. The manager changes a
    proposed or returned plan (a returned one goes back to the branch head: proposed again); the
    branch head changes it in any status. The change is made once, from the status it was read in."""
    errors: dict[str, list[str]] = {}
    for name in set(changes) - set(EDITABLE):
        errors[name] = [_("Unknown field.")]
    cleaned = clean_targets({k: v for k, v in changes.items() if k in TARGET_COLUMNS}, errors)
    if "note" in changes:
        cleaned["note"] = _note(changes["note"], errors)
    if errors:
        raise ValidationError(errors)
    statuses, repropose = _may_edit(actor, plan)
    after = {**{c: getattr(plan, c) for c in EDITABLE}, **cleaned}
    if not any(after[c] is not None for c in TARGET_COLUMNS) and \
            not PlanCustomer.objects.filter(plan_id=plan.pk).exists():
        raise ValidationError({NON_FIELD_ERRORS: [_("Set at least one target, or name the customers to move up.")]})
    before = _snapshot(plan)
    if repropose:
        cleaned["status"] = S.PROPOSED
    transition(UpliftPlan.objects.filter(pk=plan.pk, status=plan.status, status__in=statuses),
               _("The plan was changed meanwhile (approved or returned): open it again."), **cleaned)
    for name, value in cleaned.items():
        setattr(plan, name, value)
    audit_log(actor=actor, action="uplift_plan.updated", obj=plan, before=before, after=_snapshot(plan))
    return plan


def _must_review(actor, plan: UpliftPlan) -> None:
    if not (actor.role == Role.ADMIN or (actor.role == Role.BRANCH_HEAD and actor.branch_id == plan.branch_id)):
        raise PermissionDenied(_("Only the branch head approves or returns a plan."))


def _comment_text(text: Any, *, required: bool, field_name: str = "comment") -> str:
    text = (text or "").strip() if isinstance(text, str) or text is None else str(text)
    if required and not text:
        raise _errors_of(**{field_name: _("Say what should change: the manager reads it.")})
    if len(text) > COMMENT_MAX:
        raise _errors_of(**{field_name: str(TOO_LONG % {"limit_value": COMMENT_MAX, "show_value": len(text)})})
    return text


def _answered(plan: UpliftPlan) -> Conflict:
    return Conflict(_("This plan was answered already (%(s)s).") % {"s": S(plan.status).label})


@transaction.atomic
def plan_approve(*, actor, plan: UpliftPlan, comment: str = "") -> UpliftPlan:
    """The branch head approves a proposed plan, once (the second of two racing approvals, or an
    approval racing a return, is refused: Conflict, the API's 409); an optional comment is kept."""
    _must_review(actor, plan)
    text = _comment_text(comment, required=False)
    if plan.status != S.PROPOSED:
        raise _answered(plan)
    now = clock.now()
    transition(UpliftPlan.objects.filter(pk=plan.pk, status=S.PROPOSED), _("This plan was answered already."),
               status=S.APPROVED, approved_by_id=actor.pk, approved_at=now)
    plan.status, plan.approved_by, plan.approved_at = S.APPROVED, actor, now
    if text:
        PlanComment.objects.create(plan=plan, author=actor, text=text, at=now)
    audit_log(actor=actor, action="uplift_plan.approved", obj=plan, before={"status": S.PROPOSED},
              after={"status": S.APPROVED}, detail=text)
    return plan


@transaction.atomic
def plan_return(*, actor, plan: UpliftPlan, comment: str) -> UpliftPlan:
    """The branch head returns a proposed plan to its manager with a comment saying what should
    change (required), once."""
    _must_review(actor, plan)
    text = _comment_text(comment, required=True)
    if plan.status != S.PROPOSED:
        raise _answered(plan)
    now = clock.now()
    transition(UpliftPlan.objects.filter(pk=plan.pk, status=S.PROPOSED), _("This plan was answered already."),
               status=S.RETURNED)
    plan.status = S.RETURNED
    PlanComment.objects.create(plan=plan, author=actor, text=text, at=now)
    audit_log(actor=actor, action="uplift_plan.returned", obj=plan, before={"status": S.PROPOSED},
              after={"status": S.RETURNED}, detail=text)
    return plan


@transaction.atomic
def plan_comment(*, actor, plan: UpliftPlan, text: str) -> PlanComment:
    """A comment on the plan's progress by the branch head (or an administrator) or by its manager."""
    if not rights_of(actor, plan).comment:
        raise PermissionDenied(_("Only the branch head and the plan's manager comment on it."))
    body = _comment_text(text, required=False, field_name="text")
    if not body:
        raise _errors_of(text=_("Write the comment."))
    comment = PlanComment.objects.create(plan=plan, author=actor, text=body, at=clock.now())
    audit_log(actor=actor, action="uplift_plan.commented", obj=plan, detail=body)
    return comment


def _lock_editable(actor, plan: UpliftPlan) -> None:
    """Hold the plan in a status the actor may change it from until the transaction ends (a no-op
    UPDATE: PostgreSQL locks the row, SQLite runs one writer at a time), or refuse."""
    statuses, _repropose = _may_edit(actor, plan)
    transition(UpliftPlan.objects.filter(pk=plan.pk, status__in=statuses),
               _("The plan is approved: only the branch head changes it now."), status=F("status"))


@transaction.atomic
def plan_customers_add(*, actor, plan: UpliftPlan, customer_ids: Iterable[Any]) -> list[int]:
    """Name customers of the manager's book to move up a quadrant, each with the quadrant and AUM
    he or she has now; those named already stay as they were. Returns the ids added."""
    errors: dict[str, list[str]] = {}
    ids = _customer_ids(customer_ids, errors)
    if not ids and not errors:
        errors["customer_ids"] = [_("Tick the customers to name.")]
    customers = _listable(plan.manager_id, ids, errors)
    if errors:
        raise ValidationError(errors)
    _lock_editable(actor, plan)
    added = _list_customers(plan, customers)
    if added:
        audit_log(actor=actor, action="uplift_plan.customers_added", obj=plan, data={"customers": len(added)},
                  customer_ids=added)
    return added


@transaction.atomic
def plan_customer_remove(*, actor, plan: UpliftPlan, customer_id: Any) -> None:
    """Take a customer off the plan's list."""
    try:
        cid = int(customer_id)
    except (TypeError, ValueError):
        raise _errors_of(customer_id=_("Give customers by their id.")) from None
    _lock_editable(actor, plan)
    deleted, _rows = PlanCustomer.objects.filter(plan_id=plan.pk, customer_id=cid).delete()
    if not deleted:
        raise _errors_of(customer_id=_("This customer is not on the plan."))
    audit_log(actor=actor, action="uplift_plan.customer_removed", obj=plan, customer_id=cid)


@dataclass
class MonthRow:
    """A row of the month's page: a manager and his or her plan of the month (or none yet)."""

    manager: Staff
    plan: UpliftPlan | None = None
    progress: PlanProgress | None = None
    extra: dict = field(default_factory=dict)


def month_rows(user, month: dt.date, *, branch_id: int | None = None) -> list[MonthRow]:
    """The month's page: each plan of the month the user sees with its progress, and (for a branch
    head, or an administrator who picked a branch) each manager of the branch who has none yet.
    A few queries whatever the number of managers: the plans with their effect counts in one, the
    figures one review per period and branch."""
    plans = list(plans_of_month(user, month))
    if branch_id is not None:
        plans = [p for p in plans if p.branch_id == branch_id]
    progress = plans_progress(plans)
    rows = [MonthRow(p.manager, p, progress[p.pk]) for p in plans]
    roster_branch = user.branch_id if user.role == Role.BRANCH_HEAD else branch_id if user.role == Role.ADMIN else None
    if roster_branch is not None:
        planned = {p.manager_id for p in plans}
        for staff in (plannable_managers(user).filter(branch_id=roster_branch)
                      .order_by("full_name", "username")):
            if staff.pk not in planned:
                rows.append(MonthRow(staff))
    return rows
