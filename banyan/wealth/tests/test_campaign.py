"""A campaign that promotes a product (OUT-1 × WEA-1): the customers who may not buy it — no
assessment, an expired one, the product above their level — are left off the call list with the
rule, on the page and in the API; the others are called as usual. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

from banyan.org.tests.test_api_auth import ApiCaller
from banyan.outreach.models import CallEntry, Exclusion
from banyan.outreach.services import campaign_create


def _book(bank, make_customer):
    return {
        "ok": make_customer(bank.rm_a, name="钱多多", risk_level="C3", risk_assessed_on=dt.date(2026, 5, 1)),
        "low": make_customer(bank.rm_a, name="孙稳", risk_level="C2", risk_assessed_on=dt.date(2026, 5, 1)),
        "expired": make_customer(bank.rm_a, name="李旧", risk_level="C4", risk_assessed_on=dt.date(2025, 5, 1)),
        "never": make_customer(bank.rm_a, name="赵新"),
    }


def test_a_product_campaign_leaves_out_who_may_not_buy_it_with_the_rule(bank, make_customer, login):
    book = _book(bank, make_customer)
    campaign = campaign_create(actor=bank.rm_a, name="稳健成长基金推介", purpose="介绍新发基金",
                               start_date="2026-11-23", end_date="2026-11-30",
                               customer_ids=[c.pk for c in book.values()], product=bank.products.fund)  # R3
    assert set(CallEntry.objects.filter(campaign=campaign).values_list("customer_id", flat=True)) == {book["ok"].pk}
    rules = dict(Exclusion.objects.filter(campaign=campaign).values_list("customer_id", "rule"))
    assert rules == {book["low"].pk: "risk_above_level", book["expired"].pk: "assessment_expired",
                     book["never"].pk: "no_assessment"}
    page = login(bank.rm_a).get(f"/outreach/{campaign.pk}/").content.decode()
    assert 'id="campaign-product"' in page and "产品风险高于客户等级" in page and "风险测评已过期" in page


def test_without_a_product_nobody_is_left_out_for_suitability(bank, make_customer):
    book = _book(bank, make_customer)
    campaign = campaign_create(actor=bank.rm_a, name="客户回访", purpose="问候", start_date="2026-11-23",
                               end_date="2026-11-30", customer_ids=[c.pk for c in book.values()])
    assert CallEntry.objects.filter(campaign=campaign).count() == 4


def test_the_api_takes_the_product_and_names_the_rules(bank, make_customer, client):
    book = _book(bank, make_customer)
    api = ApiCaller(client, bank.rm_a)
    response = api.post("/campaigns", {"name": "理财推介", "purpose": "到期再投资", "start_date": "2026-11-23",
                                       "end_date": "2026-11-30", "customer_ids": [c.pk for c in book.values()],
                                       "product_code": "W180"})  # R2: the C2 customer may buy it
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["product_code"] == "W180" and body["listed"] == 2 and body["excluded"] == 2
    calls = api.get(f"/campaigns/{body['id']}/calls").json()
    assert {x["rule"] for x in calls["excluded"]} == {"assessment_expired", "no_assessment"}
    refused = api.post("/campaigns", {"name": "x", "start_date": "2026-11-23", "end_date": "2026-11-30",
                                      "customer_ids": [book["ok"].pk], "product_code": "NOPE"})
    assert refused.status_code == 422 and "product_code" in refused.json()["error"]["fields"]
