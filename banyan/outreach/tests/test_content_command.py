"""`banyan content run`: the due cultivation plans run from the command line (the beat's job), and
it says how many messages it queued and who was left out by which rule."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from banyan.conftest import TODAY
from banyan.messaging.models import Message
from banyan.outreach.content import content_piece_approve, content_piece_create, content_plan_create
from banyan.outreach.content_models import ContentDelivery, ContentPlan


@pytest.fixture(autouse=True)
def _gateways(tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(tmp_path / "wechat.jsonl"))


def _run(*args) -> str:
    out = io.StringIO()
    call_command("content", "run", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_the_due_plans_once_and_counts_who_was_left_out(bank, make_customer):
    piece = content_piece_create(actor=bank.rm_a, kind="knowledge", title="基金定投的微笑曲线",
                                 body="定投分散了买入时点。投资有风险，定投不能保证盈利。", interests="基金",
                                 valid_until=TODAY + dt.timedelta(days=60))
    piece = content_piece_approve(actor=bank.head, piece=piece)
    reached = make_customer(bank.rm_a, name="王建国", interests="基金", consent_sms=True)
    make_customer(bank.rm_a, name="李秀英", interests="基金", consent_sms=False)
    make_customer(bank.rm_a, name="陈志强", interests="基金", consent_sms=True, do_not_disturb=True)
    plan = content_plan_create(actor=bank.rm_a, name="基金爱好者", filter={"interest": "基金"}, every_days=14,
                               channels=["sms"], pieces=[piece])

    out = _run()
    assert f"{TODAY}: ran 1 plans, queued 1 messages, left out 2 by rule" in out
    assert "  no_consent: 1" in out and "  do_not_disturb: 1" in out
    assert list(ContentDelivery.objects.values_list("customer_id", flat=True)) == [reached.pk]
    assert Message.objects.filter(customer=reached, status="queued").count() == 1
    plan.refresh_from_db()
    assert plan.next_run_on == TODAY + dt.timedelta(days=14)

    # the same day again (the beat fired too): nothing more is queued
    assert f"{TODAY}: ran 0 plans, queued 0 messages, left out 0 by rule" in _run()
    assert Message.objects.count() == 1
    # on the plan's next day it runs again; the one customer who got the piece does not get it twice
    out = _run("--date", (TODAY + dt.timedelta(days=14)).isoformat())
    assert "ran 1 plans, queued 0 messages, left out 3 by rule" in out and "  all_received: 1" in out
    assert ContentPlan.objects.get().runs.count() == 2


def test_a_bad_date_is_refused_in_words(bank):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _run("--date", "23/11/2026")
