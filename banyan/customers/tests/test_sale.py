"""记录销售 on the customer's file (seed 000 销售维护): the sale keeps its date, amount, price and the
customer's own take-profit and stop-loss; the suitability rule refuses a product riskier than the
customer can bear; another manager gets 404. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from banyan.audit.models import AuditEvent
from banyan.holdings.models import Holding
from banyan.holdings.services import nav_record


def _cautious(bank, make_customer, level="C2", assessed=dt.date(2026, 3, 1)):
    return make_customer(bank.rm_a, name="刘洋", risk_level=level, risk_assessed_on=assessed)


def test_a_fund_sale_is_recorded_with_the_customers_limits_and_the_aum_follows(bank, login, make_customer):
    customer = _cautious(bank, make_customer, level="C3")
    nav_record(actor=bank.admin, product=bank.products.fund, date="2026-11-20", nav="1.2500")
    client = login(bank.rm_a)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/customers/{customer.pk}/sales/new/" in page
    form = client.get(f"/customers/{customer.pk}/sales/new/").content.decode()
    assert "稳健成长混合基金" in form and "风险承受能力" in form and 'value="2026-11-23"' in form
    response = client.post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.fund.pk, "amount": "100000", "purchase_date": "2026-11-23", "cost_price": "1.2500",
        "take_profit_pct": "15", "stop_loss_pct": "10"}, follow=True)
    assert "已记录销售：稳健成长混合基金，¥100,000.00。" in response.content.decode()
    holding = Holding.objects.get(customer=customer)
    assert (holding.units, holding.take_profit_pct, holding.stop_loss_pct) == (Decimal("80000.0000"), 15, 10)
    assert holding.sold_by == bank.rm_a and holding.risk_level_at_sale == "C3"
    customer.refresh_from_db()
    assert customer.aum == Decimal("100000.00")
    assert AuditEvent.objects.filter(action="holding.created", customer_id=customer.pk).exists()


def test_a_product_riskier_than_the_customer_can_bear_is_refused_and_nothing_is_written(
        bank, login, make_customer):
    customer = _cautious(bank, make_customer, level="C2")
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.fund.pk, "amount": "50000", "purchase_date": "2026-11-23"})
    assert response.status_code == 400
    assert "风险等级为 R3" in response.content.decode() and "不能销售" in response.content.decode()
    assert not Holding.objects.filter(customer=customer).exists()


def test_without_a_valid_assessment_only_r1_is_sold(bank, login, make_customer):
    customer = _cautious(bank, make_customer, level="C4", assessed=dt.date(2025, 10, 1))  # over a year ago
    client = login(bank.rm_a)
    refused = client.post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.wealth.pk, "amount": "50000", "purchase_date": "2026-11-23"})
    assert refused.status_code == 400 and "已过期" in refused.content.decode()
    deposit = client.post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.deposit.pk, "amount": "200000", "purchase_date": "2026-11-23",
        "maturity_date": "2029-11-23", "auto_rollover": "on"})
    assert deposit.status_code == 302
    assert Holding.objects.get(customer=customer).auto_rollover is True


def test_a_date_in_the_wrong_format_and_a_negative_amount_are_shown_on_their_fields(bank, login, make_customer):
    customer = _cautious(bank, make_customer)
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.deposit.pk, "amount": "-5", "purchase_date": "23/11/2026"})
    text = response.content.decode()
    assert response.status_code == 400 and "有效的日期" in text and "大于或等于0" in text
    assert not Holding.objects.exists()


def test_another_manager_and_the_auditor_get_404(bank, login, make_customer):
    customer = _cautious(bank, make_customer)
    for who in (bank.rm_b, bank.auditor):
        client = login(who)
        assert client.get(f"/customers/{customer.pk}/sales/new/").status_code == 404
        assert client.post(f"/customers/{customer.pk}/sales/new/", {
            "product": bank.products.deposit.pk, "amount": "1", "purchase_date": "2026-11-23"}).status_code == 404
    assert not Holding.objects.exists()
