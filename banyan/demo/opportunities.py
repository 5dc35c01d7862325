"""The demo bank's sales opportunities (销售机会, issue 11 §5 and §7): opened from the contacts where
the customer was interested, in every stage for every manager — the recent ones still being worked
(a few past their date, so that 今日工作 shows opportunity_due on the first morning), the older ones
won (naming the sale that followed) or lost with the reason.

Deterministic: its own `random.Random`, seeded from the demo's seed, so that the rest of the demo
bank is the same with or without it; rows inserted in bulk as the builder does, with what
`opportunity_create` and `opportunity_stage` would write."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from banyan.contacts.models import Interaction, Opportunity, OpportunitySource, OpportunityStage
from banyan.customers.models import Channel, Customer
from banyan.holdings.models import Holding, Product

S = OpportunityStage

#: What an interested contact was about (a phrase of its summary) → the need, the product code
#: in view, and the share of the customer's AUM it could bring.
NEEDS = (
    ("稳享理财180天", "定期到期资金，想转稳享理财180天", "WM-180", 0.25),
    ("止盈", "基金部分止盈后的资金，想找稳健的去处", "WM-365", 0.15),
    ("积存金", "积存金定投，先了解手续费", "PM-GOLD", 0.05),
    ("教育金", "给孩子准备教育金", "IN-ANN", 0.10),
    ("黄金走势", "关注黄金，想配置一部分实物金条", "PM-BAR", 0.05),
    ("亲子财商", "孩子的教育储蓄规划", "IN-ANN", 0.08),
)
LOST_REASONS = (
    "客户选择了他行利率更高的产品",
    "资金另有安排（准备买房首付）",
    "客户觉得收益不够理想，暂不考虑",
    "家人意见不一致，先放一放",
    "对净值波动有顾虑，还是放定期",
    "锁定期太长，客户要保持流动性",
)
#: Per manager: the recent interests still being worked (the first two past their date, the next
#: one due today, the rest to come), and the older ones closed — taken month by month, so that
#: every month of the review's history (banyan.demo.review_history) has some opened, won and lost.
RECENT_DAYS = 30
OLDEST_DAYS = 300
RECENT_PER_MANAGER = 10
CLOSED_PER_MANAGER = 14
OVERDUE_PER_MANAGER = 2
OPEN_CYCLE = (S.OPEN, S.CONTACTED, S.PROPOSED, S.OPEN, S.CONTACTED)


def _level(code: str) -> int:
    return int(code[1:]) if code and code[1:].isdigit() else 0


def _need(summary: str) -> tuple[str, str | None, float]:
    for phrase, need, code, share in NEEDS:
        if phrase in summary:
            return need, code, share
    return summary[:200], None, 0.1


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _amount(rng: random.Random, aum: Decimal, share: float) -> Decimal:
    """A round amount the customer might bring: a share of the AUM, in 万, at least 1 万."""
    wan = max(1, round(float(aum or 0) * share * rng.uniform(0.6, 1.4) / 10_000))
    return Decimal(wan * 10_000)


def make_opportunities(seed: int, today: dt.date, customers: list[Customer], interactions: list[Interaction],
                       holdings: list[Holding]) -> list[Opportunity]:
    """The opportunities of the demo bank (unsaved), from its saved contacts and holdings."""
    rng = random.Random(f"banyan-demo-opportunities-{seed}")
    by_id = {c.pk: c for c in customers}
    products = {p.code: p for p in Product.objects.all()}
    sales: dict[int, list[Holding]] = defaultdict(list)
    for h in holdings:
        sales[h.customer_id].append(h)
    mine: dict[int, list[Interaction]] = defaultdict(list)
    for i in interactions:
        c = by_id.get(i.customer_id)
        age = (today - i.occurred_at.date()).days
        if i.outcome == "interested" and c is not None and c.rm_id and 0 < age <= OLDEST_DAYS:
            mine[c.rm_id].append(i)
    taken: set[int] = set()
    seen: set[int] = set()  # one opportunity per customer and contact day
    out: list[Opportunity] = []
    for manager_id in sorted(mine):
        contacts = sorted(mine[manager_id], key=lambda i: (i.occurred_at, i.pk), reverse=True)
        recent = [i for i in contacts if (today - i.occurred_at.date()).days <= RECENT_DAYS][:RECENT_PER_MANAGER]
        older = _month_by_month([i for i in contacts if i not in recent], CLOSED_PER_MANAGER)
        # A small book too has some still open (up to one per open stage) and some closed: an older
        # interest still open, or a recent one already decided.
        total = len(recent) + len(older)
        want_open, want_closed = min(3, (total + 1) // 2), min(2, total // 2)
        while len(recent) < want_open and older:
            recent.append(older.pop(0))
        while len(older) < want_closed and len(recent) > want_open:
            older.insert(0, recent.pop())
        for n, i in enumerate(recent):
            o = _opportunity(rng, i, by_id[i.customer_id], products, seen)
            if o is None:
                continue
            d = i.occurred_at.date()
            if n < OVERDUE_PER_MANAGER:
                o.due_date = max(d + dt.timedelta(days=1), today - dt.timedelta(days=rng.randint(2, 9)))
            elif n == OVERDUE_PER_MANAGER:
                o.due_date = today
            else:
                o.due_date = today + dt.timedelta(days=rng.randint(3, 28))
            o.stage = OPEN_CYCLE[n % len(OPEN_CYCLE)]
            _reach(rng, o, d, today)
            out.append(o)
        won = lost_count = 0
        for i in older:
            o = _opportunity(rng, i, by_id[i.customer_id], products, seen)
            if o is None:
                continue
            d = i.occurred_at.date()
            o.due_date = d + dt.timedelta(days=rng.randint(7, 21))
            sale = next((h for h in sorted(sales[i.customer_id], key=lambda h: (h.purchase_date, h.pk))
                         if d <= h.purchase_date < today and h.pk not in taken and h.product.type not in
                         ("loan", "credit_card", "demand_deposit")), None)
            if sale is not None and won <= lost_count:  # about as many won as lost, where a sale followed
                won += 1
                taken.add(sale.pk)
                o.stage, o.holding, o.product = S.WON, sale, sale.product
                o.product_type, o.expected_amount = sale.product.type, sale.amount.quantize(Decimal(1))
                o.won_at = _moment(sale.purchase_date, 15)
                _reach(rng, o, d, sale.purchase_date, proposed=True)
            else:
                lost_count += 1
                o.stage, o.lost_reason = S.LOST, rng.choice(LOST_REASONS)
                lost = min(today - dt.timedelta(days=1), d + dt.timedelta(days=rng.randint(5, 30)))
                o.lost_at = _moment(lost, 16)
                _reach(rng, o, d, lost)
            out.append(o)
    return out


def _month_by_month(contacts: list[Interaction], count: int) -> list[Interaction]:
    """Up to `count` of the contacts (newest first), taken in turns from each month — the newest
    of each month first — rather than the newest `count`, which would all fall in the last weeks."""
    months: dict[tuple[int, int], list[Interaction]] = defaultdict(list)
    for i in contacts:
        months[(i.occurred_at.year, i.occurred_at.month)].append(i)
    queues = [months[m] for m in sorted(months, reverse=True)]
    out: list[Interaction] = []
    while len(out) < count and any(queues):
        for queue in queues:
            if queue and len(out) < count:
                out.append(queue.pop(0))
    return sorted(out, key=lambda i: (i.occurred_at, i.pk), reverse=True)


def _opportunity(rng: random.Random, i: Interaction, c: Customer, products: dict[str, Product],
                 seen: set) -> Opportunity | None:
    key = (c.pk, i.occurred_at.date())
    if key in seen:
        return None
    seen.add(key)
    need, code, share = _need(i.summary)
    product = products.get(code) if code else None
    if product is not None and _level(product.risk_level) > _level(c.risk_level or "C0"):
        product = None  # above what the customer may buy: the need is kept, the product not chosen yet
    source = OpportunitySource.EVENT if i.channel == Channel.EVENT else (
        OpportunitySource.WALK_IN if i.channel == Channel.BRANCH else OpportunitySource.CALL)
    kind = product.type if product is not None else (products[code].type if code in products else "")
    return Opportunity(customer_id=c.pk, owner_id=c.rm_id, created_by_id=i.staff_id, source=source, interaction=i,
                       need=need, product=product, product_type=kind, expected_amount=_amount(rng, c.aum, share),
                       opened_at=i.occurred_at)


def _reach(rng: random.Random, o: Opportunity, first: dt.date, last: dt.date, *, proposed: bool = False) -> None:
    """The moments of the stages passed on the way, between the contact and `last`."""
    span = max(0, (last - first).days)
    if o.stage in (S.CONTACTED, S.PROPOSED, S.WON, S.LOST) and span:
        o.contacted_at = _moment(first + dt.timedelta(days=min(span, rng.randint(1, 4))), 10)
    if (o.stage == S.PROPOSED or proposed) and span > 1:
        o.proposed_at = _moment(first + dt.timedelta(days=min(span, rng.randint(2, 7))), 11)
        if o.contacted_at and o.proposed_at < o.contacted_at:
            o.proposed_at = o.contacted_at
    if o.stage == S.PROPOSED and o.proposed_at is None:
        o.proposed_at = o.contacted_at or o.opened_at
