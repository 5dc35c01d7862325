"""Referrals and hand-offs (SVC-2): the services and API v1 — a customer refers a friend (a
prospect written into the receiver's book, or a customer on file), hand-offs inside the team
(accept, decline with a reason, time-out back to the sender, the outcome back to the sender),
conversion credited to both sides, bad input refused at the field with nothing written, and 404
for another manager or branch on every endpoint."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create
from banyan.org.models import Role
from banyan.org.services import api_token_issue, staff_create
from banyan.service.models import Referral, ReferralStatus
from banyan.service.referral_selectors import referral_board, visible_referrals
from banyan.service.referral_services import (
    referral_accept,
    referral_account_opened,
    referral_create,
    referral_decline,
    referral_outcome,
    referrals_refresh,
)
from banyan.transitions import Conflict

pytestmark = pytest.mark.django_db
S = ReferralStatus


@pytest.fixture
def planner(bank):
    return staff_create(actor=None, username="liping", password="x", role=Role.PLANNER, branch=bank.b1,
                        full_name="李萍", check_password=False)


@pytest.fixture
def banker(bank):
    """A private banker: a senior manager of the branch."""
    return staff_create(actor=None, username="zhoujun", password="x", role=Role.RM, branch=bank.b1,
                        full_name="周俊", is_senior=True, check_password=False)


def _api(client, method, path, token, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        return client.generic(method, f"/api/v1{path}", __import__("json").dumps(body),
                              content_type="application/json", **kwargs)
    return client.generic(method, f"/api/v1{path}", **kwargs)


# ------------------------------------------------------------------ a customer refers a friend


def test_a_referred_prospect_lands_in_the_receivers_book_with_consent_and_referrer(bank, make_customer):
    referrer = make_customer(bank.rm_a, name="王建国")
    r = referral_create(actor=bank.rm_a, to="lihua", need="朋友想了解大额存单", referrer_customer=referrer,
                        prospect={"name": "刘芳", "mobile": "+86 139-1234-5678", "consent_phone": True,
                                  "consent_channel": "wechat"})
    prospect = r.customer
    assert r.kind == "customer" and r.prospect and r.status == S.PENDING
    assert prospect.rm == bank.rm_b and prospect.mobile == "13912345678" and prospect.source == "referral"
    assert prospect.referrer == referrer and prospect.account_opened_on is None and prospect.consent_phone
    assert not prospect.consent_sms
    assert (r.consent_channel, r.consent_on) == ("wechat", clock.today())
    # two working days to answer: sent Monday 2026-11-23, answered by Wednesday evening
    assert clock.today().weekday() == 0
    assert r.answer_by.date() == dt.date(2026, 11, 25)
    assert AuditEvent.objects.filter(action="referral.sent", customer_id=prospect.pk).count() == 1


def test_a_referral_to_oneself_is_accepted_at_once(bank, make_customer):
    referrer = make_customer(bank.rm_a)
    r = referral_create(actor=bank.rm_a, to="zhangmin", need="亲戚买理财", referrer_customer=referrer,
                        prospect={"name": "陈立", "mobile": "13700001111", "consent_phone": True})
    assert r.status == S.ACCEPTED and r.customer.rm == bank.rm_a


@pytest.mark.parametrize("prospect, field", [
    ({"name": "刘芳", "mobile": "1391234567", "consent_phone": True}, "prospect.mobile"),  # 10 digits
    ({"name": "刘芳", "mobile": "23912345678", "consent_phone": True}, "prospect.mobile"),
    ({"name": "", "mobile": "13912345678", "consent_phone": True}, "prospect.name"),
    ({"name": "刘芳", "mobile": "13912345678", "consent_phone": False}, "prospect.consent_phone"),
    ({"name": "刘芳", "mobile": "13912345678"}, "prospect.consent_phone"),
])
def test_a_bad_prospect_is_refused_at_the_field_and_nothing_is_written(bank, make_customer, prospect, field):
    referrer = make_customer(bank.rm_a)
    customers = Customer.objects.count()
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to="lihua", need="理财", referrer_customer=referrer, prospect=prospect)
    assert field in e.value.message_dict
    assert Customer.objects.count() == customers and not Referral.objects.exists()


def test_self_referral_unknown_colleague_and_non_staff_are_refused(bank, make_customer):
    me = make_customer(bank.rm_a)
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to="lihua", need="理财", customer=me, referrer_customer=me)
    assert "referrer_customer_id" in e.value.message_dict
    for username in ("nobody", "wangfang", "zhaolei", "chenjing"):  # unknown, other branch, head, assistant
        with pytest.raises(ValidationError) as e:
            referral_create(actor=bank.rm_a, to=username, need="理财", customer=me)
        assert "to" in e.value.message_dict, username
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to="zhangmin", need="理财", customer=me)  # hand-off to oneself
    assert "to" in e.value.message_dict
    assert not Referral.objects.exists()


def test_a_prospects_mobile_already_on_file_is_refused(bank, make_customer):
    mine = make_customer(bank.rm_a, name="吴明", mobile="13811112222")
    make_customer(bank.rm_c, name="外行客户", mobile="13833334444")
    referrer = make_customer(bank.rm_a)
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to="lihua", need="理财", referrer_customer=referrer,
                        prospect={"name": "吴明", "mobile": "13811112222", "consent_phone": True})
    assert mine.name in e.value.message_dict["prospect.mobile"][0]
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to="lihua", need="理财", referrer_customer=referrer,
                        prospect={"name": "某人", "mobile": "13833334444", "consent_phone": True})
    assert "外行客户" not in e.value.message_dict["prospect.mobile"][0]  # another branch's name never shown


# ------------------------------------------------------------------ hand-offs inside the team


def test_handoff_accept_then_outcome_won_goes_back_to_the_sender_and_credits_both(bank, make_customer, planner):
    customer = make_customer(bank.rm_a, name="孙强")
    r = referral_create(actor=bank.rm_a, to=planner, need="子女教育金规划", customer=customer)
    assert r.kind == "handoff" and r.status == S.PENDING
    with pytest.raises(PermissionDenied):
        referral_accept(actor=bank.rm_a, referral=r)  # the sender does not answer
    referral_accept(actor=planner, referral=r)
    with pytest.raises(Conflict):
        referral_accept(actor=planner, referral=r)
    with pytest.raises(ValidationError) as e:
        referral_outcome(actor=planner, referral=r, outcome="lost")
    assert "note" in e.value.message_dict
    referral_outcome(actor=planner, referral=r, outcome="won", note="配置教育年金 20 万")
    r.refresh_from_db()
    assert r.status == S.WON and r.converted_at is not None and r.conversion == "sale"
    assert r in visible_referrals(bank.rm_a) and r.outcome_note == "配置教育年金 20 万"
    board = referral_board(visible_referrals(bank.head), first=clock.today(), last=clock.today())
    staff = {row.name: row for row in board.staff}
    assert staff["张敏"].sent == 1 and staff["张敏"].converted == 1  # passed it on
    assert staff["李萍"].extra["received"] == 1 and staff["李萍"].extra["won"] == 1  # converted it
    assert board.total == 1 and board.rate == 1.0


def test_decline_needs_a_reason_and_gives_a_prospect_back_to_the_sender(bank, make_customer):
    referrer = make_customer(bank.rm_a)
    r = referral_create(actor=bank.rm_a, to="lihua", need="房贷", referrer_customer=referrer,
                        prospect={"name": "郑凯", "mobile": "13600002222", "consent_phone": True})
    with pytest.raises(ValidationError) as e:
        referral_decline(actor=bank.rm_b, referral=r, reason="  ")
    assert "reason" in e.value.message_dict
    referral_decline(actor=bank.rm_b, referral=r, reason="客户在外地，不便跟进")
    r.refresh_from_db()
    assert r.status == S.DECLINED and r.decline_reason == "客户在外地，不便跟进"
    assert Customer.objects.get(pk=r.customer_id).rm == bank.rm_a
    with pytest.raises(Conflict):
        referral_accept(actor=bank.rm_b, referral=r)


def test_an_unanswered_handoff_times_out_back_to_the_sender(bank, make_customer, planner):
    customer = make_customer(bank.rm_a)
    r = referral_create(actor=bank.rm_a, to=planner, need="保险规划", customer=customer)
    with clock.frozen(dt.date(2026, 11, 25)):
        assert referrals_refresh()["timed_out"] == 0  # the second working day: still in time
    with clock.frozen(dt.date(2026, 11, 26)):
        with pytest.raises(Conflict) as e:
            referral_accept(actor=planner, referral=r)
        assert "张敏" in str(e.value.messages)
    r.refresh_from_db()
    assert r.status == S.TIMED_OUT and r.answered_at is None
    assert AuditEvent.objects.filter(action="referral.timed_out").count() == 1


def test_a_priority_customer_is_handed_only_to_senior_staff(bank, make_customer, planner, banker):
    from banyan.segments.models import CustomerSegment

    vip = make_customer(bank.rm_a, name="钱多多")
    CustomerSegment.objects.create(customer=vip, quadrant="high_high", frequency_days=7, orientation="value",
                                   potential_score=80, value_rank=1, is_priority=True, computed_at=clock.now())
    with pytest.raises(ValidationError) as e:
        referral_create(actor=bank.rm_a, to=planner, need="家族信托", customer=vip)
    assert "senior" in e.value.message_dict["to"][0] or "资深" in e.value.message_dict["to"][0]
    assert referral_create(actor=bank.rm_a, to=banker, need="家族信托", customer=vip).receiver == banker


# ------------------------------------------------------------------ conversion


def test_account_opened_converts_and_credits_the_referrer(bank, make_customer):
    referrer = make_customer(bank.rm_a, name="王建国")
    r = referral_create(actor=bank.rm_a, to="lihua", need="开户", referrer_customer=referrer,
                        prospect={"name": "刘芳", "mobile": "13912345678", "consent_phone": True})
    referral_accept(actor=bank.rm_b, referral=r)
    referral_account_opened(actor=bank.rm_b, referral=r)
    r.refresh_from_db()
    assert r.conversion == "account" and r.customer.account_opened_on == clock.today()
    board = referral_board(visible_referrals(bank.head), first=clock.today(), last=clock.today())
    assert [(row.name, row.sent, row.converted) for row in board.referrers] == [("王建国", 1, 1)]


def test_a_sale_or_a_won_opportunity_after_the_referral_converts_it(bank, make_customer):
    referrer = make_customer(bank.rm_a)
    friend = make_customer(bank.rm_a, name="老朋友")
    other = make_customer(bank.rm_a, name="另一位")
    r1 = referral_create(actor=bank.rm_a, to="zhangmin", need="基金", referrer_customer=referrer, customer=friend)
    r2 = referral_create(actor=bank.rm_a, to="zhangmin", need="理财", referrer_customer=referrer, customer=other)
    assert referrals_refresh()["converted"] == 0
    holding_create(actor=bank.rm_a, customer=friend, product=bank.products.fund, amount="50000",
                   purchase_date=clock.today())
    opp = opportunity_create(actor=bank.rm_a, customer=other, need="理财", source="referral")
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="won")
    assert referrals_refresh()["converted"] == 2
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert r1.conversion == r2.conversion == "sale"
    assert referrals_refresh()["converted"] == 0  # idempotent


def test_the_feed_bringing_the_prospects_mobile_merges_and_converts(bank, make_customer):
    referrer = make_customer(bank.rm_a)
    r = referral_create(actor=bank.rm_a, to="lihua", need="开户", referrer_customer=referrer,
                        prospect={"name": "刘芳", "mobile": "13912345678", "consent_phone": True})
    prospect_id = r.customer_id
    real = make_customer(bank.rm_b, name="刘芳", mobile="13912345678", account_opened_on=clock.today())
    referrals_refresh()
    r.refresh_from_db()
    assert r.customer_id == real.pk and r.conversion == "account"
    assert not Customer.objects.filter(pk=prospect_id).exists()


# ------------------------------------------------------------------ API v1


def test_api_create_accept_decline_outcome_and_list(client, bank, make_customer, planner):
    referrer = make_customer(bank.rm_a)
    customer = make_customer(bank.rm_a)
    a, b, p = (api_token_issue(staff=s) for s in (bank.rm_a, bank.rm_b, planner))
    answer = _api(client, "POST", "/referrals", a, {
        "prospect": {"name": "刘芳", "mobile": "13912345678", "consent_phone": True},
        "referrer_customer_id": referrer.pk, "to": "lihua", "note": "朋友想了解大额存单"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["status"] == "pending" and body["to"] == "lihua" and body["sender"] == "zhangmin" and body["prospect"]
    rid = body["id"]
    assert _api(client, "POST", f"/referrals/{rid}/accept", a).status_code == 403  # visible, not theirs
    assert _api(client, "POST", f"/referrals/{rid}/decline", b, {"reason": ""}).status_code == 422
    ok = _api(client, "POST", f"/referrals/{rid}/decline", b, {"reason": "暂无精力"})
    assert ok.status_code == 200 and ok.json()["status"] == "declined"
    assert _api(client, "POST", f"/referrals/{rid}/accept", b).status_code == 409
    handoff = _api(client, "POST", "/referrals", a, {"customer_id": customer.pk, "to": "liping", "need": "养老规划"})
    hid = handoff.json()["id"]
    assert _api(client, "POST", f"/referrals/{hid}/outcome", p, {"outcome": "won"}).status_code == 409
    assert _api(client, "POST", f"/referrals/{hid}/accept", p).json()["status"] == "accepted"
    won = _api(client, "POST", f"/referrals/{hid}/outcome", p, {"outcome": "won", "note": "签约"}).json()
    assert won["outcome"] == "won" and won["converted"] and won["conversion"] == "sale"
    sent = _api(client, "GET", "/referrals?box=sent", a).json()
    assert sent["count"] == 2 and {i["id"] for i in sent["items"]} == {rid, hid}
    assert _api(client, "GET", "/referrals?box=received", p).json()["count"] == 1


def test_api_bad_input_names_the_field_and_writes_nothing(client, bank, make_customer):
    referrer = make_customer(bank.rm_a)
    a = api_token_issue(staff=bank.rm_a)
    cases = [
        ({"prospect": {"name": "刘芳", "mobile": "12345", "consent_phone": True}, "referrer_customer_id": referrer.pk,
          "to": "lihua", "note": "x"}, "prospect.mobile"),
        ({"customer_id": referrer.pk, "referrer_customer_id": referrer.pk, "to": "lihua", "note": "x"},
         "referrer_customer_id"),
        ({"customer_id": referrer.pk, "to": "no_such_user", "note": "x"}, "to"),
        ({"customer_id": referrer.pk, "to": "zhaolei", "note": "x"}, "to"),
        ({"customer_id": referrer.pk, "to": "lihua", "note": "x", "colour": "red"}, "colour"),
        ({"prospect": {"name": "刘芳", "mobile": "13912345678", "consent_phone": "yes"},
          "referrer_customer_id": referrer.pk, "to": "lihua", "note": "x"}, "prospect.consent_phone"),
    ]
    customers = Customer.objects.count()
    for body, field in cases:
        answer = _api(client, "POST", "/referrals", a, body)
        assert answer.status_code == 422, (body, answer.content)
        assert field in answer.json()["error"]["fields"], (field, answer.json())
    assert Customer.objects.count() == customers and not Referral.objects.exists()


def test_another_manager_or_branch_gets_404_on_every_endpoint(client, bank, make_customer):
    theirs = make_customer(bank.rm_b)
    r = referral_create(actor=bank.rm_b, to="zhangmin", need="理财", customer=theirs)  # rm_a receives
    mine = make_customer(bank.rm_a)
    own = referral_create(actor=bank.rm_a, to="lihua", need="理财", customer=mine)
    c = api_token_issue(staff=bank.rm_c)
    for method, path, body in (("GET", f"/referrals/{own.pk}", None), ("POST", f"/referrals/{own.pk}/accept", None),
                               ("POST", f"/referrals/{own.pk}/decline", {"reason": "x"}),
                               ("POST", f"/referrals/{own.pk}/outcome", {"outcome": "won"})):
        assert _api(client, method, path, c, body).status_code == 404, path
    assert _api(client, "GET", "/referrals", c).json()["count"] == 0
    # the assistant of zhangmin does not see zhangmin's referrals either
    assert _api(client, "GET", f"/referrals/{r.pk}", api_token_issue(staff=bank.assistant)).status_code == 404
    # a customer of another manager cannot be referred nor named as the referrer
    a = api_token_issue(staff=bank.rm_a)
    assert _api(client, "POST", "/referrals", a, {"customer_id": theirs.pk, "to": "lihua", "note": "x"}
                ).status_code == 404
    assert _api(client, "POST", "/referrals", a, {
        "prospect": {"name": "某", "mobile": "13900000000", "consent_phone": True},
        "referrer_customer_id": theirs.pk, "to": "lihua", "note": "x"}).status_code == 404
    # the branch head sees the branch's, another branch's head would not
    assert _api(client, "GET", f"/referrals/{own.pk}", api_token_issue(staff=bank.head)).status_code == 200
