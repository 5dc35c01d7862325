"""The manager's own number in messages (issue 16 §2, seed 004: let the customer know your number):
{manager_mobile} is the manager's work mobile; the appointment confirmation and the introduction
(the first contact) carry it; without one, the confirmation leaves the clause out and the
introduction is refused with the reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from banyan.messaging.services import message_compose, message_values
from banyan.messaging.text import render, sms_units
from banyan.org.models import Staff


@pytest.fixture
def wang(bank, make_customer):
    return make_customer(bank.rm_a, name="王建国", consent_sms=True, consent_email=True, email="wjg@example.com")


def _give_number(staff, mobile="13800001111"):
    Staff.objects.filter(pk=staff.pk).update(work_mobile=mobile)
    staff.work_mobile = mobile


def test_manager_mobile_is_the_customers_managers_work_mobile_even_when_an_assistant_writes(bank, wang):
    _give_number(bank.rm_a)
    assert message_values(customer=wang, actor=bank.rm_a)["manager_mobile"] == "13800001111"
    assert message_values(customer=wang, actor=bank.assistant)["manager_mobile"] == "13800001111"


def test_an_optional_clause_is_kept_only_when_its_placeholders_are_filled():
    text = "请联系我[[（{manager_mobile}）]]。{manager}"
    assert render(text, {"manager_mobile": "13800001111", "manager": "张敏"}) == "请联系我（13800001111）。张敏"
    assert render(text, {"manager_mobile": "", "manager": "张敏"}) == "请联系我。张敏"
    assert render(text, {"manager": "张敏"}) == "请联系我。张敏"


def test_the_appointment_confirmation_gives_the_managers_number(bank, wang):
    _give_number(bank.rm_a)
    message = message_compose(actor=bank.rm_a, customer=wang, template="appointment_confirmation", channel="sms",
                              context={"date": "2026-11-28T10:00"})
    assert message.body == ("王先生您好，已为您预约11月28日上午10:00在城东支行面谈，届时恭候。如有变动请随时联系我"
                            "（13800001111）。客户经理张敏")
    assert sms_units(message.body) == 1
    email = message_compose(actor=bank.rm_a, customer=wang, template="appointment_confirmation", channel="email",
                            context={"date": "2026-11-28T10:00"})
    assert "（手机 13800001111）" in email.body and "[[" not in email.body


def test_without_a_work_mobile_the_confirmation_leaves_the_clause_out(bank, wang):
    message = message_compose(actor=bank.rm_a, customer=wang, template="appointment_confirmation", channel="sms",
                              context={"date": "2026-11-28T10:00"})
    assert "如有变动请随时联系我。客户经理张敏" in message.body
    assert "（）" not in message.body and "{" not in message.body and "[[" not in message.body


def test_the_introduction_gives_the_number_and_is_refused_without_one(bank, wang):
    with pytest.raises(ValidationError) as refused:
        message_compose(actor=bank.rm_a, customer=wang, template="introduction", channel="sms")
    assert "context" in refused.value.message_dict
    assert "My work number" in " ".join(refused.value.messages) or "我的工作号码" in " ".join(refused.value.messages)
    _give_number(bank.rm_a)
    message = message_compose(actor=bank.rm_a, customer=wang, template="introduction", channel="sms")
    assert message.body == ("王先生您好！我是城东支行客户经理张敏，今后由我为您服务，我的手机13800001111。"
                            "有任何需要欢迎随时联系我。")
    assert sms_units(message.body) == 1


def test_the_compose_page_fills_the_number_in(bank, wang, login):
    _give_number(bank.rm_a)
    text = login(bank.rm_a).get(f"/messages/new/?customer={wang.pk}&channel=sms&template=introduction"
                                ).content.decode()
    assert "我的手机13800001111" in text
