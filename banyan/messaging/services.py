"""Writing and sending messages (OUT-6).

`message_compose` renders a template with the customer's fields and queues the message;
`message_send` checks the contact rules AT SEND TIME (a customer may withdraw consent between the
two) and hands the message to the channel's gateway; `outbox_send_queued` is the job a worker or
the `banyan messages send` command runs. A sent message is also a contact in the customer's
history; every send, block and failure is in the audit log."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.calendars.festivals import Festival, festivals_between
from banyan.contacts.models import Purpose
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.messaging.gateways import gateway_for
from banyan.messaging.models import BlockRule, Message, MessageChannel, MessageStatus, MessageTemplate, TemplateCode
from banyan.messaging.selectors import suggested_values, template_pick
from banyan.messaging.text import PLACEHOLDERS, cn_date, promising_words, render
from banyan.segments.models import greeted_by_call
from banyan.transitions import Conflict, transition
from banyan.worklists.services import _title

logger = logging.getLogger(__name__)

#: Longest text per channel: a long SMS is joined from parts by the phone, an email has room.
MAX_LENGTH = {MessageChannel.SMS: 500, MessageChannel.WECHAT: 500, MessageChannel.EMAIL: 5000}

#: What a message of each kind is, as a contact in the history (ARC-4).
PURPOSE_OF = {
    TemplateCode.BIRTHDAY: Purpose.CARE, TemplateCode.FESTIVAL: Purpose.CARE,
    TemplateCode.MATURITY: Purpose.MATURITY, TemplateCode.INVITATION: Purpose.INVITATION,
    TemplateCode.APPOINTMENT_CONFIRMATION: Purpose.INVITATION, TemplateCode.CUSTOM: Purpose.OTHER,
    TemplateCode.INTRODUCTION: Purpose.CARE,
    TemplateCode.TAKE_PROFIT: Purpose.AFTER_SALES, TemplateCode.STOP_LOSS: Purpose.AFTER_SALES,
    TemplateCode.NAV_MOVE: Purpose.AFTER_SALES,
}

#: 销售维护 (WEA-3): messages about a customer's holding, whose words are held to the regulator's
#: rule — no promised return (banyan.messaging.text.promising_words).
MAINTENANCE_KINDS = (TemplateCode.TAKE_PROFIT, TemplateCode.STOP_LOSS, TemplateCode.NAV_MOVE)

#: The consent flag each channel needs.
CONSENT_FIELD = {MessageChannel.SMS: "consent_sms", MessageChannel.EMAIL: "consent_email",
                 MessageChannel.WECHAT: "consent_wechat"}


def address_of(customer: Customer, channel: str) -> str:
    """The address a channel uses: the mobile for SMS and WeChat (a WeChat account is reached
    through the mobile it is bound to), the email address for email."""
    return (customer.email if channel == MessageChannel.EMAIL else customer.mobile) or ""


#: Fill-ins a kind of message cannot do without (when its template's text is used): nobody is
#: invited "on some day", and a maturity reminder names the product.
NEEDED = {
    TemplateCode.MATURITY: ("product", "date"),
    TemplateCode.INVITATION: ("date", "detail"),
    TemplateCode.APPOINTMENT_CONFIRMATION: ("date",),
    TemplateCode.INTRODUCTION: ("manager_mobile",),  # an introduction gives the customer the number
    **{kind: ("product", "detail") for kind in MAINTENANCE_KINDS},
}


def fill_in_label(key: str) -> str:
    return {"date": _("date and time"), "product": _("product"), "detail": _("details"),
            "manager_mobile": _("your work mobile (set it under My work number)")}.get(key, key)


def _as_text(value: Any) -> str:
    """A context value as the message writes it: dates and ISO strings as 11月28日(上午10:00)."""
    if isinstance(value, dt.date):
        return cn_date(value)
    text = str(value).strip()
    if len(text) >= 10 and text[:4].isdigit() and text[4] == "-":
        try:
            return cn_date(dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text))
        except ValueError:
            pass
    return text


def message_values(*, customer: Customer, actor, code: str = "", context: dict | None = None, holding=None,
                   language: str = "") -> dict[str, str]:
    """The values of the placeholders for this customer: name and title, the manager (the
    customer's own, in whose name an assistant writes), the branch, today's date (except for the
    kinds whose date is the event's); what the file and the calendar suggest for the kind (see
    `suggested_values`; `holding`: the one a maintenance message is about, `language` its
    language); then whatever the caller gives."""
    manager = customer.rm or actor
    values = {
        "title": _title(customer.name, customer.gender), "name": customer.name,
        "manager": getattr(manager, "display_name", "") or "",
        "manager_mobile": getattr(manager, "work_mobile", "") or "",  # the manager's own number (seed 004)
        "branch": customer.branch.name if customer.branch_id else "",
        "date": "" if "date" in NEEDED.get(code, ()) else cn_date(clock.today()), "product": "", "detail": "",
    }
    values.update(suggested_values(customer, code, holding=holding, language=language))
    for key, value in (context or {}).items():
        if key in PLACEHOLDERS and value is not None and str(value).strip():
            values[key] = _as_text(value)
    return values


def missing_fill_ins(code: str, values: dict[str, str]) -> list[str]:
    return [key for key in NEEDED.get(code, ()) if not values.get(key)]


def _resolve_template(template: Any, channel: str, customer: Customer) -> MessageTemplate | None:
    if template in (None, ""):
        return None
    if isinstance(template, MessageTemplate):
        if template.channel != channel:
            raise ValidationError({"template": [_("This template is written for another channel.")]})
        if not template.is_active:
            raise ValidationError({"template": [_("This template is no longer in use.")]})
        return template
    found = template_pick(str(template), channel, customer.branch_id)
    if found is None:
        raise ValidationError({"template": [_("There is no template of this kind for this channel.")]})
    return found


@transaction.atomic
def message_compose(*, actor, customer: Customer, template: MessageTemplate | str | None = None, channel: str,
                    body: str | None = None, subject: str | None = None, context: dict | None = None,
                    submission: str | None = None) -> Message:
    """Write a message into the outbox (status queued). `template` is a template or its code (the
    branch's version wins over the bank's); `body` and `subject`, when given, replace the
    template's (they may use the placeholders too); `context` fills {date} {product} {detail} …
    `submission`, the compose page's one-time key, makes a form posted twice write one message
    (the second gets Conflict). Nothing is checked against consent here: that happens when the
    message is sent."""
    if channel not in MessageChannel.values:
        raise ValidationError({"channel": [_("Messages go by SMS, email or WeChat.")]})
    tpl = _resolve_template(template, channel, customer)
    code = tpl.code if tpl else TemplateCode.CUSTOM
    values = message_values(customer=customer, actor=actor, code=code, context=context)
    body = (body or "").replace("\r\n", "\n")  # a browser's line ends, so that counts match the page's
    own_text = bool(body.strip())
    text = render(body if own_text else (tpl.body if tpl else ""), values).strip()
    title = ""
    if channel == MessageChannel.EMAIL:
        title = render(subject if (subject or "").strip() else (tpl.subject if tpl else ""), values).strip()
    errors: dict[str, list[str]] = {}
    missing = [] if own_text else missing_fill_ins(code, values)
    if missing:
        what = "、".join(fill_in_label(k) for k in missing)
        errors["context"] = [_("This message needs: %(what)s.") % {"what": what}]
    promising = promising_words(f"{title} {text}") if code in MAINTENANCE_KINDS else []
    if not text:
        errors["body"] = [_("Write the message or pick a template.")]
    elif promising:
        errors["body"] = [_("A message about a customer's holding may not promise a return: remove "
                            "%(words)s.") % {"words": "、".join(promising)}]
    elif len(text) > MAX_LENGTH[channel]:
        errors["body"] = [_("At most %(n)d characters for this channel.") % {"n": MAX_LENGTH[channel]}]
    if channel == MessageChannel.EMAIL and not title:
        errors["subject"] = [_("An email needs a subject.")]
    elif len(title) > 120:
        errors["subject"] = [_("At most %(n)d characters.") % {"n": 120}]
    if errors:
        raise ValidationError(errors)
    message = Message(customer=customer, staff=actor, channel=channel, to=address_of(customer, channel),
                      subject=title, body=text, template=tpl, template_code=code, created_at=clock.now(),
                      submission=submission or None)
    message.full_clean(exclude=["submission"])
    try:
        with transaction.atomic():  # a savepoint: the unique key refuses the second post of one form
            message.save()
    except IntegrityError:
        raise Conflict(_("This message was written already (the form was sent twice).")) from None
    audit_log(actor=actor, action="message.queued", customer_id=customer.pk, obj=message,
              after={"channel": channel, "template": code})
    return message


def block_reason(rule: str, channel: str) -> str:
    """The blocking rule in words, in the active language."""
    if rule == BlockRule.DO_NOT_DISTURB:
        return _("The customer asked not to be disturbed: nothing was sent.")
    if rule == BlockRule.NO_CONSENT:
        return {MessageChannel.SMS: _("The customer has not consented to receive SMS."),
                MessageChannel.EMAIL: _("The customer has not consented to receive email."),
                MessageChannel.WECHAT: _("The customer has not consented to receive WeChat messages."),
                }.get(channel, _("The customer has not consented to this channel."))
    if rule == BlockRule.NO_ADDRESS:
        return {MessageChannel.EMAIL: _("The customer has no email address on file."),
                MessageChannel.WECHAT: _("The customer has no mobile number to reach on WeChat."),
                }.get(channel, _("The customer has no mobile number on file."))
    return ""


def blocking_rule(customer: Customer, channel: str) -> str:
    """The first contact rule that forbids this channel now, or "" (PIPL: do-not-disturb first,
    then the customer's consent for the channel, then an address to send to)."""
    if customer.do_not_disturb:
        return BlockRule.DO_NOT_DISTURB
    if not getattr(customer, CONSENT_FIELD[channel]):
        return BlockRule.NO_CONSENT
    if not address_of(customer, channel):
        return BlockRule.NO_ADDRESS
    return ""


#: What rings on the customer's phone: held in the quiet hours (WL-6). An e-mail waits in the inbox.
QUIET_CHANNELS = (MessageChannel.SMS, MessageChannel.WECHAT)


def quiet_until(moment: dt.datetime) -> dt.datetime | None:
    """When the bank's quiet hours around `moment` end (local time), or None outside them."""
    if not settings.BANYAN_QUIET_HOURS:
        return None
    start, end = settings.BANYAN_QUIET_HOURS
    local = timezone.localtime(moment)
    at = local.time()
    quiet = start <= at < end if start <= end else (at >= start or at < end)  # 21:00-08:00 spans midnight
    if not quiet:
        return None
    day = local.date() if at < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end))


def _history_summary(message: Message) -> str:
    text = f"【{message.subject}】{message.body}" if message.subject else message.body
    return text[:500]


def message_send(*, message: Message, actor=None) -> Message:
    """Send a queued (or failed) message once; answers the message as it now stands.

    The row is locked for the whole step (select_for_update on PostgreSQL; SQLite's immediate
    transactions serialise writers), and only a queued or failed message goes further, so two
    workers, or a worker and a click, never send it twice. The customer is read afresh: consent,
    do-not-disturb and the address are those of this moment."""
    with transaction.atomic():
        m = Message.objects.select_for_update(of=("self",)).select_related("staff").get(pk=message.pk)
        if m.status not in (MessageStatus.QUEUED, MessageStatus.FAILED):
            return m
        who = actor if getattr(actor, "pk", None) else m.staff
        held = quiet_until(clock.now()) if m.channel in QUIET_CHANNELS else None
        if held is not None:  # stays queued: the outbox sends it when the quiet hours end
            with translation.override(settings.LANGUAGE_CODE):
                m.status_detail = _("Quiet hours: it goes out at %(t)s.") % {"t": f"{held:%H:%M}"}
            m.save(update_fields=["status_detail"])
            return m
        customer = Customer.objects.select_related("branch").get(pk=m.customer_id)
        rule = blocking_rule(customer, m.channel)
        if rule:
            with translation.override(settings.LANGUAGE_CODE):
                reason = block_reason(rule, m.channel)
            m.status, m.rule, m.status_detail = MessageStatus.BLOCKED, rule, reason
            m.save(update_fields=["status", "rule", "status_detail"])
            audit_log(actor=who, action="message.blocked", customer_id=m.customer_id, obj=m, detail=reason,
                      after={"channel": m.channel, "rule": rule})
            return m
        m.to = address_of(customer, m.channel)
        m.attempts += 1
        try:
            ok, gateway_id, detail = gateway_for(m.channel).send(m)
        except Exception as e:  # a bank's own gateway may raise: the outbox must still say why
            logger.exception("Gateway for %s failed on message %s", m.channel, m.pk)
            ok, gateway_id, detail = False, "", f"{type(e).__name__}: {e}"
        if ok:
            m.status, m.gateway_id, m.status_detail, m.sent_at = MessageStatus.SENT, gateway_id[:200], detail[:300], \
                clock.now()
            m.rule = ""
        else:
            m.status, m.status_detail = MessageStatus.FAILED, (detail or _("The gateway refused the message."))[:300]
        m.save(update_fields=["status", "rule", "status_detail", "gateway_id", "sent_at", "to", "attempts"])
        if ok:
            audit_log(actor=who, action="message.sent", customer_id=m.customer_id, obj=m,
                      after={"channel": m.channel, "gateway_id": m.gateway_id, "attempts": m.attempts})
            interaction_log(actor=m.staff, customer=customer, channel=m.channel, occurred_at=m.sent_at,
                            purpose=PURPOSE_OF.get(m.template_code, Purpose.OTHER),
                            summary=_history_summary(m), outcome="")
        else:
            audit_log(actor=who, action="message.failed", customer_id=m.customer_id, obj=m, detail=m.status_detail,
                      after={"channel": m.channel, "attempts": m.attempts})
    return m


def message_resend(*, actor, message: Message) -> Message:
    """Try a failed message again (a sent or blocked one is final: write a new one). The failure
    the manager saw (`message.attempts`) goes back into the queue once: another click on it
    meanwhile is refused with Conflict. In the quiet hours it waits in the queue for the outbox."""
    if message.status != MessageStatus.FAILED:
        raise ValidationError(_("Only a message that failed can be sent again."))
    with transaction.atomic():
        transition(Message.objects.filter(pk=message.pk, status=MessageStatus.FAILED, attempts=message.attempts),
                   _("This message was already sent again."), status=MessageStatus.QUEUED)
        return message_send(message=message, actor=actor)


#: How many days before a festival its greeting may be written (the worklist's festival lead).
FESTIVAL_GREETING_DAYS = 3


def coming_festival(today: dt.date) -> Festival | None:
    """The festival for everyone (春节, 中秋节, 国庆节 …) within the next few days, if any."""
    found = [f for f in festivals_between(today, today + dt.timedelta(days=FESTIVAL_GREETING_DAYS))
             if f.audience is None]
    return found[0] if found else None


def festival_greeting_targets(manager, festival: Festival):
    """The manager's customers a festival greets by SMS rather than by a call (WL-1): all but the
    priority and frequent-contact customers, whom the worklist calls — who agreed to SMS, are not
    do-not-disturb, have a mobile, and have not been greeted for this festival yet."""
    greeted = Message.objects.filter(customer=OuterRef("pk"), template_code=TemplateCode.FESTIVAL,
                                     created_at__date__gte=festival.date - dt.timedelta(days=FESTIVAL_GREETING_DAYS))
    return (Customer.objects.filter(rm=manager, consent_sms=True, do_not_disturb=False).exclude(mobile="")
            .exclude(greeted_by_call()).exclude(Exists(greeted)))


@transaction.atomic
def festival_greetings_queue(*, actor, manager, festival: Festival) -> int:
    """Write the festival's greeting SMS for every customer of `festival_greeting_targets` into the
    outbox (the bank's or the branch's festival template, signed by the manager); consent is
    checked again when each is sent. Returns how many were written; a second run writes none."""
    context = {"detail": festival.name_zh, "date": cn_date(festival.date)}
    count = 0
    for customer in festival_greeting_targets(manager, festival).select_related("branch").iterator(chunk_size=500):
        message_compose(actor=actor, customer=customer, template=TemplateCode.FESTIVAL, channel=MessageChannel.SMS,
                        context=context)
        count += 1
    audit_log(actor=actor, action="messages.festival_queued", obj=manager, detail=festival.name_zh,
              after={"festival": festival.code, "date": festival.date.isoformat(), "messages": count})
    return count


def outbox_send_queued(*, limit: int = 500) -> dict[str, int]:
    """Send the oldest queued messages, up to `limit`; answers how many ended in each status.
    Idempotent: a message already sent, blocked or failed is not touched again (failed ones wait
    for a person to resend them)."""
    queued = Message.objects.filter(status=MessageStatus.QUEUED)
    if quiet_until(clock.now()) is not None:  # not even read: they would only take the batch's places
        queued = queued.exclude(channel__in=QUIET_CHANNELS)
    ids = list(queued.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    counts = {s: 0 for s in MessageStatus.values}
    for pk in ids:
        sent = message_send(message=Message(pk=pk))
        counts[sent.status] += 1
    return counts
