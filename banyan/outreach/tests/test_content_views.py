"""The content library's pages (内容库): the library, a piece and its approval, sending from the
customer's file, the plans; another branch's piece and another manager's customer answer 404."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.messaging.models import Message
from banyan.outreach.content import content_piece_approve, content_piece_create, content_plan_create, content_plan_run
from banyan.outreach.content_models import ContentDelivery, ContentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gateways(tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(tmp_path / "wechat.jsonl"))


def _piece(actor, title="什么是基金的最大回撤", approve_by=None):
    p = content_piece_create(actor=actor, kind="knowledge", title=title, body="最大回撤告诉我们最坏的时候会跌多少。",
                             interests="基金", valid_until=TODAY + dt.timedelta(days=30))
    return content_piece_approve(actor=approve_by, piece=p) if approve_by else p


def test_write_approve_and_send_from_the_file(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国", interests="基金", consent_sms=True)
    rm, head = login(bank.rm_a), login(bank.head)
    answer = rm.post("/outreach/content/new/", {"kind": "knowledge", "title": "稳赚的基金", "body": "保证收益。",
                                                "valid_until": (TODAY + dt.timedelta(days=9)).isoformat()})
    assert answer.status_code == 400 and "保证收益" in answer.content.decode() and "稳赚" in answer.content.decode()
    answer = rm.post("/outreach/content/new/", {"kind": "knowledge", "title": "定投的微笑曲线",
                                                "body": "定投分散买入时点。", "interests": "基金",
                                                "valid_until": (TODAY + dt.timedelta(days=9)).isoformat()})
    assert answer.status_code == 302
    pk = int(answer["Location"].rstrip("/").split("/")[-1])
    assert "piece-approve" not in rm.get(f"/outreach/content/{pk}/").content.decode()
    assert head.post(f"/outreach/content/{pk}/approve/").status_code == 302
    page = rm.get(f"/outreach/content/{pk}/").content.decode()
    assert "赵磊" in page and "已审批" in page
    card = rm.get(f"/outreach/customers/{wang.pk}/content/", HTTP_HX_REQUEST="true").content.decode()
    assert f"/outreach/content/{pk}/send/{wang.pk}/" in card
    assert "王先生您好" in rm.get(f"/outreach/content/{pk}/send/{wang.pk}/").content.decode()
    sent = rm.post(f"/outreach/content/{pk}/send/{wang.pk}/", {"channel": "sms"})
    assert sent.status_code == 302 and Message.objects.get().status == "sent"
    again = rm.post(f"/outreach/content/{pk}/send/{wang.pk}/", {"channel": "sms"})
    assert again.status_code == 400 and Message.objects.count() == 1
    assert f"/send/{wang.pk}/" not in rm.get(f"/outreach/customers/{wang.pk}/content/",
                                             HTTP_HX_REQUEST="true").content.decode()


def test_out_of_reach_pieces_plans_and_customers_are_404(bank, login, make_customer):
    other = make_customer(bank.rm_b, name="刘芳", consent_sms=True)
    foreign = _piece(bank.rm_c, title="城西的内容", approve_by=bank.admin)
    mine = _piece(bank.rm_a, approve_by=bank.head)
    plan = content_plan_create(actor=bank.rm_b, name="李华的计划", filter={"interest": "基金"}, every_days=14,
                               channels=["sms"], pieces=[mine], first_run_on=TODAY + dt.timedelta(days=3))
    rm = login(bank.rm_a)
    assert rm.get(f"/outreach/content/{foreign.pk}/").status_code == 404
    assert "城西的内容" not in rm.get("/outreach/content/").content.decode()
    assert rm.get(f"/outreach/content/{mine.pk}/send/{other.pk}/").status_code == 404
    assert rm.post(f"/outreach/content/{mine.pk}/send/{other.pk}/", {"channel": "sms"}).status_code == 404
    assert rm.get(f"/outreach/content/plans/{plan.pk}/").status_code == 404
    assert rm.get(f"/outreach/customers/{other.pk}/content/").status_code == 404
    assert login(bank.head).post(f"/outreach/content/{foreign.pk}/approve/").status_code == 404
    assert not ContentDelivery.objects.exists()


def test_the_plan_page_shows_the_last_run_and_the_exclusions(bank, login, make_customer):
    make_customer(bank.rm_a, name="王建国", interests="基金", consent_sms=True, orientation="value")
    make_customer(bank.rm_a, name="陈志强", interests="基金", orientation="value")  # no SMS consent
    piece = _piece(bank.rm_a, approve_by=bank.head)
    plan = content_plan_create(actor=bank.rm_a, name="价值型·基金·双周", filter={"orientation": "value"},
                               every_days=14, channels=["sms"], pieces=[piece],
                               first_run_on=TODAY + dt.timedelta(days=1))
    content_plan_run(plan=plan)
    page = login(bank.rm_a).get(f"/outreach/content/plans/{plan.pk}/").content.decode()
    assert 'id="plan-queued">1<' in page and "客户未同意该渠道：1" in page
    assert (TODAY + dt.timedelta(days=14)).isoformat() in page
    assert piece.status == ContentStatus.APPROVED
