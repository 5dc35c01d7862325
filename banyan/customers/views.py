"""The manager's book and search (我的客户): the visible customers, filtered, sorted, paged and
exported; the search page and the header's suggestions.

Views are short: parse a form, call a service or a selector, render. With htmx (HX-Request) the
same view answers with a partial; without JavaScript every form still works by GET.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from banyan import clock
from banyan.customers.forms import AUM_BANDS, BookFilterForm
from banyan.customers.identity import mask_mobile
from banyan.customers.selectors import search_customers, visible_customers
from banyan.customers.services import customers_exported, customers_listed, customers_suggested
from banyan.exports import csv_row
from banyan.org.models import Role
from banyan.segments.models import Quadrant

PAGE_SIZE = 50
SUGGEST_SIZE = 10
#: The book and the file warn when the last contact is older than this.
IDLE_WARNING_DAYS = 60


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def days_since(moment: dt.datetime | None, today: dt.date) -> int | None:
    if moment is None:
        return None
    return (today - timezone.localtime(moment).date()).days


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


_ORDERINGS = {
    "-aum": [F("aum").desc()],
    "aum": [F("aum").asc()],
    "-last_contact": [F("last_contact_at").desc(nulls_last=True)],
    "last_contact": [F("last_contact_at").asc(nulls_first=True)],
    "-days": [F("last_contact_at").asc(nulls_first=True)],
    "days": [F("last_contact_at").desc(nulls_last=True)],
    "-completeness": [F("completeness").desc()],
    "completeness": [F("completeness").asc()],
    "name": [F("name_pinyin").asc(), F("name").asc()],
    "-name": [F("name_pinyin").desc(), F("name").desc()],
}


def _quadrant_of(request: HttpRequest) -> str:
    """?quadrant=<code> from the segment matrix (banyan.segments): one value quadrant of the book."""
    quadrant = request.GET.get("quadrant") or ""
    return quadrant if quadrant in Quadrant.values else ""


def _filtered_book(request: HttpRequest):
    """The caller's visible customers with the book's filters and sort applied: (form, queryset)."""
    form = BookFilterForm(request.GET or None, user=request.user)
    qs = visible_customers(request.user)
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data  # the valid filters apply even when another one is refused
    if data.get("band"):
        _label, low, high = AUM_BANDS[data["band"]]
        if low is not None:
            qs = qs.filter(aum__gte=Decimal(low))
        if high is not None:
            qs = qs.filter(aum__lt=Decimal(high))
    if data.get("idle"):
        # "Not contacted for N days": the last contact was N or more calendar days ago, or never.
        cutoff = _start_of(clock.today() - dt.timedelta(days=data["idle"] - 1))
        qs = qs.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=cutoff))
    if data.get("risk"):
        qs = qs.filter(risk_level=data["risk"])
    if data.get("rm"):
        qs = qs.filter(rm=data["rm"])
    quadrant = _quadrant_of(request)
    if quadrant:
        qs = qs.filter(segment__quadrant=quadrant)
    if request.GET.get("priority") == "1":
        qs = qs.filter(segment__is_priority=True)
    sort = data.get("sort") or "-aum"
    return form, qs.order_by(*_ORDERINGS[sort], "pk"), sort


def _decorate(customers, today: dt.date) -> None:
    """Age and days since contact, computed in Python from the row (no extra queries)."""
    for c in customers:
        c.age = age_on(c.birth_date, today)
        c.days_since_contact = days_since(c.last_contact_at, today)
        c.contact_overdue = c.days_since_contact is None or c.days_since_contact > IDLE_WARNING_DAYS


def _sort_columns(current: str) -> dict[str, dict]:
    """For each sortable column: the sort its header link asks for, and the arrow to show."""
    first_desc = {"aum": True, "last_contact": True, "days": True, "completeness": True, "name": False}
    out = {}
    for key, desc_first in first_desc.items():
        if current == key:
            nxt, arrow = "-" + key, "▲"
        elif current == "-" + key:
            nxt, arrow = key, "▼"
        else:
            nxt, arrow = ("-" + key if desc_first else key), ""
        out[key] = {"sort": nxt, "arrow": arrow}
    return out


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    form, qs, sort = _filtered_book(request)
    paginator = Paginator(qs.select_related("rm", "segment"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    _decorate(page.object_list, clock.today())
    if page.object_list:  # a bulk view of customers (ARC-8): one audit event for the page
        customers_listed(actor=request.user, customer_ids=[c.pk for c in page.object_list], via="book",
                         params=request.GET, matched=paginator.count)
    quadrant = _quadrant_of(request)
    context = {
        "quadrant": quadrant,
        "quadrant_label": Quadrant(quadrant).label if quadrant else "",
        "priority_only": request.GET.get("priority") == "1",
        "form": form,
        "page": page,
        "sort": sort,
        "columns": _sort_columns(sort),
        "show_manager": request.user.role in (Role.BRANCH_HEAD, Role.ADMIN),
        "idle_warning_days": IDLE_WARNING_DAYS,
        "filtered": (any(form.cleaned_data.get(k) for k in ("band", "idle", "risk", "rm")) if form.is_bound else False)
        or bool(quadrant) or request.GET.get("priority") == "1",
        "nav_active": "book",
    }
    return render(request, "customers/list.html", context)


@login_required
@require_GET
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered book as CSV (numbers masked), audited as one export with its customers."""
    _form, qs, _sort = _filtered_book(request)
    today = clock.today()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="banyan-customers-{today.isoformat()}.csv"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Customer number"), _("Name"), _("Gender"), _("Age"), _("Mobile"), _("AUM (yuan)"),
                     _("Risk level"), _("Last contact"), _("Days since contact"), _("Completeness %"), _("Manager")])
    ids: list[int] = []
    for c in qs.select_related("rm").iterator(chunk_size=2000):
        ids.append(c.pk)
        days = days_since(c.last_contact_at, today)
        last = timezone.localtime(c.last_contact_at).date().isoformat() if c.last_contact_at else ""
        # names come from feeds and forms: no cell may run as a formula in Excel
        writer.writerow(csv_row([c.external_id, c.name, c.get_gender_display(), age_on(c.birth_date, today) or "",
                                 mask_mobile(c.mobile), f"{c.aum:.2f}", c.risk_level, last,
                                 "" if days is None else days, c.completeness, c.rm.display_name if c.rm else ""]))
    customers_exported(actor=request.user, customer_ids=ids, via="book_csv", params=request.GET)
    return response


# ------------------------------------------------------------------ search

@login_required
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    results = list(search_customers(request.user, q, limit=PAGE_SIZE).select_related("rm")) if q else []
    if len(results) == 1:
        return redirect("customer_detail", results[0].pk)  # the file's view is audited there
    if q:  # a search is audited even when it finds nobody: what was looked for is the record
        customers_listed(actor=request.user, customer_ids=[c.pk for c in results], via="search", params={"q": q})
    _decorate(results, clock.today())
    return render(request, "customers/search.html", {
        "q": q, "search_q": q, "results": results, "limit": PAGE_SIZE,
        "show_manager": request.user.role in (Role.BRANCH_HEAD, Role.ADMIN), "nav_active": "book",
    })


@login_required
@require_GET
def customer_search_suggest(request: HttpRequest) -> HttpResponse:
    """The header's dropdown (and the relation picker, mode=pick): up to 10 hits."""
    q = (request.GET.get("q") or "").strip()
    mode = request.GET.get("mode", "")
    if not q:
        return HttpResponse("")  # an empty box closes the dropdown
    hits = list(search_customers(request.user, q, limit=SUGGEST_SIZE).select_related("rm"))
    if mode == "pick":
        exclude = request.GET.get("exclude")
        hits = [h for h in hits if str(h.pk) != exclude]
        customers_suggested(actor=request.user, q=q, customer_ids=[h.pk for h in hits], via="pick")
        return render(request, "customers/partials/_pick.html", {"q": q, "hits": hits})
    customers_suggested(actor=request.user, q=q, customer_ids=[h.pk for h in hits])
    return render(request, "customers/partials/_suggest.html", {"q": q, "hits": hits})
