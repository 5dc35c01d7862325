"""Reads of messages and templates. A message is reachable only through its customer:
`visible_messages(user)` starts from `visible_customers(user)`, and one out of reach answers 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from banyan import clock
from banyan.calendars.festivals import festivals_between
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.holdings.models import LIABILITY_TYPES
from banyan.holdings.selectors import holdings_of
from banyan.messaging.models import Message, MessageTemplate, TemplateCode
from banyan.messaging.text import cn_date


def visible_messages(user) -> QuerySet[Message]:
    return Message.objects.filter(customer__in=visible_customers(user))


def get_message_for_user(user, message_id) -> Message:
    try:
        return visible_messages(user).select_related("customer", "staff", "template").get(pk=int(message_id))
    except (Message.DoesNotExist, ValueError, TypeError):
        raise Http404("No such message") from None


@dataclass(frozen=True)
class OutboxFilters:
    status: str = ""
    channel: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    customer_id: int | None = None


def outbox(user, filters: OutboxFilters | None = None) -> QuerySet[Message]:
    """The messages of the caller's visible customers, newest first, filtered."""
    f = filters or OutboxFilters()
    qs = visible_messages(user)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    return qs.select_related("customer", "staff").order_by("-created_at", "-pk")


def messages_of(customer: Customer) -> QuerySet[Message]:
    """One customer's messages, newest first (the caller has already passed the visibility gate)."""
    return customer.messages.select_related("staff").order_by("-created_at", "-pk")


def templates_for(branch_id: int | None, channel: str | None = None) -> list[MessageTemplate]:
    """The templates in use for a branch's customers: the branch's own, and the bank's for every
    (kind, channel) the branch has not rewritten."""
    qs = MessageTemplate.objects.filter(is_active=True).filter(Q(branch__isnull=True) | Q(branch_id=branch_id))
    if channel:
        qs = qs.filter(channel=channel)
    chosen: dict[tuple[str, str], MessageTemplate] = {}
    for t in qs.order_by("code", "channel", "branch_id"):
        key = (t.code, t.channel)
        if key not in chosen or t.branch_id is not None:
            chosen[key] = t
    order = {code: i for i, code in enumerate(TemplateCode.values)}
    return sorted(chosen.values(), key=lambda t: (order.get(t.code, 99), t.channel))


def template_pick(code: str, channel: str, branch_id: int | None) -> MessageTemplate | None:
    """The template of this kind and channel for a branch's customer (the branch's wins)."""
    return next((t for t in templates_for(branch_id, channel) if t.code == code), None)


#: How far ahead a festival greeting looks for the festival it is about.
FESTIVAL_LOOKAHEAD_DAYS = 90
#: What an invitation is to, until the manager writes the event's name.
DEFAULT_EVENT = "理财沙龙"


def suggested_values(customer: Customer, code: str, *, holding=None, language: str = "") -> dict[str, str]:
    """Placeholders the file and the calendar can fill by themselves: for a maturity reminder the
    customer's next maturing holding (product and date); for a festival greeting the next
    festival for everyone (春节, 中秋节 …); for an invitation a salon, to be renamed; for a sales
    maintenance notice the holding's product and facts (`holding`, else the one that reached the
    line or moved most: banyan.wealth.maintenance), in `language`."""
    if code in (TemplateCode.TAKE_PROFIT, TemplateCode.STOP_LOSS, TemplateCode.NAV_MOVE):
        from banyan.wealth.facts import maintenance_values

        return maintenance_values(customer, code, holding_id=holding, language=language or "zh-hans")
    if code == TemplateCode.FESTIVAL:
        today = clock.today()
        coming = [f for f in festivals_between(today, today + dt.timedelta(days=FESTIVAL_LOOKAHEAD_DAYS))
                  if f.audience is None]
        return {"detail": coming[0].name_zh, "date": cn_date(coming[0].date)} if coming else {"detail": "佳节"}
    if code == TemplateCode.INVITATION:
        return {"detail": DEFAULT_EVENT}
    if code != TemplateCode.MATURITY:
        return {}
    holding = (holdings_of(customer).filter(maturity_date__gte=clock.today())
               .exclude(product__type__in=LIABILITY_TYPES).order_by("maturity_date").first())
    if holding is None:
        return {}
    return {"product": holding.product.name, "date": cn_date(holding.maturity_date)}
