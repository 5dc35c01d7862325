"""Pages of the content library (内容库, OUT-7): the library with filters, a piece (approve, new
version, who received it), writing a piece, sending one to a customer from the file, the plans.
Every piece, plan and customer comes through the visibility gate: out of reach answers 404."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from banyan import clock
from banyan.customers.models import Orientation
from banyan.customers.selectors import get_customer_for_user
from banyan.forms import BanyanForm
from banyan.holdings.models import ProductType
from banyan.messaging.models import MessageChannel
from banyan.messaging.services import message_send
from banyan.messaging.views import _say_outcome, channel_states, default_channel
from banyan.org.models import Role
from banyan.outreach.content import (
    EXCLUSION_RULES,
    WRITERS,
    content_piece_approve,
    content_piece_create,
    content_piece_new_version,
    content_piece_update,
    content_plan_create,
    content_plan_run,
    content_plans_run_due,
    content_send,
    content_text,
)
from banyan.outreach.content_models import ContentKind, ContentPiece, ContentStatus
from banyan.outreach.content_selectors import (
    PieceFilters,
    get_piece_for_user,
    get_plan_for_user,
    has_received,
    pieces_for_customer,
    pieces_listed,
    received_by,
    recipients,
    visible_pieces,
    visible_plans,
)
from banyan.segments.models import Quadrant
from banyan.web.forms import add_service_errors


class PieceFilterForm(BanyanForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False,
                             choices=[("", gettext_lazy("All kinds"))] + ContentKind.choices)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", gettext_lazy("All statuses"))] + ContentStatus.choices
                               + [("expired", gettext_lazy("Expired"))])
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=50)


class PieceForm(BanyanForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContentKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=60)
    body = forms.CharField(label=gettext_lazy("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 7}),
                           help_text=gettext_lazy("No promised return: words such as 保本, 稳赚 are refused."))
    short = forms.CharField(label=gettext_lazy("Short text (SMS, WeChat)"), required=False, max_length=300,
                            widget=forms.Textarea(attrs={"rows": 3}))
    interests = forms.CharField(label=gettext_lazy("Interest tags"), required=False, max_length=200,
                                help_text=gettext_lazy("Separated by 、 — e.g. 基金、养老"))
    orientations = forms.MultipleChoiceField(label=gettext_lazy("Orientations"), required=False,
                                             choices=Orientation.choices, widget=forms.CheckboxSelectMultiple)
    quadrants = forms.MultipleChoiceField(label=gettext_lazy("Quadrants"), required=False, choices=Quadrant.choices,
                                          widget=forms.CheckboxSelectMultiple)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))


class PlanForm(BanyanForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    orientation = forms.ChoiceField(label=gettext_lazy("Orientation"), required=False,
                                    choices=[("", "—")] + Orientation.choices)
    interest = forms.CharField(label=gettext_lazy("Interest"), required=False, max_length=20,
                               help_text=gettext_lazy("A word of the customer's interests, e.g. 基金"))
    quadrant = forms.ChoiceField(label=gettext_lazy("Quadrant"), required=False, choices=[("", "—")] + Quadrant.choices)
    holds = forms.ChoiceField(label=gettext_lazy("Holds"), required=False, choices=[("", "—")] + ProductType.choices)
    every_days = forms.IntegerField(label=gettext_lazy("Every N days"), min_value=1, max_value=365, initial=14)
    channels = forms.MultipleChoiceField(label=gettext_lazy("Channels, in order of preference"),
                                         choices=MessageChannel.choices, widget=forms.CheckboxSelectMultiple,
                                         initial=["wechat", "sms"])
    pieces = forms.ModelMultipleChoiceField(label=gettext_lazy("Pieces in rotation"),
                                            queryset=ContentPiece.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pieces"].queryset = visible_pieces(user).filter(status=ContentStatus.APPROVED,
                                                                     valid_until__gte=clock.today())

    def audience(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("orientation", "interest", "quadrant", "holds") if d.get(k)}


def _writer(user) -> None:
    if user.role not in WRITERS:
        raise PermissionDenied


def _run_due_without_broker() -> None:
    # No broker (the single-branch set-up): no beat runs the plans, so opening the library does.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        content_plans_run_due()


@login_required
def content_library(request: HttpRequest) -> HttpResponse:
    _run_due_without_broker()
    form = PieceFilterForm(request.GET or None)
    filters = PieceFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = PieceFilters(kind=d["kind"], status=d["status"], q=d["q"].strip())
    pieces = list(pieces_listed(request.user, filters)[:300])
    today = clock.today()
    for p in pieces:
        p.expired = p.valid_until < today
    return render(request, "outreach/content_library.html", {
        "form": form, "pieces": pieces, "can_write": request.user.role in WRITERS, "nav_active": "content",
    })


@login_required
@require_http_methods(["GET", "POST"])
def content_new(request: HttpRequest) -> HttpResponse:
    _writer(request.user)
    form = PieceForm(request.POST or None, initial={"kind": request.GET.get("kind", "knowledge")})
    if request.method == "POST" and form.is_valid():
        try:
            piece = content_piece_create(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            flash.success(request, _("Saved as a draft: it is sent only once approved."))
            return redirect("content_piece", piece.pk)
    return render(request, "outreach/content_form.html", {"form": form, "nav_active": "content"},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def content_edit(request: HttpRequest, piece_id: int) -> HttpResponse:
    piece, _may = get_piece_for_user(request.user, piece_id)
    _writer(request.user)
    if piece.status != ContentStatus.DRAFT:
        flash.warning(request, _("An approved piece is locked: make a new version to change it."))
        return redirect("content_piece", piece.pk)
    initial = {k: getattr(piece, k) for k in ("kind", "title", "body", "short", "interests", "orientations",
                                              "quadrants", "valid_until")}
    form = PieceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            content_piece_update(actor=request.user, piece=piece, **form.cleaned_data)
        except PermissionDenied:
            raise
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            return redirect("content_piece", piece.pk)
    return render(request, "outreach/content_form.html", {"form": form, "piece": piece, "nav_active": "content"},
                  status=400 if form.errors else 200)


@login_required
def content_piece(request: HttpRequest, piece_id: int) -> HttpResponse:
    piece, may_approve = get_piece_for_user(request.user, piece_id)
    total, rows = recipients(request.user, piece)
    from banyan.messaging.text import render as render_text

    # as the customer reads it, with the greeting and the signature shown as what they stand for
    sms = render_text(content_text(piece, MessageChannel.SMS)[1], {"title": _("(Mr/Ms Wang)"),
                                                                   "manager": _("(the manager)")})
    return render(request, "outreach/content_piece.html", {
        "p": piece, "may_approve": may_approve, "total": total, "rows": rows,
        "expired": piece.valid_until < clock.today(), "sms_preview": sms,
        "can_version": request.user.role in WRITERS and piece.status == ContentStatus.APPROVED,
        "nav_active": "content",
    })


@login_required
@require_POST
def content_approve(request: HttpRequest, piece_id: int) -> HttpResponse:
    piece, _may = get_piece_for_user(request.user, piece_id)
    try:
        content_piece_approve(actor=request.user, piece=piece)
    except ValidationError as e:
        flash.error(request, " ".join(e.messages))
    else:
        flash.success(request, _("Approved: the piece can be sent now."))
    return redirect("content_piece", piece.pk)


@login_required
@require_POST
def content_new_version(request: HttpRequest, piece_id: int) -> HttpResponse:
    piece, _may = get_piece_for_user(request.user, piece_id)
    try:
        copy = content_piece_new_version(actor=request.user, piece=piece)
    except ValidationError as e:
        flash.error(request, " ".join(e.messages))
        return redirect("content_piece", piece.pk)
    return redirect("content_edit", copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def content_send_page(request: HttpRequest, piece_id: int, customer_id: int) -> HttpResponse:
    """A piece to one customer from the file: the text as the customer will read it on the
    channel chosen, the channels the customer may be reached on; POST sends at once."""
    customer = get_customer_for_user(request.user, customer_id)
    piece, _may = get_piece_for_user(request.user, piece_id)
    if request.user.role in (Role.AUDITOR, Role.LOBBY):
        raise PermissionDenied
    channel = request.POST.get("channel") or request.GET.get("channel") or default_channel(customer)
    channel = channel if channel in MessageChannel.values else MessageChannel.SMS
    error = ""
    if request.method == "POST":
        try:
            delivery = content_send(actor=request.user, piece=piece, customer=customer, channel=channel)
        except ValidationError as e:
            error = " ".join(e.messages)
        else:
            message = message_send(message=delivery.message, actor=request.user)
            _say_outcome(request, message)
            return redirect("message_detail", message.pk)
    from banyan.messaging.services import message_values
    from banyan.messaging.text import render as render_text
    from banyan.messaging.text import sms_units

    subject, text = content_text(piece, channel)
    values = message_values(customer=customer, actor=request.user)
    preview = render_text(text, values)
    states = channel_states(customer)
    return render(request, "outreach/content_send.html", {
        "p": piece, "c": customer, "channel": channel, "states": states,
        "state": next(s for s in states if s.code == channel), "subject": render_text(subject, values),
        "preview": preview, "units": sms_units(preview), "error": error,
        "received": has_received(customer, piece), "sendable": piece.sendable_on(clock.today()),
        "nav_active": "book",
    }, status=400 if error else 200)


@login_required
def customer_content(request: HttpRequest, customer_id: int) -> HttpResponse:
    """培育内容: the card of the file — what could be sent to this customer, and what was."""
    from banyan.web.htmx import is_htmx

    customer = get_customer_for_user(request.user, customer_id)
    context = {"c": customer, "pieces": pieces_for_customer(customer, request.user)[:5],
               "received": list(received_by(customer)[:5]),
               "can_send": request.user.role not in (Role.AUDITOR, Role.LOBBY)}
    if is_htmx(request):
        return render(request, "outreach/content_card.html", context)
    return render(request, "outreach/content_customer.html", {**context, "nav_active": "book"})


@login_required
@require_http_methods(["GET", "POST"])
def content_plans(request: HttpRequest) -> HttpResponse:
    _run_due_without_broker()
    can_write = request.user.role in WRITERS
    form = PlanForm(request.POST or None, user=request.user) if can_write else None
    if request.method == "POST":
        _writer(request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = content_plan_create(actor=request.user, name=d["name"], filter=form.audience(),
                                           every_days=d["every_days"], channels=d["channels"],
                                           pieces=list(d["pieces"]))
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                return redirect("content_plan", plan.pk)
    plans = list(visible_plans(request.user).prefetch_related("pieces"))
    return render(request, "outreach/content_plans.html", {
        "plans": plans, "form": form, "nav_active": "content"}, status=400 if form is not None and form.errors else 200)


@login_required
def content_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    runs = list(plan.runs.all()[:10])
    last = runs[0] if runs else None
    excluded = [(EXCLUSION_RULES.get(rule, rule), n) for rule, n in (last.excluded.items() if last else [])]
    return render(request, "outreach/content_plan.html", {
        "plan": plan, "runs": runs, "last": last, "excluded": excluded,
        "pieces": list(plan.pieces.all()), "nav_active": "content",
    })


@login_required
@require_POST
def content_plan_run_now(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    _writer(request.user)
    run = content_plan_run(plan=plan, actor=request.user)
    if run is None:
        flash.info(request, _("This plan ran today already."))
    else:
        flash.success(request, _("%(n)d messages queued in the outbox.") % {"n": run.queued})
    return redirect("content_plan", plan.pk)

