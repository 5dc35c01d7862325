import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer, CustomerRelation
from banyan.customers.services import (
    book_hand_over,
    customer_assign,
    customer_create,
    customer_reveal,
    customer_update,
    relation_add,
)


def test_birth_date_and_gender_come_from_the_id_card(bank):
    # The seed's birthday call starts from the ID card: the birthday is read from the number.
    customer = customer_create(actor=bank.rm_a, external_id="C1", name="曾晓明", rm=bank.rm_a,
                               id_number=make_resident_id("440104", dt.date(1978, 8, 30), 123))
    assert customer.birth_date == dt.date(1978, 8, 30)
    assert customer.gender == "M"
    assert customer.name_pinyin == "zengxiaoming" and customer.name_initials == "zxm"
    assert customer.branch == bank.b1


def test_a_wrong_checksum_is_refused_with_the_field_named_and_nothing_written(bank):
    good = make_resident_id("440104", dt.date(1978, 8, 30), 123)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as e:
        customer_create(actor=bank.rm_a, external_id="C1", name="王芳", rm=bank.rm_a, id_number=bad,
                        mobile="13812345678")
    assert "id_number" in e.value.message_dict
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action="customer.created").exists()


def test_every_bad_field_is_reported_at_once(bank):
    with pytest.raises(ValidationError) as e:
        customer_create(actor=bank.rm_a, external_id="C1", name="王芳", rm=bank.rm_a,
                        mobile="12345", birth_date="1985-13-40", other_bank_assets="八十万")
    fields = e.value.message_dict
    assert "mobile" in fields or "birth_date" in fields or "other_bank_assets" in fields


def test_a_birth_date_that_contradicts_the_id_is_refused(bank):
    with pytest.raises(ValidationError) as e:
        customer_create(actor=bank.rm_a, external_id="C1", name="王芳", rm=bank.rm_a,
                        id_number=make_resident_id("440104", dt.date(1978, 8, 30), 124),
                        birth_date=dt.date(1979, 1, 1))
    assert "birth_date" in e.value.message_dict


def test_completeness_names_what_to_ask_next(make_customer):
    thin = make_customer()
    rich = make_customer(name="李娜", address="杭州市西湖区文三路1号", employer="浙江大学", occupation="教师",
                         education="master", marital_status="married", children="女儿 8岁 学军小学",
                         interests="瑜伽、茶艺", preferred_channel="wechat", preferred_time="工作日晚上",
                         risk_level="C3", other_bank_assets="300000", wedding_anniversary=dt.date(2010, 10, 1))
    assert rich.completeness == 100
    assert thin.completeness < 30


def test_an_update_is_audited_with_what_changed_and_numbers_masked(bank, make_customer):
    customer = make_customer()
    customer_update(actor=bank.rm_a, customer=customer, employer="浙江大学", mobile="13900001111")
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.after == {"employer": "浙江大学", "mobile": "139****1111"}
    assert "13900001111" not in str(event.before) + str(event.after)
    customer.refresh_from_db()
    assert customer.mobile_tail == "1111"


def test_a_reveal_is_audited(bank, make_customer):
    customer = make_customer()
    assert customer_reveal(actor=bank.rm_a, customer=customer, field="mobile") == customer.mobile
    assert AuditEvent.objects.filter(action="customer.revealed", customer_id=customer.pk, actor=bank.rm_a).exists()
    with pytest.raises(ValidationError):
        customer_reveal(actor=bank.rm_a, customer=customer, field="address")


def test_assignment_moves_a_customer_to_another_book_and_branch(bank, make_customer):
    customer = make_customer(bank.rm_a)
    customer_assign(actor=bank.head, customer=customer, rm=bank.rm_c)
    customer.refresh_from_db()
    assert customer.rm == bank.rm_c and customer.branch == bank.b2
    event = AuditEvent.objects.get(action="customer.assigned", customer_id=customer.pk)
    assert event.before["rm"] == bank.rm_a.pk and event.after["rm"] == bank.rm_c.pk


def test_a_customer_cannot_be_given_to_someone_without_a_book(bank, make_customer):
    customer = make_customer(bank.rm_a)
    with pytest.raises(ValidationError):
        customer_assign(actor=bank.head, customer=customer, rm=bank.auditor)


def test_a_leaving_managers_whole_book_is_handed_over_and_each_file_says_so(bank, make_customer):
    ids = [make_customer(bank.rm_a, name=n).pk for n in ("王一", "王二", "王三")]
    other = make_customer(bank.rm_b, name="李四")
    moved = book_hand_over(actor=bank.head, from_rm=bank.rm_a, to_rm=bank.rm_b)
    assert moved == 3
    assert set(Customer.objects.filter(rm=bank.rm_b).values_list("pk", flat=True)) == set(ids) | {other.pk}
    # one event for the hand-over (not one per customer), which each customer's file still finds
    from banyan.audit.selectors import events_about_customer
    from banyan.contacts.selectors import timeline

    event = AuditEvent.objects.get(action="book.handed_over")
    assert event.data == {"count": 3} and AuditEvent.objects.filter(action="customer.assigned").count() == 0
    for pk in ids:
        assert list(events_about_customer(pk).filter(action="book.handed_over")) == [event]
        assert event in [e.obj for e in timeline(Customer.objects.get(pk=pk)) if e.kind == "change"]
    assert not events_about_customer(other.pk).filter(action="book.handed_over").exists()


def test_what_the_leaving_manager_still_had_to_do_goes_with_the_book(bank, make_customer):
    from banyan import clock
    from banyan.contacts.models import Appointment, Opportunity
    from banyan.contacts.opportunities import opportunity_create, opportunity_stage
    from banyan.contacts.services import appointment_create
    from banyan.outreach.models import CallEntry
    from banyan.outreach.services import call_outcome_record, campaign_create
    from banyan.worklists.models import Task, TaskStatus
    from banyan.worklists.services import task_complete, worklists_build

    today = clock.today()
    wang = make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", today.replace(year=1966), 11))
    li = make_customer(bank.rm_a, name="李秀英", male=False,
                       id_number=make_resident_id("330106", today.replace(year=1980), 12))
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])  # both birthdays on rm_a's list
    done = Task.objects.get(customer=li, date=today)
    task_complete(actor=bank.rm_a, task=done, outcome="reached", summary="已祝福")
    meeting, _guidance = appointment_create(actor=bank.rm_a, customer=wang, at=f"{today + dt.timedelta(days=3)} 10:00",
                                            place="城东支行", purpose="到期转存")
    campaign = campaign_create(actor=bank.rm_a, name="理财到期邀约", purpose="到期转存",
                               start_date=today, end_date=today + dt.timedelta(days=14), customer_ids=[wang.pk, li.pk])
    call_outcome_record(actor=bank.rm_a, entry=CallEntry.objects.get(campaign=campaign, customer=li),
                        outcome="refused", reason="资金另有安排")
    lead = opportunity_create(actor=bank.rm_a, customer=wang, need="到期资金想买稳健理财", source="call")
    lost = opportunity_create(actor=bank.rm_a, customer=li, need="基金定投", source="call")
    opportunity_stage(actor=bank.rm_a, opportunity=lost, stage="lost", reason="客户暂不考虑")

    book_hand_over(actor=bank.head, from_rm=bank.rm_a, to_rm=bank.rm_b)

    # the open task, the meeting to come and the call still to make are the new manager's
    assert Task.objects.get(customer=wang, date=today).manager == bank.rm_b
    assert Appointment.objects.get(pk=meeting.pk).staff == bank.rm_b
    assert CallEntry.objects.get(campaign=campaign, customer=wang).manager == bank.rm_b
    assert Opportunity.objects.get(pk=lead.pk).owner == bank.rm_b  # an open sales opportunity too
    # what was done stays with who did it
    assert Task.objects.get(pk=done.pk).manager == bank.rm_a and Task.objects.get(pk=done.pk).status == TaskStatus.DONE
    assert CallEntry.objects.get(campaign=campaign, customer=li).manager == bank.rm_a
    assert Opportunity.objects.get(pk=lost.pk).owner == bank.rm_a
    event = AuditEvent.objects.get(action="book.handed_over")
    assert (event.after["tasks"], event.after["appointments"], event.after["calls"],
            event.after["opportunities"]) == (1, 1, 1, 1)


def test_one_customer_reassigned_takes_the_open_task_along(bank, make_customer):
    from banyan import clock
    from banyan.worklists.models import Task
    from banyan.worklists.services import worklists_build

    today = clock.today()
    wang = make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", today.replace(year=1966), 11))
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])
    customer_assign(actor=bank.head, customer=wang, rm=bank.rm_b)
    assert Task.objects.get(customer=wang, date=today).manager == bank.rm_b


def test_relations_link_customers_and_not_themselves(bank, make_customer):
    husband, wife = make_customer(name="王强"), make_customer(name="刘芳", male=False)
    relation_add(actor=bank.rm_a, customer=husband, other=wife, kind="family", note="配偶")
    assert CustomerRelation.objects.get().note == "配偶"
    with pytest.raises(ValidationError):
        relation_add(actor=bank.rm_a, customer=husband, other=husband, kind="friend")
