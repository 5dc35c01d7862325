"""Pages of the wealth diagnosis (财富诊断, WEA-2): the diagnosis on the customer file (figures and
charts, the monthly spending the manager records), its PDF for the customer, the batch of a
manager's priority customers (progress polled with htmx, the ZIP downloaded), and the bank's model
portfolios (an administrator edits, a branch head reads).

Kept apart from views.py (the questionnaire's pages) so neither passes the size where a module is
split. Every customer page starts from get_customer_for_user (404 out of reach); a batch is its
maker's alone (404 for anyone else)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.customers.selectors import get_customer_for_user
from banyan.customers.services import customer_viewed
from banyan.forms import BanyanForm
from banyan.org.models import Role
from banyan.wealth.diagnosis import Diagnosis, diagnose
from banyan.wealth.diagnosis_services import (
    CLASS_FIELDS,
    RISK_FIELDS,
    customer_spending_set,
    diagnosis_batch_downloaded,
    diagnosis_exported,
    model_portfolio_update,
)
from banyan.wealth.models import AssetClass, BatchStatus, DiagnosisBatch, ModelPortfolio
from banyan.wealth.tasks import batch_path, diagnosis_batch_queue, is_stale, may_batch, priority_customers
from banyan.web.forms import add_service_errors

RECENT_BATCHES = 10
STATUS_WORDS = {
    "take_profit": gettext_lazy("Take-profit reached"),
    "stop_loss": gettext_lazy("Stop-loss reached"),
    "below_expected": gettext_lazy("Below expected"),
    "on_track": gettext_lazy("On track"),
    "fixed": gettext_lazy("Agreed rate"),
    "unknown": "—",
}


class SpendingForm(BanyanForm):
    monthly = forms.CharField(label=gettext_lazy("Monthly spending (yuan)"), max_length=20, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control",
                                                            "placeholder": "8000"}))


class BatchForm(BanyanForm):
    date = forms.DateField(label=gettext_lazy("As of"), required=False,
                           widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))


def parse_day(raw: str | None) -> tuple[dt.date, bool]:
    """(the day asked for, or today; whether the text was refused)."""
    if not raw:
        return clock.today(), False
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return clock.today(), True
    if not 1900 <= day.year <= 2999:
        return clock.today(), True
    return day, False


def chart_data(d: Diagnosis) -> dict:
    """What the page's ECharts draw (static/banyan/diagnosis.js), as plain JSON."""
    return {
        "classes": {"labels": [s.label for s in d.allocation_by_class],
                    "actual": [str(s.pct) for s in d.allocation_by_class],
                    "target": [None if s.target_pct is None else str(s.target_pct) for s in d.allocation_by_class]},
        "risks": {"labels": [s.label for s in d.allocation],
                  "actual": [str(s.pct) for s in d.allocation],
                  "target": [None if s.target_pct is None else str(s.target_pct) for s in d.allocation]},
        "ladder": {"labels": [b.label for b in d.maturities.by_month],
                   "values": [str(b.amount) for b in d.maturities.by_month]},
        "trend": {"dates": [day.isoformat() for day, _a in d.trend], "values": [str(a) for _d, a in d.trend]},
        "words": {"actual": _("Now"), "target": _("Target"), "matures": _("Maturing"), "aum": _("AUM")},
    }


def _page_context(request: HttpRequest, customer, day: dt.date, *, form: SpendingForm | None = None,
                  bad_date: bool = False) -> dict:
    d = diagnose(customer, as_of=day)
    if form is None:
        form = SpendingForm(initial={"monthly": d.liquidity.monthly_spending or ""})
    return {"c": customer, "d": d, "day": day, "is_today": day == clock.today(), "bad_date": bad_date,
            "spending_form": form, "charts": chart_data(d), "nav_active": "book",
            "returns": [(r, STATUS_WORDS.get(r.status, r.status)) for r in d.returns],
            "can_edit": request.user.role != Role.AUDITOR}


@login_required
@require_GET
def diagnosis_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """财富诊断 on the customer file: as of `?date=` (default today)."""
    customer = get_customer_for_user(request.user, customer_id)
    day, bad = parse_day(request.GET.get("date"))
    customer_viewed(actor=request.user, customer=customer, via="diagnosis")
    return render(request, "wealth/diagnosis.html", _page_context(request, customer, day, bad_date=bad))


@login_required
@require_POST
def diagnosis_spending(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Record the customer's monthly spending (the liquidity rule's yardstick); empty clears it."""
    customer = get_customer_for_user(request.user, customer_id)
    day, _bad = parse_day(request.POST.get("date"))
    form = SpendingForm(request.POST)
    if form.is_valid():
        try:
            customer_spending_set(actor=request.user, customer=customer, monthly=form.cleaned_data["monthly"])
        except ValidationError as e:
            add_service_errors(form, e)
    if form.errors:
        return render(request, "wealth/diagnosis.html", _page_context(request, customer, day, form=form), status=400)
    messages.success(request, _("Monthly spending recorded."))
    url = reverse("wealth_diagnosis", args=[customer.pk])
    return redirect(url if day == clock.today() else f"{url}?date={day.isoformat()}")


@login_required
@require_GET
def diagnosis_pdf_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's report as a PDF download; every one is an audited export."""
    from banyan.wealth.report import PdfUnavailable, attachment, diagnosis_pdf, pdf_filename

    customer = get_customer_for_user(request.user, customer_id)
    day, bad = parse_day(request.GET.get("date"))
    if bad:
        messages.error(request, _("Enter the date as YYYY-MM-DD."))
        return redirect("wealth_diagnosis", customer.pk)
    try:
        pdf = diagnosis_pdf(customer, as_of=day)
    except PdfUnavailable as e:
        return HttpResponse(str(e), status=503, content_type="text/plain; charset=utf-8")
    diagnosis_exported(actor=request.user, customer=customer, as_of=day, via="diagnosis_pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment(pdf_filename(customer, day))
    return response


# ------------------------------------------------------------------ the batch

def _my_batch(request: HttpRequest, batch_id: int) -> DiagnosisBatch:
    return get_object_or_404(DiagnosisBatch, pk=batch_id, owner_id=request.user.pk)


def _batch_context(batch: DiagnosisBatch) -> dict:
    return {"batch": batch, "stale": is_stale(batch), "stale_minutes": settings.BANYAN_FEED_STALE_MINUTES,
            "finished": batch.status in (BatchStatus.DONE, BatchStatus.FAILED)}


@login_required
def diagnosis_batches(request: HttpRequest) -> HttpResponse:
    """The PDFs of all my priority customers as one job: start one, see the recent ones."""
    if not may_batch(request.user):
        raise PermissionDenied(_("Only a manager (or the manager's assistant) makes the PDFs of a book's "
                                 "priority customers."))
    form = BatchForm(request.POST if request.method == "POST" else None, initial={"date": clock.today()})
    if request.method == "POST" and form.is_valid():
        batch = diagnosis_batch_queue(actor=request.user, as_of=form.cleaned_data["date"] or clock.today())
        return redirect("wealth_diagnosis_batch", batch.pk)
    batches = [(b, is_stale(b)) for b in DiagnosisBatch.objects.filter(owner=request.user)[:RECENT_BATCHES]]
    return render(request, "wealth/diagnosis_batches.html", {
        "form": form, "batches": batches, "priority_count": priority_customers(request.user).count(),
        "nav_active": "book"}, status=400 if form.errors else 200)


@login_required
@require_GET
def diagnosis_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _my_batch(request, batch_id)
    return render(request, "wealth/diagnosis_batch.html", {**_batch_context(batch), "nav_active": "book"})


@login_required
@require_GET
def diagnosis_batch_status(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The fragment the batch's page polls; without the poll once the batch has finished."""
    batch = _my_batch(request, batch_id)
    return render(request, "wealth/partials/_diagnosis_batch.html", _batch_context(batch))


@login_required
@require_GET
def diagnosis_batch_download(request: HttpRequest, batch_id: int) -> FileResponse:
    """The ZIP of the batch's PDFs: one audited export naming every customer in it."""
    batch = _my_batch(request, batch_id)
    path = batch_path(batch) if batch.file else None
    if batch.status != BatchStatus.DONE or path is None or not path.exists():
        raise Http404
    diagnosis_batch_downloaded(actor=request.user, batch=batch)
    name = f"财富诊断-{batch.as_of.isoformat()}-{batch.pk}.zip"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="application/zip")


# ------------------------------------------------------------------ the model portfolios (settings)

class PortfolioForm(BanyanForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=50, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in RISK_FIELDS + CLASS_FIELDS:
            self.fields[key] = forms.IntegerField(min_value=0, max_value=100, required=True)
        for key in ("liquid_months_min", "liquid_months_max"):
            self.fields[key] = forms.IntegerField(min_value=0, max_value=36, required=True)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.apply_limits()


def _settings_reader(request: HttpRequest) -> bool:
    """An administrator edits; a branch head reads; anyone else is sent away."""
    role = getattr(request.user, "role", None)
    if role not in (Role.ADMIN, Role.BRANCH_HEAD):
        raise PermissionDenied(_("Only an administrator or a branch head sees the bank's settings."))
    return role == Role.ADMIN


def _portfolio_rows(forms_by_pk: dict | None = None, *, can_edit: bool = True) -> list[dict]:
    rows = []
    for p in ModelPortfolio.objects.select_related("updated_by"):
        form = (forms_by_pk or {}).get(p.pk) or PortfolioForm(
            prefix=f"p{p.pk}", initial={k: getattr(p, k) for k in ("name", "name_en", "note", *RISK_FIELDS,
                                                                   *CLASS_FIELDS, "liquid_months_min",
                                                                   "liquid_months_max")})
        if not can_edit:
            for field in form.fields.values():
                field.disabled = True
        rows.append({"p": p, "form": form, "level": int(p.risk_level[1]),
                     "risk_fields": [(f"R{n}", form[k], n > int(p.risk_level[1]))
                                     for n, k in enumerate(RISK_FIELDS, start=1)],
                     "class_fields": [(str(AssetClass(k[:-4]).label), form[k]) for k in CLASS_FIELDS]})
    return rows


@login_required
@require_GET
def model_portfolios(request: HttpRequest) -> HttpResponse:
    can_edit = _settings_reader(request)
    return render(request, "wealth/model_portfolios.html", {"rows": _portfolio_rows(can_edit=can_edit),
                                                            "can_edit": can_edit,
                                                            "nav_active": "settings", "tab": "model_portfolios"})


@login_required
@require_POST
def model_portfolio_save(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    if not _settings_reader(request):
        raise PermissionDenied(_("Only an administrator changes the model portfolios."))
    portfolio = get_object_or_404(ModelPortfolio, pk=portfolio_id)
    form = PortfolioForm(request.POST, prefix=f"p{portfolio.pk}")
    if form.is_valid():
        try:
            model_portfolio_update(actor=request.user, portfolio=portfolio, data=form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Model portfolio %(level)s saved.") % {"level": portfolio.risk_level})
            return redirect("wealth_model_portfolios")
    portfolio.refresh_from_db()
    return render(request, "wealth/model_portfolios.html", {
        "rows": _portfolio_rows({portfolio.pk: form}), "can_edit": True, "nav_active": "settings",
        "tab": "model_portfolios"}, status=400)
