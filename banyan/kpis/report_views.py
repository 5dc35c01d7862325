"""The monthly reports' pages (issue 14 §5): the branch head sees the branch's reports and downloads
the workbook or the PDF summary; an administrator sees every branch's, filtered by branch. Anyone
else — a manager, an assistant, the auditor, another branch's head asking for a report — gets 404,
as for any object out of reach. Every download is an audited export (kpis.exported, one event).

Without a broker no beat runs the monthly check: opening this page does it (the single-branch set-up,
as the content library runs its plans), so the month's reports are there on the first working day."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from banyan.audit.services import audit_log
from banyan.kpis.models import MonthlyReport
from banyan.org.models import Branch, Role

logger = logging.getLogger(__name__)


def visible_reports(user) -> QuerySet:
    """The reports the caller may open (the files themselves deferred); Http404 for a role that reads none."""
    qs = (MonthlyReport.objects.defer("workbook", "summary_pdf").select_related("branch")
          .annotate(has_pdf=Case(When(summary_pdf__isnull=True, then=Value(False)), default=Value(True),
                                 output_field=BooleanField())))
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return qs
    if role == Role.BRANCH_HEAD and user.branch_id:
        return qs.filter(branch_id=user.branch_id)
    raise Http404("No monthly reports for this role")


def _run_due_without_broker(user) -> None:
    # No broker (the single-branch set-up): no beat checks the month, so opening the page does.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        return
    from banyan.kpis.report import monthly_reports_due

    try:
        monthly_reports_due()
    except Exception:  # the page still lists what was built; the next opening tries again
        logger.exception("The monthly reports could not be built from the reports page")


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    qs = visible_reports(request.user)
    _run_due_without_broker(request.user)
    is_admin = request.user.role == Role.ADMIN
    branch_code = (request.GET.get("branch") or "").strip()[:20] if is_admin else ""
    if branch_code:
        qs = qs.filter(branch__code=branch_code)
    page = Paginator(qs.order_by("-month", "branch__code"), 50).get_page(request.GET.get("page"))
    return render(request, "kpis/reports.html", {
        "nav_active": "review", "page": page, "reports": page.object_list, "is_admin": is_admin,
        "branches": list(Branch.objects.order_by("code")) if is_admin else [], "branch_code": branch_code,
        "own_branch": request.user.branch if not is_admin else None})


def _report_or_404(request: HttpRequest, report_id: int) -> MonthlyReport:
    visible = visible_reports(request.user).values_list("pk", flat=True)
    return get_object_or_404(MonthlyReport.objects.select_related("branch").filter(pk__in=visible), pk=report_id)


def _downloaded(request: HttpRequest, report: MonthlyReport, via: str) -> None:
    audit_log(actor=request.user, action="kpis.exported", obj=report, data={
        "via": via, "branch": report.branch.code, "month": f"{report.month:%Y-%m}",
        "from": report.month.isoformat()})


@login_required
@require_GET
def report_xlsx(request: HttpRequest, report_id: int) -> HttpResponse:
    from banyan.kpis.excel import xlsx_response
    from banyan.kpis.report import report_filename

    report = _report_or_404(request, report_id)
    _downloaded(request, report, "monthly_report_xlsx")
    return xlsx_response(bytes(report.workbook), report_filename(report, "xlsx"))


@login_required
@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    from banyan.kpis.report import report_filename
    from banyan.wealth.report import attachment

    report = _report_or_404(request, report_id)
    if report.summary_pdf is None:
        raise Http404("This report has no PDF: it was built where WeasyPrint could not run")
    _downloaded(request, report, "monthly_report_pdf")
    response = HttpResponse(bytes(report.summary_pdf), content_type="application/pdf")
    response["Content-Disposition"] = attachment(report_filename(report, "pdf"))
    response["Cache-Control"] = "private, no-store"
    return response
