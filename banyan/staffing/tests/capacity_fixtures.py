"""A small branch whose capacity figures are computed by hand (tests of issue 16 §8).

The month is November 2026 (the tests' today is 2026-11-23): 21 working days (30 days, 9 weekend
days, no holiday). The segment policy's frequencies are chosen for round figures: high/high every
8 days (30.4 ÷ 8 = 3.8 contacts a month), low assets/high potential 16 (1.9), high assets/low
potential 38 (0.8), low/low 76 (0.4).

B01 has three managers, each able to make 1 contact a day → 21 a month:

zhangmin (张敏), 11 customers:
  两高甲 high/high, priority        3.8
  两高乙 high/high                  3.8
  潜力丙 low/high                   1.9
  约定丁 high/low, agreed every 2 days → 30.4 ÷ 2 = 15.2 (not 0.8)
  低低一…低低五 low/low ×5           5 × 0.4 = 2.0   (AUM 10k … 50k)
  到期戊 high/low, maturities only: a time deposit maturing 2026-11-30 → 1 (one maturing in 2027: 0)
  新客己 no segment, nothing agreed → 0
  needed 27.7, load 27.7 ÷ 21 = 1.319 → over
lihua (李华): 1 low/low → 0.4, load 0.019
zhouqiang (周强, planner): 5 high/low → 4.0, load 0.190

The proposal, greedy, lowest value first, to the manager with the most room (lihua, 20.6) until
she is full: zhangmin's 5 low/low (2.0), 潜力丙 (1.9) and 约定丁 (15.2, low/high before high/low)
— zhangmin at 8.6 (0.410), lihua at 19.5 (0.929), zhouqiang untouched at 4.0 (0.190). 两高甲
(priority) and 两高乙 (high/high, not needed) stay.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from banyan import clock
from banyan.conftest import PASSWORD
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create
from banyan.org.models import Role, Staff
from banyan.org.services import staff_create
from banyan.segments.models import CustomerSegment, SegmentPolicy


def _segment(customer, quadrant: str, *, priority: bool = False) -> None:
    days = SegmentPolicy.current().frequency_days(quadrant)
    CustomerSegment.objects.create(customer=customer, quadrant=quadrant, frequency_days=days, is_priority=priority,
                                   potential_score=50, value_rank=1, orientation="value", computed_at=clock.now())


@pytest.fixture
def capbook(bank, make_customer):
    SegmentPolicy.objects.all().delete()
    SegmentPolicy.objects.create(days_high_high=8, days_low_high=16, days_high_low=38, days_low_low=76)
    planner = staff_create(actor=None, username="zhouqiang", password=PASSWORD, role=Role.PLANNER, branch=bank.b1,
                           full_name="周强", daily_capacity=1, check_password=False)
    Staff.objects.filter(pk__in=[bank.rm_a.pk, bank.rm_b.pk, bank.rm_c.pk]).update(daily_capacity=1)
    a = bank.rm_a
    c = SimpleNamespace()
    c.vip = make_customer(a, name="两高甲")
    _segment(c.vip, "high_high", priority=True)
    c.hh = make_customer(a, name="两高乙")
    _segment(c.hh, "high_high")
    c.lh = make_customer(a, name="潜力丙")
    _segment(c.lh, "low_high")
    c.agreed = make_customer(a, name="约定丁", agreed_contact_days=2)
    _segment(c.agreed, "high_low")
    c.lowlow = []
    for i, name in enumerate(["低低一", "低低二", "低低三", "低低四", "低低五"], start=1):
        customer = make_customer(a, name=name)
        _segment(customer, "low_low")
        Customer.objects.filter(pk=customer.pk).update(aum=Decimal(10000 * i))
        c.lowlow.append(customer)
    c.maturity = make_customer(a, name="到期戊", contact_maturities_only=True)
    _segment(c.maturity, "high_low")
    holding_create(actor=None, customer=c.maturity, product=bank.products.deposit, amount="600000",
                   purchase_date="2023-11-30", maturity_date=dt.date(2026, 11, 30))
    holding_create(actor=None, customer=c.maturity, product=bank.products.deposit, amount="100000",
                   purchase_date="2024-01-15", maturity_date=dt.date(2027, 1, 15))
    c.new = make_customer(a, name="新客己")
    c.theirs = make_customer(bank.rm_b, name="李的低低")
    _segment(c.theirs, "low_low")
    c.planners = []
    for i in range(5):
        customer = make_customer(planner, name=f"规划{'一二三四五'[i]}")
        _segment(customer, "high_low")
        c.planners.append(customer)
    c.other_branch = make_customer(bank.rm_c, name="城西客户")
    _segment(c.other_branch, "high_high")
    return SimpleNamespace(bank=bank, planner=planner, customers=c)
