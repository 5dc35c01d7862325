"""The demo bank's gifts (issue 16 §6; seeds 001, 003: flowers at a business opening, a gift handed
over at a visit). A small catalogue, each branch's monthly budget per quadrant, and gifts given this
month and last by the managers of every branch — on visits, delivered in person — one of them above
the per-customer limit and waiting for 城东's branch head.

Deterministic (its own `random.Random` from the demo's seed); written through the services (so each
gift is on a contact and audited), then dated into the past."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from banyan.contacts.models import Interaction
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.gifts.models import Gift, GiftItem, GiftStatus
from banyan.gifts.services import gift_budgets_set, gift_give, gift_item_save
from banyan.org.models import Branch, Role, Staff

CATALOGUE = (("鲜花花篮", "388.00"), ("定制台历", "35.00"), ("茶叶礼盒", "268.00"), ("生日蛋糕券", "128.00"),
             ("中秋月饼礼盒", "198.00"), ("儿童绘本套装", "89.00"))
#: Each branch's monthly budget per quadrant (yuan): the valuable customers get most of it.
BUDGETS = {"high_high": "3000.00", "high_low": "2000.00", "low_high": "1500.00", "low_low": "500.00",
           "none": "300.00"}
#: What was said at the visit, by gift.
OCCASIONS = {"鲜花花篮": "客户新店开业，登门送花篮道贺", "定制台历": "上门拜访，送上新年定制台历",
             "茶叶礼盒": "拜访客户，带了一盒茶叶，聊了孩子升学的事", "生日蛋糕券": "客户生日，上门送蛋糕券",
             "中秋月饼礼盒": "中秋前拜访，送月饼礼盒", "儿童绘本套装": "客户孩子上小学，送一套绘本"}


def make_gifts(seed: int, today: dt.date) -> str:
    """Create the catalogue, the budgets and the gifts; return the line the builder logs."""
    rng = random.Random(seed + 6)
    admin = Staff.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None or GiftItem.objects.exists():
        return "gifts: none (no administrator, or built already)"
    items = {name: gift_item_save(actor=admin, name=name, unit_cost=Decimal(cost)) for name, cost in CATALOGUE}
    for branch in Branch.objects.order_by("code"):
        gift_budgets_set(actor=admin, branch=branch, amounts=dict(BUDGETS))
    yesterday = today - dt.timedelta(days=1)
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    given = 0
    managers = Staff.objects.filter(role__in=[Role.RM, Role.PLANNER], is_active=True).order_by("username")
    cheap = [n for n, c in CATALOGUE if Decimal(c) < 300]
    for manager in managers:
        book = list(_giftable(manager).order_by("-aum", "pk")[:60])
        if not book:
            continue
        for customer in rng.sample(book, min(4, len(book))):
            # the history ends yesterday (the demo's rule: today's contacts are the managers' to make)
            month = rng.choice([last_month, this_month]) if yesterday >= this_month else last_month
            last_day = yesterday if month == this_month else this_month - dt.timedelta(days=1)
            day = month + dt.timedelta(days=rng.randint(0, (last_day - month).days))
            name = rng.choice(cheap)
            _give(manager, customer, items[name], quantity=1, day=day)
            given += 1
    # 张敏's valuable customer opens a new shop: flowers and a tea box — above the limit, waiting for 周建国
    pending = ""
    zhangmin = Staff.objects.filter(username="zhangmin").first()
    if zhangmin is not None:
        customer = _giftable(zhangmin).exclude(gifts__isnull=False).order_by("-aum", "pk").first()
        if customer is not None:
            _give(zhangmin, customer, items["鲜花花篮"], quantity=1, day=today - dt.timedelta(days=2))
            gift = _give(zhangmin, customer, items["茶叶礼盒"], quantity=1, day=yesterday)
            given += 2
            if gift.status == GiftStatus.PENDING:
                pending = f", one waiting for approval ({customer.name})"
    return f"gifts: a catalogue of {len(items)}, budgets for every branch, {given} gifts given{pending}"


def _giftable(manager):
    """The manager's customers a demo visit may go to: not those who referred someone (the visit
    would be the thank-you the demo's first morning still has on the list, seed 004)."""
    return Customer.objects.filter(rm=manager).exclude(referrals_made__isnull=False)


def _give(manager, customer, item, *, quantity: int, day: dt.date) -> Gift:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 30)))
    contact = interaction_log(actor=manager, customer=customer, channel="visit", outcome="reached", purpose="care",
                              summary=OCCASIONS[item.name], occurred_at=moment)
    gift = gift_give(actor=manager, customer=customer, item=item, quantity=quantity, interaction=contact,
                     given_on=day)
    Gift.objects.filter(pk=gift.pk).update(created_at=moment)
    Interaction.objects.filter(pk=contact.pk).update(created_at=moment)
    return gift
