"""Issue 4's rules: who is on a call list, what a call leaves behind, appointments and the funnel."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from banyan import clock
from banyan.contacts.models import Appointment, Interaction
from banyan.contacts.services import interaction_log
from banyan.customers.identity import make_resident_id
from banyan.holdings.services import holding_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.outreach.models import CallLog, Script
from banyan.outreach.services import (
    call_entry_mark,
    call_outcome_record,
    campaign_create,
    funnel,
    objection_win_rates,
)
from banyan.worklists.models import Task
from banyan.worklists.services import task_complete, worklists_build

START, END = "2026-11-23", "2026-12-20"


@pytest.fixture
def book(bank, make_customer):
    rich = make_customer(bank.rm_a, name="赵强")
    holding_create(actor=bank.rm_a, customer=rich, product=bank.products.deposit, amount="600000",
                   purchase_date="2024-01-01", maturity_date="2026-12-05")
    for day in (3, 10, 17):
        interaction_log(actor=bank.rm_a, customer=rich, channel="phone", occurred_at=f"2026-11-{day:02d}T10:00")
    return {
        "rich_called_thrice": rich,
        "quiet": make_customer(bank.rm_a, name="周敏", do_not_disturb=True),
        "no_phone": make_customer(bank.rm_a, name="吴刚", consent_phone=False),
        "ok": make_customer(bank.rm_a, name="郑华"),
        "ok2": make_customer(bank.rm_a, name="冯雪"),
        "other_book": make_customer(bank.rm_b, name="李娜"),
    }


def _campaign(bank, book, **kw):
    ids = [c.pk for key, c in book.items() if key != "other_book"]
    return campaign_create(actor=bank.rm_a, name="年末存款到期邀约", purpose="邀请到期客户来网点做资产检视",
                           start_date=START, end_date=END, customer_ids=kw.pop("ids", ids), **kw)


def test_the_call_list_keeps_the_rules_and_says_who_was_left_out_and_why(bank, book):
    campaign = _campaign(bank, book)
    listed = set(campaign.entries.values_list("customer_id", flat=True))
    assert listed == {book["ok"].pk, book["ok2"].pk}
    left_out = dict(campaign.exclusions.values_list("customer_id", "rule"))
    assert left_out == {book["quiet"].pk: "do_not_disturb", book["no_phone"].pk: "no_phone_consent",
                        book["rich_called_thrice"].pk: "monthly_call_cap"}


def test_a_customer_already_in_another_active_campaign_is_left_out(bank, book):
    _campaign(bank, book, ids=[book["ok"].pk])
    second = _campaign(bank, book, ids=[book["ok"].pk, book["ok2"].pk])
    assert dict(second.exclusions.values_list("customer_id", "rule")) == {book["ok"].pk: "other_campaign"}


def test_a_filter_builds_the_list_from_the_book_only(bank, book):
    campaign = campaign_create(actor=bank.rm_a, name="定期到期", purpose="到期邀约", start_date=START, end_date=END,
                               filter={"holds": "time_deposit", "maturity_within_days": 30})
    assert list(campaign.entries.values_list("customer_id", flat=True)) == []
    assert list(campaign.exclusions.values_list("rule", flat=True)) == ["monthly_call_cap"]
    with pytest.raises(ValidationError):
        campaign_create(actor=bank.rm_a, name="x", purpose="", start_date=START, end_date=END, filter={"colour": 1})
    with pytest.raises(ValidationError):  # another manager's customer is "unknown"
        _campaign(bank, book, ids=[book["other_book"].pk])


def test_every_outcome_is_a_contact_and_refusals_keep_their_reason(bank, book):
    campaign = _campaign(bank, book)
    entry = campaign.entries.get(customer=book["ok"])
    call_outcome_record(actor=bank.rm_a, entry=entry, outcome="refused", reason="资金另有安排",
                        objection="not_interested")
    contact = Interaction.objects.get(customer=book["ok"])
    assert contact.channel == "phone" and contact.outcome == "refused" and contact.rejection_reason == "资金另有安排"
    entry.refresh_from_db()
    assert entry.status == "refused" and entry.attempts == 1 and entry.reached
    assert objection_win_rates() == [{"objection": "not_interested", "calls": 1, "won": 0, "rate": 0}]


def test_call_me_later_without_a_time_is_the_next_working_day_at_the_same_hour(bank, book):
    # on Friday 2026-11-27 the next working day is Monday 11-30
    campaign = _campaign(bank, book)
    entry = campaign.entries.get(customer=book["ok"])
    with clock.frozen(dt.date(2026, 11, 27)):
        call_outcome_record(actor=bank.rm_a, entry=entry, outcome="call_back")
    entry.refresh_from_db()
    called, back = timezone.localtime(entry.last_called_at), timezone.localtime(entry.call_back_at)
    assert entry.status == "call_back" and back.date() == dt.date(2026, 11, 30)
    assert (back.hour, back.minute) == (called.hour, called.minute)
    assert Interaction.objects.get(customer=book["ok"]).next_contact_on == dt.date(2026, 11, 30)


def test_an_appointment_with_fewer_than_two_contacts_comes_with_guidance_and_returns_on_the_worklist(bank, book):
    campaign = _campaign(bank, book)
    entry = campaign.entries.get(customer=book["ok2"])
    _log, guidance = call_outcome_record(actor=bank.rm_a, entry=entry, outcome="appointment",
                                         appointment_at="2026-11-26T10:00", place="城东支行二楼理财室")
    assert len(guidance) == 1  # this call is the only contact so far: seed 004 wants two first
    appointment = Appointment.objects.get(customer=book["ok2"])
    assert appointment.campaign_id == campaign.pk
    day = dt.date(2026, 11, 25)  # the confirmation call the day before
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[bank.rm_a.pk])
    task = Task.objects.get(date=day, customer=book["ok2"])
    assert [r.code for r in task.reasons.all()] == ["appointment"]
    with pytest.raises(ValidationError):
        call_outcome_record(actor=bank.rm_a, entry=entry, outcome="appointment")  # no time


def test_the_funnel_counts_each_step(bank, book):
    campaign = _campaign(bank, book)
    ok, ok2 = campaign.entries.get(customer=book["ok"]), campaign.entries.get(customer=book["ok2"])
    call_outcome_record(actor=bank.rm_a, entry=ok, outcome="not_reached")
    call_outcome_record(actor=bank.rm_a, entry=ok2, outcome="appointment", appointment_at="2026-11-27T15:00",
                        place="城东支行")
    call_entry_mark(actor=bank.rm_a, entry=ok2, sold=True)
    assert funnel(campaign) == {"listed": 2, "called": 2, "reached": 1, "interested": 1, "appointment": 1,
                                "visited": 1, "sold": 1}
    assert CallLog.objects.count() == 2


@pytest.mark.django_db
def test_the_script_library_holds_seed_004s_objection_steps():
    delay = Script.objects.get(objection="delay", branch=None)
    assert [s["step"] for s in delay.steps] == ["empathise", "ask", "clarify", "restate", "confirm"]
    assert "我可以了解您现在的想法" in delay.steps[0]["text"]
    assert set(Script.objects.filter(kind="objection").values_list("objection", flat=True)) == {
        "delay", "not_interested", "distrust", "misunderstanding", "unmet_need"}


def test_the_campaign_api_behaves_as_written(bank, book, client):
    me, other = ApiCaller(client, bank.rm_a), ApiCaller(client, bank.rm_b)
    ids = [c.pk for key, c in book.items() if key != "other_book"]
    created = me.post("/campaigns", {"name": "年末邀约", "purpose": "资产检视", "start_date": START,
                                     "end_date": END, "customer_ids": ids})
    assert created.status_code == 201
    cid = created.json()["id"]
    calls = me.get(f"/campaigns/{cid}/calls").json()
    assert {i["customer_id"] for i in calls["items"]} == {book["ok"].pk, book["ok2"].pk}
    assert {"customer_id": book["quiet"].pk, "rule": "do_not_disturb"} in calls["excluded"]
    answer = me.post(f"/campaigns/{cid}/calls/{book['ok'].pk}/outcome", {"outcome": "interested", "note": "想了解理财"})
    assert answer.status_code == 201 and answer.json()["status"] == "interested"
    assert Interaction.objects.filter(customer=book["ok"], outcome="interested").exists()
    assert me.get(f"/campaigns/{cid}/funnel").json()["interested"] == 1
    assert_error(other.get(f"/campaigns/{cid}/calls"), 404, "not_found")
    assert_error(other.post(f"/campaigns/{cid}/calls/{book['ok'].pk}/outcome", {"outcome": "refused"}), 404,
                 "not_found")
    assert_error(me.post(f"/campaigns/{cid}/calls/{book['other_book'].pk}/outcome", {"outcome": "refused"}), 404,
                 "not_found")
    assert_error(me.post("/campaigns", {"name": "x", "start_date": "2026-12-01", "end_date": "2026-11-01",
                                        "customer_ids": ids}), 422, "invalid")


def test_appointments_through_the_api_and_another_manager_gets_404(bank, book, client):
    me, other = ApiCaller(client, bank.rm_a), ApiCaller(client, bank.rm_b)
    born = make_resident_id("330106", dt.date(1970, 1, 1), 3)
    assert born
    made = me.post(f"/customers/{book['ok'].pk}/appointments", {"at": "2026-11-27T10:00:00+08:00",
                                                                 "place": "城东支行", "purpose": "资产检视"})
    assert made.status_code == 201 and made.json()["guidance"]
    assert [a["customer_id"] for a in me.get("/appointments").json()] == [book["ok"].pk]
    assert_error(other.post(f"/customers/{book['ok'].pk}/appointments", {"at": "2026-11-27T10:00:00+08:00",
                                                                          "place": "x"}), 404, "not_found")


def test_daily_calling_progress_counts_calls_and_minutes_against_the_target(bank, book, make_customer):
    from banyan.outreach.models import CallTarget
    from banyan.outreach.selectors import call_target, calling_progress

    assert call_target(bank.rm_a) == (20, 120)
    CallTarget.objects.create(manager=None, calls_per_day=25, minutes_per_day=90)
    CallTarget.objects.create(manager=bank.rm_a, calls_per_day=15, minutes_per_day=60)
    assert call_target(bank.rm_a) == (15, 60) and call_target(bank.rm_b) == (25, 90)
    campaign = _campaign(bank, book)
    call_outcome_record(actor=bank.rm_a, entry=campaign.entries.get(customer=book["ok"]), outcome="interested",
                        minutes=7)
    today = clock.today()
    progress = calling_progress([bank.rm_a, bank.rm_b], today, today)
    assert progress[bank.rm_a.pk][today] == {"calls": 1, "minutes": 7}
    assert progress[bank.rm_b.pk] == {}
    # the worklist's and the file's calls count too, with their minutes; a visit is not a call
    book["ok"].refresh_from_db()
    interaction_log(actor=bank.rm_a, customer=book["ok"], channel="phone", outcome="reached", minutes=12)
    interaction_log(actor=bank.rm_a, customer=book["ok"], channel="visit", outcome="reached", minutes=30)
    birthday = make_customer(bank.rm_a, name="冯雪", id_number=make_resident_id("330106", dt.date(1985, 11, 23), 9))
    worklists_build(manager_ids=[bank.rm_a.pk])
    task_complete(actor=bank.rm_a, task=Task.objects.get(customer=birthday, date=today), outcome="reached",
                  channel="phone", minutes=5)
    assert calling_progress([bank.rm_a], today, today)[bank.rm_a.pk][today] == {"calls": 3, "minutes": 24}
