"""Suitability drift (适当性): a lower re-assessment below what the customer holds shows on the
customer file (a warning card naming the holdings) and on the manager's worklist (reason
`suitability_drift`, with what to say); and the worklist's expiry reminder follows the
assessment's own expiry. Today is Monday 2026-11-23."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from banyan import clock
from banyan.holdings.services import holding_create, product_create
from banyan.wealth.models import Questionnaire
from banyan.wealth.selectors import suitability_gaps
from banyan.wealth.services import assessment_record, sale_record
from banyan.wealth.tests.test_assessment import BALANCED
from banyan.worklists.models import Task
from banyan.worklists.services import worklists_build

TODAY = dt.date(2026, 11, 23)
#: Answers scoring 39: C2.
CAUTIOUS = {"age": "D", "income": "B", "income_stability": "C", "invest_share": "B", "holdings": "A",
            "experience": "B", "knowledge": "B", "horizon": "B", "loss_tolerance": "B", "purpose": "A",
            "liquidity": "A"}


def _reasons(manager, customer):
    with clock.frozen(TODAY):
        worklists_build(day=TODAY, manager_ids=[manager.pk])
    task = Task.objects.filter(manager=manager, date=TODAY, customer=customer).prefetch_related("reasons").first()
    return {r.code: r for r in task.reasons.all()} if task else {}


def test_a_lower_reassessment_shows_on_the_file_and_the_worklist(bank, make_customer, login):
    customer = make_customer(bank.rm_a, name="陈国庆", birth=dt.date(1975, 4, 9))
    assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)  # C3
    customer.refresh_from_db()
    sale_record(actor=bank.rm_a, customer=customer, product=bank.products.fund, amount="100000",
                purchase_date="2026-11-23")  # R3, within C3
    client = login(bank.rm_a)
    assert 'id="suitability-drift"' not in client.get(f"/customers/{customer.pk}/").content.decode()

    assessment_record(actor=bank.rm_a, customer=customer, answers=CAUTIOUS)  # the customer's situation changed: C2
    customer.refresh_from_db()
    assert customer.risk_level == "C2"
    gaps = suitability_gaps(customer)
    assert [(g.holding.product.code, g.drift) for g in gaps] == [("F001", True)]

    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="suitability-drift"' in page and "持仓高于客户风险等级" in page
    assert "购买时在等级内（C3），之后等级下降" in page and 'data-flag="above-level"' in page
    profile = client.get(f"/wealth/customers/{customer.pk}/risk/").content.decode()
    assert 'id="suitability-drift"' in profile and "原 C3" in profile

    reason = _reasons(bank.rm_a, customer)["suitability_drift"]
    assert reason.detail == "风险测评为C2（11月23日），1 个持仓高于该等级：稳健成长混合基金"
    from banyan.worklists.talking import detail_text, task_talk

    with translation.override("en"):
        assert detail_text(reason) == "Risk assessment C2 (23 Nov): 1 holding above that level: 稳健成长混合基金"
    with clock.frozen(TODAY), translation.override("zh-hans"):
        talk = task_talk(reason.task)
    assert any("您最近一次风险测评的结果是C2，您持有的稳健成长混合基金风险比这个等级高" in line for line in talk.script)
    assert any("不得销售超出等级的产品" in note for note in talk.notes)


def test_a_holding_core_banking_recorded_above_the_level_is_flagged_not_drift(bank, make_customer, login):
    r5 = product_create(actor=None, code="PE-9", name="股权私募九号", type="fund", risk_level="R5")
    customer = make_customer(bank.rm_a, risk_level="C3", risk_assessed_on=dt.date(2026, 11, 20))
    holding_create(actor=None, customer=customer, product=r5, amount="1000000", purchase_date="2026-11-20",
                   external_id="H-PE-9")  # a feed: never refused
    gaps = suitability_gaps(customer)
    assert [(g.holding.product.code, g.drift) for g in gaps] == [("PE-9", False)]
    page = login(bank.rm_a).get(f"/customers/{customer.pk}/").content.decode()
    assert "登记时即高于等级" in page and 'data-flag="above-level"' in page
    assert "suitability_drift" in _reasons(bank.rm_a, customer)


def test_no_drift_when_the_holdings_are_within_the_new_level(bank, make_customer):
    customer = make_customer(bank.rm_a, risk_level="C4", risk_assessed_on=dt.date(2026, 1, 5))
    holding_create(actor=None, customer=customer, product=bank.products.wealth, amount="50000",
                   purchase_date="2026-02-01")  # R2
    assessment_record(actor=bank.rm_a, customer=customer, answers=CAUTIOUS)  # C2
    customer.refresh_from_db()
    assert suitability_gaps(customer) == []
    assert "suitability_drift" not in _reasons(bank.rm_a, customer)


def test_the_expiry_reminder_follows_the_assessments_own_expiry(bank, make_customer):
    """A questionnaire valid 180 days: the reminder comes 30 days ahead of that expiry, not a year."""
    Questionnaire.objects.filter(status="published").update(valid_days=180)
    customer = make_customer(bank.rm_a, name="周慧")
    with clock.frozen(dt.date(2026, 6, 1)):
        assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)  # valid until 2026-11-28
    reason = _reasons(bank.rm_a, customer)["risk_assessment_expiry"]
    assert reason.due_date == dt.date(2026, 11, 28) and reason.detail == "风险测评（C3）2026-11-28 到期"


def test_a_level_without_an_assessment_expires_a_validity_after_its_date(bank, make_customer):
    """A level typed on the profile or fed with the customer (no assessment behind it)."""
    customer = make_customer(bank.rm_a, risk_level="C4", risk_assessed_on=dt.date(2025, 12, 10))
    reason = _reasons(bank.rm_a, customer)["risk_assessment_expiry"]
    assert reason.due_date == dt.date(2026, 12, 10)
