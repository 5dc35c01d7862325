"""The message pages: the outbox (消息), one message, and the compose page. Every customer and
message comes through the visibility gate; one out of reach answers 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from banyan.customers.models import Customer
from banyan.customers.selectors import get_customer_for_user
from banyan.messaging.forms import ComposeForm, FillInForm, OutboxFilterForm
from banyan.messaging.models import Message, MessageChannel, MessageStatus, TemplateCode
from banyan.messaging.selectors import OutboxFilters, get_message_for_user, outbox, templates_for
from banyan.messaging.services import (
    CONSENT_FIELD,
    MAINTENANCE_KINDS,
    address_of,
    block_reason,
    blocking_rule,
    fill_in_label,
    message_compose,
    message_resend,
    message_send,
    message_values,
    missing_fill_ins,
    outbox_send_queued,
)
from banyan.messaging.text import mask_address, sms_units
from banyan.messaging.text import render as render_text
from banyan.transitions import Conflict
from banyan.web.forms import add_service_errors

PAGE_SIZE = 50
#: The placeholders a manager may fill in on the compose page (the rest come from the file).
FILL_INS = ("date", "product", "detail")

STATUS_BADGE = {MessageStatus.QUEUED: "text-bg-secondary", MessageStatus.SENT: "text-bg-success",
                MessageStatus.FAILED: "text-bg-danger", MessageStatus.BLOCKED: "text-bg-warning"}


def reason_of(message: Message) -> str:
    """Why a message was not sent, in the reader's language (a gateway's own words as they came)."""
    if message.status == MessageStatus.BLOCKED and message.rule:
        return block_reason(message.rule, message.channel)
    if message.status == MessageStatus.FAILED:
        return message.status_detail
    return ""


def _decorate(message: Message) -> Message:
    message.badge = STATUS_BADGE.get(message.status, "text-bg-secondary")
    message.reason = reason_of(message)
    message.masked_to = mask_address(message.channel, message.to)
    return message


@login_required
def outbox_view(request: HttpRequest) -> HttpResponse:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker (the single-branch set-up): no beat works the outbox, so opening it sends what
        # was held (the quiet hours over) or queued by a page that did not send at once.
        outbox_send_queued(limit=settings.BANYAN_OUTBOX_BATCH)
    form = OutboxFilterForm(request.GET or None)
    filters = OutboxFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = OutboxFilters(status=d["status"], channel=d["channel"], date_from=d["date_from"],
                                date_to=d["date_to"], customer_id=d["customer"])
    # one customer's messages: a customer out of reach (or an id no customer can have) is not found
    customer = get_customer_for_user(request.user, filters.customer_id) if filters.customer_id else None
    page = Paginator(outbox(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for m in page.object_list:
        _decorate(m)
    return render(request, "messaging/outbox.html", {
        "form": form, "page": page, "filtered": any([filters.status, filters.channel, filters.date_from,
                                                     filters.date_to, filters.customer_id]),
        "for_customer": customer, "nav_active": "messages",
    })


@login_required
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = _decorate(get_message_for_user(request.user, message_id))
    return render(request, "messaging/detail.html", {
        "m": message, "units": sms_units(message.body), "nav_active": "messages",
    })


@login_required
@require_POST
def message_resend_view(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_message_for_user(request.user, message_id)
    try:
        message = message_resend(actor=request.user, message=message)
    except ValidationError as e:
        flash.error(request, " ".join(e.messages))
        return redirect("message_detail", message.pk)
    _say_outcome(request, message)
    return redirect("message_detail", message.pk)


# ------------------------------------------------------------------ composing


@dataclass
class ChannelState:
    """One channel as the compose page shows it: may the customer be reached there now?"""

    code: str
    label: str
    consent: bool
    address: str  # masked
    rule: str
    reason: str


def channel_states(customer: Customer) -> list[ChannelState]:
    states = []
    for code, label in MessageChannel.choices:
        rule = blocking_rule(customer, code)
        states.append(ChannelState(code, label, bool(getattr(customer, CONSENT_FIELD[code])),
                                   mask_address(code, address_of(customer, code)), rule,
                                   block_reason(rule, code) if rule else ""))
    return states


def default_channel(customer: Customer) -> str:
    """The customer's preferred channel when it is a message channel, else the first one the
    customer may be reached on, else SMS."""
    if customer.preferred_channel in MessageChannel.values:
        return customer.preferred_channel
    for code in (MessageChannel.SMS, MessageChannel.WECHAT, MessageChannel.EMAIL):
        if not blocking_rule(customer, code):
            return code
    return MessageChannel.SMS


def _compose_context(request: HttpRequest, customer: Customer, channel: str, code: str, form: ComposeForm,
                     fill: FillInForm, missing: list[str], keep: dict | None = None) -> dict:
    states = channel_states(customer)
    keep = keep or {}
    holding_q = f"&holding={keep['holding']}" if keep.get("holding") else ""
    return {
        # what the channel and language links carry over: a maintenance message's holding, the language
        "holding_q": holding_q, "keep": holding_q + ("&lang=en" if keep.get("lang") == "en" else ""),
        "lang": keep.get("lang", ""),
        "c": customer, "channel": channel, "code": code, "form": form, "fill": fill,
        "templates": templates_for(customer.branch_id, channel), "states": states,
        "state": next(s for s in states if s.code == channel),
        "missing": [fill_in_label(k) for k in missing], "is_email": channel == MessageChannel.EMAIL,
        "is_sms": channel == MessageChannel.SMS, "nav_active": "messages",
        "body_length": len(form["body"].value() or ""), "units": sms_units(form["body"].value() or ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    """GET /messages/new/?customer=<id>&channel=sms&template=<code>[&date=…&product=…&detail=…]:
    the template rendered for the customer, to read, edit and send. POST: write and send at once,
    then show the message with its fate (sent, or the rule that blocked it)."""
    if request.method == "POST":
        return _compose_send(request)
    customer = get_customer_for_user(request.user, request.GET.get("customer"))
    channel = request.GET.get("channel")
    if channel not in MessageChannel.values:
        channel = default_channel(customer)
    code = request.GET.get("template") or ""
    code = code if code in TemplateCode.values else ""
    asked = FillInForm(request.GET)
    context = asked.cleaned_data if asked.is_valid() else {}
    tpl = next((t for t in templates_for(customer.branch_id, channel) if t.code == code), None)
    # a sales maintenance notice (销售维护): the holding it is about (only one of this customer's
    # counts), and the customer's language when the template is written in English too
    holding = request.GET.get("holding", "") if code in MAINTENANCE_KINDS else ""
    holding = holding if holding.isdigit() and len(holding) < 12 else ""
    lang = "en" if request.GET.get("lang") == "en" and tpl is not None and tpl.body_en else ""
    values = message_values(customer=customer, actor=request.user, code=code, context=context,
                            holding=holding or None, language=lang or "zh-hans")
    tpl_subject, tpl_body = tpl.text(lang) if tpl else ("", "")
    body = render_text(tpl_body, values) if tpl else ""
    subject = render_text(tpl_subject, values) if tpl and channel == MessageChannel.EMAIL else ""
    missing = missing_fill_ins(code, values) if tpl else []
    # a maintenance notice's facts come from the holding (the text is edited freely below)
    uses = [k for k in FILL_INS if tpl and "{" + k + "}" in tpl_body + tpl_subject
            and (code not in MAINTENANCE_KINDS or missing)]
    fill = FillInForm(initial={k: values[k] for k in uses})
    fill.shown = [fill[k] for k in uses]
    form = ComposeForm(initial={"customer": customer.pk, "channel": channel, "template": code if tpl else "",
                                "subject": subject, "body": body, "submission": uuid.uuid4()})
    context = _compose_context(request, customer, channel, code, form, fill, missing,
                               keep={"holding": holding, "lang": lang})
    context["english"] = bool(tpl and tpl.body_en)
    return render(request, "messaging/compose.html", context)


def _compose_send(request: HttpRequest) -> HttpResponse:
    customer = get_customer_for_user(request.user, request.POST.get("customer"))
    form = ComposeForm(request.POST)
    message = None
    if form.is_valid():
        d = form.cleaned_data
        try:
            message = message_compose(actor=request.user, customer=customer, template=d["template"] or None,
                                      channel=d["channel"], body=d["body"], subject=d["subject"],
                                      submission=str(d["submission"]) if d["submission"] else None)
        except Conflict as e:  # the same form again: show the message the first post wrote
            first = Message.objects.filter(submission=str(d["submission"]), customer=customer).first()
            if first is not None:
                flash.info(request, " ".join(e.messages))
                return redirect("message_detail", first.pk)
            add_service_errors(form, e)
        except ValidationError as e:
            add_service_errors(form, e)
    if message is None:
        channel = form.data.get("channel") if form.data.get("channel") in MessageChannel.values \
            else default_channel(customer)
        fill = FillInForm()
        fill.shown = []
        context = _compose_context(request, customer, channel, form.data.get("template", ""), form, fill, [])
        return render(request, "messaging/compose.html", context, status=400)
    message = message_send(message=message)
    _say_outcome(request, message)
    return redirect("message_detail", message.pk)


def _say_outcome(request: HttpRequest, message: Message) -> None:
    if message.status == MessageStatus.SENT:
        flash.success(request, _("Sent to %(to)s.") % {"to": mask_address(message.channel, message.to)})
    elif message.status == MessageStatus.BLOCKED:
        flash.warning(request, _("Not sent: %(why)s") % {"why": reason_of(message)})
    elif message.status == MessageStatus.QUEUED:
        flash.info(request, message.status_detail)
    elif message.status == MessageStatus.FAILED:
        flash.error(request, _("Sending failed: %(why)s You can send it again.") % {"why": reason_of(message)})
