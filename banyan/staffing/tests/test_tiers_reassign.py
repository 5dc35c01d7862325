"""customers_reassign (issue 16 §7, §8): chosen customers of several managers move to one manager
through the existing hand-over — their open work follows them, one audit event names them, a
double submit moves them once, and bad input moves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.audit.selectors import events_about_customer
from banyan.contacts.models import Appointment, Opportunity
from banyan.contacts.opportunities import opportunity_create
from banyan.contacts.selectors import timeline
from banyan.contacts.services import appointment_create
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.customers.services import customers_reassign
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.services import worklists_build


def test_customers_of_two_managers_move_with_their_open_work_and_one_audit_event(bank, make_customer):
    today = clock.today()
    wang = make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", today.replace(year=1966), 11))
    li = make_customer(bank.rm_a, name="李秀英", male=False)
    zhou = make_customer(bank.rm_b, name="周强")
    stays = make_customer(bank.rm_a, name="钱多多")
    Customer.objects.filter(pk=li.pk).update(assistant=bank.assistant)
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])  # wang's birthday is on rm_a's list today
    meeting, _g = appointment_create(actor=bank.rm_a, customer=li, at=f"{today + dt.timedelta(days=3)} 10:00",
                                     place="城东支行", purpose="到期转存")
    lead = opportunity_create(actor=bank.rm_b, customer=zhou, need="稳健理财", source="call")

    result = customers_reassign(actor=bank.head, customer_ids=[wang.pk, li.pk, zhou.pk], to_rm=bank.rm_b,
                                reason="tier")
    # (zhou already is lihua's: skipped, not moved twice)
    assert result["customers"] == 2 and result["skipped"] == 1
    assert set(Customer.objects.filter(rm=bank.rm_b).values_list("pk", flat=True)) == {wang.pk, li.pk, zhou.pk}
    assert Customer.objects.get(pk=stays.pk).rm == bank.rm_a
    assert Customer.objects.get(pk=li.pk).assistant is None  # the old manager's assistant lets go
    assert Task.objects.get(customer=wang, date=today, status=TaskStatus.OPEN).manager == bank.rm_b
    assert Appointment.objects.get(pk=meeting.pk).staff == bank.rm_b
    assert Opportunity.objects.get(pk=lead.pk).owner == bank.rm_b
    event = AuditEvent.objects.get(action="customers.reassigned")
    assert event.data == {"count": 2, "reason": "tier"}
    assert (event.after["tasks"], event.after["appointments"]) == (1, 1)
    for c in (wang, li):
        assert list(events_about_customer(c.pk).filter(action="customers.reassigned")) == [event]
        assert event in [e.obj for e in timeline(c) if e.kind == "change"]
    assert not events_about_customer(zhou.pk).filter(action="customers.reassigned").exists()


def test_a_second_identical_request_moves_nothing_and_writes_no_event(bank, make_customer):
    ids = [make_customer(bank.rm_a, name=n).pk for n in ("王一", "王二")]
    assert customers_reassign(actor=bank.head, customer_ids=ids, to_rm=bank.rm_b)["customers"] == 2
    again = customers_reassign(actor=bank.head, customer_ids=ids, to_rm=bank.rm_b)
    assert again["customers"] == 0 and again["skipped"] == 2
    assert AuditEvent.objects.filter(action="customers.reassigned").count() == 1


@pytest.mark.parametrize("case", ["unknown_customer", "other_branch_customer", "other_branch_manager",
                                  "assistant_as_manager", "no_customers", "manager_as_actor"])
def test_bad_input_is_refused_at_its_field_and_nothing_moves(bank, make_customer, case):
    mine = make_customer(bank.rm_a, name="王一")
    theirs = make_customer(bank.rm_c, name="丙客户")
    actor, ids, to_rm, field = bank.head, [mine.pk], bank.rm_b, "customer_ids"
    if case == "unknown_customer":
        ids = [mine.pk, 2_000_000_000]
    elif case == "other_branch_customer":
        ids = [mine.pk, theirs.pk]
    elif case == "other_branch_manager":
        to_rm, field = bank.rm_c, "to_rm"
    elif case == "assistant_as_manager":
        to_rm, field = bank.assistant, "to_rm"
    elif case == "no_customers":
        ids = []
    elif case == "manager_as_actor":
        actor, field = bank.rm_a, "to_rm"
    with pytest.raises(ValidationError) as e:
        customers_reassign(actor=actor, customer_ids=ids, to_rm=to_rm, reason="")
    assert field in e.value.message_dict
    assert Customer.objects.get(pk=mine.pk).rm == bank.rm_a and Customer.objects.get(pk=theirs.pk).rm == bank.rm_c
    assert not AuditEvent.objects.filter(action="customers.reassigned").exists()


def test_an_out_of_reach_customer_is_refused_like_an_unknown_one(bank, make_customer):
    theirs = make_customer(bank.rm_c, name="丙客户")
    messages = []
    for cid in (theirs.pk, 2_000_000_000):
        with pytest.raises(ValidationError) as e:
            customers_reassign(actor=bank.head, customer_ids=[cid], to_rm=bank.rm_b)
        messages.append(e.value.message_dict["customer_ids"][0].replace(str(cid), "#"))
    assert messages[0] == messages[1]
