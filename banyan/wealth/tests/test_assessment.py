"""风险测评 (WEA-1): the default questionnaire scores answers into C1–C5 by its bands, an assessment is
valid for the questionnaire's period, a third assessment in a day is refused, inconsistent
answers are flagged and kept, and the customer's risk level follows. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from banyan.audit.models import AuditEvent
from banyan.wealth.models import Questionnaire, RiskAssessment
from banyan.wealth.selectors import current_questionnaire
from banyan.wealth.services import DailyLimitReached, assessment_record, score_answers

#: Answers to the default questionnaire (question code → option code).
LOWEST = {"age": "D", "income": "A", "income_stability": "A", "invest_share": "A", "holdings": "A",
          "experience": "A", "knowledge": "A", "horizon": "A", "loss_tolerance": "A", "purpose": "A",
          "liquidity": "A"}
BALANCED = {"age": "B", "income": "B", "income_stability": "C", "invest_share": "C", "holdings": "B",
            "experience": "C", "knowledge": "B", "horizon": "B", "loss_tolerance": "B", "purpose": "B",
            "liquidity": "B"}
HIGHEST = {"age": "B", "income": "D", "income_stability": "D", "invest_share": "D", "holdings": "D",
           "experience": "D", "knowledge": "D", "horizon": "D", "loss_tolerance": "D", "purpose": "D",
           "liquidity": "D"}


def test_the_default_questionnaire_is_in_use_in_chinese_and_english(db):
    q = current_questionnaire()
    assert q.version == 1 and q.valid_days == 365 and q.daily_limit == 2
    questions = list(q.questions.all())
    assert len(questions) == 11
    assert [x.code for x in questions][:3] == ["age", "income", "income_stability"]
    assert all(x.text and x.text_en and len(x.options.all()) >= 4 for x in questions)
    assert questions[0].text == "您的年龄是？" and questions[0].text_en == "How old are you?"


@pytest.mark.parametrize(("score", "level"), [
    (19, "C1"), (29, "C1"), (30, "C2"), (49, "C2"), (50, "C3"), (69, "C3"), (70, "C4"), (89, "C4"), (90, "C5"),
    (110, "C5"),
])
def test_score_bands_map_to_levels_at_their_boundaries(db, score, level):
    assert current_questionnaire().level_for(score) == level


def test_answers_score_to_their_level(db):
    q = current_questionnaire()
    assert (score_answers(q, LOWEST).score, score_answers(q, LOWEST).level) == (19, "C1")
    assert score_answers(q, HIGHEST).score == 110 and score_answers(q, HIGHEST).level == "C5"
    balanced = score_answers(q, BALANCED)
    assert balanced.level == "C3" and balanced.flags == []


def test_a_missing_or_unknown_answer_names_the_question(db):
    q = current_questionnaire()
    answers = {**BALANCED, "horizon": "Z"}
    del answers["purpose"]
    with pytest.raises(ValidationError) as e:
        score_answers(q, {**answers, "shoe_size": "A"})
    errors = e.value.message_dict
    assert set(errors) == {"horizon", "purpose", "shoe_size"}
    assert "没有答案 Z" in errors["horizon"][0] and "第 10 题未作答" in errors["purpose"][0]


def test_an_assessment_is_valid_a_year_and_the_customer_follows(bank, make_customer):
    customer = make_customer(bank.rm_a)
    a = assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    assert (a.level, a.assessed_on, a.expires_on) == ("C3", dt.date(2026, 11, 23), dt.date(2027, 11, 23))
    assert a.questionnaire.version == 1 and a.recorded_by == bank.rm_a and a.source == "manager"
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_assessed_on) == ("C3", dt.date(2026, 11, 23))
    event = AuditEvent.objects.get(action="risk_assessment.recorded", customer_id=customer.pk)
    assert event.after["risk_level"] == "C3" and event.after["score"] == a.score


def test_the_validity_follows_the_questionnaire(bank, make_customer):
    Questionnaire.objects.filter(status="published").update(valid_days=180)
    customer = make_customer(bank.rm_a)
    a = assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    assert a.expires_on == dt.date(2027, 5, 22)


def test_a_third_assessment_in_a_day_is_refused_and_says_why(bank, make_customer):
    customer = make_customer(bank.rm_a)
    assessment_record(actor=bank.rm_a, customer=customer, answers=LOWEST)
    assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    with pytest.raises(DailyLimitReached) as e:
        assessment_record(actor=bank.rm_a, customer=customer, answers=HIGHEST)
    assert "监管" in e.value.messages[0]
    customer.refresh_from_db()
    assert customer.risk_level == "C3" and RiskAssessment.objects.filter(customer=customer).count() == 2


def test_the_daily_limit_is_the_banks(bank, make_customer):
    Questionnaire.objects.filter(status="published").update(daily_limit=1)
    customer = make_customer(bank.rm_a)
    assessment_record(actor=bank.rm_a, customer=customer, answers=LOWEST)
    with pytest.raises(DailyLimitReached):
        assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)


def test_inconsistent_answers_are_flagged_and_kept(bank, make_customer):
    """'No experience' with 'mostly in equities', and a horizon under a year with 'long-term
    growth', are kept as flags with the result (not silently scored)."""
    customer = make_customer(bank.rm_a)
    answers = {**BALANCED, "experience": "A", "holdings": "C", "horizon": "A", "purpose": "D"}
    a = assessment_record(actor=bank.rm_a, customer=customer, answers=answers,
                          flags_note="客户确认：股票为配偶代为操作")
    assert a.flags == ["no_experience_risky_holdings", "short_horizon_growth"]
    assert a.flags_note == "客户确认：股票为配偶代为操作"
    assert AuditEvent.objects.get(action="risk_assessment.recorded").after["flags"] == \
        "no_experience_risky_holdings, short_horizon_growth"


def test_a_new_version_leaves_old_assessments_with_theirs(bank, make_customer):
    from banyan.wealth.services import questionnaire_draft, questionnaire_publish

    customer = make_customer(bank.rm_a)
    old = assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    draft = questionnaire_draft(actor=bank.admin)
    assert draft.version == 2 and draft.questions.count() == 11
    questionnaire_publish(actor=bank.admin, draft=draft)
    old.refresh_from_db()
    assert old.questionnaire.version == 1 and old.questionnaire.status == "retired"
    assert current_questionnaire().version == 2
    new = assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    assert new.questionnaire.version == 2
    assert AuditEvent.objects.filter(action="questionnaire.published").count() == 1
