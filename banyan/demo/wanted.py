"""The demo bank's needs that come back (issue 16 §4, seed 002: "we don't have it" is not "the
customer doesn't need it"). A few customers of 张敏 and 李华 asked months ago for gold coins the
bank did not sell — memos naming the product type precious_metal, and one opportunity 李华 lost for
want of the product; this morning the bank puts a panda gold coin on sale, so the first list shows
them again (reason wanted_product) with the coin named. A gold product added later (the products
feed, `banyan products`…) brings them back once more while the memos stay open.

Deterministic (its own `random.Random` from the demo's seed); written through the services, then
dated into the past."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from banyan.contacts.models import Memo, Opportunity
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.contacts.services import memo_create
from banyan.customers.models import Customer
from banyan.holdings.models import Product
from banyan.holdings.services import product_create
from banyan.org.models import Staff

ASKED = ("客户想收藏熊猫金币，我行暂未代理；上线后第一时间告诉客户",
         "客户问能否买纪念金币送孙子，我行暂无此产品，有了再联系",
         "客户想配置一点实物贵金属（金币），我行暂无，已记下")
COIN = ("PM-PANDA27", "熊猫金币（2027版）")


def _at(today: dt.date, days_ago: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(15, 0)))


def make_wanted_products(seed: int, today: dt.date) -> str:
    """Create the needs and put the coin on sale today; return the line the builder logs."""
    rng = random.Random(seed + 16)
    staff = {s.username: s for s in Staff.objects.filter(username__in=["zhangmin", "lihua"])}
    if len(staff) < 2 or Product.objects.filter(code=COIN[0]).exists():
        return "wanted products: none (not the demo's 城东 team, or built already)"
    reachable = Customer.objects.filter(do_not_disturb=False, consent_phone=True, last_contact_at__isnull=False)
    asked = 0
    for manager, count in ((staff["zhangmin"], 3), (staff["lihua"], 2)):
        pool = list(reachable.filter(rm=manager).order_by("-aum", "pk")[5:40])
        for customer in rng.sample(pool, min(count, len(pool))):
            memo = memo_create(actor=manager, customer=customer, text=rng.choice(ASKED),
                               due_date=today + dt.timedelta(days=rng.randint(45, 90)), product_type="precious_metal")
            Memo.objects.filter(pk=memo.pk).update(created_at=_at(today, rng.randint(60, 120)))
            asked += 1
    # 李华 lost a sale of gold coins for want of the product
    pool = list(reachable.filter(rm=staff["lihua"]).order_by("-aum", "pk")[40:80])
    if pool:
        customer = rng.choice(pool)
        opp = opportunity_create(actor=staff["lihua"], customer=customer, need="想每月定投一枚金币，给孩子攒嫁妆",
                                 source="call", product_type="precious_metal",
                                 due_date=today + dt.timedelta(days=1))
        opportunity_stage(actor=staff["lihua"], opportunity=opp, stage="lost", reason="我行暂无金币产品",
                          no_product=True)
        Opportunity.objects.filter(pk=opp.pk).update(opened_at=_at(today, 80), lost_at=_at(today, 75),
                                                     due_date=today - dt.timedelta(days=75))
        asked += 1
    product_create(actor=None, code=COIN[0], name=COIN[1], type="precious_metal", risk_level="R2",
                   issuer="中国人民银行")  # on sale from today: they come back on this morning's lists
    return f"wanted products: {asked} customers asked for gold coins; {COIN[1]} on sale today"
