# ruff: noqa: F811 (the capbook fixture, imported, is a test's argument)
"""Capacity planning (issue 16 §8): the figures of a hand-computed book (capacity_fixtures.py),
the managers over 100 %, the proposals and their acceptance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from banyan.calendars import workdays
from banyan.customers.models import Customer
from banyan.staffing.capacity import capacity
from banyan.staffing.tests.capacity_fixtures import capbook  # noqa: F401 (a fixture)
from banyan.worklists.models import HolidayOverride
from banyan.worklists.services import holiday_overrides_load

pytestmark = pytest.mark.django_db


def _rows(cap):
    return {r.staff.username: r for r in cap.managers}


def test_the_figures_of_a_hand_computed_book(capbook, django_assert_max_num_queries):
    bank = capbook.bank
    with django_assert_max_num_queries(8):
        cap = capacity(bank.b1)
    assert cap.month == dt.date(2026, 11, 1) and cap.working_days == 21
    rows = _rows(cap)
    assert list(rows) == ["lihua", "zhangmin", "zhouqiang"]  # wangfang is of B02
    a = rows["zhangmin"]
    assert a.book == 11
    assert a.by_quadrant == {"high_high": 2, "high_low": 2, "low_high": 1, "low_low": 5, "none": 1}
    assert (a.agreed, a.maturities_only, a.maturity_contacts) == (1, 1, 1)
    # 3.8 + 3.8 + 1.9 + 15.2 (agreed every 2 days, not the segment's 38) + 5 × 0.4 + 1 maturity
    assert a.needed == Decimal("27.7")
    assert a.capacity == 21
    assert a.load == Decimal("1.319") and a.over
    assert (rows["lihua"].needed, rows["lihua"].load, rows["lihua"].over) == (Decimal("0.4"), Decimal("0.019"), False)
    assert (rows["zhouqiang"].needed, rows["zhouqiang"].load) == (Decimal("4.0"), Decimal("0.190"))


def test_a_manager_reads_only_his_own_row(capbook):
    cap = capacity(capbook.bank.b1, manager_id=capbook.bank.rm_b.pk)
    assert [r.staff.username for r in cap.managers] == ["lihua"] and cap.proposals == []


def test_the_month_follows_the_banks_calendar(capbook):
    """A holiday entered in the bank's table takes a working day off the month's capacity."""
    HolidayOverride.objects.create(date=dt.date(2026, 11, 20), is_working_day=False, name="行庆")
    holiday_overrides_load()  # as the holiday settings page does after a change
    try:
        cap = capacity(capbook.bank.b1)
        assert cap.working_days == 20 and _rows(cap)["zhangmin"].capacity == 20
    finally:
        HolidayOverride.objects.all().delete()
        workdays.clear_overrides()
    assert capacity(capbook.bank.b1, today=dt.date(2026, 10, 15)).working_days == 18  # 国庆节 off, a 调休 Saturday on


def test_the_proposal_brings_the_manager_under_100_and_keeps_the_takers_under(capbook):
    c = capbook.customers
    cap = capacity(capbook.bank.b1)
    moves = {p.key: sorted(x.id for x in p.customers) for p in cap.proposals}
    assert moves == {"zhangmin-lihua": sorted([x.pk for x in c.lowlow] + [c.lh.pk, c.agreed.pk])}
    rows = _rows(cap)
    assert rows["zhangmin"].load_after == Decimal("0.410")
    assert rows["lihua"].load_after == Decimal("0.929")  # filled first: the most room
    assert rows["zhouqiang"].load_after == Decimal("0.190")
    assert all(r.load_after <= 1 for r in rows.values())
    assert cap.unrelieved == []
    # never a priority customer, never one contacted only before maturities
    assert c.vip.pk not in cap.customer_ids() and c.maturity.pk not in cap.customer_ids()


def test_a_customer_who_fits_nowhere_stays_and_the_next_one_goes(capbook):
    """lihua's one customer agreed to a call every 2 days: her room is 5.8. zhouqiang (17.0) is
    filled first — the 5 low/low (2.0) and 潜力丙 (1.9): 13.1 left; 约定丁 (15.2) fits nobody and
    stays; 两高乙 (high/high, 3.8) goes instead, and zhangmin is at 20.0 (0.952)."""
    bank, c = capbook.bank, capbook.customers
    Customer.objects.filter(pk=c.theirs.pk).update(agreed_contact_days=2)
    cap = capacity(bank.b1)
    rows = _rows(cap)
    assert rows["lihua"].needed == Decimal("15.2") and rows["lihua"].room == Decimal("5.8")
    moves = {p.key: sorted(x.id for x in p.customers) for p in cap.proposals}
    assert moves == {"zhangmin-zhouqiang": sorted([x.pk for x in c.lowlow] + [c.lh.pk, c.hh.pk])}
    assert (rows["zhangmin"].load_after, rows["zhouqiang"].load_after, rows["lihua"].load_after) \
        == (Decimal("0.952"), Decimal("0.557"), Decimal("0.724"))
    assert cap.unrelieved == []


def test_a_giver_nobody_can_relieve_stays_over(capbook):
    from banyan.org.models import Staff

    Staff.objects.filter(username__in=["lihua", "zhouqiang"]).update(daily_capacity=0)
    cap = capacity(capbook.bank.b1)
    # the two with no capacity at all are over too (a book and no time for it), the most over first
    assert cap.proposals == [] and [r.staff.username for r in cap.unrelieved] == ["zhangmin", "zhouqiang", "lihua"]
    assert _rows(cap)["lihua"].load is None and _rows(cap)["lihua"].over  # no capacity: no load


def test_accepting_moves_the_customers_once(capbook):
    from banyan.staffing.capacity_services import capacity_accept

    bank, c = capbook.bank, capbook.customers
    ids = [x.pk for x in c.lowlow] + [c.lh.pk]
    first = capacity_accept(actor=bank.head, branch=bank.b1, from_rm=bank.rm_a, to_rm=bank.rm_b, customer_ids=ids)
    assert sorted(first["moved"]) == sorted(ids) and first["skipped"] == []
    assert set(Customer.objects.filter(pk__in=ids).values_list("rm_id", flat=True)) == {bank.rm_b.pk}
    again = capacity_accept(actor=bank.head, branch=bank.b1, from_rm=bank.rm_a, to_rm=bank.rm_b, customer_ids=ids)
    assert again["moved"] == [] and sorted(again["skipped"]) == sorted(ids)
    from banyan.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="customers.reassigned").count() == 1
    cap = capacity(bank.b1)
    assert _rows(cap)["zhangmin"].needed == Decimal("23.8")
