"""Referral and hand-off pages (转介绍 / 内部转介, SVC-2): 我收到的 / 我发出的转介 (cards answered in
place with htmx, the refusal on the card), the 转介绍 form of the customer file (refer a friend —
a prospect or a customer on file — or hand a need to a colleague), the receiver's brief of a
handed-off customer, and the branch head's referral board. Without JavaScript every form works by
POST + redirect."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.identity import mask_mobile
from banyan.customers.models import Channel
from banyan.customers.selectors import get_customer_for_user, visible_customers
from banyan.customers.services import customers_listed
from banyan.forms import BanyanForm
from banyan.holdings.models import ProductType
from banyan.holdings.selectors import holdings_of
from banyan.org.models import Branch, Role
from banyan.service.models import ReferralKind, ReferralStatus
from banyan.service.referral_selectors import (
    get_referral_for_user,
    handoff_customer_for_user,
    referral_board,
    referrals_of_customer,
    referrals_received,
    referrals_sent,
    visible_referrals,
)
from banyan.service.referral_services import (
    answer_days,
    receiving_colleagues,
    referral_accept,
    referral_account_opened,
    referral_create,
    referral_decline,
    referral_outcome,
    referrals_refresh,
)
from banyan.transitions import Conflict
from banyan.web.htmx import is_htmx

S = ReferralStatus
#: Who keeps an inbox of referrals (send and receive); the branch head also has the board.
INBOX_ROLES = (Role.RM, Role.PLANNER, Role.ASSISTANT, Role.LOBBY, Role.BRANCH_HEAD, Role.ADMIN)


def _inbox_allowed(user) -> None:
    if user.role not in INBOX_ROLES:
        raise Http404("No referrals here")


def _decorate(r, user, error: str = "") -> None:
    r.answers = r.receiver_id == user.pk
    r.can_answer = r.answers and r.status == S.PENDING
    r.can_close = r.answers and r.status == S.ACCEPTED
    r.can_open_account = r.answers and r.prospect and r.customer.account_opened_on is None and \
        r.status in (S.ACCEPTED, S.WON)
    r.error = error
    r.mobile_masked = mask_mobile(r.customer.mobile)


# ------------------------------------------------------------------ 我收到的 / 我发出的


@login_required
@require_GET
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """我收到的转介 (to answer first) and 我发出的转介 (what came of them)."""
    user = request.user
    _inbox_allowed(user)
    referrals_refresh()
    box = request.GET.get("box") if request.GET.get("box") in ("received", "sent") else "received"
    items = list((referrals_received(user) if box == "received" else referrals_sent(user))[:200])
    items.sort(key=lambda r: (r.status not in (S.PENDING, S.ACCEPTED), r.status != S.PENDING,
                              -r.created_at.timestamp()))
    for r in items:
        _decorate(r, user)
    if items:
        customers_listed(actor=user, customer_ids=[r.customer_id for r in items], via="referrals", params=request.GET)
    context = {"items": items, "box": box, "nav_active": "referrals",
               "received_pending": referrals_received(user, status=S.PENDING).count(),
               "board_allowed": user.role in (Role.BRANCH_HEAD, Role.ADMIN), "answer_days": answer_days()}
    return render(request, "service/referrals.html", context)


def _card(request: HttpRequest, referral, *, error: str = "", status: int = 200) -> HttpResponse:
    _decorate(referral, request.user, error)
    return render(request, "service/referral_card.html", {"r": referral}, status=status)


@login_required
@require_POST
def referral_answer(request: HttpRequest, referral_id: int, action: str) -> HttpResponse:
    """accept / decline (a reason) / outcome (won or lost, a note) / account (the prospect opened
    an account). With htmx the card comes back, the refusal on it; otherwise back to the inbox."""
    referral, _answers = get_referral_for_user(request.user, referral_id)
    error = ""
    try:
        if action == "accept":
            referral_accept(actor=request.user, referral=referral)
        elif action == "decline":
            referral_decline(actor=request.user, referral=referral, reason=request.POST.get("reason", ""))
        elif action == "outcome":
            referral_outcome(actor=request.user, referral=referral, outcome=request.POST.get("outcome", ""),
                             note=request.POST.get("note", ""))
        elif action == "account":
            referral_account_opened(actor=request.user, referral=referral)
        else:
            raise Http404("No such action")
    except PermissionDenied as e:
        error = str(e)
    except ValidationError as e:
        error = " ".join(e.messages)
        if isinstance(e, Conflict):
            referral.refresh_from_db()
    if is_htmx(request):
        referral, _answers = get_referral_for_user(request.user, referral.pk)
        return _card(request, referral, error=error, status=400 if error else 200)
    (messages.error if error else messages.success)(
        request, error or _("%(name)s: %(status)s.") % {"name": referral.customer.name,
                                                       "status": S(referral.status).label})
    box = "sent" if referral.sender_id == request.user.pk and referral.receiver_id != request.user.pk else "received"
    return redirect(f"{reverse('referral_inbox')}?box={box}")


@login_required
@require_GET
def referral_customer(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The receiver's brief of a handed-off customer: what working the need takes (the contact,
    the need, the level, the assets) — the one customer an accepted, open hand-off opens, audited;
    declined, timed out or closed: 404."""
    referral, customer = handoff_customer_for_user(request.user, referral_id)
    holdings = list(holdings_of(customer)) if customer.account_opened_on or not referral.prospect else []
    audit_log(actor=request.user, action="customer.viewed", customer_id=customer.pk, obj=referral,
              data={"via": "referral", "count": 1, "records": len(holdings)})
    return render(request, "service/referral_customer.html",
                  {"r": referral, "c": customer, "holdings": holdings, "nav_active": "referrals"})


# ------------------------------------------------------------------ the customer file's 转介绍


class ReferralForm(BanyanForm):
    mode = forms.ChoiceField(choices=[("friend", gettext_lazy("The customer refers a friend or relative")),
                                      ("handoff", gettext_lazy("Hand a need of this customer to a colleague"))],
                             widget=forms.RadioSelect, initial="friend")
    to = forms.ChoiceField(label=gettext_lazy("Refer to"), choices=[],
                           error_messages={"required": gettext_lazy("Choose the colleague who takes it.")})
    need = forms.CharField(label=gettext_lazy("Need"), required=False)
    product_type = forms.ChoiceField(label=gettext_lazy("Product type"), required=False,
                                     choices=[("", "—"), *ProductType.choices])
    friend_number = forms.CharField(label=gettext_lazy("Already a customer: customer number"), required=False)
    prospect_name = forms.CharField(label=gettext_lazy("Name"), required=False)
    prospect_mobile = forms.CharField(label=gettext_lazy("Mobile"), required=False)
    consent_phone = forms.BooleanField(label=gettext_lazy("Agreed to be called by the bank"), required=False)
    consent_channel = forms.ChoiceField(label=gettext_lazy("Consent given via"), choices=Channel.choices,
                                        initial=Channel.PHONE, required=False)

    #: the service's field names → the form's
    SERVICE_FIELDS = {"prospect.name": "prospect_name", "prospect.mobile": "prospect_mobile",
                      "prospect.consent_phone": "consent_phone", "prospect.consent_channel": "consent_channel",
                      "prospect.consent_on": "consent_phone", "referrer_customer_id": None, "customer_id": None,
                      "kind": None}

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [("", "—")] + [
            (s.username, f"{s.display_name} · {s.get_role_display()}{' · ' + _('senior') if s.is_senior else ''}")
            for s in colleagues]
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages_ in error.message_dict.items():
            name = self.SERVICE_FIELDS.get(field, field)
            for message in messages_:
                self.add_error(name if name in self.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def customer_refer(request: HttpRequest, customer_id: int) -> HttpResponse:
    """转介绍 on the customer file: this customer refers a friend (a prospect with their consent,
    or a customer on file), or the manager hands this customer's need to a colleague."""
    customer = get_customer_for_user(request.user, customer_id)
    if request.user.role == Role.AUDITOR:
        raise Http404
    colleagues = receiving_colleagues(request.user)
    form = ReferralForm(request.POST or None, colleagues=colleagues,
                        initial={"mode": request.GET.get("mode") or "friend", "to": request.user.username})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kwargs: dict = {"actor": request.user, "to": data["to"], "need": data["need"],
                            "product_type": data["product_type"] or ""}
            if data["mode"] == "handoff":
                kwargs["customer"] = customer
            else:
                kwargs["referrer_customer"] = customer
                number = data["friend_number"].strip()
                if number:
                    friend = visible_customers(request.user).filter(external_id__iexact=number).first()
                    if friend is None:
                        raise ValidationError({"friend_number": [_("No customer of yours has the number %(n)s.") % {
                            "n": number}]})
                    kwargs["customer"] = friend
                else:
                    kwargs["prospect"] = {"name": data["prospect_name"], "mobile": data["prospect_mobile"],
                                          "consent_phone": bool(data["consent_phone"]),
                                          "consent_channel": data["consent_channel"] or Channel.PHONE}
            referral = referral_create(**kwargs)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("Referred to %(to)s: %(who)s — %(need)s.") % {
                "to": referral.receiver.display_name, "who": referral.customer.name, "need": referral.need})
            return redirect("customer_detail", customer.pk)
    past = list(referrals_of_customer(request.user, customer)[:20])
    for r in past:
        _decorate(r, request.user)
    template = "service/referral_form.html" if is_htmx(request) else "service/referral_new.html"
    return render(request, template, {"c": customer, "form": form, "past": past, "nav_active": "book",
                                      "answer_days": answer_days()},
                  status=400 if request.method == "POST" else 200)


# ------------------------------------------------------------------ the branch head's board


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = clock.today()
    default_first = today.replace(day=1) - dt.timedelta(days=1)
    default_first = default_first.replace(day=1)  # from the start of last month
    try:
        first = dt.date.fromisoformat(request.GET.get("from") or "") if request.GET.get("from") else default_first
        last = dt.date.fromisoformat(request.GET.get("to") or "") if request.GET.get("to") else today
    except ValueError:
        first, last = default_first, today
    if last < first:
        first, last = last, first
    return first, last


@login_required
@require_GET
def referral_board_page(request: HttpRequest) -> HttpResponse:
    """转介绍看板: who refers, who converts — customers and staff, counts and conversion rates, for
    a period. The branch head's branch; an administrator picks a branch."""
    user = request.user
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        branch = user.branch
    elif user.role == Role.ADMIN:
        code = request.GET.get("branch")
        branch = Branch.objects.filter(code=code).first() if code else (user.branch or Branch.objects.first())
        if branch is None:
            raise Http404("No such branch")
    else:
        raise Http404("No board here")
    referrals_refresh()
    first, last = _period(request)
    board = referral_board(visible_referrals(user).filter(branch=branch), first=first, last=last)
    ids = [row.extra["customer_id"] for row in board.referrers]
    if ids:
        customers_listed(actor=user, customer_ids=ids, via="referral_board", params=request.GET)
    return render(request, "service/referral_board.html", {
        "board": board, "branch": branch, "first": first, "last": last, "nav_active": "referrals",
        "branches": Branch.objects.order_by("code") if user.role == Role.ADMIN else [],
        "kinds": ReferralKind.choices})
