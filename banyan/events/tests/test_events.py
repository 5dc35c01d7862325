"""Client events end to end (EVT-1..4): the plan and its approval, the invitation rules, the RSVP
link, capacity and the waiting list, check-in, follow-ups on the right days, the review's figures on
a small hand-computed event, and who sees what (another manager or branch: 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD, TODAY
from banyan.contacts.models import Interaction, Opportunity
from banyan.contacts.services import interaction_log
from banyan.events import selectors, services
from banyan.events.models import Answer, EventStatus, Invitation
from banyan.holdings.models import AumSnapshot
from banyan.holdings.services import holding_create
from banyan.messaging.models import Message
from banyan.org.services import api_token_issue
from banyan.outreach.services import campaign_create
from banyan.segments.models import SegmentPolicy
from banyan.worklists import triggers
from banyan.worklists.models import ReasonCode, Task, TaskReason
from banyan.worklists.reasons import DEFAULTS
from banyan.worklists.services import worklists_build

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 14) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 30)))


def _event(actor, *, day=TODAY + dt.timedelta(days=7), **kw):
    kw.setdefault("name", "2027年市场展望讲座")
    kw.setdefault("type", "lecture")
    kw.setdefault("place", "城东支行三楼")
    kw.setdefault("theme", "明年的资产配置")
    return services.event_create(actor=actor, starts_at=_at(day), **kw)


def _approved(bank, **kw):
    """An event of zhangmin's, approved by the branch head."""
    event = _event(bank.rm_a, **kw)
    return services.event_approve(actor=bank.head, event=event)


def _happened(event) -> None:
    """The event took place today, just after midnight (before the frozen clock's "now")."""
    event.starts_at = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(0, 0)))
    event.ends_at = event.starts_at + dt.timedelta(minutes=1)
    event.save()


def _api(client, user):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(staff=user)}"}


# ------------------------------------------------------------------ the plan

def test_a_managers_event_waits_for_the_branch_head_and_the_heads_own_is_approved_at_once(bank, make_customer):
    customer = make_customer(bank.rm_a, name="王建国")
    event = _event(bank.rm_a)
    assert event.status == EventStatus.DRAFT
    with pytest.raises(ValidationError):
        services.invitations_send(actor=bank.rm_a, event=event, channel="phone", customer_ids=[customer.pk])
    with pytest.raises(PermissionDenied):
        services.event_approve(actor=bank.rm_a, event=event)  # not the manager's to approve
    services.event_approve(actor=bank.head, event=event)
    assert event.status == EventStatus.APPROVED and event.approved_by == bank.head
    own = _event(bank.head, name="答谢宴")
    assert own.status == EventStatus.APPROVED


def test_the_api_plans_and_approves_an_event_with_errors_at_the_field(bank):
    client = Client()
    answer = client.post("/api/v1/events", {"name": "理财沙龙", "type": "salon", "starts_at": f"{TODAY}T10:00:00+08:00",
                                            "ends_at": f"{TODAY}T09:00:00+08:00", "place": "大堂"},
                         content_type="application/json", **_api(client, bank.rm_a))
    assert answer.status_code == 422 and "ends_at" in answer.json()["error"]["fields"]
    answer = client.post("/api/v1/events", {"name": "理财沙龙", "type": "salon", "starts_at": f"{TODAY}T10:00:00+08:00",
                                            "place": "大堂", "capacity": 30, "budget": "3000.00"},
                         content_type="application/json", **_api(client, bank.rm_a))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "draft" and body["budget"] == "3000.00"
    approve = client.post(f"/api/v1/events/{body['id']}/approve", **_api(client, bank.head))
    assert approve.status_code == 200 and approve.json()["status"] == "approved"
    again = client.post(f"/api/v1/events/{body['id']}/approve", **_api(client, bank.head))
    assert again.status_code == 409


# ------------------------------------------------------------------ invitation rules

def test_the_contact_rules_of_campaigns_leave_customers_out_each_with_its_rule(bank, make_customer):
    ok = make_customer(bank.rm_a, name="王建国")
    dnd = make_customer(bank.rm_a, name="李四", do_not_disturb=True)
    no_phone = make_customer(bank.rm_a, name="赵六", consent_phone=False)
    capped = make_customer(bank.rm_a, name="钱七")
    policy = SegmentPolicy.current()
    type(capped).objects.filter(pk=capped.pk).update(aum=policy.call_cap_aum)
    for _i in range(policy.call_cap_per_month):
        interaction_log(actor=bank.rm_a, customer=capped, channel="phone", outcome="reached")
    busy = make_customer(bank.rm_a, name="孙八")
    campaign_create(actor=bank.rm_a, name="到期邀约", purpose="续作", start_date=TODAY,
                    end_date=TODAY + dt.timedelta(days=14), customer_ids=[busy.pk])
    elsewhere = make_customer(bank.rm_a, name="周九")
    other = _approved(bank, name="另一场沙龙", day=TODAY + dt.timedelta(days=5))
    services.invitations_send(actor=bank.rm_a, event=other, channel="hand", customer_ids=[elsewhere.pk])
    event = _approved(bank)

    invited, excluded = services.invitations_send(
        actor=bank.rm_a, event=event, channel="phone",
        customer_ids=[ok.pk, dnd.pk, no_phone.pk, capped.pk, busy.pk, elsewhere.pk])

    assert invited == [ok.pk]
    assert dict(excluded) == {dnd.pk: "do_not_disturb", no_phone.pk: "no_phone_consent",
                              capped.pk: "monthly_call_cap", busy.pk: "other_campaign", elsewhere.pk: "other_event"}
    assert event.status == EventStatus.OPEN
    # a second round does not invite twice
    again, excluded = services.invitations_send(actor=bank.rm_a, event=event, channel="phone", customer_ids=[ok.pk])
    assert again == [] and dict(excluded) == {ok.pk: "already_invited"}
    # a letter needs no phone consent; do-not-disturb still holds
    invited, excluded = services.invitations_send(actor=bank.rm_a, event=event, channel="mail",
                                                  customer_ids=[no_phone.pk, dnd.pk])
    assert invited == [no_phone.pk] and dict(excluded) == {dnd.pk: "do_not_disturb"}


def test_an_event_promoting_a_product_leaves_out_who_may_not_buy_it(bank, make_customer):
    customer = make_customer(bank.rm_a, name="王建国")  # never assessed: may not buy a fund
    event = _approved(bank, product=bank.products.fund)
    invited, excluded = services.invitations_send(actor=bank.rm_a, event=event, channel="phone",
                                                  customer_ids=[customer.pk])
    assert invited == [] and dict(excluded) == {customer.pk: "no_assessment"}


def test_sms_invitations_go_to_the_outbox_with_a_personal_link_and_consent_applies(bank, make_customer):
    yes = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    no = make_customer(bank.rm_a, name="李秀英", male=False)
    event = _approved(bank)
    client = Client()
    answer = client.post(f"/api/v1/events/{event.pk}/invitations",
                         {"customer_ids": [yes.pk, no.pk], "channel": "sms"}, content_type="application/json",
                         **_api(client, bank.rm_a))
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"invited": [yes.pk], "excluded": [{"customer_id": no.pk, "rule": "no_sms_consent"}]}
    message = Message.objects.get(customer=yes)
    assert message.status == "queued" and message.template_code == "invitation"
    inv = Invitation.objects.get(event=event, customer=yes)
    assert inv.message_id == message.pk
    assert "/events/rsvp/" in message.body and "王先生" in message.body and "王建国" not in message.body
    # the yes on the public page queues the confirmation with the check-in code and the QR page's link
    page = Client().post(services.rsvp_path(inv), {"answer": "yes"})
    assert page.status_code == 200
    confirmation = Message.objects.get(customer=yes, template_code="appointment_confirmation")
    assert confirmation.status == "queued" and inv.code in confirmation.body and "/events/rsvp/" in confirmation.body


def test_another_manager_cannot_invite_a_customer_not_in_the_book(bank, make_customer):
    theirs = make_customer(bank.rm_b, name="李四")
    event = _approved(bank)
    with pytest.raises(ValidationError, match="customer_ids"):
        services.invitations_send(actor=bank.rm_a, event=event, channel="phone", customer_ids=[theirs.pk])


# ------------------------------------------------------------------ the RSVP link

def _invited(bank, make_customer, **kw):
    customer = make_customer(bank.rm_a, name="王建国", mobile="13812345678", **kw)
    event = _approved(bank)
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand", customer_ids=[customer.pk])
    return event, customer, Invitation.objects.get(event=event, customer=customer)


def test_the_public_rsvp_page_greets_by_surname_and_title_and_shows_nothing_else(bank, make_customer):
    event, customer, inv = _invited(bank, make_customer, email="wang@example.com")
    page = Client().get(services.rsvp_path(inv))
    text = page.content.decode()
    assert page.status_code == 200
    assert "王先生" in text and event.name in text and event.place in text
    for secret in ("王建国", "13812345678", "5678", "wang@example.com", customer.external_id, customer.id_number,
                   bank.rm_a.full_name):
        assert secret not in text
    answer = Client().post(services.rsvp_path(inv), {"answer": "yes", "guests": "1"})
    assert answer.status_code == 200 and "已为您保留座位" in answer.content.decode()
    inv.refresh_from_db()
    assert inv.answer == Answer.ACCEPTED and inv.guests == 1
    assert "签到码" in answer.content.decode()  # the confirmation carries the check-in QR code


def test_a_tampered_or_expired_link_and_one_reused_after_the_event_closed_get_a_clear_page(bank, make_customer,
                                                                                            monkeypatch):
    event, customer, inv = _invited(bank, make_customer)
    token = services.rsvp_token(inv)
    tampered = Client().get(f"/events/rsvp/{token[:-3]}abc/")
    assert tampered.status_code == 404 and "链接无效" in tampered.content.decode()
    forged = signing.dumps({"c": "no-such-code"}, salt=services.RSVP_SALT)  # signed, but names nobody
    assert Client().post(f"/events/rsvp/{forged}/", {"answer": "yes"}).status_code == 404
    assert Client().get("/events/rsvp/garbage/").status_code == 404
    monkeypatch.setattr(services, "RSVP_MAX_AGE", dt.timedelta(seconds=-1))
    expired = Client().post(f"/events/rsvp/{token}/", {"answer": "yes"})
    assert expired.status_code == 410 and "已过期" in expired.content.decode()
    monkeypatch.undo()
    inv.refresh_from_db()
    assert inv.answer == Answer.INVITED  # nothing was written through a refused link
    _happened(event)
    services.event_close(actor=bank.rm_a, event=event)
    closed = Client().post(f"/events/rsvp/{token}/", {"answer": "no"})
    assert closed.status_code == 410 and "报名已结束" in closed.content.decode()
    assert "王先生" not in closed.content.decode()


# ------------------------------------------------------------------ capacity and the waiting list

def test_a_full_event_puts_a_yes_on_the_waiting_list_and_a_no_gives_the_seat_to_the_first_waiting(bank,
                                                                                                  make_customer):
    a, b, c = (make_customer(bank.rm_a, name=n) for n in ("王一", "王二", "王三"))
    event = _approved(bank, capacity=3)
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand", customer_ids=[a.pk, b.pk, c.pk])
    inv = {i.customer_id: i for i in Invitation.objects.filter(event=event)}

    assert services.rsvp_record(invitation=inv[a.pk], answer="yes", guests=1).answer == Answer.ACCEPTED  # 2 seats
    assert services.rsvp_record(invitation=inv[b.pk], answer="yes", guests=1).answer == Answer.WAITING  # 2 more: full
    # one seat is left, but B waits first: C queues behind B
    assert services.rsvp_record(invitation=inv[c.pk], answer="yes").answer == Answer.WAITING
    assert services.seats_taken(event) == 2

    services.rsvp_record(invitation=inv[a.pk], answer="no")

    answers = dict(Invitation.objects.filter(event=event).values_list("customer_id", "answer"))
    assert answers == {a.pk: Answer.DECLINED, b.pk: Answer.ACCEPTED, c.pk: Answer.ACCEPTED}
    assert services.seats_taken(event) == 3


# ------------------------------------------------------------------ check-in

def test_check_in_by_code_counts_once_and_is_a_contact_in_the_guests_history(bank, make_customer):
    event, customer, inv = _invited(bank, make_customer)
    event.starts_at = _at(TODAY)
    event.save()
    client = Client()
    first = client.post(f"/api/v1/events/{event.pk}/checkin", {"code": inv.code}, content_type="application/json",
                        **_api(client, bank.rm_a))
    second = client.post(f"/api/v1/events/{event.pk}/checkin", {"customer_id": customer.pk},
                         content_type="application/json", **_api(client, bank.rm_a))
    assert first.status_code == second.status_code == 201
    assert first.json()["already_checked_in"] is False and second.json()["already_checked_in"] is True
    contacts = Interaction.objects.filter(customer=customer, channel="event")
    assert contacts.count() == 1 and contacts.get().outcome == "reached"
    assert AuditEvent.objects.filter(action="event.checked_in", customer_id=customer.pk).count() == 1


def test_a_walk_in_is_added_and_checked_in(bank, make_customer):
    walk = make_customer(bank.rm_a, name="赵大")
    event = _approved(bank, day=TODAY)
    client = Client()
    answer = client.post(f"/api/v1/events/{event.pk}/checkin", {"customer_id": walk.pk},
                         content_type="application/json", **_api(client, bank.rm_a))
    assert answer.status_code == 201 and answer.json()["walk_in"] is True
    assert selectors.counts(event)["attended"] == 1


def test_the_door_page_finds_a_guest_by_mobile_tail_and_checks_in_on_a_tap(bank, make_customer):
    event, customer, inv = _invited(bank, make_customer)
    event.starts_at = _at(TODAY)
    event.save()
    services.event_staff_add(actor=bank.rm_a, event=event, staff=bank.rm_b, role="checkin")
    door = Client()
    door.login(username=bank.rm_b.username, password=PASSWORD)
    page = door.get(f"/events/{event.pk}/checkin/?q=5678")
    text = page.content.decode()
    assert page.status_code == 200 and "王先生" in text and "王建国" not in text
    assert AuditEvent.objects.filter(action="customer.listed", data__via="event_door").count() == 1
    door.post(f"/events/{event.pk}/checkin/", {"customer_id": customer.pk})
    assert Invitation.objects.get(pk=inv.pk).checked_in_by == bank.rm_b
    scan = door.get(f"/events/{event.pk}/checkin/?code={inv.code}")
    assert "✓" in scan.content.decode()


def test_the_sign_in_sheet_is_a_chinese_pdf_audited_as_an_export(bank, make_customer):
    event, customer, inv = _invited(bank, make_customer)
    services.rsvp_record(invitation=inv, answer="yes")
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    answer = client.get(f"/events/{event.pk}/sign-in.pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="customer.exported", data__via="event_sign_in_sheet").count() == 1


# ------------------------------------------------------------------ follow-ups on the right days

def test_every_attendee_and_no_show_gets_a_follow_up_by_the_events_follow_up_day(bank, make_customer):
    came, absent, declined, called = (make_customer(bank.rm_a, name=n) for n in ("王来", "王缺", "王拒", "王访"))
    event = _approved(bank, day=TODAY, follow_up_days=3)
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand",
                              customer_ids=[came.pk, absent.pk, declined.pk, called.pk])
    inv = {i.customer_id: i for i in Invitation.objects.filter(event=event)}
    for c in (came, absent, called):
        services.rsvp_record(invitation=inv[c.pk], answer="yes")
    services.rsvp_record(invitation=inv[declined.pk], answer="no")
    _happened(event)
    services.checkin(actor=bank.rm_a, event=event, invitation=inv[came.pk])
    services.checkin(actor=bank.rm_a, event=event, invitation=inv[called.pk])
    services.event_close(actor=bank.rm_a, event=event)
    interaction_log(actor=bank.rm_a, customer=called, channel="phone", outcome="reached")  # followed up already

    window = triggers.Window(TODAY, TODAY + dt.timedelta(days=6), dict(DEFAULTS), SegmentPolicy.current(), None)
    reasons = {r.customer_id: r for r in triggers.event_follow_ups(window)}

    assert set(reasons) == {came.pk, absent.pk}
    assert {r.due for r in reasons.values()} == {TODAY + dt.timedelta(days=3)}
    assert reasons[came.pk].args[-1] is True and reasons[absent.pk].args[-1] is False
    worklists_build(day=TODAY + dt.timedelta(days=3), manager_ids=[bank.rm_a.pk])
    codes = set(TaskReason.objects.filter(task__date=TODAY + dt.timedelta(days=3), task__manager=bank.rm_a,
                                          code=ReasonCode.EVENT_FOLLOW_UP).values_list("task__customer_id", flat=True))
    assert codes == {came.pk, absent.pk}
    # the manager's list says what to talk about: the event's theme, and the material for the no-show
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    page = client.get(f"/work/{TODAY + dt.timedelta(days=3)}/").content.decode()
    assert "参加了2027年市场展望讲座" in page and "但未到场，主题：明年的资产配置" in page
    # and what the manager says to the no-show (the talking point's words for the customer)
    from banyan.worklists.talking import Item, clause

    facts = dict(zip(("event", "type", "theme", "attended"), reasons[absent.pk].args, strict=True))
    said = clause(ReasonCode.EVENT_FOLLOW_UP, [Item(ReasonCode.EVENT_FOLLOW_UP, "", reasons[absent.pk].due, facts)],
                  TODAY + dt.timedelta(days=3))
    assert "明年的资产配置" in said and "资料我给您留着" in said


def test_an_unanswered_invitation_comes_up_before_the_reminder_day_and_not_after_the_event(bank, make_customer):
    quiet, answered = make_customer(bank.rm_a, name="王静"), make_customer(bank.rm_a, name="王答")
    event = _approved(bank, day=TODAY + dt.timedelta(days=3))
    services.invitations_send(actor=bank.rm_a, event=event, channel="phone", customer_ids=[quiet.pk, answered.pk])
    services.rsvp_record(invitation=Invitation.objects.get(event=event, customer=answered), answer="yes")
    window = triggers.Window(TODAY, TODAY + dt.timedelta(days=6), dict(DEFAULTS), SegmentPolicy.current(), None)
    reasons = triggers.event_invitations(window)
    assert [(r.customer_id, r.due) for r in reasons] == [(quiet.pk, TODAY + dt.timedelta(days=2))]
    worklists_build(day=TODAY + dt.timedelta(days=2), manager_ids=[bank.rm_a.pk])
    task = Task.objects.get(manager=bank.rm_a, date=TODAY + dt.timedelta(days=2), customer=quiet)
    assert task.reasons.filter(code=ReasonCode.EVENT_INVITATION).exists()
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    page = client.get(f"/work/{TODAY + dt.timedelta(days=2)}/").content.decode()
    assert "2027年市场展望讲座" in page and "活动邀约" in page
    late = triggers.Window(TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=5), dict(DEFAULTS),
                           SegmentPolicy.current(), None)
    assert triggers.event_invitations(late) == []


# ------------------------------------------------------------------ the review, hand-computed

def test_every_review_figure_on_a_small_hand_computed_event(bank, make_customer):
    """Five invited (A–E), A B C accept, D maybe, E declines; A and B come, C does not; W walks in.
    After: A is called (a real contact), B only gets an SMS; new information on A's attendance;
    one opportunity for B; A buys 200,000 of a fund 10 days later. Budget 3,000, actual cost 2,400.
    AUM: A 100,000 → 400,000; B 50,000 → 50,000; C 80,000 → 60,000; D, E no snapshot before."""
    a, b, c, d, e, w = (make_customer(bank.rm_a, name=n) for n in ("王甲", "王乙", "王丙", "王丁", "王戊", "王走"))
    day = TODAY
    event = _approved(bank, day=day, budget="3000", review_days=30)
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand",
                              customer_ids=[a.pk, b.pk, c.pk, d.pk, e.pk])
    inv = {i.customer_id: i for i in Invitation.objects.filter(event=event)}
    for x in (a, b, c):
        services.rsvp_record(invitation=inv[x.pk], answer="yes")
    services.rsvp_record(invitation=inv[d.pk], answer="maybe")
    services.rsvp_record(invitation=inv[e.pk], answer="no")
    _happened(event)
    services.checkin(actor=bank.rm_a, event=event, invitation=inv[a.pk])
    services.checkin(actor=bank.rm_a, event=event, invitation=inv[b.pk])
    services.walk_in(actor=bank.rm_a, event=event, customer=w)
    services.event_close(actor=bank.rm_a, event=event)
    inv = {i.customer_id: i for i in Invitation.objects.select_related("interaction", "customer", "event")
           .filter(event=event)}
    services.learned_record(actor=bank.rm_a, invitation=inv[a.pk], new_info="女儿明年出国留学")
    services.learned_record(actor=bank.rm_a, invitation=inv[b.pk], need="养老规划", expected_amount="500000")
    interaction_log(actor=bank.rm_a, customer=a, channel="phone", outcome="reached")
    interaction_log(actor=bank.rm_a, customer=b, channel="sms", outcome="")
    holding_create(actor=bank.rm_a, customer=a, product=bank.products.fund, amount="200000",
                   purchase_date=day + dt.timedelta(days=10))
    for x, before in ((a, "100000"), (b, "50000"), (c, "80000")):
        AumSnapshot.objects.create(customer=x, date=day - dt.timedelta(days=3), aum=Decimal(before))
    type(a).objects.filter(pk=a.pk).update(aum=Decimal("400000"))
    type(a).objects.filter(pk=b.pk).update(aum=Decimal("50000"))
    type(a).objects.filter(pk=c.pk).update(aum=Decimal("60000"))

    f = selectors.review(event)

    assert (f["invited"], f["accepted"], f["attended"], f["no_show"], f["walk_ins"]) == (5, 4, 3, 1, 1)
    # accepted: A, B, C said yes and W's walk-in took a seat; no-show: C
    assert f["contacted_after"] == 1 and f["contact_achievement_rate"] == Decimal("0.333")  # A of A, B, W
    assert f["new_info"] == 1 and f["opportunities"] == 1
    assert f["sales"] == 1 and f["sales_amount"] == Decimal("200000.00")
    assert f["cost"] == Decimal("3000.00") and f["cost_is_budget"] is True
    services.event_review_complete(actor=bank.rm_a, event=event, actual_cost="2400", note="茶歇不够")
    f = selectors.review(event)
    assert f["cost"] == Decimal("2400.00") and f["cost_per_attendee"] == Decimal("800.00")
    assert f["cost_per_opportunity"] == Decimal("2400.00")
    assert f["aum_change_attended"] == Decimal("150000.00")  # (300,000 + 0) / 2
    assert f["aum_change_invited_absent"] == Decimal("-20000.00")  # C only (D, E: no snapshot before)
    client = Client()
    api = client.get(f"/api/v1/events/{event.pk}/review", **_api(client, bank.rm_a)).json()
    assert api == {"invited": 5, "accepted": 4, "attended": 3, "no_show": 1, "contacted_after": 1,
                   "contact_achievement_rate": "0.333", "new_info": 1, "opportunities": 1, "sales": 1,
                   "sales_amount": "200000.00", "cost": "2400.00", "cost_per_attendee": "800.00",
                   "cost_per_opportunity": "2400.00", "aum_change_attended": "150000.00",
                   "aum_change_invited_absent": "-20000.00", "review_days": 30}
    assert Opportunity.objects.get(customer=b).source == "event"
    client.login(username=bank.head.username, password=PASSWORD)
    assert client.get(f"/events/{event.pk}/review/").status_code == 200
    xlsx = client.get(f"/events/{event.pk}/review.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="customer.exported", data__via="event_review_xlsx").exists()
    period = client.get(f"/events/review/?from={day}&to={day}")
    assert period.status_code == 200 and event.name in period.content.decode()


# ------------------------------------------------------------------ who sees what

def test_another_manager_and_another_branch_get_404_on_every_event_page_and_endpoint(bank, make_customer):
    event, customer, inv = _invited(bank, make_customer)
    pages = [f"/events/{event.pk}/", f"/events/{event.pk}/calls/", f"/events/{event.pk}/checkin/",
             f"/events/{event.pk}/sign-in.pdf", f"/events/{event.pk}/learned/", f"/events/{event.pk}/review/",
             f"/events/{event.pk}/review.xlsx", f"/events/{event.pk}/guests/{customer.pk}/invitation/"]
    posts = [f"/events/{event.pk}/action/", f"/events/{event.pk}/invite/", f"/events/{event.pk}/checkin/",
             f"/events/{event.pk}/guests/{customer.pk}/rsvp/", f"/events/{event.pk}/calls/{customer.pk}/"]
    apis = [("get", f"/api/v1/events/{event.pk}", None), ("get", f"/api/v1/events/{event.pk}/review", None),
            ("get", f"/api/v1/events/{event.pk}/invitations", None),
            ("post", f"/api/v1/events/{event.pk}/approve", None),
            ("post", f"/api/v1/events/{event.pk}/invitations", {"customer_ids": [customer.pk], "channel": "phone"}),
            ("post", f"/api/v1/events/{event.pk}/invitations/{customer.pk}/rsvp", {"answer": "yes"}),
            ("post", f"/api/v1/events/{event.pk}/checkin", {"customer_id": customer.pk}),
            ("post", f"/api/v1/events/{event.pk}/close", None)]
    for outsider in (bank.rm_b, bank.rm_c):
        client = Client()
        client.login(username=outsider.username, password=PASSWORD)
        for url in pages:
            assert client.get(url).status_code == 404, (outsider.username, url)
        for url in posts:
            assert client.post(url, {"do": "close", "answer": "yes", "customer_id": customer.pk}).status_code == 404
        auth = _api(client, outsider)
        for method, url, body in apis:
            answer = (client.get(url, **auth) if method == "get" else
                      client.post(url, body or {}, content_type="application/json", **auth))
            assert answer.status_code == 404, (outsider.username, url, answer.content)
            assert answer.json()["error"]["code"] == "not_found"
        assert event.name not in client.get("/events/").content.decode()
    assert Invitation.objects.get(pk=inv.pk).answer == Answer.INVITED


def test_a_staff_manager_sees_only_the_guests_he_invited(bank, make_customer):
    mine = make_customer(bank.rm_a, name="王建国")
    theirs = make_customer(bank.rm_b, name="李四海")
    event = _approved(bank)
    services.event_staff_add(actor=bank.rm_a, event=event, staff=bank.rm_b, role="inviter")
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand", customer_ids=[mine.pk])
    services.invitations_send(actor=bank.rm_b, event=event, channel="hand", customer_ids=[theirs.pk])
    client = Client()
    client.login(username=bank.rm_b.username, password=PASSWORD)
    text = client.get(f"/events/{event.pk}/").content.decode()
    assert "李四海" in text and "王建国" not in text and "王先生" not in text
    answer = client.get(f"/api/v1/events/{event.pk}/invitations", **_api(client, bank.rm_b))
    assert [i["customer_id"] for i in answer.json()] == [theirs.pk]
    assert Invitation.objects.get(customer=theirs).manager == bank.rm_b
    # the auditor sees the event and its figures, not the guests
    client.login(username=bank.auditor.username, password=PASSWORD)
    page = client.get(f"/events/{event.pk}/")
    assert page.status_code == 200 and "李四海" not in page.content.decode()


def test_the_calendar_feed_carries_the_event_without_customers(bank, make_customer):
    from banyan.outreach import ical

    event, customer, _inv = _invited(bank, make_customer)
    feed = Client().get(f"/outreach/appointments/{ical.feed_token(bank.rm_a)}.ics").content.decode()
    assert "客户活动" in feed and f"event-{event.pk}@" in feed and "王建国" not in feed
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    page = client.get("/outreach/appointments/").content.decode()
    assert 'id="client-events"' in page and event.name in page


def test_the_plan_page_shows_errors_at_the_field_and_saves_a_plan(bank):
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    assert client.get("/events/new/").status_code == 200
    refused = client.post("/events/new/", {"name": "", "type": "salon", "date": TODAY.isoformat(), "time": "14:30",
                                           "place": "大堂", "capacity": "0"})
    text = refused.content.decode()
    assert refused.status_code == 200 and "is-invalid" in text
    saved = client.post("/events/new/", {"name": "理财沙龙", "type": "salon", "date": TODAY.isoformat(),
                                         "time": "14:30", "end_time": "16:00", "place": "大堂", "capacity": "20",
                                         "budget": "2000", "budget_per_group": "财富客户: 200",
                                         "checklist": "投影\n茶歇", "f_aum_min": "500000"})
    event = selectors.visible_events(bank.rm_a).get(name="理财沙龙")
    assert saved.status_code == 302 and saved["Location"] == f"/events/{event.pk}/"
    assert event.status == EventStatus.DRAFT and event.target_filter == {"aum_min": "500000"}
    assert [i["item"] for i in event.checklist] == ["投影", "茶歇"] and event.budget_per_group == {"财富客户": "200.00"}
    assert client.get(f"/events/{event.pk}/").status_code == 200
    assert client.get("/events/").status_code == 200


def test_a_monthly_event_plans_its_next_occurrence_with_the_same_staff_and_an_unticked_checklist(bank):
    event = _approved(bank, day=dt.date(2027, 1, 31), recurrence="monthly", capacity=30)
    services.event_staff_add(actor=bank.rm_a, event=event, staff=bank.rm_b, role="speaker")
    services.event_checklist_tick(actor=bank.rm_a, event=event, index=0, done=True)
    client = Client()
    client.login(username=bank.rm_a.username, password=PASSWORD)
    answer = client.post(f"/events/{event.pk}/action/", {"do": "repeat"})
    nxt = selectors.visible_events(bank.rm_a).exclude(pk=event.pk).get()
    assert answer["Location"] == f"/events/{nxt.pk}/"
    assert timezone.localtime(nxt.starts_at).date() == dt.date(2027, 2, 28)  # the month's last day
    assert nxt.status == EventStatus.DRAFT and nxt.capacity == 30 and not any(i["done"] for i in nxt.checklist)
    assert list(nxt.staff.values_list("staff__username", "role")) == [("lihua", "speaker")]
    with pytest.raises(ValidationError):
        services.event_repeat(actor=bank.rm_a, event=_approved(bank, name="单次讲座"))
