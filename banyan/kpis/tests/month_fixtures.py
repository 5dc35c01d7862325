"""A month of work in the small bank of banyan/conftest.py, for the workbook's and the monthly
report's tests: October 2026 (today is 2026-11-23), with planned, done and reached tasks, calls
with minutes and new information, a sale with fen, a second manager with nothing planned (a rate of
None: an empty cell), and a manager in the other branch. The figures themselves are the review's
(banyan.kpis.figures); these tests check that the workbook and the report carry them unchanged."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from banyan.holdings.models import AumSnapshot, Holding
from banyan.holdings.services import holding_create
from banyan.kpis.periods import Period
from banyan.worklists.models import Task, TaskStatus

OCTOBER = Period.of("month", dt.date(2026, 10, 1))


def _task(manager, customer, day: dt.date, status: str, interaction=None, rank: int = 1) -> Task:
    return Task.objects.create(manager=manager, date=day, customer=customer, rank=rank, priority=50,
                               suggested_channel="phone", status=status, interaction=interaction)


@pytest.fixture
def october(bank, make_customer):
    from banyan.contacts.services import interaction_log

    a1 = make_customer(bank.rm_a, name="欧阳明")
    a2 = make_customer(bank.rm_a, name="周晓红", male=False)
    a3 = make_customer(bank.rm_a, name="吴国强")
    c1 = make_customer(bank.rm_c, name="郑海燕", male=False)
    reached = interaction_log(actor=bank.rm_a, customer=a1, channel="phone", outcome="reached", minutes=12,
                              occurred_at="2026-10-12T10:00", new_info="孩子明年出国留学，需要换汇")
    missed = interaction_log(actor=bank.rm_a, customer=a2, channel="phone", outcome="not_reached", minutes=1,
                             occurred_at="2026-10-13T10:00")
    interaction_log(actor=bank.rm_a, customer=a3, channel="visit", outcome="reached", occurred_at="2026-10-20T15:00",
                    new_info="在他行有一笔定期三月到期")
    interaction_log(actor=bank.rm_c, customer=c1, channel="phone", outcome="reached", minutes=5,
                    occurred_at="2026-10-09T11:00")
    _task(bank.rm_a, a1, dt.date(2026, 10, 12), TaskStatus.DONE, reached)
    _task(bank.rm_a, a2, dt.date(2026, 10, 13), TaskStatus.DONE, missed)
    _task(bank.rm_a, a3, dt.date(2026, 10, 14), TaskStatus.OPEN)
    _task(bank.rm_c, c1, dt.date(2026, 10, 9), TaskStatus.DONE, None)
    sale = holding_create(actor=bank.rm_a, customer=a1, product=bank.products.wealth, amount="123456.78",
                          purchase_date="2026-10-15")
    Holding.objects.filter(pk=sale.pk).update(sold_by=bank.rm_a)
    # the month-end snapshots the nightly job takes: the book at the start and at the end
    for day, quadrants in ((dt.date(2026, 9, 30), ("low_high", "high_low", "low_low", "low_low")),
                           (dt.date(2026, 10, 31), ("high_high", "high_low", "low_low", "low_low"))):
        for customer, quadrant, aum in zip((a1, a2, a3, c1), quadrants, ("80000.50", "600000", "1000", "2500.25"),
                                           strict=True):
            AumSnapshot.objects.create(customer=customer, date=day, aum=aum, rm=customer.rm, branch=customer.branch,
                                       quadrant=quadrant, completeness=50)
    return SimpleNamespace(period=OCTOBER, customers=[a1, a2, a3, c1])
