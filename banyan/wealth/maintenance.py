"""销售维护 (sales maintenance, WEA-3, seed 000): when a holding reaches the customer's own
take-profit or stop-loss line, or its product's NAV moves sharply, the manager is told (the
worklist's `take_profit`, `stop_loss` and `nav_move` reasons) and offered a message to the customer
that he or she reads, edits and sends through the outbox (banyan.messaging: consent, do-not-disturb
and quiet hours are checked when it is sent).

The message is the bank's template (a data migration of banyan.messaging, editable per branch)
filled with facts only: the product, the move, the customer's own line and the date. It promises
nothing, advises neither buying nor selling, invites the customer to talk, and carries the risk
notice — the wording a regulator accepts (《商业银行理财业务监督管理办法》, 《金融机构产品适当性
管理办法》: no promised return, no misleading words).

Facts are read fresh from the holding (the latest NAV), so a message written later says what is true
then; the worklist's reason is only what brought the manager here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone, translation

from banyan import clock
from banyan.holdings.models import NAV_TYPES, Holding, HoldingStatus
from banyan.wealth.facts import (
    MAINTENANCE_CODES,
    NAV_MOVE_DAYS,
    holding_detail,
    limit_change,
    nav_move,
)


@dataclass
class Suggestion:
    """A suggested message: its kind, the holding it is about, the text as it would go (the
    customer's branch's template, in Chinese) and where to edit and send it."""

    code: str
    holding_id: int
    product: str
    detail: str
    channel: str  # the message channel suggested ("" when the customer agreed to none)
    blocked: str  # why no channel may be used, in words
    text: str
    compose_url: str
    sent: object = None  # a message of this kind written today (it shows instead of a second offer)

    @property
    def label(self) -> str:
        from banyan.messaging.models import TemplateCode

        return str(TemplateCode(self.code).label) if self.code in TemplateCode.values else self.code


def compose_url(customer_id: int, code: str, holding_id: int, channel: str = "") -> str:
    query = {"customer": customer_id, "template": code, "holding": holding_id}
    if channel:
        query["channel"] = channel
    return f"{reverse('message_compose')}?{urlencode(query)}"


#: `suggest(sent=…)` not given: today's message of the kind is read for this one suggestion.
_READ = object()


def suggest(customer, code: str, holding: Holding, *, actor, channel: str = "",
            today: dt.date | None = None, templates: dict | None = None, sent=_READ) -> Suggestion:
    """The message to suggest for one holding: the customer's preferred (or the task's) message
    channel when the customer agreed to it, else the first agreed; the text as it would go, in the
    bank's language; and today's message of this kind, if one was written already. `templates`:
    the templates already picked for this page, by (kind, channel, branch) — a worklist shows many
    suggestions of the same few kinds. `sent`: today's message of this kind to the customer, already
    read (None: none), for a page of cards reading them all at once (CardSuggestions)."""
    from banyan.messaging.models import Message, MessageChannel
    from banyan.messaging.selectors import template_pick
    from banyan.messaging.services import block_reason, blocking_rule, message_values
    from banyan.messaging.text import render

    day = today or clock.today()
    known = set(MessageChannel.values)  # the enum's list is built on each use: once per suggestion
    order = [c for c in (channel, customer.preferred_channel, MessageChannel.SMS, MessageChannel.WECHAT,
                         MessageChannel.EMAIL) if c in known]
    usable = next((c for c in dict.fromkeys(order) if not blocking_rule(customer, c)), "")
    first = order[0] if order else MessageChannel.SMS
    blocked = "" if usable else block_reason(blocking_rule(customer, first), first)
    shown = usable or first
    with translation.override("zh-hans"):  # the message goes to the customer in the bank's language
        detail = holding_detail(holding, code, today=day, language="zh-hans")
        picks = {} if templates is None else templates
        key = (code, shown, customer.branch_id)
        if key not in picks:
            picks[key] = template_pick(*key)
        tpl = picks[key]
        values = message_values(customer=customer, actor=actor, code=code, holding=holding,
                                context={"product": holding.product.name, "detail": detail})
        text = render(tpl.body, values) if tpl else ""
    if sent is _READ:
        sent = (Message.objects.filter(customer_id=customer.pk, template_code=code, created_at__gte=_start_of(day))
                .order_by("-created_at").first())
    return Suggestion(code, holding.pk, holding.product.name, detail, usable, blocked, text,
                      compose_url(customer.pk, code, holding.pk, usable), sent)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _wanted(task) -> list[tuple[str, int]]:
    """(kind, holding id) of the messages a worklist task's maintenance reasons call for: one per
    holding and kind, and a holding at its take-profit or stop-loss line not also for its NAV move."""
    wanted: dict[tuple[str, int], None] = {}
    for r in task.reasons.all():
        if r.code in MAINTENANCE_CODES and (r.ref or "").startswith("holding:"):
            try:
                wanted[(r.code, int(r.ref.split(":", 1)[1]))] = None
            except ValueError:
                continue
    limited = {pk for code, pk in wanted if code != "nav_move"}  # a line reached says more than the move
    return [(code, pk) for code, pk in wanted if code != "nav_move" or pk not in limited]


class CardSuggestions:
    """The suggested messages of a page of worklist cards (each card's `maintenance`), read
    together the first time a card asks: the holdings every card's reasons name in one query,
    today's messages of those kinds to those customers in one more, and each template once per
    kind, channel and branch — a manager's day may carry a dozen stop-losses of one fund."""

    def __init__(self, *, actor) -> None:
        self.actor = actor
        self.tasks: list = []
        self.by_task: dict[int, list[Suggestion]] | None = None

    def add(self, task) -> None:
        self.tasks.append(task)
        self.by_task = None

    def of(self, task) -> list[Suggestion]:
        if self.by_task is None:
            self.by_task = self._read()
        return self.by_task.get(task.pk, [])

    def _read(self) -> dict[int, list[Suggestion]]:
        from banyan.messaging.models import Message

        wanted = {task.pk: _wanted(task) for task in self.tasks}
        ids = {pk for pairs in wanted.values() for _code, pk in pairs}
        if not ids:
            return {}
        holdings = {h.pk: h for h in Holding.objects.filter(pk__in=ids).select_related("product")}
        customers = {task.customer_id for task in self.tasks if wanted[task.pk]}
        codes = {code for pairs in wanted.values() for code, _pk in pairs}
        day = clock.today()
        sent: dict[tuple[int, str], object] = {}
        for message in (Message.objects.filter(customer_id__in=customers, template_code__in=codes,
                                               created_at__gte=_start_of(day)).order_by("-created_at")):
            sent.setdefault((message.customer_id, message.template_code), message)  # the latest
        templates: dict = {}
        out = {}
        for task in self.tasks:
            out[task.pk] = [suggest(task.customer, code, holdings[pk], actor=self.actor, channel=task.suggested_channel,
                                    today=day, templates=templates, sent=sent.get((task.customer_id, code)))
                            for code, pk in wanted[task.pk]
                            if pk in holdings and holdings[pk].customer_id == task.customer_id]
        return out


def suggestions_for_customer(customer, *, actor, today: dt.date | None = None) -> list[Suggestion]:
    """The customer file's: each holding at its take-profit or stop-loss line now, and each whose
    product's NAV moved by the bank's threshold (the worklist's) within NAV_MOVE_DAYS."""
    from banyan.segments.models import SegmentPolicy

    day = today or clock.today()
    rows = list(Holding.objects.filter(customer_id=customer.pk, status=HoldingStatus.ACTIVE,
                                       product__type__in=NAV_TYPES).select_related("product").order_by("pk"))
    found: list[tuple[str, Holding]] = []
    for h in rows:
        change = limit_change(h)
        if change is None:
            continue
        if h.take_profit_pct is not None and change >= h.take_profit_pct:
            found.append(("take_profit", h))
        elif h.stop_loss_pct is not None and change <= -h.stop_loss_pct:
            found.append(("stop_loss", h))
    threshold = SegmentPolicy.current().nav_move_pct
    limited = {h.pk for _c, h in found}
    for h in rows:
        moved = nav_move(h.product_id, day)
        if h.pk not in limited and moved is not None and (day - moved[0]).days <= NAV_MOVE_DAYS \
                and abs(moved[1]) >= threshold:
            found.append(("nav_move", h))
    return [suggest(customer, code, h, actor=actor, today=day) for code, h in found]
