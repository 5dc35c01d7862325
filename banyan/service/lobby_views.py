"""The lobby's walk-in desk (大堂经理, issue 16 §1): pages under /service/lobby/, built for a phone
held in one hand at the lobby's door — a big search box, the limited cards (banyan.service.lobby),
a tap opens a short "log a need" form; a new visitor (prospect) has a form of their own. Every
form works without JavaScript (POST + redirect); bad input is refused at the field, nothing
written."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from banyan.customers.services import customers_listed
from banyan.forms import BanyanForm
from banyan.holdings.models import ProductType
from banyan.segments.models import Quadrant
from banyan.service.lobby import (
    desk_or_404,
    lobby_cards,
    lobby_customer_or_404,
    lobby_lookup,
    walk_in_log,
)
from banyan.service.models import Referral
from banyan.transitions import Conflict
from banyan.wealth.report import customer_title
from banyan.worklists.models import ReasonCode

NEED_MAX = Referral._meta.get_field("need").max_length


class WalkInNeedForm(BanyanForm):
    need = forms.CharField(label=gettext_lazy("What the visitor needs"), required=False, max_length=NEED_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))
    product_type = forms.ChoiceField(label=gettext_lazy("Product type"), required=False,
                                     choices=[("", "—"), *ProductType.choices])

    #: the service's field names → the form's
    SERVICE_FIELDS = {"prospect.name": "name", "prospect.mobile": "mobile", "prospect.consent_phone": "consent_phone",
                      "customer_id": None}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-lg"
            else:
                field.widget.attrs["class"] = "form-control form-control-lg"

    def mark_invalid(self) -> WalkInNeedForm:
        """The fields refused are drawn red (the message stands under each)."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
        return self

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages_ in error.message_dict.items():
            name = self.SERVICE_FIELDS.get(field, field)
            for message in messages_:
                self.add_error(name if name in self.fields else None, message)


class VisitorForm(WalkInNeedForm):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=50)
    mobile = forms.CharField(label=gettext_lazy("Mobile"), required=False, max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    consent_phone = forms.BooleanField(label=gettext_lazy("Agreed to be called by the bank"), required=False)

    field_order = ["name", "mobile", "consent_phone", "need", "product_type"]


def _decorate(cards: list[dict]) -> list[dict]:
    """The cards' codes in the reader's words (the page; the API answers codes)."""
    for c in cards:
        c["segment_label"] = Quadrant(c["segment"]).label if c["segment"] in Quadrant.values else ""
        c["reason_labels"] = [ReasonCode(code).label if code in ReasonCode.values else code
                              for code in c["open_reasons"]]
    return cards


def _sent(request: HttpRequest, referral) -> HttpResponse:
    c = referral.customer
    messages.success(request, _("Logged: %(to)s takes %(who)s's need — %(need)s.") % {
        "to": referral.receiver.display_name, "who": c.name if referral.prospect else customer_title(c.name, c.gender),
        "need": referral.need})
    return redirect("lobby_desk")


@login_required
@require_GET
def lobby_desk(request: HttpRequest) -> HttpResponse:
    """大堂接待: the search box and the limited cards of what was typed."""
    desk_or_404(request.user)
    q = (request.GET.get("q") or "").strip()[:100]
    cards: list[dict] = []
    error = ""
    if "q" in request.GET:
        try:
            cards = _decorate(lobby_lookup(actor=request.user, q=q))
        except ValidationError as e:
            error = " ".join(e.message_dict.get("q", e.messages))
    return render(request, "service/lobby.html", {"q": q, "searched": "q" in request.GET and not error,
                                                  "cards": cards, "error": error, "nav_active": "lobby"},
                  status=400 if error and q else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lobby_need(request: HttpRequest) -> HttpResponse:
    """The short form of a walk-in's need (the customer chosen from the cards: ?customer=)."""
    desk_or_404(request.user)
    customer = lobby_customer_or_404(request.user, request.POST.get("customer") or request.GET.get("customer"))
    form = WalkInNeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = walk_in_log(actor=request.user, need=data["need"], customer=customer,
                                   product_type=data["product_type"] or "")
        except Conflict as e:
            messages.info(request, str(e))
            return redirect("lobby_desk")
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            return _sent(request, referral)
    else:
        # the card shown again (the tap that opened the form): one audit event, as a look-up
        customers_listed(actor=request.user, customer_ids=[customer.pk], via="lobby")
    card = _decorate(lobby_cards(request.user, [customer.pk]))[0]
    return render(request, "service/lobby_need.html",
                  {"card": card, "form": form.mark_invalid(), "nav_active": "lobby"},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lobby_visitor(request: HttpRequest) -> HttpResponse:
    """A new visitor, not a customer yet (a prospect): name, mobile, consent to be called, the need."""
    desk_or_404(request.user)
    form = VisitorForm(request.POST or None, initial={"name": request.GET.get("name", "")[:50]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = walk_in_log(actor=request.user, need=data["need"], product_type=data["product_type"] or "",
                                   prospect={"name": data["name"], "mobile": data["mobile"],
                                             "consent_phone": bool(data["consent_phone"])})
        except Conflict as e:
            messages.info(request, str(e))
            return redirect("lobby_desk")
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            return _sent(request, referral)
    return render(request, "service/lobby_visitor.html", {"form": form.mark_invalid(), "nav_active": "lobby"},
                  status=400 if request.method == "POST" else 200)
