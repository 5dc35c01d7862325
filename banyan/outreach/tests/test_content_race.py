"""Exactly once (DESIGN.md house style 6) for the content library: twenty parallel sends of one
piece to one customer — a double tap, two tabs, a retrying client — write one delivery and one
message, the others answer 409; twenty parallel runs of one plan make one run and one message per
customer. Requests fired at a live server from many threads."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.messaging.models import Message
from banyan.org.services import api_token_issue
from banyan.outreach.content import content_piece_approve, content_piece_create, content_plan_create, content_plan_run
from banyan.outreach.content_models import ContentDelivery, ContentPlanRun
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _gateways(tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(tmp_path / "wechat.jsonl"))


def _piece(bank):
    p = content_piece_create(actor=bank.rm_a, kind="knowledge", title="基金定投的微笑曲线", body="定投分散买入时点。",
                             interests="基金", valid_until=TODAY + dt.timedelta(days=30))
    return content_piece_approve(actor=bank.head, piece=p)


def test_parallel_sends_of_one_piece_to_one_customer_send_it_once(server, bank, make_customer):  # noqa: F811
    wang = make_customer(bank.rm_a, name="王建国", interests="基金", consent_sms=True)
    piece = _piece(bank)
    token = api_token_issue(staff=bank.rm_a)
    answers = _race(N, lambda i: _api(server, token, f"/customers/{wang.pk}/content/{piece.pk}/send",
                                      {"channel": "sms"}))
    assert sorted(s for s, _b in answers) == [201] + [409] * (N - 1), answers
    assert ContentDelivery.objects.filter(customer=wang).count() == 1
    assert Message.objects.filter(customer=wang).count() == 1


def test_parallel_runs_of_one_plan_make_one_run_and_one_message_each(bank, make_customer):
    from banyan.worklists.tests.test_exactly_once import _race as race

    people = [make_customer(bank.rm_a, name=n, interests="基金", consent_sms=True, orientation="value")
              for n in ("王建国", "李秀英", "陈志强")]
    plan = content_plan_create(actor=bank.rm_a, name="价值型·基金·双周", filter={"orientation": "value"},
                               every_days=14, channels=["sms"], pieces=[_piece(bank)])
    runs = race(8, lambda i: content_plan_run(plan=plan))
    assert sum(1 for r in runs if r is not None) == 1
    assert ContentPlanRun.objects.count() == 1
    assert ContentDelivery.objects.count() == len(people) and Message.objects.count() == len(people)
