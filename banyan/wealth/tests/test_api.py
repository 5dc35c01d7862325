"""API v1 of wealth care (API.md "Wealth care"): the questionnaire, an assessment (every question
answered, 422 naming the question), the suitability verdict, and a sale under it (422 `unsuitable`
naming the blocking rules; warnings returned and recorded); another manager gets 404 on each.
Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.audit.models import AuditEvent
from banyan.holdings.models import Holding
from banyan.holdings.services import product_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.wealth.models import RiskAssessment, SaleCheck
from banyan.wealth.tests.test_assessment import BALANCED, HIGHEST, LOWEST


@pytest.fixture
def as_rm_a(bank, client):
    return ApiCaller(client, bank.rm_a)


@pytest.fixture
def r4(db):
    return product_create(actor=None, code="F-R4", name="行业精选股票基金", type="fund", risk_level="R4")


def test_the_questionnaire_lists_every_question_with_its_answers_in_the_callers_language(bank, as_rm_a):
    body = as_rm_a.get("/risk-questionnaire").json()
    assert (body["version"], body["valid_days"], body["daily_limit"]) == (1, 365, 2)
    assert len(body["questions"]) == 11
    age = body["questions"][0]
    assert age["id"] == "age" and age["text"] == "您的年龄是？"
    assert [o["id"] for o in age["options"]] == ["A", "B", "C", "D"] and "score" not in age["options"][0]
    as_rm_a.client.cookies["django_language"] = "en"  # the language switch's cookie
    english = as_rm_a.get("/risk-questionnaire")
    assert english.json()["questions"][0]["text"] == "How old are you?"


def test_an_assessment_through_the_api_sets_the_customers_level(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    response = as_rm_a.post(f"/customers/{customer.pk}/risk-assessments", {"answers": BALANCED})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["assessed_on"], body["expires_on"], body["flags"]) == (
        "C3", "2026-11-23", "2027-11-23", [])
    assert as_rm_a.get(f"/customers/{customer.pk}").json()["risk_level"] == "C3"
    assert RiskAssessment.objects.get(customer=customer).source == "api"


def test_a_missing_or_unknown_answer_is_422_naming_the_question(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    answers = {**BALANCED, "horizon": "Z"}
    del answers["purpose"]
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/risk-assessments", {"answers": answers}), 422,
                         "invalid")
    assert set(error["fields"]) == {"answers.horizon", "answers.purpose"}
    assert not RiskAssessment.objects.exists()


def test_a_third_assessment_in_a_day_is_refused(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    for answers in (LOWEST, BALANCED):
        assert as_rm_a.post(f"/customers/{customer.pk}/risk-assessments", {"answers": answers}).status_code == 201
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/risk-assessments", {"answers": HIGHEST}), 422,
                         "daily_limit")
    assert "监管" in error["message"]
    customer.refresh_from_db()
    assert customer.risk_level == "C3"


def test_contradicting_answers_are_returned_and_kept(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    answers = {**BALANCED, "experience": "A", "holdings": "C"}
    body = as_rm_a.post(f"/customers/{customer.pk}/risk-assessments", {"answers": answers}).json()
    assert body["flags"] == ["no_experience_risky_holdings"]
    assert RiskAssessment.objects.get(customer=customer).flags == ["no_experience_risky_holdings"]


@pytest.mark.parametrize(("level", "assessed", "product", "allowed", "codes"), [
    ("", None, "W180", False, ["no_assessment"]),
    ("C4", dt.date(2025, 10, 1), "W180", False, ["assessment_expired"]),
    ("C2", dt.date(2026, 3, 1), "F001", False, ["risk_above_level"]),
    ("C3", dt.date(2026, 3, 1), "F001", True, []),
    ("", None, "TD3Y", True, []),  # a deposit is not an investment product
])
def test_the_suitability_verdict(bank, make_customer, as_rm_a, level, assessed, product, allowed, codes):
    customer = make_customer(bank.rm_a, risk_level=level, risk_assessed_on=assessed)
    body = as_rm_a.get(f"/customers/{customer.pk}/suitability", product=product).json()
    assert body["allowed"] is allowed and [r["code"] for r in body["rules"]] == codes
    assert all(r["blocking"] for r in body["rules"]) and body["customer_level"] == level
    assert_error(as_rm_a.get(f"/customers/{customer.pk}/suitability", product="NOPE"), 422, "invalid")


def test_an_older_customer_gets_the_warnings_with_what_to_do(bank, make_customer, as_rm_a, r4):
    customer = make_customer(bank.rm_a, birth=dt.date(1958, 3, 2), risk_level="C5",
                             risk_assessed_on=dt.date(2026, 6, 1))
    body = as_rm_a.get(f"/customers/{customer.pk}/suitability", product="F-R4").json()
    assert body["allowed"] is True and body["product_level"] == "R4"
    rules = {r["code"]: r for r in body["rules"]}
    assert list(rules) == ["elderly_high_risk", "dual_recording_required"]
    assert not any(r["blocking"] for r in body["rules"])
    assert "复核" in rules["elderly_high_risk"]["message"] and "双录编号" in rules["dual_recording_required"]["message"]


@pytest.mark.parametrize(("level", "assessed", "rule"), [
    ("C2", dt.date(2026, 3, 1), "risk_above_level"),
    ("C4", dt.date(2025, 10, 1), "assessment_expired"),
    ("", None, "no_assessment"),
])
def test_a_blocked_sale_is_422_unsuitable_naming_the_rules(bank, make_customer, as_rm_a, level, assessed, rule):
    customer = make_customer(bank.rm_a, risk_level=level, risk_assessed_on=assessed)
    response = as_rm_a.post(f"/customers/{customer.pk}/sales", {"product_code": "F001", "amount": "50000",
                                                                "purchase_date": "2026-11-23"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unsuitable" and [r["code"] for r in error["rules"]] == [rule]
    assert error["fields"]["product_code"] and all(r["blocking"] for r in error["rules"])
    if rule == "risk_above_level":
        assert "风险等级为 R3" in error["message"]
    assert not Holding.objects.filter(customer=customer).exists()


def test_a_private_products_sale_returns_its_cooling_off(bank, make_customer, as_rm_a):
    private = product_create(actor=None, code="PE-01", name="稳盈私募一号", type="fund", risk_level="R3")
    private.is_private = True
    private.save()
    customer = make_customer(bank.rm_a, risk_level="C3", risk_assessed_on=dt.date(2026, 6, 1))
    verdict = as_rm_a.get(f"/customers/{customer.pk}/suitability", product="PE-01").json()
    assert [r["code"] for r in verdict["rules"]] == ["dual_recording_required", "cooling_off"]
    assert "24 小时冷静期" in verdict["rules"][1]["message"]
    response = as_rm_a.post(f"/customers/{customer.pk}/sales", {"product_code": "PE-01", "amount": "1000000",
                                                                "purchase_date": "2026-11-23",
                                                                "dual_recording_ref": "SL-PE-1"})
    assert response.status_code == 201, response.content
    body = response.json()["suitability"]
    assert [r["code"] for r in body["rules"]] == ["dual_recording_required", "cooling_off"]
    assert body["cooling_off_ends_at"] is not None


def test_a_sale_with_warnings_needs_what_they_ask_and_records_them(bank, make_customer, as_rm_a, r4):
    customer = make_customer(bank.rm_a, birth=dt.date(1958, 3, 2), risk_level="C5",
                             risk_assessed_on=dt.date(2026, 6, 1))
    sale = {"product_code": "F-R4", "amount": "80000", "purchase_date": "2026-11-23"}
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/sales", sale), 422, "invalid")
    assert set(error["fields"]) == {"dual_recording_ref", "signoff_by"}
    response = as_rm_a.post(f"/customers/{customer.pk}/sales", {**sale, "dual_recording_ref": "SL-1",
                                                                "signoff_by": bank.head.username})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["product_code"] == "F-R4" and body["amount"] == "80000.00"
    assert [r["code"] for r in body["suitability"]["rules"]] == ["elderly_high_risk", "dual_recording_required"]
    assert body["suitability"]["signoff_by"] == bank.head.username
    check = SaleCheck.objects.get(holding_id=body["id"])
    assert check.source == "api" and check.dual_recording_ref == "SL-1"
    assert AuditEvent.objects.filter(action="sale.recorded", customer_id=customer.pk).exists()


def test_another_manager_gets_404_on_every_endpoint(bank, make_customer, client):
    customer = make_customer(bank.rm_a, risk_level="C3", risk_assessed_on=dt.date(2026, 3, 1))
    for who in (bank.rm_b, bank.rm_c):
        other = ApiCaller(client, who)
        assert_error(other.post(f"/customers/{customer.pk}/risk-assessments", {"answers": BALANCED}), 404,
                     "not_found")
        assert_error(other.get(f"/customers/{customer.pk}/suitability", product="F001"), 404, "not_found")
        assert_error(other.post(f"/customers/{customer.pk}/sales", {"product_code": "TD3Y", "amount": "1",
                                                                    "purchase_date": "2026-11-23"}), 404, "not_found")
    assert not RiskAssessment.objects.exists() and not Holding.objects.exists()
