"""The manager's pages: login, my book, search, the customer file and the quick contact log.

Views are short: parse a form, call a service or a selector, render. With htmx (HX-Request) the
same view answers with a partial; without JavaScript every form still works by POST + redirect.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from lunar_python import Solar

from banyan import clock
from banyan.contacts.models import Memo, MemoStatus
from banyan.contacts.selectors import open_memos, timeline, upcoming_appointments
from banyan.contacts.services import interaction_log, memo_complete, memo_create, visit_review
from banyan.customers.completeness import missing_fields
from banyan.customers.identity import mask_id_number, mask_mobile
from banyan.customers.models import Customer, CustomerRelation, Orientation
from banyan.customers.selectors import get_customer_for_user, search_customers, visible_customers
from banyan.customers.services import (
    customer_reveal,
    customer_update,
    customer_viewed,
    customers_exported,
    relation_add,
)
from banyan.holdings.models import LIABILITY_TYPES, NAV_TYPES, ProductType
from banyan.holdings.selectors import asset_holdings, aum_trend, holdings_of, liability_holdings, products
from banyan.holdings.services import sale_record
from banyan.org.forms import assign_form_for
from banyan.org.models import Role
from banyan.org.services import login_succeeded
from banyan.segments.models import CustomerSegment, Quadrant
from banyan.web.forms import (
    AUM_BANDS,
    PROFILE_GROUPS,
    SECRET_FIELDS,
    BookFilterForm,
    ContactForm,
    LoginForm,
    MemoForm,
    ProfileForm,
    RelationForm,
    SaleForm,
    VisitReviewForm,
    add_service_errors,
)
from banyan.web.templatetags.banyan_tags import money

PAGE_SIZE = 50
SUGGEST_SIZE = 10
IDLE_WARNING_DAYS = 60


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _reverse_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(fallback)


# ------------------------------------------------------------------ login and home

class LoginView(auth_views.LoginView):
    """Django's login with throttling (LoginForm) and the success recorded for the audit trail."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        login_succeeded(staff=form.get_user())
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is."""
    role = request.user.role
    if role in (Role.BRANCH_HEAD, Role.ADMIN):
        return redirect(_reverse_or("branch_overview", "customer_list"))
    if role == Role.AUDITOR:
        return redirect(_reverse_or("audit_log", "customer_list"))
    if role in (Role.RM, Role.PLANNER, Role.ASSISTANT):
        return redirect(_reverse_or("worklist_today", "customer_list"))  # 今日工作
    return redirect("customer_list")


# ------------------------------------------------------------------ my book

def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _days_since(moment: dt.datetime | None, today: dt.date) -> int | None:
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
        c.age = _age(c.birth_date, today)
        c.days_since_contact = _days_since(c.last_contact_at, today)
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
    """The filtered book as CSV (numbers masked), audited per customer."""
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
        days = _days_since(c.last_contact_at, today)
        last = timezone.localtime(c.last_contact_at).date().isoformat() if c.last_contact_at else ""
        writer.writerow([c.external_id, c.name, c.get_gender_display(), _age(c.birth_date, today) or "",
                         mask_mobile(c.mobile), f"{c.aum:.2f}", c.risk_level, last,
                         "" if days is None else days, c.completeness, c.rm.display_name if c.rm else ""])
    query = request.GET.urlencode()
    customers_exported(actor=request.user, customer_ids=ids, what=f"book csv{' ?' + query if query else ''}"[:300])
    return response


# ------------------------------------------------------------------ search

@login_required
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    results = list(search_customers(request.user, q, limit=PAGE_SIZE).select_related("rm")) if q else []
    if len(results) == 1:
        return redirect("customer_detail", results[0].pk)
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
        return render(request, "customers/partials/_pick.html", {"q": q, "hits": hits})
    return render(request, "customers/partials/_suggest.html", {"q": q, "hits": hits})


# ------------------------------------------------------------------ the customer file

def _lunar_text(day: dt.date | None) -> str:
    if not day:
        return ""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    leap = "闰" if lunar.getMonth() < 0 else ""
    return f"{leap}{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"


def _holding_rows(customer, today: dt.date) -> tuple[list, list, list]:
    """Assets, loans and cards, each holding decorated with what the file shows."""
    holdings = list(holdings_of(customer))
    for h in holdings:
        h.days_left = (h.maturity_date - today).days if h.maturity_date else None
        h.gain_pct = None
        if h.product.type in NAV_TYPES:
            if h.cost_price and h.product.latest_nav:
                h.gain_pct = (h.product.latest_nav / h.cost_price - 1) * 100
            elif h.amount:
                h.gain_pct = (h.current_value / h.amount - 1) * 100
        if h.gain_pct is not None:
            h.gain_pct = h.gain_pct.quantize(Decimal("0.01"))
            h.hit_take_profit = h.take_profit_pct is not None and h.gain_pct >= h.take_profit_pct
            h.hit_stop_loss = h.stop_loss_pct is not None and h.gain_pct <= -h.stop_loss_pct
        h.days_to_due = (h.payment_due_date - today).days if h.payment_due_date else None
    liabilities = liability_holdings(holdings)
    loans = [h for h in liabilities if h.product.type == ProductType.LOAN]
    cards = [h for h in liabilities if h.product.type == ProductType.CREDIT_CARD]
    return asset_holdings(holdings), loans, cards


def _relations(request, customer) -> list[dict]:
    """The social circle in both directions; the other customer is linked only if visible."""
    forward = list(CustomerRelation.objects.filter(customer=customer).select_related("other"))
    backward = list(CustomerRelation.objects.filter(other=customer).select_related("customer"))
    others = {r.other_id for r in forward} | {r.customer_id for r in backward}
    visible = set(visible_customers(request.user).filter(pk__in=others).values_list("pk", flat=True))
    rows = [{"person": r.other, "kind": r.get_kind_display(), "note": r.note, "linked": r.other_id in visible}
            for r in forward]
    for r in backward:
        kind = _("Referred (by this customer)") if r.kind == "referred_by" else r.get_kind_display()
        rows.append({"person": r.customer, "kind": kind, "note": r.note, "linked": r.customer_id in visible})
    return rows


_CHANGE_WORDS = {
    "customer.created": gettext_lazy("File opened"),
    "customer.updated": gettext_lazy("File updated"),
    "customer.assigned": gettext_lazy("Manager assigned"),
    "holding.created": gettext_lazy("New holding"),
    "memo.completed": gettext_lazy("Memo done"),
    "customer.relation_added": gettext_lazy("Relation added"),
}


def _timeline(customer) -> list:
    entries = timeline(customer)
    codes = {e.obj.after.get("product") for e in entries
             if e.kind == "change" and e.obj.action == "holding.created" and e.obj.after}
    product_names = dict(products().filter(code__in=codes).values_list("code", "name")) if codes else {}
    for e in entries:
        if e.kind == "interaction":
            e.icon = str(e.obj.get_channel_display())[:1]
        elif e.kind == "memo":
            e.icon = _("Memo")[:1]
        if e.kind == "change":
            e.icon = _("File")[:1]
            event = e.obj
            e.title = str(_CHANGE_WORDS.get(event.action, event.action))
            detail = event.detail
            if event.action == "customer.updated" and detail:
                labels = []
                for name in detail.split(", "):
                    try:
                        labels.append(str(Customer._meta.get_field(name).verbose_name))
                    except Exception:  # a field since removed: show its name
                        labels.append(name)
                detail = "、".join(labels)
            if event.action == "holding.created" and event.after:
                code = event.after.get("product", "")
                detail = f"{product_names.get(code, code)} {money(event.after.get('amount'))}".strip()
            e.detail = detail
    return entries


def _display(customer, name: str):
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if name == "id_number":
        return mask_id_number(value)
    if name in ("mobile", "mobile2"):
        return mask_mobile(value)
    if field.choices:
        return getattr(customer, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return money(value)
    return value


def _profile_groups(customer) -> list[tuple[str, list[tuple[str, object]]]]:
    """Every ARC-1 field, grouped as on the form; numbers masked."""
    groups = []
    for key, label, fields in PROFILE_GROUPS:
        rows = [(capfirst(Customer._meta.get_field(n).verbose_name), _display(customer, n)) for n in fields]
        if key == "basic" and customer.referrer_id:
            rows.append((capfirst(Customer._meta.get_field("referrer").verbose_name), customer.referrer.name))
        if key == "dates" and customer.birth_date:
            birthday = customer.birth_date.strftime("%m-%d")
            if customer.lunar_birthday:
                birthday += " · " + _("lunar %(d)s") % {"d": _lunar_text(customer.birth_date)}
            rows.insert(0, (_("Birthday"), birthday))
        groups.append((label, rows))
    return groups


def _file_context(request, customer, *, contact_form=None, memo_form=None, relation_form=None) -> dict:
    today = clock.today()
    assets, loans, cards = _holding_rows(customer, today)
    trend = aum_trend(customer)
    risk_age_days = (today - customer.risk_assessed_on).days if customer.risk_assessed_on else None
    return {
        "c": customer,
        "age": _age(customer.birth_date, today),
        "lunar_birth": _lunar_text(customer.birth_date) if customer.lunar_birthday else "",
        "masked_id": mask_id_number(customer.id_number),
        "masked_mobile": mask_mobile(customer.mobile),
        "masked_mobile2": mask_mobile(customer.mobile2),
        "days_since_contact": _days_since(customer.last_contact_at, today),
        "idle_warning_days": IDLE_WARNING_DAYS,
        "risk_expired": risk_age_days is not None and risk_age_days > 365,
        "consent_badges": [(customer.consent_phone, _("Phone")), (customer.consent_sms, _("SMS")),
                           (customer.consent_email, _("Email")), (customer.consent_wechat, _("WeChat"))],
        "missing": missing_fields(customer),
        "profile_groups": _profile_groups(customer),
        "assets": assets, "loans": loans, "cards": cards,
        "assets_total": sum((h.current_value for h in assets), Decimal(0)),
        "liabilities_total": sum((h.amount for h in loans + cards), Decimal(0)),
        "trend": {"dates": [d for d, _a in trend], "values": [a for _d, a in trend], "label": _("AUM")},
        "relations": _relations(request, customer),
        "memos": list(open_memos(customer)),
        "entries": _timeline(customer),
        "contact_form": contact_form or ContactForm(),
        "memo_form": memo_form or MemoForm(initial={"due_date": today + dt.timedelta(days=7)}),
        "relation_form": relation_form or RelationForm(),
        "today": today,
        **_segment_box(customer),
        **_assign_box(request, customer),
    }


def _segment_box(customer) -> dict:
    """The file's "分群" card (banyan.segments): quadrant, frequency, orientation, potential and why."""
    segment = CustomerSegment.objects.filter(customer=customer).select_related("suggested_rm").first()
    orientation = ""
    if segment is not None:
        orientation = Orientation(segment.orientation).label if segment.orientation in Orientation.values \
            else segment.orientation
    return {"segment": segment, "segment_orientation": orientation}


def _assign_box(request, customer) -> dict:
    """The branch pages' "reassign" box (banyan.org), for those who may reassign this customer."""
    form = assign_form_for(request.user, customer)
    return {"assign_form": form, "customer": customer} if form is not None else {}


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    customer_viewed(actor=request.user, customer=customer)
    return render(request, "customers/detail.html", _file_context(request, customer))


@login_required
@require_POST
def customer_reveal_view(request: HttpRequest, customer_id: int, field: str) -> HttpResponse:
    """Show one number in full, on purpose (audited by the service)."""
    customer = get_customer_for_user(request.user, customer_id)
    if field not in SECRET_FIELDS:
        raise Http404("No such field")
    value = customer_reveal(actor=request.user, customer=customer, field=field)
    context = {"c": customer, "field": field, "value": value,
               "label": Customer._meta.get_field(field).verbose_name}
    if _is_htmx(request):
        return render(request, "customers/partials/_revealed.html", context)
    return render(request, "customers/revealed.html", context)


def _oob(request, customer, *, parts: tuple[str, ...], **forms) -> HttpResponse:
    """An htmx answer made only of out-of-band pieces of the file (the forms post with
    hx-swap="none"): e.g. the fresh quick form, the timeline, the memos and the last contact."""
    context = _file_context(request, customer, **forms)
    context["parts"] = parts
    return render(request, "customers/partials/_oob.html", context)


def _file_error(request, customer, **forms) -> HttpResponse:
    """Without JavaScript, a form error re-renders the whole file with the error in place."""
    return render(request, "customers/detail.html", _file_context(request, customer, **forms), status=400)


@login_required
@require_POST
def contact_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            interaction_log(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
    if form.errors:
        if _is_htmx(request):
            return _oob(request, customer, parts=("quick",), contact_form=form)
        return _file_error(request, customer, contact_form=form)
    if _is_htmx(request):
        return _oob(request, customer, parts=("quick", "timeline", "memos", "last_contact"))
    messages.success(request, _("Contact recorded."))
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def memo_create_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    form = MemoForm(request.POST)
    if form.is_valid():
        try:
            memo_create(actor=request.user, customer=customer, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
    if form.errors:
        if _is_htmx(request):
            return _oob(request, customer, parts=("memos",), memo_form=form)
        return _file_error(request, customer, memo_form=form)
    if _is_htmx(request):
        return _oob(request, customer, parts=("memos", "timeline"))
    messages.success(request, _("Memo added."))
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def memo_complete_view(request: HttpRequest, customer_id: int, memo_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    memo = get_object_or_404(Memo, pk=memo_id, customer=customer)
    if memo.status != MemoStatus.DONE:
        memo_complete(actor=request.user, memo=memo)
    if _is_htmx(request):
        return _oob(request, customer, parts=("memos", "timeline"))
    messages.success(request, _("Memo done."))
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def relation_add_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    form = RelationForm(request.POST)
    if form.is_valid():
        other = visible_customers(request.user).filter(pk=form.cleaned_data["other"]).first()
        if other is None:
            form.add_error("other", _("Pick a customer from the search results."))
        elif CustomerRelation.objects.filter(customer=customer, other=other, kind=form.cleaned_data["kind"]).exists():
            form.add_error(None, _("This relation is already recorded."))
        else:
            try:
                relation_add(actor=request.user, customer=customer, other=other, kind=form.cleaned_data["kind"],
                             note=form.cleaned_data["note"])
            except ValidationError as e:
                add_service_errors(form, e)
    if form.errors:
        if _is_htmx(request):
            return _oob(request, customer, parts=("relations",), relation_form=form)
        return _file_error(request, customer, relation_form=form)
    if _is_htmx(request):
        return _oob(request, customer, parts=("relations", "timeline"))
    messages.success(request, _("Relation added."))
    return redirect("customer_detail", customer.pk)


def _visit_context(request, customer, review_form=None) -> dict:
    """The one-page brief before a visit (OUT-8): the file's facts a visit needs, the product types
    the customer has not opened, the meeting booked and its purpose as the visit's goal."""
    context = _file_context(request, customer)
    held = {h.product.type for h in context["assets"] + context["loans"] + context["cards"]}
    meeting = upcoming_appointments(customer).first()
    goal = (request.GET.get("goal") or (meeting.purpose if meeting else "")).strip()[:200]
    context.update({
        "not_held": [label for value, label in ProductType.choices
                     if value not in held and value not in LIABILITY_TYPES],
        "meeting": meeting, "goal": goal, "recent": [e for e in context["entries"] if e.kind == "interaction"][:3],
        "review_form": review_form or VisitReviewForm(initial={"goal": goal}),
    })
    return context


@login_required
def visit_brief(request: HttpRequest, customer_id: int) -> HttpResponse:
    """拜访准备 and, after the visit, its review (goal reached or not, and why)."""
    customer = get_customer_for_user(request.user, customer_id)
    if request.method == "POST":
        form = VisitReviewForm(request.POST)
        if form.is_valid():
            try:
                visit_review(actor=request.user, customer=customer, **form.cleaned_data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, _("Visit review recorded."))
                return redirect("customer_detail", customer.pk)
        return render(request, "customers/visit.html", _visit_context(request, customer, form), status=400)
    customer_viewed(actor=request.user, customer=customer, via="visit_brief")
    return render(request, "customers/visit.html", _visit_context(request, customer))


@login_required
def sale_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """记录销售: the manager records a product sold to the customer, with its agreed take-profit and
    stop-loss; the suitability rule refuses a product above the customer's risk tolerance."""
    customer = get_customer_for_user(request.user, customer_id)
    form = SaleForm(request.POST or None, initial={"purchase_date": clock.today()})
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            holding = sale_record(actor=request.user, customer=customer, **fields)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Sale recorded: %(product)s, %(amount)s.") % {
                "product": holding.product.name, "amount": money(holding.amount)})
            return redirect("customer_detail", customer.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "customers/sale.html", {"c": customer, "form": form}, status=status)


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    if request.method == "POST":
        form = ProfileForm(request.POST, customer=customer)
        if form.is_valid():
            changes = form.changed_values()
            try:
                if changes:
                    customer_update(actor=request.user, customer=customer, **changes)
            except ValidationError as e:
                add_service_errors(form, e)
                # The service may have changed the instance before refusing; nothing was saved.
                customer.refresh_from_db()
            else:
                messages.success(request, _("The file was saved.") if changes else _("Nothing changed."))
                return redirect("customer_detail", customer.pk)
        status = 400
    else:
        form, status = ProfileForm(customer=customer), 200
    return render(request, "customers/edit.html", {"c": customer, "form": form}, status=status)

