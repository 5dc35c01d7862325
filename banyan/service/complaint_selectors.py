"""Reading complaints (SVC-1): who may see which, the branch's figures and the monthly statistics.

A complaint is visible to its owner, the customer's manager, the branch head of the customer's
branch and the auditor — nobody else (DESIGN.md: the two cases "does not exist" and "not yours" are
the same 404)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.exports import csv_cell
from banyan.org.models import Role
from banyan.service.models import Complaint, ComplaintCategory, ComplaintChannel, ComplaintStatus, RootCause

OPEN_STATES = (ComplaintStatus.OPEN, ComplaintStatus.PAUSED)


def visible_complaints(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role == Role.AUDITOR:
        return qs
    mine = Q(owner_id=user.pk)
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        return qs.filter(mine | Q(branch_id=user.branch_id))
    if user.role in (Role.RM, Role.PLANNER):
        return qs.filter(mine | Q(customer__rm_id=user.pk))
    return qs.filter(mine)


def get_complaint_for_user(user, complaint_id) -> Complaint:
    try:
        return (visible_complaints(user).select_related("customer", "customer__rm", "owner", "category", "branch",
                                                        "cause_owner", "extension_approved_by")
                .get(pk=int(complaint_id)))
    except (Complaint.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such complaint") from None


def may_work(user, complaint: Complaint) -> bool:
    """Who changes a complaint: its owner and the branch head of its branch (the auditor reads, the
    customer's manager reads and adds notes)."""
    return complaint.owner_id == user.pk or (user.role == Role.BRANCH_HEAD and user.branch_id == complaint.branch_id)


def may_note(user, complaint: Complaint) -> bool:
    return may_work(user, complaint) or (complaint.customer.rm_id == user.pk)


def complaints_list(user, *, status: str | None = None, overdue: bool | None = None) -> QuerySet[Complaint]:
    qs = visible_complaints(user).select_related("customer", "owner", "category").order_by("due_date", "pk")
    if status:
        qs = qs.filter(status=status)
    today = clock.today()
    if overdue is True:
        qs = qs.filter(status=ComplaintStatus.OPEN, due_date__lt=today)
    elif overdue is False:
        qs = qs.exclude(status=ComplaintStatus.OPEN, due_date__lt=today)
    return qs


def is_overdue(c: Complaint, today: dt.date | None = None) -> bool:
    return c.status == ComplaintStatus.OPEN and c.due_date < (today or clock.today())


# ------------------------------------------------------------------ the branch's view

@dataclass
class BranchFigures:
    open: int
    paused: int
    overdue: int
    resolved: int
    average_days: float | None  # receipt → decision, calendar days
    on_time: int
    by_category: list[tuple[str, int, int]]  # name, open, all
    pareto: list[tuple[str, int, float]]  # cause label, count, cumulative percent
    satisfaction: float | None
    open_rows: list[Complaint] = field(default_factory=list)


def _days_to_decide(rows) -> float | None:
    days = [(decided - timezone.localdate(received)).days for received, decided in rows if decided]
    return round(sum(days) / len(days), 1) if days else None


def branch_figures(qs: QuerySet[Complaint], today: dt.date | None = None) -> BranchFigures:
    """The figures of the complaints in `qs` (a branch's, already scoped): a handful of grouped queries."""
    today = today or clock.today()
    states = dict(qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    overdue = qs.filter(status=ComplaintStatus.OPEN, due_date__lt=today).count()
    resolved = qs.filter(status=ComplaintStatus.RESOLVED)
    decided = list(resolved.values_list("received_at", "decided_on", "due_date", "satisfaction"))
    names = dict(ComplaintCategory.objects.values_list("pk", "name"))
    cats = {}
    for cat, status, n in qs.values_list("category_id", "status").annotate(n=Count("pk")).values_list(
            "category_id", "status", "n"):
        row = cats.setdefault(cat, [0, 0])
        row[1] += n
        if status in OPEN_STATES:
            row[0] += n
    by_category = sorted(((names.get(k, "?"), o, a) for k, (o, a) in cats.items()), key=lambda r: (-r[2], r[0]))
    causes = list(resolved.exclude(cause="").values_list("cause").annotate(n=Count("pk")).order_by("-n", "cause")
                  .values_list("cause", "n"))
    total = sum(n for _c, n in causes)
    pareto, running = [], 0
    for cause, n in causes:
        running += n
        pareto.append((str(RootCause(cause).label) if cause in RootCause.values else cause, n,
                       round(100 * running / total, 1)))
    rated = [s for *_rest, s in decided if s]
    return BranchFigures(
        open=states.get(ComplaintStatus.OPEN, 0), paused=states.get(ComplaintStatus.PAUSED, 0), overdue=overdue,
        resolved=states.get(ComplaintStatus.RESOLVED, 0),
        average_days=_days_to_decide([(r, d) for r, d, _due, _s in decided]),
        on_time=sum(1 for _r, d, due, _s in decided if d <= due), by_category=by_category, pareto=pareto,
        satisfaction=round(sum(rated) / len(rated), 1) if rated else None,
        open_rows=list(qs.filter(status__in=OPEN_STATES).select_related("customer", "owner", "category")
                       .order_by("due_date", "pk")[:200]))


def month_bounds(month: str | None) -> tuple[dt.date, dt.date]:
    """'2026-11' → (1 Nov, 30 Nov); None → the previous month (what a branch reports upward)."""
    today = clock.today()
    if month:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            raise Http404("No such month") from None
    else:
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def monthly_statistics(qs: QuerySet[Complaint], first: dt.date, last: dt.date) -> dict:
    """The month's statistics a branch reports upward: received (by category and channel),
    decided (on time, average days, satisfaction), open at the month's end (overdue), root causes."""
    received = qs.filter(received_at__date__gte=first, received_at__date__lte=last)
    decided = qs.filter(decided_on__gte=first, decided_on__lte=last)
    open_end = qs.filter(received_at__date__lte=last).filter(Q(decided_on__isnull=True) | Q(decided_on__gt=last))
    names = dict(ComplaintCategory.objects.values_list("pk", "name"))
    rows = list(decided.values_list("received_at", "decided_on", "due_date", "satisfaction"))
    rated = [s for *_r, s in rows if s]
    return {
        "first": first, "last": last,
        "received": received.count(),
        "repeats": sum(received.values_list("repeats", flat=True)),
        "decided": len(rows),
        "on_time": sum(1 for _r, d, due, _s in rows if d <= due),
        "average_days": _days_to_decide([(r, d) for r, d, _due, _s in rows]),
        "satisfaction": round(sum(rated) / len(rated), 2) if rated else None,
        "open_end": open_end.count(),
        "overdue_end": open_end.filter(due_date__lt=last).count(),
        "by_category": [(names.get(k, "?"), n) for k, n in received.values_list("category_id").annotate(
            n=Count("pk")).order_by("-n").values_list("category_id", "n")],
        "by_channel": [(str(ComplaintChannel(k).label), n) for k, n in received.values_list("channel").annotate(
            n=Count("pk")).order_by("-n").values_list("channel", "n")],
        "by_cause": [(str(RootCause(k).label), n) for k, n in decided.exclude(cause="").values_list("cause").annotate(
            n=Count("pk")).order_by("-n").values_list("cause", "n")],
        "rows": list(qs.filter(Q(received_at__date__gte=first, received_at__date__lte=last)
                               | Q(decided_on__gte=first, decided_on__lte=last))
                     .select_related("customer", "category", "owner").order_by("received_at", "pk")),
    }


def monthly_workbook(stats: dict, branch_name: str) -> bytes:
    """The month's statistics as an Excel workbook: a summary sheet, the breakdowns, and one row per
    complaint (no identity numbers or phone numbers: the customer by name only)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("Summary")[:31]
    ws.append([_("Complaint statistics"), branch_name, f"{stats['first']:%Y-%m}"])
    for label, value in [(_("Complaints received"), stats["received"]), (_("Repeats merged"), stats["repeats"]),
                         (_("Decided"), stats["decided"]), (_("Decided on time"), stats["on_time"]),
                         (_("Average days to decide"), stats["average_days"]),
                         (_("Average satisfaction"), stats["satisfaction"]),
                         (_("Open at month end"), stats["open_end"]),
                         (_("Overdue at month end"), stats["overdue_end"])]:
        ws.append([label, value])
    for title, key in [(_("By category"), "by_category"), (_("By channel"), "by_channel"),
                       (_("Root causes"), "by_cause")]:
        sheet = wb.create_sheet(title[:31])
        sheet.append([title, _("Count")])
        for name, n in stats[key]:
            sheet.append([csv_cell(name), n])
    detail = wb.create_sheet(_("Complaints")[:31])
    detail.append([_("Number"), _("Customer"), _("Category"), _("Channel"), _("Received on"), _("Due"), _("Decided"),
                   _("Owner"), _("Root cause"), _("Satisfaction")])
    for c in stats["rows"]:
        detail.append([c.pk, csv_cell(c.customer.name), csv_cell(c.category.name), str(c.get_channel_display()),
                       timezone.localdate(c.received_at), c.due_date, c.decided_on, csv_cell(c.owner.display_name),
                       str(c.get_cause_display()) if c.cause else "", c.satisfaction])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
