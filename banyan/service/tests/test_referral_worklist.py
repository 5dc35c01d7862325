"""Referrals on the worklist (SVC-2): the referred prospect is a first-contact task (reason
`referral`) on the receiving manager's list, and the conversion puts a thank-you
(`referral_thanks`) on the list of the referring customer's manager — each until the customer is
contacted after it."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan import clock
from banyan.contacts.services import interaction_log
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.segments.models import SegmentPolicy
from banyan.service.referral_services import (
    referral_accept,
    referral_account_opened,
    referral_create,
)
from banyan.worklists.models import TaskReason
from banyan.worklists.services import reason_rules, worklists_build
from banyan.worklists.triggers import Window, referral_thanks, referrals

pytestmark = pytest.mark.django_db


def _window(day: dt.date, manager_ids=None) -> Window:
    return Window(first=day, last=day, rules=reason_rules(), policy=SegmentPolicy.current(), manager_ids=manager_ids)


def _reasons(manager, day, code):
    return list(TaskReason.objects.filter(task__manager=manager, task__date=day, code=code)
                .values_list("customer_id", "args"))


def test_a_referred_prospect_is_a_first_contact_task_on_the_receivers_list(bank, make_customer):
    referrer = make_customer(bank.rm_a, name="王建国")
    r = referral_create(actor=bank.rm_a, to="lihua", need="想了解大额存单", referrer_customer=referrer,
                        prospect={"name": "刘芳", "mobile": "13912345678", "consent_phone": True})
    today = clock.today()
    worklists_build(day=today, manager_ids=[bank.rm_b.pk, bank.rm_a.pk])
    found = _reasons(bank.rm_b, today, "referral")
    assert [cid for cid, _args in found] == [r.customer_id]
    assert "王建国" in found[0][1] and "想了解大额存单" in found[0][1]
    assert not _reasons(bank.rm_a, today, "referral")  # not on the sender's list
    # contacted: no longer a first contact
    referral_accept(actor=bank.rm_b, referral=r)
    interaction_log(actor=bank.rm_b, customer=r.customer, channel="phone", outcome="reached", summary="初次联系")
    assert not [x for x in referrals(_window(today + dt.timedelta(days=1))) if x.customer_id == r.customer_id]


def test_a_handoff_is_not_on_the_receivers_worklist(bank, make_customer):
    planner = staff_create(actor=None, username="liping", password="x", role=Role.PLANNER, branch=bank.b1,
                           full_name="李萍", check_password=False)
    customer = make_customer(bank.rm_a)
    referral_create(actor=bank.rm_a, to=planner, need="养老规划", customer=customer)
    assert not referrals(_window(clock.today()))


def test_the_conversion_thanks_the_referrer_on_their_managers_list(bank, make_customer):
    referrer = make_customer(bank.rm_a, name="王建国")
    r = referral_create(actor=bank.rm_a, to="lihua", need="开户", referrer_customer=referrer,
                        prospect={"name": "刘芳", "mobile": "13912345678", "consent_phone": True})
    assert not referral_thanks(_window(clock.today()))  # not converted yet
    referral_accept(actor=bank.rm_b, referral=r)
    referral_account_opened(actor=bank.rm_b, referral=r)
    today = clock.today()
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])
    found = _reasons(bank.rm_a, today, "referral_thanks")
    assert [cid for cid, _args in found] == [referrer.pk]
    assert "刘芳" in found[0][1] and "customer" in found[0][1]
    # thanked (contacted after the conversion): gone from the next days
    interaction_log(actor=bank.rm_a, customer=referrer, channel="phone", outcome="reached", summary="致谢")
    assert not referral_thanks(_window(today + dt.timedelta(days=1)))
    # only on the referrer's manager's list
    assert not referral_thanks(_window(today, manager_ids=(bank.rm_b.pk,)))
