"""The customer file (客户档案) and its sub-pages: the file itself, a number revealed on purpose, the
quick contact log, memos, relations, the visit brief and review, a sale, the profile form.

Views are short: parse a form, call a service or a selector, render. With htmx (HX-Request) the
same view answers with a partial; without JavaScript every form still works by POST + redirect.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from lunar_python import Solar

from banyan import clock
from banyan.contacts.models import Memo, Outcome, is_stranger
from banyan.contacts.selectors import open_memos, timeline, upcoming_appointments
from banyan.contacts.services import memo_complete, memo_create, visit_review
from banyan.customers.completeness import missing_fields
from banyan.customers.forms import (
    PROFILE_GROUPS,
    SECRET_FIELDS,
    ContactForm,
    MemoForm,
    ProfileForm,
    RelationForm,
    SaleForm,
    VisitReviewForm,
)
from banyan.customers.identity import mask_id_number, mask_mobile
from banyan.customers.models import Customer, CustomerRelation, Orientation
from banyan.customers.selectors import get_customer_for_user, visible_customers
from banyan.customers.services import customer_reveal, customer_update, customer_viewed, relation_add
from banyan.customers.topics import topics_of
from banyan.customers.views import IDLE_WARNING_DAYS, age_on, days_since
from banyan.gifts.forms import GiftForm, GiftRefused
from banyan.holdings.models import LIABILITY_TYPES, NAV_TYPES, ProductType
from banyan.holdings.selectors import asset_holdings, aum_trend, holdings_of, liability_holdings, products
from banyan.org.forms import assign_form_for
from banyan.segments.models import CustomerSegment
from banyan.wealth.offers import offers_for
from banyan.wealth.services import Unsuitable, sale_record
from banyan.wealth.views import file_wealth_context, sale_verdict_context
from banyan.web.forms import add_service_errors
from banyan.web.htmx import is_htmx
from banyan.web.templatetags.banyan_tags import money
from banyan.worklists.contact_services import contact_log_completing_task
from banyan.worklists.talking import compose


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
    "book.handed_over": gettext_lazy("Book handed over to another manager"),
    "customers.reassigned": gettext_lazy("Moved to another manager"),
    "customers.given_to_assistant": gettext_lazy("Given to an assistant"),
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


def _file_context(request, customer, *, contact_form=None, memo_form=None, relation_form=None,
                  gift_form=None) -> dict:
    # What only some cards show is read when a template first asks for it (a template calls a
    # callable; functools.cache keeps the answer): the file's htmx answers (_oob) write a few cards,
    # e.g. after a contact the quick form, the timeline, the memos and the last contact, and the
    # holdings, the AUM trend, wealth care and the relations they never show cost as much again.
    today = clock.today()
    rows = functools.cache(lambda: _holding_rows(customer, today))
    trend = functools.cache(lambda: aum_trend(customer))
    wealth = file_wealth_context(customer)
    return {
        "c": customer,
        "age": age_on(customer.birth_date, today),
        "lunar_birth": _lunar_text(customer.birth_date) if customer.lunar_birthday else "",
        "masked_id": mask_id_number(customer.id_number),
        "masked_mobile": mask_mobile(customer.mobile),
        "masked_mobile2": mask_mobile(customer.mobile2),
        "days_since_contact": days_since(customer.last_contact_at, today),
        "idle_warning_days": IDLE_WARNING_DAYS,
        # by the assessment's own expiry (the questionnaire's validity)
        "risk_expired": lambda: wealth["risk"]().expired,
        **wealth,
        "consent_badges": [(customer.consent_phone, _("Phone")), (customer.consent_sms, _("SMS")),
                           (customer.consent_email, _("Email")), (customer.consent_wechat, _("WeChat"))],
        "missing": missing_fields(customer),
        "profile_groups": functools.cache(lambda: _profile_groups(customer)),
        "assets": lambda: rows()[0], "loans": lambda: rows()[1], "cards": lambda: rows()[2],
        "assets_total": lambda: sum((h.current_value for h in rows()[0]), Decimal(0)),
        "liabilities_total": lambda: sum((h.amount for h in rows()[1] + rows()[2]), Decimal(0)),
        "trend": lambda: {"dates": [d for d, _a in trend()], "values": [a for _d, a in trend()], "label": _("AUM")},
        "relations": functools.cache(lambda: _relations(request, customer)),
        "memos": list(open_memos(customer)),
        "entries": _timeline(customer),
        "contact_form": contact_form or ContactForm(),
        "gift_form": gift_form,
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
    if is_htmx(request):
        return render(request, "customers/partials/_revealed.html", context)
    return render(request, "customers/revealed.html", context)


def _oob(request, customer, *, parts: tuple[str, ...], task_done=None, offer=None, **forms) -> HttpResponse:
    """An htmx answer made only of out-of-band pieces of the file (the forms post with
    hx-swap="none"): e.g. the fresh quick form, the timeline, the memos and the last contact.
    `offer`: a contact where the customer was interested — the quick form offers a sales opportunity."""
    context = _file_context(request, customer, **forms)
    context["parts"] = parts
    context["task_done"] = task_done
    context["opportunity_offer"] = offer
    return render(request, "customers/partials/_oob.html", context)


def _file_error(request, customer, **forms) -> HttpResponse:
    """Without JavaScript, a form error re-renders the whole file with the error in place."""
    return render(request, "customers/detail.html", _file_context(request, customer, **forms), status=400)


def _refused(request, customer, *, form_key: str, form, part: str) -> HttpResponse:
    """A form on the file refused: with htmx its card comes back with the errors in place; without
    JavaScript the whole file is re-rendered with them."""
    if is_htmx(request):
        return _oob(request, customer, parts=(part,), **{form_key: form})
    return _file_error(request, customer, **{form_key: form})


def _saved(request, customer, *, parts: tuple[str, ...], said: str, task_done=None, offer=None) -> HttpResponse:
    """A form on the file saved: with htmx the cards it changed come back (today's task done shown
    on the quick form); otherwise back to the file with what was done."""
    if is_htmx(request):
        return _oob(request, customer, parts=parts, task_done=task_done, offer=offer)
    messages.success(request, said)
    if task_done is not None:
        messages.success(request, _("Today's task is done."))
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def contact_log(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The quick log. A real contact also completes the customer's open task of today (the manager
    spoke to the customer: the worklist must not ask for the call again), and says so."""
    customer = get_customer_for_user(request.user, customer_id)
    form = ContactForm(request.POST)
    # the gift handed over at the contact (issue 16 §6): optional, saved with the contact or not at all
    gift_form = GiftForm(request.POST, customer=customer) if GiftForm.asked(request.POST) else None
    task = contact = None
    if form.is_valid() & (gift_form is None or gift_form.is_valid()):
        try:
            with transaction.atomic():
                contact, task = contact_log_completing_task(actor=request.user, customer=customer,
                                                            **form.cleaned_data)
                if gift_form is not None:
                    gift_form.give(actor=request.user, customer=customer, interaction=contact)
        except GiftRefused:
            pass
        except ValidationError as e:
            add_service_errors(form, e)
    if form.errors or (gift_form is not None and gift_form.errors):
        if is_htmx(request):
            return _oob(request, customer, parts=("quick",), contact_form=form, gift_form=gift_form)
        return _file_error(request, customer, contact_form=form, gift_form=gift_form)
    response = _saved(request, customer, parts=("quick", "timeline", "memos", "last_contact"),
                      said=_("Contact recorded."), task_done=task,
                      offer=contact if contact.outcome == Outcome.INTERESTED else None)
    if contact.purpose == "complaint":  # SVC-1: a contact about a complaint opens its registration
        from banyan.service.complaint_views import complaint_intake_url
        url = complaint_intake_url(customer, contact)
        if response.status_code in (301, 302):
            response["Location"] = url
        else:
            response["HX-Redirect"] = url
    return response


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
        return _refused(request, customer, form_key="memo_form", form=form, part="memos")
    return _saved(request, customer, parts=("memos", "timeline"), said=_("Memo added."))


@login_required
@require_POST
def memo_complete_view(request: HttpRequest, customer_id: int, memo_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    memo = get_object_or_404(Memo, pk=memo_id, customer=customer)
    try:
        memo_complete(actor=request.user, memo=memo)
        said = messages.success, _("Memo done.")
    except ValidationError as e:  # done already: in another tab, or by the task it came back on
        said = messages.warning, " ".join(e.messages)
    if is_htmx(request):
        return _oob(request, customer, parts=("memos", "timeline"))
    said[0](request, said[1])
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
        return _refused(request, customer, form_key="relation_form", form=form, part="relations")
    return _saved(request, customer, parts=("relations", "timeline"), said=_("Relation added."))


def _visit_context(request, customer, review_form=None) -> dict:
    """The one-page brief before a visit (OUT-8): the file's facts a visit needs, the product types
    the customer has not opened, the meeting booked and its purpose as the visit's goal."""
    context = _file_context(request, customer)
    held = {h.product.type for h in context["assets"]() + context["loans"]() + context["cards"]()}
    meeting = upcoming_appointments(customer).first()
    goal = (request.GET.get("goal") or (meeting.purpose if meeting else "")).strip()[:200]
    # familiar before selling (seed 004, issue 16 §9): a stranger's visit brings care and an
    # introduction — the worklist's own opening for a first contact — and no product
    stranger = is_stranger(customer)
    context.update({
        "not_held": [] if stranger else [label for value, label in ProductType.choices
                                         if value not in held and value not in LIABILITY_TYPES],
        "meeting": meeting, "goal": goal, "recent": [e for e in context["entries"] if e.kind == "interaction"][:3],
        "stranger": stranger,
        "first_talk": compose([], name=customer.name, gender=customer.gender, manager=request.user.display_name,
                              day=clock.today(), channel="visit", stranger=True) if stranger else None,
        "brief_offers": None if stranger else offers_for(customer),  # 为您推荐 and 表7-1 (WEA-4)
        "topics": topics_of(customer),  # the few lines to open warmly (issue 16 §3)
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
    stop-loss. Suitability (banyan.wealth.suitability) answers before the sale is submitted: a
    blocking rule refuses it, each warning says what to do and asks for what it needs (the 双录
    number, a colleague's sign-off, the manager's confirmation)."""
    customer = get_customer_for_user(request.user, customer_id)
    form = SaleForm(request.POST or None, initial={"purchase_date": clock.today()}, customer=customer,
                    user=request.user)
    # the verdict follows the product chosen, before anything is submitted
    form.fields["product"].widget.attrs.update({
        "hx-get": reverse("wealth_sale_check", args=[customer.pk]), "hx-trigger": "change",
        "hx-target": "#sale-verdict", "hx-swap": "outerHTML"})
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            holding = sale_record(actor=request.user, customer=customer, **fields)
        except Unsuitable:
            # the verdict below says which rules and what to do; the field would only repeat it
            form.add_error(None, _("This product cannot be sold to the customer: see the suitability rules below."))
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Sale recorded: %(product)s, %(amount)s.") % {
                "product": holding.product.name, "amount": money(holding.amount)})
            return redirect("customer_detail", customer.pk)
    status = 400 if request.method == "POST" else 200
    product = form.cleaned_data.get("product") if form.is_bound and hasattr(form, "cleaned_data") else None
    if product is None:
        product = _chosen_product(form)
    return render(request, "customers/sale.html",
                  {"c": customer, "form": form, **sale_verdict_context(customer, product, form)}, status=status)


def _chosen_product(form):
    """The product the form shows as chosen: the posted one, else the first of the list."""
    field = form.fields["product"]
    raw = form.data.get("product") if form.is_bound else None
    if raw:
        try:
            return field.queryset.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None
    return field.queryset.first()


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
