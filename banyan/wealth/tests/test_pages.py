"""The assessment pages on the customer file (WEA-1): the questionnaire with the customer, the
risk profile with its history; a missing answer is named at its question, contradicting answers
wait for the customer's confirmation in words, a third assessment in a day is refused on the page
saying why; another manager and the auditor get 404. Today is 2026-11-23."""

from __future__ import annotations

from banyan.wealth.models import RiskAssessment
from banyan.wealth.services import assessment_record
from banyan.wealth.tests.test_assessment import BALANCED, LOWEST


def _post(answers, **extra):
    return {**{f"q-{k}": v for k, v in answers.items()}, **extra}


def test_the_questionnaire_is_taken_on_the_page_and_the_profile_shows_it(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    page = client.get(f"/wealth/customers/{customer.pk}/assessment/").content.decode()
    assert "您的年龄是？" in page and page.count('class="btn-check"') == 44
    response = client.post(f"/wealth/customers/{customer.pk}/assessment/", _post(BALANCED), follow=True)
    text = response.content.decode()
    assert "风险测评已记录：C3 平衡型" in text and "适合 R3（中风险）及以下的产品" in text and "2027-11-23" in text
    assert RiskAssessment.objects.get(customer=customer).recorded_by == bank.rm_a


def test_a_missing_answer_is_named_and_nothing_is_recorded(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    answers = dict(BALANCED)
    del answers["horizon"]
    response = login(bank.rm_a).post(f"/wealth/customers/{customer.pk}/assessment/", _post(answers))
    assert response.status_code == 400 and "第 8 题未作答" in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_contradicting_answers_wait_for_the_customers_words(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    answers = {**BALANCED, "horizon": "A", "purpose": "D"}
    shown = client.post(f"/wealth/customers/{customer.pk}/assessment/", _post(answers))
    assert shown.status_code == 200 and "投资期限不到 1 年，目的却是追求长期高收益" in shown.content.decode()
    no_words = client.post(f"/wealth/customers/{customer.pk}/assessment/", _post(answers, confirm_flags="on"))
    assert no_words.status_code == 400 and "请记录客户对这些答案的说明" in no_words.content.decode()
    assert not RiskAssessment.objects.exists()
    client.post(f"/wealth/customers/{customer.pk}/assessment/",
                _post(answers, confirm_flags="on", flags_note="客户计划明年买房，余钱想长期投资"))
    assert RiskAssessment.objects.get().flags == ["short_horizon_growth"]


def test_a_third_assessment_in_a_day_is_refused_on_the_page(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    assessment_record(actor=bank.rm_a, customer=customer, answers=LOWEST)
    assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    client = login(bank.rm_a)
    page = client.get(f"/wealth/customers/{customer.pk}/assessment/").content.decode()
    assert 'id="daily-limit"' in page and "监管检查的重点" in page
    profile = client.get(f"/wealth/customers/{customer.pk}/risk/").content.decode()
    assert 'id="limit-reached"' in profile and profile.count("<tr>") >= 3  # both assessments in the history
    refused = client.post(f"/wealth/customers/{customer.pk}/assessment/", _post(LOWEST))
    assert refused.status_code == 400 and RiskAssessment.objects.filter(customer=customer).count() == 2


def test_the_questionnaire_reads_in_english(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    client.cookies["django_language"] = "en"
    page = client.get(f"/wealth/customers/{customer.pk}/assessment/").content.decode()
    assert "How old are you?" in page and "Risk tolerance assessment" in page and "您的年龄是？" not in page


def test_another_manager_and_the_auditor_get_404(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    for who in (bank.rm_b, bank.rm_c, bank.auditor):
        client = login(who)
        assert client.get(f"/wealth/customers/{customer.pk}/assessment/").status_code == 404
        assert client.post(f"/wealth/customers/{customer.pk}/assessment/", _post(BALANCED)).status_code == 404
        assert client.get(f"/wealth/customers/{customer.pk}/risk/").status_code == 404
    assert not RiskAssessment.objects.exists()
