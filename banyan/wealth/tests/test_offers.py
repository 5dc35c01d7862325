"""The next best offers and 表7-1 (WEA-4): never a product the customer may not buy, every offer
with its reasons, ranked by the bank's table of weights, what the customer asked for first; the API
(shape, 404 out of reach) and the cards on the file, the calling screen and the visit brief.
Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from banyan.contacts.opportunities import opportunity_create
from banyan.contacts.services import interaction_log, memo_create
from banyan.holdings.models import Product
from banyan.holdings.services import holding_create, product_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.wealth import suitability
from banyan.wealth.offers import SERVICE_SCORES, WEIGHTS, offers_for, offers_for_customers, read_wants

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def catalogue(bank):
    """The small bank's products plus one of each kind and level: deposits, cash management,
    wealth R1–R4 (one private), bond funds to R5 equity, insurance, bonds, gold, a card, one off sale."""
    def make(code, name, type, risk, term=None):
        return product_create(actor=None, code=code, name=name, type=type, risk_level=risk, term_days=term)

    p = SimpleNamespace(**vars(bank.products))
    p.demand = make("DD", "个人活期储蓄", "demand_deposit", "R1")
    p.notice = make("DD7", "七天通知存款", "demand_deposit", "R1", 7)
    p.td1y = make("TD1Y", "一年期整存整取", "time_deposit", "R1", 365)
    p.cash = make("WCASH", "天天利现金管理", "wealth", "R1")
    p.w365 = make("W365", "添利一年期理财", "wealth", "R2", 365)
    p.plus = make("WPLUS", "固收增强一年持有期", "wealth", "R3", 365)
    p.bond_fund = make("FBOND", "安盈纯债债券A", "fund", "R2")
    p.index = make("F300", "沪深300指数增强A", "fund", "R4")
    p.tech = make("FTECH", "科技创新混合", "fund", "R5")
    p.private = make("PRIV", "私募精选一号", "wealth", "R4", 365)
    Product.objects.filter(pk=p.private.pk).update(is_private=True)
    p.annuity = make("INANN", "金福年金保险", "insurance", "R2", 3650)
    p.savings_bond = make("BDSAV", "储蓄国债三年期", "bond", "R1", 1095)
    p.gold = make("PMGOLD", "积存金", "precious_metal", "R3")
    p.card = make("CCPLAT", "白金信用卡", "credit_card", "R1")
    p.off = make("WOFF", "已停售理财", "wealth", "R1", 90)
    Product.objects.filter(pk=p.off.pk).update(is_active=False)
    return p


def _customer(make_customer, bank, *, level="C3", assessed=dt.date(2026, 3, 1), birth=dt.date(1980, 5, 17),
              demand="300000", **fields):
    c = make_customer(bank.rm_a, birth=birth, risk_level=level, risk_assessed_on=assessed if level else None,
                      **fields)
    if demand:
        holding_create(actor=None, customer=c, product=Product.objects.get(code="DD"), amount=demand,
                       purchase_date="2020-01-01")
    return c


def _wants_everything(customer, bank):
    memo_create(actor=bank.rm_a, customer=customer, text="客户想了解基金、理财、保险、国债和黄金，也想办信用卡",
                due_date=TODAY + dt.timedelta(days=7))


def test_offers_never_go_above_the_level_nor_past_a_blocking_rule(bank, catalogue, make_customer):
    """Every customer of the small bank × every product: whatever the customer asked for, however
    much money is idle or maturing, an offered product is one suitability allows today — no
    product above the level, none without a valid assessment, none off sale."""
    customers = []
    for level in ("", "C1", "C2", "C3", "C4", "C5"):
        for assessed in (dt.date(2026, 3, 1), dt.date(2024, 1, 1)):  # valid, expired
            for birth in (dt.date(1980, 5, 17), dt.date(1955, 1, 10)):  # 46, 71
                c = _customer(make_customer, bank, level=level, assessed=assessed, birth=birth)
                holding_create(actor=None, customer=c, product=catalogue.td1y, amount="200000",
                               purchase_date="2025-12-01", maturity_date="2026-12-01")
                _wants_everything(c, bank)
                customers.append(c)
    found = offers_for_customers(customers, limit=20)
    offered = 0
    for c in customers:
        for o in found[c.pk].products:
            product = Product.objects.get(code=o.product_code)
            verdict = suitability.verdict(c, product)
            assert verdict.allowed, (c.risk_level, c.risk_assessed_on, o.product_code, verdict.codes)
            assert product.is_active
            if product.type in suitability.INVESTMENT_TYPES:
                assert suitability.rank(product.risk_level) <= suitability.rank(c.risk_level)
            offered += 1
    assert offered > len(customers)  # the grid offered something: the check is not vacuous
    c5 = found[customers[-4].pk]  # C5, valid, 46: investment products are offered
    assert any(o.product_type in suitability.INVESTMENT_TYPES for o in c5.products)


def test_without_a_valid_assessment_the_assessment_comes_first_and_only_deposits_follow(bank, catalogue,
                                                                                        make_customer):
    never = _customer(make_customer, bank, level="")
    expired = _customer(make_customer, bank, level="C4", assessed=dt.date(2024, 1, 1))
    for c in (never, expired):
        _wants_everything(c, bank)
    found = offers_for_customers([never, expired])
    for c, rule in ((never, "no_assessment"), (expired, "assessment_expired")):
        o = found[c.pk]
        assert o.blocked_by == rule
        first = o.offers[0]
        assert (first.kind, first.service, first.score) == ("service", "risk_assessment", 150)
        assert any("基金" in r for r in first.reason_texts)  # what the customer asked for waits on it
        assert {p.product_type for p in o.products} <= {"demand_deposit", "time_deposit", "credit_card"}
        statuses = {w.kind_label: w.status for w in o.wanted}
        assert statuses["基金"] == "needs_assessment"


def test_every_offer_has_its_reasons_in_the_readers_language(bank, catalogue, make_customer):
    c = _customer(make_customer, bank, orientation="value")
    holding_create(actor=None, customer=c, product=catalogue.td1y, amount="200000", purchase_date="2025-12-01",
                   maturity_date="2026-12-01")
    zh = offers_for(c)
    assert zh.offers and all(o.reasons for o in zh.offers)
    maturing = next(o for o in zh.products if "maturing" in o.reason_codes)
    assert "一年期整存整取 20.00万 将于12月1日到期（8天后）" in maturing.reason_texts[0]
    with translation.override("en"):
        en = offers_for(c)
        maturing = next(o for o in en.products if "maturing" in o.reason_codes)
        assert "一年期整存整取 200k matures on 1 Dec (in 8 days)" in maturing.reason_texts[0]
        diagnosis = next(o for o in en.services if o.service == "wealth_diagnosis")
        assert diagnosis.name == "Wealth diagnosis (财富诊断)"


def test_the_score_is_the_tables_sum_and_the_list_is_ranked_by_it(bank, catalogue, make_customer):
    """A C2 customer with a one-year deposit maturing and 300k idle: a one-year wealth product
    (maturing + idle + under the model + not held) ranks above a deposit (maturing + idle)."""
    c = _customer(make_customer, bank, level="C2")
    holding_create(actor=None, customer=c, product=catalogue.td1y, amount="200000", purchase_date="2025-12-01",
                   maturity_date="2026-12-01")
    o = offers_for(c, limit=10)
    scores = [x.score for x in o.products]
    assert scores == sorted(scores, reverse=True)
    for x in o.products:
        assert x.score == sum(WEIGHTS[code] for code in x.reason_codes)
    wealth = next(x for x in o.products if x.product_code == "W365")
    assert set(wealth.reason_codes) == {"maturing", "idle_cash", "model_gap", "not_held"}
    assert wealth.score == 30 + 20 + 20 + 10
    assert o.products[0].product_code == "W365"
    deposit = next(x for x in o.products if x.product_code == "TD1Y")  # the maturing one again: no idle, held
    assert set(deposit.reason_codes) == {"maturing"}
    assert "WPLUS" not in [x.product_code for x in o.products]  # R3: above C2


def test_what_the_customer_asked_for_comes_first_when_suitable(bank, catalogue, make_customer):
    """The memo asks for 储蓄国债 and for the R5 fund 科技创新混合: the bond comes first, above every
    product with maturing and idle money behind it; the R5 fund is not offered (C3), and 表7-1 says
    why."""
    c = _customer(make_customer, bank, level="C3")
    holding_create(actor=None, customer=c, product=catalogue.td1y, amount="200000", purchase_date="2025-12-01",
                   maturity_date="2026-12-01")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债；对科技创新混合感兴趣", due_date=TODAY)
    o = offers_for(c)
    first = o.products[0]
    assert (first.product_code, first.wanted) == ("BDSAV", True)
    assert first.reason_texts[0].startswith("客户提过：“客户想了解储蓄国债”")
    assert "FTECH" not in [x.product_code for x in o.products]
    wanted = {w.want.text: w for w in o.wanted}
    assert wanted["对科技创新混合感兴趣"].status == "above_level"
    assert wanted["客户想了解储蓄国债"].status == "offered"


def test_an_open_opportunity_and_an_interested_contact_are_wants_and_a_refusal_lowers_the_kind(bank, catalogue,
                                                                                               make_customer):
    c = _customer(make_customer, bank, level="C4")
    opportunity_create(actor=bank.rm_a, customer=c, need="定期到期资金想转", product=catalogue.annuity)
    interaction_log(actor=bank.rm_a, customer=c, channel="phone", occurred_at="2026-11-10T10:00:00+08:00",
                    outcome="refused", summary="推荐沪深300指数增强A，客户表示不碰股票类产品")
    o = offers_for(c, limit=10)
    assert o.products[0].product_code == "INANN"
    index = next((x for x in o.products if x.product_code == "F300"), None)
    assert index is None or "refused_lately" in index.reason_codes
    assert ("opportunity", "金福年金保险") in {(w.want.source, o_) for w in o.wanted for o_ in w.products}


def test_reading_what_was_said_clause_by_clause():
    names = {"稳享理财180天": 1, "积存金": 2, "个人住房贷款": 3}
    types = {1: "wealth", 2: "precious_metal", 3: "loan"}
    said = read_wants(9, "contact", TODAY, "三年期整存整取12月20日到期，客户想了解贵金属", names, types)
    assert [(w.type, w.refused) for w in said] == [("precious_metal", False)]  # not the deposit that matures
    said = read_wants(9, "contact", TODAY, "有一笔定期到期，客户对稳享理财180天感兴趣", names, types)
    assert [(w.product_id, w.refused) for w in said] == [(1, False)]
    said = read_wants(9, "contact", TODAY, "客户准备明年换房，可能需要房贷", names, types)
    assert [w.product_id for w in said] == [3]  # 房贷 is the housing loan, not every loan
    said = read_wants(9, "contact", TODAY, "参加网点理财沙龙，对黄金走势很关注", names, types)
    assert [w.type for w in said] == ["precious_metal"]  # the salon is no wealth product
    said = read_wants(9, "contact", TODAY, "对基金亏损有顾虑，不想再买", names, types)
    assert [(w.type, w.refused) for w in said] == [("fund", True)]
    said = read_wants(9, "memo", TODAY, "一年期整存整取1月15日到期，客户想了解积存金", names, types, whole=True)
    assert [w.product_id for w in said] == [2]  # a memo with a marker: the marked clause only
    said = read_wants(9, "memo", TODAY, "客户信用卡提额，资料齐了再提交", names, types, whole=True)
    assert [w.type for w in said] == ["credit_card"]  # a memo is a need: without a marker, all of it


def test_the_orientation_sets_how_many_products_and_its_service(bank, catalogue, make_customer):
    kinds = {}
    for orientation in ("value", "relationship", "service"):
        c = _customer(make_customer, bank, level="C4", orientation=orientation)
        _wants_everything(c, bank)
        o = offers_for(c)
        kinds[orientation] = (o.max_products, len(o.products), [s.service for s in o.services])
    assert kinds == {"value": (5, 5, ["wealth_diagnosis"]), "relationship": (3, 3, []),
                     "service": (2, 2, ["client_event"])}


def test_credit_is_offered_only_when_asked_for_and_held_products_only_with_a_reason(bank, catalogue, make_customer):
    c = _customer(make_customer, bank, level="C3")
    holding_create(actor=None, customer=c, product=catalogue.wealth, amount="100000", purchase_date="2026-09-01",
                   maturity_date="2027-03-01")
    codes = [x.product_code for x in offers_for(c, limit=30).products]
    assert "CCPLAT" not in codes and "L-HOUSE" not in codes and "W180" not in codes
    memo_create(actor=bank.rm_a, customer=c, text="客户信用卡想提额，资料齐了再提交", due_date=TODAY)
    codes = [x.product_code for x in offers_for(c, limit=30).products]
    assert codes[0] == "CCPLAT"


def test_a_life_event_speaks_for_the_products_it_needs(bank, catalogue, make_customer):
    c = _customer(make_customer, bank, level="C3", birth=dt.date(1970, 1, 5), demand="",
                  children="儿子读高二")  # 56 (retirement ahead), turns 60? no: 57 in January
    o = offers_for(c, limit=10)
    annuity = next(x for x in o.products if x.product_code == "INANN")
    texts = " ".join(annuity.reason_texts)
    assert "56 岁" in texts and "儿子读高二" in texts


def test_many_customers_cost_the_same_few_queries_as_one(bank, catalogue, make_customer, django_assert_max_num_queries):
    customers = [_customer(make_customer, bank, level=lvl) for lvl in ("C1", "C2", "C3", "C4", "C5", "")]
    for c in customers:
        _wants_everything(c, bank)
        interaction_log(actor=bank.rm_a, customer=c, channel="phone", outcome="interested", summary="想了解养老理财")
    with django_assert_max_num_queries(14):
        found = offers_for_customers(customers)
    assert set(found) == {c.pk for c in customers}


# ------------------------------------------------------------------ the API

@pytest.fixture
def as_rm_a(bank, client):
    return ApiCaller(client, bank.rm_a)


def test_the_api_answers_the_ranked_offers_with_scores_and_reasons(bank, catalogue, make_customer, as_rm_a):
    c = _customer(make_customer, bank, level="C3", orientation="value")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债", due_date=TODAY)
    response = as_rm_a.get(f"/customers/{c.pk}/offers")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["customer_level"], body["orientation"], body["max_products"]) == ("C3", "value", 5)
    first = body["items"][0]
    assert (first["product_code"], first["kind"], first["type"], first["risk_level"]) == ("BDSAV", "product", "bond",
                                                                                          "R1")
    assert first["score"] == sum(WEIGHTS[c] for c in first["reason_codes"]) and first["reasons"]
    assert first["reason_codes"][0] == "wanted"
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    service = next(i for i in body["items"] if i["kind"] == "service")
    assert (service["product_code"], service["service"], service["score"]) == (
        "", "wealth_diagnosis", SERVICE_SCORES["wealth_diagnosis"])


def test_another_manager_gets_404_from_the_offers_api(bank, catalogue, make_customer, client):
    c = _customer(make_customer, bank)
    for other in (bank.rm_b, bank.rm_c):
        assert_error(ApiCaller(client, other).get(f"/customers/{c.pk}/offers"), 404, "not_found")
    assert ApiCaller(client, bank.head).get(f"/customers/{c.pk}/offers").status_code == 200


# ------------------------------------------------------------------ the pages

def test_the_file_loads_the_offers_card_with_reasons_and_table_7_1(bank, catalogue, make_customer, login):
    c = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债", due_date=TODAY)
    client = login(bank.rm_a)
    page = client.get(f"/customers/{c.pk}/").content.decode()
    assert f'hx-get="/wealth/customers/{c.pk}/offers/"' in page
    card = client.get(f"/wealth/customers/{c.pk}/offers/", HTTP_HX_REQUEST="true").content.decode()
    assert card.startswith('<div class="card mb-3" id="offers-card">')
    assert "为您推荐 · 下一步最佳产品" in card and "储蓄国债三年期" in card and "客户提过" in card
    for column in ("已购买的产品", "希望得到的产品及服务", "可以提供的产品及服务"):
        assert column in card
    alone = client.get(f"/wealth/customers/{c.pk}/offers/")  # without JavaScript: a page of its own
    assert alone.status_code == 200 and "<html" in alone.content.decode() and "储蓄国债三年期" in alone.content.decode()


def test_another_manager_gets_404_on_the_offers_card(bank, catalogue, make_customer, login):
    c = _customer(make_customer, bank)
    for other in (bank.rm_b, bank.rm_c, bank.auditor):
        assert login(other).get(f"/wealth/customers/{c.pk}/offers/", HTTP_HX_REQUEST="true").status_code == 404


def test_the_visit_brief_shows_the_offers_and_table_7_1(bank, catalogue, make_customer, login):
    c = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债", due_date=TODAY)
    # reached before: a stranger's brief names no product (issue 16 §9, test_familiar_before_selling.py)
    type(c).objects.filter(pk=c.pk).update(last_contact_at="2026-10-01T10:00+08:00")
    page = login(bank.rm_a).get(f"/customers/{c.pk}/visit/").content.decode()
    assert 'id="brief-offers"' in page and "储蓄国债三年期" in page and "希望得到的产品及服务" in page


def test_the_calling_screen_shows_the_first_offers(bank, catalogue, make_customer, login):
    from banyan.outreach.services import campaign_create

    c = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债", due_date=TODAY)
    # reached before: a stranger is offered no product (issue 16 §9, test_familiar_before_selling.py)
    type(c).objects.filter(pk=c.pk).update(last_contact_at="2026-10-01T10:00+08:00")
    campaign = campaign_create(actor=bank.rm_a, name="到期资金回访", purpose="了解需求", start_date="2026-11-23",
                               end_date="2026-11-30", customer_ids=[c.pk])
    page = login(bank.rm_a).get(f"/outreach/{campaign.pk}/call/?customer={c.pk}").content.decode()
    assert 'id="call-offers"' in page and "储蓄国债三年期" in page


def test_the_diagnosis_lists_the_same_offers(bank, catalogue, make_customer):
    diagnosis = pytest.importorskip("banyan.wealth.diagnosis")
    c = _customer(make_customer, bank, level="C3")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解储蓄国债", due_date=TODAY)
    offers = diagnosis.diagnose(c).offers
    assert offers and offers[0]["product_code"] == "BDSAV" and offers[0]["reasons"]
    assert Decimal(offers[0]["score"]) >= WEIGHTS["wanted"]
