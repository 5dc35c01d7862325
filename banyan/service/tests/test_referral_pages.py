"""The referral pages (SVC-2): 转介绍 on the customer file (a friend as a prospect, a customer on
file, a need handed off; bad input at the field, nothing written), 我收到的 / 我发出的 with the
cards answered in place (the refusal on the card), the receiver's brief of a handed-off customer
(open only while the hand-off is accepted and open), the branch head's board — and 404 for
another manager or branch on every page."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.customers.models import Customer
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.service.models import Referral, ReferralStatus
from banyan.service.referral_services import referral_accept, referral_create, referral_outcome

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def planner(bank):
    from banyan.conftest import PASSWORD

    return staff_create(actor=None, username="liping", password=PASSWORD, role=Role.PLANNER, branch=bank.b1,
                        full_name="李萍", check_password=False)


def test_refer_a_friend_from_the_customer_file(bank, make_customer, login):
    referrer = make_customer(bank.rm_a, name="王建国")
    client = login(bank.rm_a)
    page = client.get(f"/customers/{referrer.pk}/")
    assert f"/service/referrals/customers/{referrer.pk}/" in page.content.decode()
    form = client.get(f"/service/referrals/customers/{referrer.pk}/")
    assert form.status_code == 200 and "李华" in form.content.decode()
    answer = client.post(f"/service/referrals/customers/{referrer.pk}/", {
        "mode": "friend", "to": "lihua", "need": "想了解大额存单", "prospect_name": "刘芳",
        "prospect_mobile": "13912345678", "consent_phone": "on", "consent_channel": "phone"})
    assert answer.status_code == 302 and answer["Location"] == f"/customers/{referrer.pk}/"
    r = Referral.objects.get()
    assert r.referrer_customer == referrer and r.customer.name == "刘芳" and r.customer.rm == bank.rm_b


@pytest.mark.parametrize("fields, where, words", [
    ({"prospect_mobile": "1391234"}, "prospect_mobile", "11"),
    ({"consent_phone": ""}, "consent_phone", "同意"),
    ({"to": "wangfang"}, "to", ""),  # another branch's manager is not a choice
    ({"need": ""}, "need", ""),
])
def test_bad_input_on_the_refer_form_is_shown_at_the_field_and_nothing_is_written(
        bank, make_customer, login, fields, where, words):
    referrer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    customers = Customer.objects.count()
    body = {"mode": "friend", "to": "lihua", "need": "理财", "prospect_name": "刘芳",
            "prospect_mobile": "13912345678", "consent_phone": "on", "consent_channel": "phone", **fields}
    answer = client.post(f"/service/referrals/customers/{referrer.pk}/", body)
    assert answer.status_code == 400
    form = answer.context["form"]
    assert form.errors.get(where), form.errors
    assert words in " ".join(form.errors[where])
    assert Customer.objects.count() == customers and not Referral.objects.exists()


def test_hand_off_then_the_receiver_accepts_in_place_and_opens_the_brief(bank, make_customer, login, planner):
    customer = make_customer(bank.rm_a, name="孙强", mobile="13800001234")
    sender = login(bank.rm_a)
    answer = sender.post(f"/service/referrals/customers/{customer.pk}/",
                         {"mode": "handoff", "to": "liping", "need": "子女教育金规划"})
    assert answer.status_code == 302
    r = Referral.objects.get()
    receiver = login(planner)
    assert receiver.get(f"/service/referrals/{r.pk}/customer/").status_code == 404  # not accepted yet
    assert receiver.get(f"/customers/{customer.pk}/").status_code == 404  # a hand-off opens no file
    inbox = receiver.get("/service/referrals/").content.decode()
    assert "孙强" in inbox and "子女教育金规划" in inbox and f"/service/referrals/{r.pk}/accept/" in inbox
    refused = receiver.post(f"/service/referrals/{r.pk}/decline/", {"reason": ""}, **HX)
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    card = receiver.post(f"/service/referrals/{r.pk}/accept/", **HX)
    assert card.status_code == 200 and 'data-status="accepted"' in card.content.decode()
    again = receiver.post(f"/service/referrals/{r.pk}/accept/", **HX)
    assert again.status_code == 400 and "已" in again.content.decode()
    brief = receiver.get(f"/service/referrals/{r.pk}/customer/")
    assert brief.status_code == 200 and "13800001234" in brief.content.decode()
    assert AuditEvent.objects.filter(action="customer.viewed", customer_id=customer.pk, actor=planner).exists()
    referral_outcome(actor=planner, referral=Referral.objects.get(), outcome="won", note="签约")
    assert receiver.get(f"/service/referrals/{r.pk}/customer/").status_code == 404  # closed: ends it
    sent = sender.get("/service/referrals/?box=sent").content.decode()
    assert "签约" in sent and "成交" in sent or "赢" in sent or "won" in sent


def test_the_branch_board_counts_referrers_and_staff(bank, make_customer, login):
    referrer = make_customer(bank.rm_a, name="王建国")
    friend = make_customer(bank.rm_a, name="老朋友")
    r = referral_create(actor=bank.rm_a, to="lihua", need="基金", referrer_customer=referrer, customer=friend)
    referral_accept(actor=bank.rm_b, referral=r)
    referral_outcome(actor=bank.rm_b, referral=r, outcome="won", note="买了基金")
    page = login(bank.head).get("/service/referrals/board/")
    text = page.content.decode()
    assert page.status_code == 200 and "王建国" in text and "张敏" in text and "李华" in text
    assert page.context["board"].converted == 1
    assert login(bank.rm_a).get("/service/referrals/board/").status_code == 404


def test_another_manager_or_branch_gets_404_on_every_referral_page(bank, make_customer, login, planner):
    customer = make_customer(bank.rm_a)
    r = referral_create(actor=bank.rm_a, to=planner, need="保险", customer=customer)
    referral_accept(actor=planner, referral=r)
    other = login(bank.rm_c)
    for url in (f"/service/referrals/{r.pk}/customer/", f"/service/referrals/customers/{customer.pk}/"):
        assert other.get(url).status_code == 404, url
    for action in ("accept", "decline", "outcome", "account"):
        assert other.post(f"/service/referrals/{r.pk}/{action}/", {"reason": "x", "outcome": "won"}).status_code \
            == 404, action
    assert "保险" not in other.get("/service/referrals/?box=received").content.decode()
    assert login(bank.rm_b).get(f"/service/referrals/{r.pk}/customer/").status_code == 404
    assert login(bank.assistant).post(f"/service/referrals/{r.pk}/accept/").status_code == 404
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED
