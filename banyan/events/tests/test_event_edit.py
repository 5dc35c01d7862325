"""Editing an event's plan after it was made (修改计划): the page and PATCH /api/v1/events/{id}, the
bank's rules — no edit once held, reviewed or cancelled; capacity not below the seats accepted; a
new time or place flags the invited guests to be told again; a manager's higher budget goes back
to the branch head — audited, and 404 for anyone who does not run the event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import Client, override_settings
from django.utils import timezone

from banyan import settings as banyan_settings
from banyan.audit.models import AuditEvent
from banyan.audit.selectors import ACTION_LABELS
from banyan.conftest import TODAY
from banyan.events import services
from banyan.events.models import Answer, EventStatus, Invitation
from banyan.org.services import api_token_issue
from banyan.transitions import Conflict

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _approved(bank, **kw):
    """zhangmin's salon next week, approved by the branch head: 30 seats, 3000 yuan."""
    kw.setdefault("capacity", 30)
    kw.setdefault("budget", "3000")
    event = services.event_create(actor=bank.rm_a, name="养老规划沙龙", type="salon", place="城东支行三楼",
                                  starts_at=_at(TODAY + dt.timedelta(days=7)), theme="养老金融", **kw)
    return services.event_approve(actor=bank.head, event=event)


@pytest.fixture
def guests(bank, make_customer):
    """Four of zhangmin's customers, invited by hand: two coming (one with a companion), one not,
    one who has not answered."""
    event = _approved(bank)
    people = [make_customer(bank.rm_a, name=n) for n in ("王建国", "李秀英", "陈志强", "赵丽")]
    invited, excluded = services.invitations_send(actor=bank.rm_a, event=event, channel="hand",
                                                  customer_ids=[p.pk for p in people])
    assert len(invited) == 4 and not excluded
    invs = {i.customer.name: i for i in Invitation.objects.filter(event=event).select_related("customer")}
    services.rsvp_record(invitation=invs["王建国"], answer="yes", guests=1, actor=bank.rm_a)
    services.rsvp_record(invitation=invs["李秀英"], answer="yes", actor=bank.rm_a)
    services.rsvp_record(invitation=invs["陈志强"], answer="no", actor=bank.rm_a)
    event.refresh_from_db()
    return event, invs


def _api(user):
    client, token = Client(), api_token_issue(staff=user)

    def patch(event_id, body):
        import json

        return client.patch(f"/api/v1/events/{event_id}", json.dumps(body), content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {token}")

    return patch


# ------------------------------------------------------------------ the service's rules

def test_the_organiser_changes_the_plan_and_the_change_is_audited_in_words(bank):
    event = _approved(bank, recurrence="once")
    event = services.event_update(actor=bank.rm_a, event=event, theme="税务与传承", type="lecture",
                                  method="讲座+问答", recurrence="monthly", budget="2500")
    event.refresh_from_db()
    assert (event.theme, event.type, event.method, event.recurrence) == ("税务与传承", "lecture", "讲座+问答",
                                                                         "monthly")
    assert event.budget == Decimal("2500.00") and event.status == EventStatus.APPROVED  # less money: no new approval
    audit = AuditEvent.objects.get(action="event.updated")
    assert audit.before["theme"] == "养老金融" and audit.after["theme"] == "税务与传承"
    assert "event.updated" in ACTION_LABELS and "event.guest_reinformed" in ACTION_LABELS
    # nothing changes: nothing is written
    services.event_update(actor=bank.rm_a, event=event, theme="税务与传承")
    assert AuditEvent.objects.filter(action="event.updated").count() == 1
    # refusals name their field and write nothing
    with pytest.raises(ValidationError) as refused:
        services.event_update(actor=bank.rm_a, event=event, place=" ", starts_at=_at(TODAY - dt.timedelta(days=1)),
                              colour="red")
    assert set(refused.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as refused:
        services.event_update(actor=bank.rm_a, event=event, place=" ", starts_at=_at(TODAY - dt.timedelta(days=1)))
    assert set(refused.value.message_dict) == {"place", "starts_at"}
    event.refresh_from_db()
    assert event.place == "城东支行三楼"


def test_a_held_reviewed_or_cancelled_event_is_not_edited(bank):
    event = _approved(bank)
    services.event_cancel(actor=bank.rm_a, event=event, reason="场地维修")
    with pytest.raises(Conflict):
        services.event_update(actor=bank.rm_a, event=event, theme="改了")
    held = _approved(bank)
    held.starts_at = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(0, 0)))
    held.ends_at = held.starts_at + dt.timedelta(minutes=1)
    held.save()
    services.event_close(actor=bank.rm_a, event=held)
    with pytest.raises(Conflict):
        services.event_update(actor=bank.head, event=held, capacity=50)
    assert AuditEvent.objects.filter(action="event.updated").count() == 0
    assert _api(bank.rm_a)(held.pk, {"theme": "改了"}).status_code == 409


def test_capacity_is_not_set_below_the_seats_accepted(bank, guests):
    event, _invs = guests  # 王建国 and a companion, 李秀英: three seats
    with pytest.raises(ValidationError) as refused:
        services.event_update(actor=bank.rm_a, event=event, capacity=2)
    words = refused.value.message_dict["capacity"][0]
    assert "3 个座位" in words and "容量不能低于" in words
    assert services.event_update(actor=bank.rm_a, event=event, capacity=3).capacity == 3
    assert services.event_update(actor=bank.rm_a, event=event, capacity=None).capacity is None  # no limit


def test_a_new_time_or_place_flags_the_guests_who_still_count_on_the_event(bank, guests, login):
    event, invs = guests
    event = services.event_update(actor=bank.rm_a, event=event, theme="养老金融与税务")
    assert event.reinform == 0 and event.moved_at is None  # not the time or the place
    start = _at(TODAY + dt.timedelta(days=8), hour=9)
    event = services.event_update(actor=bank.rm_a, event=event, starts_at=start, place="城东支行二楼贵宾室")
    assert event.reinform == 3  # the declined guest needs no news
    assert event.moved_at is not None and event.ends_at - event.starts_at == dt.timedelta(hours=2)  # same length
    flagged = set(Invitation.objects.filter(event=event, reinform=True).values_list("customer__name", flat=True))
    assert flagged == {"王建国", "李秀英", "赵丽"}
    assert AuditEvent.objects.filter(action="event.updated").order_by("-pk").first().after["guests_to_reinform"] == 3
    assert Invitation.objects.get(pk=invs["王建国"].pk).answer == Answer.ACCEPTED  # the answers stand

    client = login(bank.rm_a)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "时间地点已变更" in page and "您还有 3 位客户待告知" in page and page.count("data-reinform=") == 3
    told = client.post(f"/events/{event.pk}/action/", {"do": "reinformed", "customer_id": invs["赵丽"].customer_id})
    assert told.status_code == 302
    assert not Invitation.objects.get(pk=invs["赵丽"].pk).reinform
    assert AuditEvent.objects.filter(action="event.guest_reinformed").count() == 1
    with pytest.raises(Conflict):  # once
        services.invitation_reinformed(actor=bank.rm_a, invitation=Invitation.objects.get(pk=invs["赵丽"].pk))
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert "您还有 2 位客户待告知" in page
    # another manager's customers are not his to tick off
    other = login(bank.rm_b)
    assert other.post(f"/events/{event.pk}/action/", {"do": "reinformed",
                                                      "customer_id": invs["王建国"].customer_id}).status_code == 404


def test_a_managers_higher_budget_goes_back_to_the_branch_head_and_only_that(bank, guests):
    event, invs = guests
    token = services.rsvp_token(invs["赵丽"])
    event = services.event_update(actor=bank.rm_a, event=event, budget="2000")
    assert event.status == EventStatus.OPEN  # less money, same approval
    event = services.event_update(actor=bank.rm_a, event=event, budget="3500")
    assert event.status == EventStatus.DRAFT and event.approved_by is None
    with pytest.raises(services.RsvpRefused) as paused:  # the guest's link waits, it does not say "over"
        services.invitation_of_token(token)
    assert paused.value.reason == "paused"
    assert Client().get(f"/events/rsvp/{token}/").status_code == 409
    event = services.event_approve(actor=bank.head, event=event)
    assert event.status == EventStatus.OPEN  # invitations were out: open again
    assert services.invitation_of_token(token).pk == invs["赵丽"].pk
    # a group's amount per head going up counts too; the branch head's own edit stays approved
    event = services.event_update(actor=bank.rm_a, event=event, budget_per_group={"私行客户": "500"})
    assert event.status == EventStatus.DRAFT
    event = services.event_approve(actor=bank.head, event=event)
    event = services.event_update(actor=bank.head, event=event, budget="9000")
    assert event.status == EventStatus.OPEN


# ------------------------------------------------------------------ the page

def test_the_edit_page_for_the_organiser_and_the_branch_head_and_404_for_others(bank, guests, login):
    event, _invs = guests
    services.event_staff_add(actor=bank.rm_a, event=event, staff=bank.rm_b, role="inviter")
    for who in (bank.rm_a, bank.head):
        page = login(who).get(f"/events/{event.pk}/edit/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "修改计划" in body and "养老规划沙龙" in body and "已邀请 4 位客户" in body
    assert 'id="edit-plan"' in login(bank.rm_a).get(f"/events/{event.pk}/").content.decode()
    staff = login(bank.rm_b)  # sees the event (staff), does not run it
    assert 'id="edit-plan"' not in staff.get(f"/events/{event.pk}/").content.decode()
    assert staff.get(f"/events/{event.pk}/edit/").status_code == 404
    assert staff.post(f"/events/{event.pk}/edit/", {"name": "改了"}).status_code == 404
    assert login(bank.rm_c).get(f"/events/{event.pk}/edit/").status_code == 404  # another branch

    client = login(bank.rm_a)
    form = {"name": "养老规划沙龙", "type": "salon", "theme": "养老金融",
            "date": (TODAY + dt.timedelta(days=7)).isoformat(), "time": "14:30", "end_time": "16:30",
            "place": "城东支行三楼", "capacity": "2", "method": "",
            "recurrence": "once", "budget": "3000", "follow_up_days": "3", "review_days": "30"}
    refused = client.post(f"/events/{event.pk}/edit/", form)
    assert refused.status_code == 422 and "容量不能低于" in refused.content.decode()
    moved = client.post(f"/events/{event.pk}/edit/", {**form, "capacity": "40", "place": "城东支行二楼"},
                        follow=True)
    body = moved.content.decode()
    assert "时间地点已变更" in body and "计划已保存" in body
    event.refresh_from_db()
    assert event.capacity == 40 and event.place == "城东支行二楼" and event.status == EventStatus.OPEN
    services.event_cancel(actor=bank.rm_a, event=event, reason="台风")
    locked = client.get(f"/events/{event.pk}/edit/").content.decode()
    assert 'id="plan-locked"' in locked and 'id="event-edit-form"' not in locked


# ------------------------------------------------------------------ the API

def test_patch_changes_the_given_fields_with_errors_at_the_field_and_404_for_others(bank, guests):
    event, _invs = guests
    patch = _api(bank.rm_a)
    answer = patch(event.pk, {"place": "城东支行二楼", "capacity": None, "product_code": "F001"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["place"] == "城东支行二楼" and body["capacity"] is None and body["guests_to_reinform"] == 3
    assert body["moved_at"] and body["status_changed"] is False
    event.refresh_from_db()
    assert event.product.code == "F001"
    full = patch(event.pk, {"capacity": 2})
    assert full.status_code == 422 and "capacity" in full.json()["error"]["fields"]
    assert patch(event.pk, {"colour": "red"}).status_code == 422
    assert patch(event.pk, {"name": None}).status_code == 422  # left out, not null
    assert patch(event.pk, {"product_code": "NOPE"}).json()["error"]["fields"].keys() == {"product_code"}
    up = patch(event.pk, {"budget": "5000.00"})
    assert up.status_code == 200 and up.json()["status"] == "draft" and up.json()["status_changed"] is True
    invitations = Client().get(f"/api/v1/events/{event.pk}/invitations",
                               HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=bank.rm_a)}").json()
    assert sum(1 for i in invitations if i["reinform"]) == 3
    assert _api(bank.rm_c)(event.pk, {"theme": "x"}).status_code == 404
    assert _api(bank.rm_b)(event.pk, {"theme": "x"}).status_code == 404
    assert _api(bank.head)(event.pk, {"theme": "行长改的"}).status_code == 200


# ------------------------------------------------------------------ the setting

def test_the_follow_up_days_setting_is_the_default_of_a_new_plan_and_is_validated(bank, monkeypatch):
    with override_settings(BANYAN_EVENT_FOLLOW_UP_DAYS=5):
        assert _approved(bank).follow_up_days == 5
    assert _approved(bank).follow_up_days == 3
    for bad in ("31", "-1", "three"):
        monkeypatch.setenv("BANYAN_EVENT_FOLLOW_UP_DAYS", bad)
        with pytest.raises(ImproperlyConfigured, match="BANYAN_EVENT_FOLLOW_UP_DAYS"):
            banyan_settings._days("BANYAN_EVENT_FOLLOW_UP_DAYS", 3, most=30)
    monkeypatch.setenv("BANYAN_EVENT_FOLLOW_UP_DAYS", "7")
    assert banyan_settings._days("BANYAN_EVENT_FOLLOW_UP_DAYS", 3, most=30) == 7


def test_a_text_longer_than_its_field_is_refused_at_the_field_on_creation_and_edit(bank):
    """The forms show a counter (no maxlength that cuts): the server refuses, nothing is written."""
    with pytest.raises(ValidationError) as refused:
        services.event_create(actor=bank.rm_a, name="沙" * 101, type="salon", place="城东支行三楼",
                              starts_at=_at(TODAY + dt.timedelta(days=10)))
    assert "name" in refused.value.message_dict
    event = _approved(bank)
    with pytest.raises(ValidationError) as refused:
        services.event_update(actor=bank.rm_a, event=event, place="厅" * 201)
    assert "place" in refused.value.message_dict
    event.refresh_from_db()
    assert event.place == "城东支行三楼"
