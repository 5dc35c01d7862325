"""The review's pages (总结与检视, KPI-1..3): the manager's own month, the branch head's comparison
of managers, the admin's view of branches, and the drill-down behind every number. The figures
are banyan.kpis.figures.review's — the same as the API's and the Excel's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan import clock, replica
from banyan.customers.selectors import visible_customers
from banyan.kpis import figures
from banyan.kpis.definitions import FIELD_BY_KEY, FIELDS, MAIN
from banyan.kpis.figures import Review, Scope, drill, drillable, review
from banyan.kpis.periods import KINDS, Period, parse_period
from banyan.kpis.selectors import review_scope
from banyan.kpis.services import review_drilled, review_read
from banyan.org.models import Branch, Role, Staff
from banyan.segments.models import Quadrant

PAGE_SIZE = 50
#: The figures at the top of the page, big.
CARDS = ("contact_achievement_rate", "new_info", "opportunities_opened", "opportunities_won", "sales_amount",
         "aum_change", "net_new_money", "moved_up")
KIND_WORDS = {"week": gettext_lazy("This week"), "month": gettext_lazy("This month"),
              "quarter": gettext_lazy("This quarter"), "year": gettext_lazy("This year")}


def _period(request: HttpRequest) -> Period:
    try:
        return parse_period(start=request.GET.get("from"), end=request.GET.get("to"),
                            kind=request.GET.get("period") if request.GET.get("period") in KINDS else None,
                            today=clock.today())
    except ValidationError as e:
        raise _BadPeriod(e) from None


class _BadPeriod(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.messages = [m for ms in error.message_dict.values() for m in ms]


def _scope(request: HttpRequest, period: Period) -> Scope:
    manager = request.GET.get("manager") or None
    branch = request.GET.get("branch") or None
    if manager == "-":  # the branch's customers with no manager (book figures only)
        scope = review_scope(request.user, period, branch=branch)
        if scope.branch_id is None or scope.manager_id is not None:
            raise Http404("No such row")
        return Scope(branch_id=scope.branch_id, unassigned=True)
    return review_scope(request.user, period, manager=manager, branch=branch)


def _link(period: Period, **params: Any) -> str:
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(),
             **{k: v for k, v in params.items() if v not in (None, "")}}
    return "?" + urlencode(query)


def _shortcuts(period: Period, params: dict[str, str]) -> list[dict]:
    today = clock.today()
    out = []
    for kind in ("week", "month", "quarter", "year"):
        p = Period.of(kind, today)
        out.append({"label": KIND_WORDS[kind], "href": _link(p, **params), "active": p == period})
    last_month = Period.of("month", today).previous()
    out.insert(2, {"label": _("Last month"), "href": _link(last_month, **params), "active": last_month == period})
    return out


def _cell(row_values: dict, key: str) -> dict:
    f = FIELD_BY_KEY[key]
    return {"key": key, "value": row_values.get(key), "kind": f.kind, "drill": drillable(key)}


def _table(r: Review, rows: list[figures.Row], *, by_branch: bool) -> list[dict]:
    out = []
    for row in rows:
        params: dict[str, str] = {}
        if by_branch:
            params["branch"] = row.branch.code if row.branch else ""
        else:
            params["manager"] = row.username or "-"
            if row.branch is not None and (r.scope.branch_id is not None or r.scope.manager_id is None):
                params["branch"] = row.branch.code
        out.append({"row": row, "cells": [_cell(row.values, k) for k in MAIN], "params": params,
                    "query": urlencode(params)})
    return out


def _chart(r: Review, trend, by_row, matrix) -> dict:
    """What the page's ECharts draw (static/banyan/review.js)."""
    names = {(row.staff_id, row.branch_id): row.name for row in r.rows}
    weeks = [w.start.strftime("%m-%d") for w, _v in trend]
    lines = [{"name": names.get(key, "—"), "data": [v["contact_achievement_rate"] for v in values]}
             for key, values in sorted(by_row.items(), key=lambda kv: names.get(kv[0], ""))
             if any(v["planned"] for v in values)]
    rated = [row for row in r.rows if row.values["contact_achievement_rate"] is not None]
    return {
        "weeks": weeks,
        "total": [v["contact_achievement_rate"] for _w, v in trend],
        "contacts": [v["contacts"] for _w, v in trend],
        "new_info": [v["new_info"] for _w, v in trend],
        "lines": lines,
        "bars": {"names": [row.name for row in rated],
                 "rates": [row.values["contact_achievement_rate"] for row in rated]},
        "labels": {"rate": _("Contact achievement rate"), "contacts": _("Contacts"), "new_info": _("New information"),
                   "total": _("All")},
    }


QUADRANTS = [Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW, Quadrant.LOW_HIGH, Quadrant.LOW_LOW]


def _matrix_table(matrix: dict[tuple[str, str], int]) -> dict:
    starts = [*QUADRANTS, figures.NEW]
    if any(k[0] == figures.UNKNOWN for k in matrix):
        starts.append(figures.UNKNOWN)
    words = {**{q.value: q.label for q in Quadrant}, figures.NEW: _("New customers"),
             figures.UNKNOWN: _("Not known then")}
    rank = {Quadrant.HIGH_HIGH: 0, Quadrant.HIGH_LOW: 0, Quadrant.LOW_HIGH: 1, Quadrant.LOW_LOW: 1}
    rows = []
    for s in starts:
        cells = []
        for e in QUADRANTS:
            n = matrix.get((s, e), 0)
            move = "" if s not in rank else "up" if rank[e] < rank[s] else "down" if rank[e] > rank[s] else ""
            cells.append({"n": n, "move": move, "same": s == e})
        rows.append({"label": words[s], "cells": cells, "total": sum(c["n"] for c in cells)})
    return {"columns": [words[q] for q in QUADRANTS], "rows": rows}


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
    except _BadPeriod as e:
        period, errors = Period.of("month", clock.today()), e.messages
    else:
        errors = []
    scope = _scope(request, period)
    if scope.unassigned:
        raise Http404("The drill-down lists these customers")
    user = request.user
    # the figures, the trend and the matrix from one moment of the review's replica, if there is one
    with replica.reading():
        r = review(scope, period)
        review_read(actor=user, review=r, via="page")  # written on the primary, as every write
        if scope.branch_id is not None:  # the managers' lines too
            trend, by_row = figures.weekly_trends(scope, period)
        else:
            trend, by_row = figures.weekly_trend(scope, period), {}
        matrix = r.quadrant_matrix()
        replayed_at = replica.replayed_at()
    by_branch = user.role == Role.ADMIN and scope.branch_id is None and scope.manager_id is None
    if by_branch and request.GET.get("view") == "managers":
        by_branch = False
    rows = r.by_branch() if by_branch else r.rows
    params = {k: request.GET.get(k, "") for k in ("manager", "branch", "view") if request.GET.get(k)}
    own = scope.manager_id == user.pk and user.role in (Role.RM, Role.PLANNER)
    context = {
        "review": r, "period": period, "errors": errors, "scope": scope, "own": own, "by_branch": by_branch,
        "title": _scope_title(scope, user, own),
        "columns": [FIELD_BY_KEY[k] for k in MAIN], "table": _table(r, rows, by_branch=by_branch),
        "total_cells": [_cell(r.total, k) for k in MAIN],
        "total_query": urlencode({k: v for k, v in params.items() if k in ("manager", "branch")}),
        "cards": [_cell(r.total, k) | {"label": FIELD_BY_KEY[k].label} for k in CARDS],
        "channels": [_cell(r.total, f.key) | {"label": f.label} for f in FIELDS if f.key.startswith("contacts_")],
        "sales_types": [_cell(r.total, f.key) | {"label": f.label} for f in FIELDS
                        if f.key.startswith("sales_amount_") and r.total.get(f.key)],
        "service": [_cell(r.total, k) | {"label": FIELD_BY_KEY[k].label} for k in (
            "referrals_sent", "referrals_received", "referrals_converted", "complaints_received", "complaints_open",
            "complaints_overdue", "event_invited", "event_attended", "first_contact_in_time", "new_customers",
            "moved_down", "completeness_gained", "calls", "calls_target", "call_minutes", "call_minutes_target")],
        "chart": _chart(r, trend, by_row, matrix), "matrix": _matrix_table(matrix),
        "shortcuts": _shortcuts(period, params), "params": params,
        "prev_link": _link(period.previous(), **params), "next_link": _link(_next(period), **params),
        "export_link": _link(period, **params),
        "branches": Branch.objects.order_by("code") if user.role == Role.ADMIN else None,
        "managers": _managers(user, scope, period) if user.role in (Role.BRANCH_HEAD, Role.ADMIN) else None,
        "nav_active": "review", "on_replica": replayed_at is not None, "replayed_at": replayed_at,
    }
    return render(request, "kpis/review.html", context)


def _next(period: Period) -> Period:
    after = period.end + dt.timedelta(days=1)
    if period.start.day == 1 and after.day == 1:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
        index = after.year * 12 + after.month - 1 + months
        return Period(after, dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1))
    return Period(after, after + dt.timedelta(days=period.days - 1))


def _scope_title(scope: Scope, user, own: bool) -> str:
    if own:
        return _("My review")
    parts = []
    if scope.branch_id is not None:
        parts.append(str(Branch.objects.get(pk=scope.branch_id)))
    if scope.manager_id is not None:
        parts.append(str(Staff.objects.get(pk=scope.manager_id)))
    return " · ".join(parts) or _("The whole bank")


def _managers(user, scope: Scope, period: Period) -> list[Staff]:
    from banyan.org.models import BOOK_ROLES

    branch_id = scope.branch_id if scope.branch_id is not None else user.branch_id
    if branch_id is None:
        return []
    return list(Staff.objects.filter(branch_id=branch_id, role__in=BOOK_ROLES, is_active=True)
                .order_by("full_name", "username"))


@login_required
def export_view(request: HttpRequest) -> HttpResponse:
    """The page's Excel button: the same review as a workbook, audited as an export."""
    from banyan.kpis.excel import review_download

    try:
        period = _period(request)
    except _BadPeriod:
        raise Http404("Bad period") from None
    scope = _scope(request, period)
    if scope.unassigned:
        raise Http404("No such view")
    return review_download(request, review(scope, period))


# --- the drill-down ---------------------------------------------------------------------------

_CUSTOMER_FIELD = {"tasks": "customer_id", "contacts": "customer_id", "opportunities": "customer_id",
                   "sales": "customer_id", "referrals": "customer_id", "complaints": "customer_id",
                   "invitations": "customer_id", "customers": "customer_key", "transactions": "customer_id"}
_ORDER = {"tasks": ("-date", "pk"), "contacts": ("-occurred_at", "pk"), "opportunities": ("-opened_at", "pk"),
          "sales": ("-purchase_date", "pk"), "referrals": ("-created_at", "pk"), "complaints": ("-received_at", "pk"),
          "invitations": ("-event__starts_at", "pk"), "customers": ("-value", "customer_key"),
          "transactions": ("-occurred_on", "pk")}
_RELATED = {"tasks": ("customer", "interaction"), "contacts": ("customer",), "opportunities": ("customer", "product"),
            "sales": ("customer", "product"), "referrals": ("customer",), "complaints": ("customer", "category"),
            "invitations": ("customer", "event"), "transactions": ("customer",)}


@login_required
def drill_page(request: HttpRequest) -> HttpResponse:
    """The rows behind one number of the review (KPI-3): the same definition and scope, limited
    to the customers the caller may see; each customer links to the file. One audit event."""
    key = request.GET.get("figure", "")
    if key not in FIELD_BY_KEY or not drillable(key):
        raise Http404("No such figure")
    try:
        period = _period(request)
    except _BadPeriod:
        raise Http404("Bad period") from None
    scope = _scope(request, period)
    kind, qs = drill(scope, period, key)
    field = _CUSTOMER_FIELD[kind]
    if request.user.role != Role.ADMIN:
        qs = qs.filter(**{f"{field}__in": visible_customers(request.user).values("pk")})
    if kind in _RELATED:
        qs = qs.select_related(*_RELATED[kind])
    qs = qs.order_by(*_ORDER[kind])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    if kind == "customers":
        _attach_customers(items)
    customer_ids = sorted({getattr(i, field) for i in items if getattr(i, field) is not None})
    review_drilled(actor=request.user, scope=scope, period=period, figure=key, customer_ids=customer_ids,
                   matched=page.paginator.count)
    params = {k: request.GET.get(k) for k in ("manager", "branch") if request.GET.get(k)}
    return render(request, "kpis/drill.html", {
        "field": FIELD_BY_KEY[key], "kind": kind, "page": page, "items": items, "period": period,
        "title": _drill_title(scope), "back": "/review/" + _link(period, **params),
        "page_query": _link(period, figure=key, **params)[1:], "nav_active": "review",
        "first_contact_days": figures.first_contact_days(),
    })


def _attach_customers(items: list) -> None:
    """The book's rows are values of a snapshot or a customer: give each its customer, in one query."""
    from banyan.customers.models import Customer

    customers = Customer.objects.in_bulk([i.customer_key for i in items])
    for i in items:
        i.the_customer = customers.get(i.customer_key)


def _drill_title(scope: Scope) -> str:
    if scope.unassigned:
        return _("Customers with no manager")
    if scope.manager_id is not None:
        return str(Staff.objects.get(pk=scope.manager_id))
    if scope.branch_id is not None:
        return str(Branch.objects.get(pk=scope.branch_id))
    return _("The whole bank")
