"""Sales maintenance messages (销售维护, WEA-3): when a holding reaches the customer's take-profit
or stop-loss line, or its product's NAV moves sharply, 今日工作's task card and the customer file
suggest a message in wording a regulator accepts (facts, no promise, an invitation to talk, the risk
notice), which the manager edits and sends once through the outbox — with the customer's consent.
Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from banyan.contacts.models import Interaction
from banyan.holdings.services import holding_create, nav_record
from banyan.messaging.models import Message, MessageTemplate
from banyan.messaging.text import PLACEHOLDERS, promising_words
from banyan.wealth.facts import MAINTENANCE_CODES

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def li(bank, make_customer):
    """李秀英, zhangmin's customer, who agreed to SMS: the fund she bought at 1.2500 with a take-profit
    target of 15% and a stop-loss line of 10% now stands at 1.4500 (+16%)."""
    customer = make_customer(bank.rm_a, name="李秀英", male=False, mobile="13912345678", consent_sms=True,
                             risk_level="C3", risk_assessed_on=dt.date(2026, 3, 1))
    holding = holding_create(actor=None, customer=customer, product=bank.products.fund, amount="100000.00",
                             purchase_date="2025-06-01", cost_price="1.2500", units="80000", take_profit_pct="15",
                             stop_loss_pct="10")
    nav_record(actor=None, product=bank.products.fund, date="2026-11-19", nav="1.4400")
    nav_record(actor=None, product=bank.products.fund, date="2026-11-20", nav="1.4500")
    customer.refresh_from_db()
    customer.fund = holding
    return customer


def _text(response) -> str:
    return unescape(response.content.decode())


def _card_messages(page: str) -> list[str]:
    return [unescape(m) for m in re.findall(r'<p class="small mb-1 maintenance-text">(.*?)</p>', page, re.S)]


# ------------------------------------------------------------------ the templates

def test_every_maintenance_template_states_facts_without_promising_and_invites_to_talk(db):
    """What a regulator reads: no 保本, 保证收益, 稳赚, 无风险 … nor a call to buy or sell, in Chinese
    or English; each says the decision is the customer's, invites to talk, and ends with the risk
    notice; only known placeholders."""
    rows = list(MessageTemplate.objects.filter(code__in=MAINTENANCE_CODES, branch__isnull=True))
    assert {(t.code, t.channel) for t in rows} == {(c, ch) for c in MAINTENANCE_CODES
                                                   for ch in ("sms", "wechat", "email")}
    for t in rows:
        for text in (t.subject, t.body, t.subject_en, t.body_en):
            assert promising_words(text) == [], (t.code, t.channel, text)
            assert set(re.findall(r"\{(\w+)\}", text)) <= set(PLACEHOLDERS)
        assert "{product}" in t.body and "{detail}" in t.body and "{product}" in t.body_en
        assert "投资有风险" in t.body and "过往业绩不代表未来表现" in t.body
        assert "past performance does not guarantee future results" in t.body_en
        assert "联系我" in t.body or "面谈" in t.body
        assert "talk" in t.body_en or "meet" in t.body_en
        if t.channel == "email":
            assert t.subject and t.subject_en


def test_the_promising_words_are_found_in_both_languages():
    assert promising_words("本产品保本保息，稳赚不赔") == ["稳赚不赔", "保本", "保息"]
    assert promising_words("A guaranteed return, risk-free!") == ["guaranteed return", "risk-free"]
    assert promising_words("投资有风险，过往业绩不代表未来表现。") == []


# ------------------------------------------------------------------ the task card and the file

def test_the_task_card_suggests_the_take_profit_message_with_the_customers_own_line(bank, li, login):
    page = login(bank.rm_a).get("/work/").content.decode()
    assert 'data-kind="take_profit"' in page
    [text] = _card_messages(page)
    assert text == ("李女士您好！您持有的稳健成长混合基金，截至11月20日，单位净值1.4500，较您的买入成本1.2500上涨"
                    "16.0%，已达到您购买时设定的止盈目标15%。是否调整由您根据自身情况决定，如想了解产品近况，欢迎"
                    "联系我。投资有风险，过往业绩不代表未来表现。城东支行客户经理张敏")
    assert promising_words(text) == []
    assert (f'href="/messages/new/?customer={li.pk}&amp;template=take_profit&amp;holding={li.fund.pk}'
            f'&amp;channel=sms"') in page
    assert "编辑并发送" in page


def test_the_customer_file_suggests_the_message_too(bank, li, login):
    card = login(bank.rm_a).get(f"/wealth/customers/{li.pk}/offers/", HTTP_HX_REQUEST="true").content.decode()
    assert "销售维护：建议发送的信息" in card and "止盈提示" in card
    assert "已达到您购买时设定的止盈目标15%" in unescape(card)


def test_a_stop_loss_and_a_sharp_nav_move_have_their_own_facts(bank, li, login):
    nav_record(actor=None, product=bank.products.fund, date="2026-11-21", nav="1.1000")  # -24% in a day, -12% on cost
    card = _text(login(bank.rm_a).get(f"/wealth/customers/{li.pk}/offers/", HTTP_HX_REQUEST="true"))
    assert 'data-kind="stop_loss"' in card
    assert "较您的买入成本1.2500下跌12.0%，已触及您购买时设定的止损线10%" in card
    assert "市场波动是投资的常态，是否调整由您根据自身情况决定" in card
    other = _text(login(bank.rm_a).get(f"/messages/new/?customer={li.pk}&template=nav_move&holding={li.fund.pk}"))
    assert "您持有的稳健成长混合基金，11月21日单位净值下跌24.1%，至1.1000。" in other


def test_without_consent_the_card_says_to_call_and_offers_no_message(bank, li, login):
    li.consent_sms = False
    li.save(update_fields=["consent_sms"])
    page = login(bank.rm_a).get("/work/").content.decode()
    assert "客户未同意接收短信" in page and "请改为电话告知客户" in page
    assert "maintenance-compose" not in page


# ------------------------------------------------------------------ compose, edit, send once

def test_the_suggested_message_is_prefilled_edited_and_sent_once(bank, li, login, gateways):
    client = login(bank.rm_a)
    compose = _text(client.get(f"/messages/new/?customer={li.pk}&template=take_profit&holding={li.fund.pk}"
                               f"&channel=sms"))
    assert "已达到您购买时设定的止盈目标15%" in compose and 'id="fill-ins"' not in compose  # facts, not typed
    edited = ("李女士您好！您持有的稳健成长混合基金截至11月20日较成本上涨16.0%，已达到您设定的止盈目标15%。"
              "是否调整由您决定，方便时我给您打个电话？投资有风险，过往业绩不代表未来表现。张敏")
    response = client.post("/messages/new/", {"customer": li.pk, "channel": "sms", "template": "take_profit",
                                              "body": edited}, follow=True)
    assert "已发送至 139****5678" in response.content.decode()
    message = Message.objects.get(customer=li)
    assert (message.status, message.template_code, message.body) == ("sent", "take_profit", edited)
    assert [line["body"] for line in gateways.sms.lines()] == [edited]  # went out once
    contact = Interaction.objects.get(customer=li)
    assert (contact.purpose, contact.channel) == ("after_sales", "sms")
    page = client.get("/work/").content.decode()  # the card now says it was written, and offers no second one
    assert "今天" in page and "已写过一条（短信，已发送）" in page and "再写一条" in page and "编辑并发送" not in page
    message_again = client.post(f"/messages/{message.pk}/resend/", follow=True)  # a sent message is final
    assert message_again.status_code == 200 and len(gateways.sms.lines()) == 1


def test_a_maintenance_message_that_promises_a_return_is_refused(bank, li, login, gateways):
    response = login(bank.rm_a).post("/messages/new/", {
        "customer": li.pk, "channel": "sms", "template": "take_profit",
        "body": "李女士您好！稳健成长混合基金已涨16%，继续持有稳赚不赔，保本无忧。"})
    assert response.status_code == 400
    assert "关于客户持仓的信息不得承诺收益：请删去“稳赚不赔、保本”。" in _text(response)
    assert not Message.objects.exists() and gateways.sms.lines() == []


def test_sending_respects_the_consent_at_the_moment_of_sending(bank, li, login, gateways):
    client = login(bank.rm_a)
    li.consent_sms = False  # withdrawn between writing and sending
    li.save(update_fields=["consent_sms"])
    client.post("/messages/new/", {"customer": li.pk, "channel": "sms", "template": "take_profit",
                                   "body": "李女士您好！您持有的稳健成长混合基金已达到您设定的止盈目标15%。张敏"})
    message = Message.objects.get(customer=li)
    assert (message.status, message.rule) == ("blocked", "no_consent")
    assert gateways.sms.lines() == [] and not Interaction.objects.filter(customer=li).exists()


def test_the_message_in_english_for_a_customer_who_reads_english(bank, li, login):
    text = _text(login(bank.rm_a).get(f"/messages/new/?customer={li.pk}&template=take_profit&holding={li.fund.pk}"
                                      f"&channel=email&lang=en"))
    assert ('value="Your take-profit target for 稳健成长混合基金 has been reached"') in text
    assert ("稳健成长混合基金: as of 20 Nov its NAV is 1.4500, up 16.0% on your purchase cost of 1.2500, reaching "
            "the take-profit target of 15% you set when buying.") in text
    assert 'id="message-language"' in text


def test_another_books_holding_names_nothing_on_the_compose_page(bank, li, make_customer, login):
    other = make_customer(bank.rm_b, name="周其", consent_sms=True)
    theirs = holding_create(actor=None, customer=other, product=bank.products.fund, amount="1000",
                            purchase_date="2025-06-01", cost_price="1.2500", take_profit_pct="5")
    mine = make_customer(bank.rm_a, name="吴敏", consent_sms=True)
    text = _text(login(bank.rm_a).get(f"/messages/new/?customer={mine.pk}&template=take_profit"
                                      f"&holding={theirs.pk}"))
    assert "稳健成长混合基金" not in text and "发送前请填写" in text
    assert login(bank.rm_b).get(f"/messages/new/?customer={li.pk}&template=take_profit").status_code == 404


def test_a_maintenance_sms_with_its_facts_and_risk_notice_fits_three_sms(bank, li):
    """Unlike a greeting (one SMS), a maintenance notice carries the facts and the risk notice the
    regulator asks for: at most three SMS parts for a usual name and product."""
    from banyan.messaging.services import message_compose
    from banyan.messaging.text import sms_units

    bodies = [message_compose(actor=bank.rm_a, customer=li, template="take_profit", channel="sms").body]
    nav_record(actor=None, product=bank.products.fund, date="2026-11-21", nav="1.1000")  # now at the stop-loss
    bodies += [message_compose(actor=bank.rm_a, customer=li, template=code, channel="sms").body
               for code in ("stop_loss", "nav_move")]
    for body in bodies:
        assert 70 < len(body) and sms_units(body) <= 3, body
