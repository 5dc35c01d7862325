"""Familiar before selling (issue 16 §9, seed 004: 陌生的只给关怀，无推荐产品): a customer never
reached in person or by phone hears the introduction first and care only — no product offer —
on the worklist card and in the API, until the first real contact; then the offers come back.
Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

from banyan.contacts.services import interaction_log
from banyan.holdings.services import holding_create
from banyan.org.tests.test_api_auth import ApiCaller
from banyan.segments.services import segments_recompute
from banyan.wealth.tests.test_offers import catalogue  # noqa: F401 (a fixture)
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.talking import Item, compose

ROLLOVER = "到期后是继续转存，还是看看其他稳健的安排？我可以先帮您做个对比。"
INTRODUCTION = "以后由我作为您的专属客户经理为您服务。"


def _maturing(bank, make_customer, name="吴芳"):
    customer = make_customer(bank.rm_a, name=name, male=False)
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-27", maturity_date="2026-11-27")
    segments_recompute()
    return customer


def _item(client, bank, name):
    return next(i for i in ApiCaller(client, bank.rm_a).get("/worklist").json()["items"] if i["customer_name"] == name)


def test_a_stranger_hears_the_introduction_and_no_product(bank, make_customer, client):
    _maturing(bank, make_customer)
    item = _item(client, bank, "吴芳")
    script = item["script"]
    assert script[1].startswith(INTRODUCTION)  # right after the greeting
    assert any("三年期整存整取" in p and "11月27日到期" in p for p in script)  # the maturity, as a notice
    assert not any(ROLLOVER in p for p in script)
    assert any("尚未通过电话或当面联系上" in n and "续存建议" in n for n in item["notes"])


def test_once_reached_by_phone_the_offer_comes_back(bank, make_customer, client):
    customer = _maturing(bank, make_customer)
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-11-02T10:00")
    script = _item(client, bank, "吴芳")["script"]
    assert any(ROLLOVER in p for p in script)
    assert not any(INTRODUCTION in p for p in script)


def test_an_sms_or_an_unanswered_call_does_not_make_a_stranger_familiar(bank, make_customer, client):
    customer = _maturing(bank, make_customer)
    interaction_log(actor=bank.rm_a, customer=customer, channel="sms", occurred_at="2026-11-02T10:00")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="not_reached",
                    occurred_at="2026-11-03T10:00")
    script = _item(client, bank, "吴芳")["script"]
    assert script[1].startswith(INTRODUCTION) and not any(ROLLOVER in p for p in script)


def _reason(code, detail):
    return Item(code, detail, dt.date(2026, 11, 23))


def test_every_marketing_reason_of_a_stranger_loses_its_offer(bank):
    reasons = [_reason(C.LARGE_INFLOW, "大额转入 50 万元"), _reason(C.OPPORTUNITY_DUE, "基金定投"),
               _reason(C.WANTED_PRODUCT, "贵金属")]
    stranger = compose(reasons, name="吴芳", gender="F", manager="张敏", day=dt.date(2026, 11, 23), stranger=True)
    familiar = compose(reasons, name="吴芳", gender="F", manager="张敏", day=dt.date(2026, 11, 23))
    assert stranger.script[1].startswith(INTRODUCTION) and len(stranger.script) == 3  # greeting, intro, closing
    assert len(familiar.script) > 3
    assert len(stranger.held_back) == 3 and not familiar.held_back



def test_the_calling_screen_offers_a_stranger_no_product(bank, catalogue, make_customer, login):  # noqa: F811
    from banyan.contacts.services import memo_create
    from banyan.outreach.services import campaign_create
    from banyan.wealth.tests.test_offers import _customer

    customer = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=customer, text="客户想了解储蓄国债", due_date="2026-11-23")
    campaign = campaign_create(actor=bank.rm_a, name="到期资金回访", purpose="了解需求", start_date="2026-11-23",
                               end_date="2026-11-30", customer_ids=[customer.pk])
    client = login(bank.rm_a)
    url = f"/outreach/{campaign.pk}/call/?customer={customer.pk}"
    assert 'id="call-offers"' not in client.get(url).content.decode()
    interaction_log(actor=bank.rm_a, customer=customer, channel="visit", outcome="reached",
                    occurred_at="2026-11-02T10:00")
    page = client.get(url).content.decode()
    assert 'id="call-offers"' in page and "储蓄国债三年期" in page


def test_the_visit_brief_brings_a_stranger_care_and_an_introduction_only(bank, catalogue, make_customer,  # noqa: F811
                                                                          login):
    from banyan.contacts.services import memo_create
    from banyan.wealth.tests.test_offers import _customer

    customer = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=customer, text="客户想了解储蓄国债", due_date="2026-11-23")
    client = login(bank.rm_a)
    url = f"/customers/{customer.pk}/visit/"
    brief = client.get(url).content.decode()
    assert 'id="brief-offers"' not in brief and "储蓄国债三年期" not in brief and 'id="brief-not-held"' not in brief
    first = brief[brief.index('id="brief-stranger"'):]
    assert INTRODUCTION in first and "只做关怀和自我介绍" in first
    # the first real contact: the products come back on the brief
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-11-02T10:00")
    brief = client.get(url).content.decode()
    assert 'id="brief-offers"' in brief and "储蓄国债三年期" in brief and 'id="brief-not-held"' in brief
    assert 'id="brief-stranger"' not in brief
