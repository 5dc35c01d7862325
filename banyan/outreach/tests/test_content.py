"""The cultivation content library (培育维护, OUT-7): pieces approved by a named person and never
promising a return, periodic plans over a saved filter, and sending — never twice, never without
consent, never a draft or an expired piece; the API's contract and its 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.customers.services import customer_update
from banyan.messaging.models import Message, MessageStatus
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.outreach.content import (
    content_piece_approve,
    content_piece_create,
    content_piece_new_version,
    content_piece_update,
    content_plan_create,
    content_plan_run,
    content_plans_run_due,
    content_send,
)
from banyan.outreach.content_models import ContentDelivery, ContentPlanRun, ContentStatus
from banyan.outreach.content_selectors import get_piece_for_user, pieces_for_customer, recipients
from banyan.transitions import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gateways(tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(tmp_path / "wechat.jsonl"))


def _piece(actor, *, title="基金定投的微笑曲线", interests="基金", approve_by=None, **extra):
    fields = {"kind": "knowledge", "title": title,
              "body": "定投分散了买入时点，市场下跌时同样的金额买到更多份额。投资有风险，定投不能保证盈利。",
              "interests": interests, "valid_until": TODAY + dt.timedelta(days=60), **extra}
    piece = content_piece_create(actor=actor, **fields)
    if approve_by is not None:
        piece = content_piece_approve(actor=approve_by, piece=piece)
    return piece


@pytest.fixture
def fans(bank, make_customer):
    """Three of zhangmin's customers interested in funds, value-oriented, who agreed to SMS; and one
    who likes fishing only."""
    people = [make_customer(bank.rm_a, name=name, interests="基金、喝茶", orientation="value", consent_sms=True)
              for name in ("王建国", "李秀英", "陈志强")]
    fisher = make_customer(bank.rm_a, name="周钓鱼", interests="钓鱼", orientation="value", consent_sms=True)
    return people, fisher


# ------------------------------------------------------------------ writing and approving

def test_a_promised_return_is_refused_at_the_field_naming_the_words(bank):
    with pytest.raises(ValidationError) as refused:
        _piece(bank.rm_a, title="稳赚不赔的好机会", body="这款产品保本保息，零风险。")
    errors = refused.value.message_dict
    assert "稳赚不赔" in errors["title"][0]
    assert "保本" in errors["body"][0] and "零风险" in errors["body"][0]
    from banyan.outreach.content_models import ContentPiece

    assert not ContentPiece.objects.exists()


def test_a_branch_head_approves_in_his_name_and_the_piece_is_locked_then_versioned(bank):
    piece = _piece(bank.rm_a)
    with pytest.raises(PermissionDenied):
        content_piece_approve(actor=bank.rm_a, piece=piece)  # a manager does not approve
    content_piece_approve(actor=bank.head, piece=piece)
    piece.refresh_from_db()
    assert piece.status == ContentStatus.APPROVED and piece.approved_by == bank.head
    with pytest.raises(Conflict):
        content_piece_approve(actor=bank.head, piece=piece)
    with pytest.raises(ValidationError):
        content_piece_update(actor=bank.rm_a, piece=piece, title="改个标题")
    v2 = content_piece_new_version(actor=bank.rm_a, piece=piece)
    content_piece_update(actor=bank.rm_a, piece=v2, title="基金定投的微笑曲线（修订）")
    content_piece_approve(actor=bank.head, piece=v2)
    piece.refresh_from_db()
    assert piece.status == ContentStatus.RETIRED and v2.version == 2 and v2.lineage == piece.lineage
    assert AuditEvent.objects.filter(action="content.approved", actor=bank.head).count() == 2


def test_another_branch_s_piece_is_not_found(bank):
    piece = _piece(bank.rm_c)  # branch B02
    with pytest.raises(Http404):
        get_piece_for_user(bank.rm_a, piece.pk)
    with pytest.raises(Http404):
        get_piece_for_user(bank.head, piece.pk)
    assert get_piece_for_user(bank.admin, piece.pk)[1] is True  # the administrator approves any


# ------------------------------------------------------------------ sending one piece

def test_a_piece_goes_to_a_customer_once_and_only_with_consent(bank, fans):
    (wang, li, _chen), _fisher = fans
    piece = _piece(bank.rm_a, approve_by=bank.head)
    delivery = content_send(actor=bank.rm_a, piece=piece, customer=wang, channel="sms")
    assert delivery.message.status == MessageStatus.QUEUED and "基金定投的微笑曲线" in delivery.message.body
    assert "王先生您好" in delivery.message.body
    with pytest.raises(Conflict):
        content_send(actor=bank.rm_a, piece=piece, customer=wang, channel="wechat")
    # no e-mail consent: refused at the channel, nothing written
    with pytest.raises(ValidationError) as refused:
        content_send(actor=bank.rm_a, piece=piece, customer=li, channel="email")
    assert "channel" in refused.value.message_dict
    customer_update(actor=bank.rm_a, customer=li, do_not_disturb=True)
    with pytest.raises(ValidationError):
        content_send(actor=bank.rm_a, piece=piece, customer=li, channel="sms")
    assert ContentDelivery.objects.count() == 1 and Message.objects.count() == 1


def test_consent_withdrawn_after_queuing_blocks_the_message_at_send_time(bank, fans):
    from banyan.messaging.services import outbox_send_queued

    (wang, _li, _chen), _fisher = fans
    piece = _piece(bank.rm_a, approve_by=bank.head)
    content_send(actor=bank.rm_a, piece=piece, customer=wang, channel="sms")
    customer_update(actor=bank.rm_a, customer=wang, consent_sms=False)
    outbox_send_queued()
    message = Message.objects.get()
    assert message.status == MessageStatus.BLOCKED and message.rule == "no_consent"


def test_a_draft_or_an_expired_piece_is_never_sent(bank, fans):
    (wang, _li, _chen), _fisher = fans
    draft = _piece(bank.rm_a)
    with pytest.raises(ValidationError) as refused:
        content_send(actor=bank.rm_a, piece=draft, customer=wang, channel="sms")
    assert "piece" in refused.value.message_dict
    old = _piece(bank.rm_a, title="三季度市场回顾", approve_by=bank.head, valid_until=TODAY)
    from banyan import clock

    with clock.frozen(TODAY + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            content_send(actor=bank.rm_a, piece=old, customer=wang, channel="sms")
        assert old not in pieces_for_customer(wang, bank.rm_a)
    assert not Message.objects.exists()


def test_another_manager_s_customer_cannot_be_sent_to(bank, make_customer):
    other = make_customer(bank.rm_b, name="刘芳", consent_sms=True)
    piece = _piece(bank.rm_a, approve_by=bank.head)
    with pytest.raises(PermissionDenied):
        content_send(actor=bank.rm_a, piece=piece, customer=other, channel="sms")


# ------------------------------------------------------------------ plans

def test_a_plan_reaches_the_audience_by_tags_with_each_piece_once(bank, fans, make_customer):
    (wang, li, chen), fisher = fans
    make_customer(bank.rm_a, name="赵关系", interests="基金", orientation="relationship", consent_sms=True)
    customer_update(actor=bank.rm_a, customer=chen, do_not_disturb=True)
    p1 = _piece(bank.rm_a, approve_by=bank.head)
    p2 = _piece(bank.rm_a, title="什么是基金的回撤", approve_by=bank.head)
    draft = _piece(bank.rm_a, title="未审批的草稿")
    plan = content_plan_create(actor=bank.rm_a, name="价值型·基金兴趣·双周", filter={"orientation": "value"},
                               every_days=14, channels=["sms"], pieces=[p1, p2])
    with pytest.raises(ValidationError):  # a draft is not put in rotation
        content_plan_create(actor=bank.rm_a, name="x", filter={"orientation": "value"}, every_days=14,
                            channels=["sms"], pieces=[draft])
    run = content_plan_run(plan=plan)
    # wang and li get the first piece; chen is do-not-disturb; the fisher has no fitting piece;
    # the relationship-oriented customer is not in the audience at all
    assert run.audience == 4 and run.queued == 2
    assert run.excluded == {"do_not_disturb": 1, "no_fitting_piece": 1}
    got = set(ContentDelivery.objects.filter(piece=p1).values_list("customer__name", flat=True))
    assert got == {"王建国", "李秀英"}
    plan.refresh_from_db()
    assert plan.next_run_on == TODAY + dt.timedelta(days=14)
    assert content_plan_run(plan=plan) is None  # once a day

    # two weeks later: the second piece, never the first again; then nothing new is left
    second = content_plan_run(plan=plan, day=TODAY + dt.timedelta(days=14))
    assert second.queued == 2 and set(ContentDelivery.objects.filter(piece=p2).values_list("customer_id", flat=True)) \
        == {wang.pk, li.pk}
    third = content_plan_run(plan=plan, day=TODAY + dt.timedelta(days=28))
    assert third.queued == 0 and third.excluded["all_received"] == 2
    assert ContentDelivery.objects.count() == 4 and Message.objects.count() == 4
    _ = fisher


def test_the_filter_of_a_plan_knows_interests_and_the_due_plans_run(bank, fans):
    p1 = _piece(bank.rm_a, approve_by=bank.head, interests="")
    content_plan_create(actor=bank.rm_a, name="钓鱼爱好者", filter={"interest": "钓鱼"}, every_days=30,
                        channels=["wechat", "sms"], pieces=[p1])
    assert content_plans_run_due() == {"plans": 1, "queued": 1, "excluded": {}}
    assert ContentDelivery.objects.get().customer.name == "周钓鱼"
    assert ContentDelivery.objects.get().channel == "sms"  # no WeChat consent: the next channel
    assert content_plans_run_due() == {"plans": 0, "queued": 0, "excluded": {}}


def test_a_version_already_received_is_not_sent_again(bank, fans):
    (wang, _li, _chen), _fisher = fans
    p1 = _piece(bank.rm_a, approve_by=bank.head)
    content_send(actor=bank.rm_a, piece=p1, customer=wang, channel="sms")
    v2 = content_piece_approve(actor=bank.head, piece=content_piece_new_version(actor=bank.rm_a, piece=p1))
    with pytest.raises(Conflict):
        content_send(actor=bank.rm_a, piece=v2, customer=wang, channel="sms")


def test_recipients_show_a_manager_only_his_customers_and_the_read_is_audited(bank, fans, make_customer):
    (wang, _li, _chen), _fisher = fans
    other = make_customer(bank.rm_b, name="刘芳", consent_sms=True)
    piece = _piece(bank.head, approve_by=bank.head)
    content_send(actor=bank.rm_a, piece=piece, customer=wang, channel="sms")
    content_send(actor=bank.rm_b, piece=piece, customer=other, channel="sms")
    total, rows = recipients(bank.rm_a, piece)
    assert total == 2 and [d.customer for d in rows] == [wang]
    event = AuditEvent.objects.get(action="content.recipients_read")
    assert event.actor == bank.rm_a
    assert total == 2 and len(recipients(bank.head, piece)[1]) == 2


# ------------------------------------------------------------------ API

def test_api_create_approve_and_send_with_the_contract(bank, client, fans):
    (wang, _li, _chen), _fisher = fans
    rm, head = ApiCaller(client, bank.rm_a), ApiCaller(client, bank.head)
    body = {"kind": "market_note", "title": "本周市场观点", "body": "债市震荡，短期波动不改长期配置思路。投资有风险。",
            "interests": ["基金"], "orientations": ["value"], "valid_until": (TODAY + dt.timedelta(days=7)).isoformat()}
    created = rm.post("/content", body)
    assert created.status_code == 201, created.content
    piece = created.json()
    assert piece["status"] == "draft" and piece["approved_by"] is None and piece["interests"] == ["基金"]
    # a draft is not sent
    error = assert_error(rm.post(f"/customers/{wang.pk}/content/{piece['id']}/send", {"channel": "sms"}), 422,
                         "invalid")
    assert "piece" in error["fields"]
    assert_error(rm.post(f"/content/{piece['id']}/approve"), 403, "forbidden")
    approved = head.post(f"/content/{piece['id']}/approve")
    assert approved.status_code == 200 and approved.json()["approved_by"] == "zhaolei"
    assert_error(head.post(f"/content/{piece['id']}/approve"), 409, "conflict")
    sent = rm.post(f"/customers/{wang.pk}/content/{piece['id']}/send", {"channel": "sms"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["status"] == "sent" and Message.objects.get(pk=sent.json()["message_id"]).customer == wang
    assert_error(rm.post(f"/customers/{wang.pk}/content/{piece['id']}/send", {"channel": "sms"}), 409, "conflict")
    listed = rm.get("/content").json()
    assert listed["count"] == 1 and listed["items"][0]["received"] == 1


def test_api_refuses_promises_at_the_field_and_404s_out_of_reach(bank, client, fans, make_customer):
    (wang, _li, _chen), _fisher = fans
    rm = ApiCaller(client, bank.rm_a)
    error = assert_error(rm.post("/content", {"kind": "case", "title": "王先生的故事",
                                              "body": "买了就稳赚，收益有保障。",
                                              "valid_until": (TODAY + dt.timedelta(days=7)).isoformat()}),
                         422, "invalid")
    assert "稳赚" in error["fields"]["body"][0] and "收益有保障" in error["fields"]["body"][0]
    foreign = _piece(bank.rm_c, approve_by=bank.admin)  # another branch's piece
    mine = _piece(bank.rm_a, title="养老规划三件事", approve_by=bank.head)
    other = make_customer(bank.rm_b, name="刘芳", consent_sms=True)
    assert_error(rm.post(f"/customers/{wang.pk}/content/{foreign.pk}/send", {"channel": "sms"}), 404, "not_found")
    assert_error(rm.post(f"/customers/{other.pk}/content/{mine.pk}/send", {"channel": "sms"}), 404, "not_found")
    assert_error(ApiCaller(client, bank.head).post(f"/content/{foreign.pk}/approve"), 404, "not_found")
    assert_error(rm.post(f"/customers/{wang.pk}/content/{mine.pk}/send", {"channel": "fax"}), 422, "invalid")
    assert not ContentDelivery.objects.exists()
    assert ContentPlanRun.objects.count() == 0
