"""The small bank of the review's tests, computed by hand: see test_figures.py for its figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from banyan.contacts.models import Interaction, Opportunity
from banyan.holdings.models import AumSnapshot, Holding, Transaction
from banyan.kpis.tests.month_fixtures import october  # noqa: F401 (the workbook's and the monthly report's month)
from banyan.org.models import Role
from banyan.org.services import staff_create, staff_move
from banyan.worklists.models import Task


def at(day: str, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour)))


def task(manager, day: str, customer, status: str, interaction=None) -> Task:
    return Task.objects.create(manager=manager, date=dt.date.fromisoformat(day), customer=customer, rank=1,
                               priority=1, suggested_channel="phone", status=status, interaction=interaction)


def contact(staff, customer, day: str, *, channel="phone", outcome="reached", new_info="", minutes=0, hour=10):
    return Interaction.objects.create(customer=customer, staff=staff, channel=channel, occurred_at=at(day, hour),
                                      outcome=outcome, new_info=new_info, minutes=minutes, purpose="care")


def snap(customer, day: str, rm, aum: str, quadrant: str, completeness: int = 50) -> None:
    AumSnapshot.objects.create(customer=customer, date=dt.date.fromisoformat(day), rm=rm, branch=customer.branch,
                               aum=Decimal(aum), quadrant=quadrant, completeness=completeness)


@pytest.fixture
def small(bank, make_customer):
    """zhangmin (rm_a) and lihua (rm_b) in B01, wangfang (rm_c) in B02, and zhoujie, who works at
    B01 until 31 Oct and at B02 from 1 Nov. c4 goes from zhangmin to lihua on 20 Oct."""
    a, b, c = bank.rm_a, bank.rm_b, bank.rm_c
    mover = staff_create(actor=None, username="zhoujie", password="x", role=Role.RM, branch=bank.b1,
                         full_name="周杰", check_password=False)
    c1 = make_customer(a, name="钱一")
    c2 = make_customer(a, name="钱二")
    c3 = make_customer(b, name="孙三")
    c4 = make_customer(b, name="李四")  # handed over on 20 Oct: zhangmin's at the start, lihua's at the end
    c5 = make_customer(c, name="周五")
    c6 = make_customer(a, name="吴六", account_opened_on=dt.date(2026, 10, 18))  # new in the period
    walk_in = make_customer(b, name="郑七")  # the mover's customers are the branch's, served in passing

    # month-end snapshots: 30 Sep (the start's) and 31 Oct (the end's: the last on or before 14 Nov)
    snap(c1, "2026-09-30", a, "100000", "low_low", 40)
    snap(c2, "2026-09-30", a, "600000", "high_low", 50)
    snap(c4, "2026-09-30", a, "200000", "low_high", 30)
    snap(c3, "2026-09-30", b, "300000", "low_high", 70)
    snap(c5, "2026-09-30", c, "50000", "low_low", 10)
    snap(c1, "2026-10-31", a, "100000", "low_low", 60)
    snap(c2, "2026-10-31", a, "400000", "low_low", 50)
    snap(c6, "2026-10-31", a, "10000", "low_low", 20)
    snap(c3, "2026-10-31", b, "300000", "low_high", 70)
    snap(c4, "2026-10-31", b, "600000", "high_high", 45)
    snap(c5, "2026-10-31", c, "55000", "low_low", 10)

    # zhangmin's lists: 4 planned (2 superseded/moved are carried, 2 outside), 3 done, 2 reached
    i1 = contact(a, c1, "2026-10-15", minutes=5, new_info="孩子明年高考")
    i2 = contact(a, c2, "2026-10-16", outcome="not_reached", minutes=1)
    i3 = contact(a, c1, "2026-11-14", channel="visit", new_info="打算换房")
    task(a, "2026-10-14", c2, "done", contact(a, c2, "2026-10-14", new_info="在他行有理财"))  # before
    task(a, "2026-10-15", c1, "done", i1)
    task(a, "2026-10-16", c2, "done", i2)
    task(a, "2026-10-31", c2, "skipped")
    task(a, "2026-11-01", c1, "superseded")
    task(a, "2026-11-02", c2, "moved")
    task(a, "2026-11-03", c6, "suppressed")
    task(a, "2026-11-14", c1, "done", i3)
    task(a, "2026-11-15", c1, "done", contact(a, c1, "2026-11-15"))  # after
    contact(a, c1, "2026-10-20", channel="sms", outcome="")  # a one-way SMS: a contact, not a real one
    contact(a, c6, "2026-10-22", minutes=3)  # the new customer's first contact, 4 days after opening

    # the mover: a reached task in each branch
    task(mover, "2026-10-20", walk_in, "done", contact(mover, walk_in, "2026-10-20"))
    staff_move(actor=None, staff=mover, branch=bank.b2, on=dt.date(2026, 11, 1))
    task(mover, "2026-11-05", c5, "done", contact(mover, c5, "2026-11-05", new_info="准备退休"))

    # opportunities: one opened and won in the period, one lost in it, one open past its date at the end
    Opportunity.objects.create(customer=c1, owner=a, created_by=a, source="call", need="定投",
                               due_date=dt.date(2026, 11, 30),
                               opened_at=at("2026-10-20"), won_at=at("2026-11-05"), stage="won")
    Opportunity.objects.create(customer=c2, owner=a, created_by=a, source="call", need="保险",
                               due_date=dt.date(2026, 10, 1),
                               opened_at=at("2026-09-01"), lost_at=at("2026-10-25"), stage="lost")
    Opportunity.objects.create(customer=c2, owner=a, created_by=a, source="call", need="理财",
                               due_date=dt.date(2026, 10, 30),
                               opened_at=at("2026-10-01"), stage="open")
    # sales: one in the period, one after it
    Holding.objects.create(customer=c1, product=bank.products.fund, amount=Decimal("100000"),
                           current_value=Decimal("100000"), purchase_date=dt.date(2026, 10, 22), sold_by=a)
    Holding.objects.create(customer=c1, product=bank.products.wealth, amount=Decimal("50000"),
                           current_value=Decimal("50000"), purchase_date=dt.date(2026, 11, 20), sold_by=a)
    # money in and out of c1's accounts: 50,000 in and 10,000 out in the period, 999 after
    for n, (day, amount) in enumerate([("2026-10-20", "50000"), ("2026-11-10", "-10000"), ("2026-11-20", "999")]):
        Transaction.objects.create(customer=c1, external_id=f"T{n}", occurred_on=dt.date.fromisoformat(day),
                                   amount=Decimal(amount))
    return bank, mover


