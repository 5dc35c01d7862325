"""记录销售 on the customer's file (seed 000 销售维护): the sale keeps its date, amount, price and the
customer's own take-profit and stop-loss; suitability (banyan.wealth.suitability) answers before
the sale is submitted — a blocking rule refuses it, each warning asks for what it needs (the 双录
number, a colleague's sign-off, the manager's confirmation) and is recorded with the sale; another
manager gets 404. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from banyan.audit.models import AuditEvent
from banyan.holdings.models import Holding
from banyan.holdings.services import nav_record, product_create
from banyan.wealth.models import SaleCheck


def _cautious(bank, make_customer, level="C2", assessed=dt.date(2026, 3, 1), **fields):
    return make_customer(bank.rm_a, name="刘洋", risk_level=level, risk_assessed_on=assessed, **fields)


def _sale(product, **extra):
    return {"product": product.pk, "amount": "50000", "purchase_date": "2026-11-23", **extra}


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
    assert holding.sale_check.rules == [] and holding.sale_check.customer_level == "C3"
    customer.refresh_from_db()
    assert customer.aum == Decimal("100000.00")
    assert AuditEvent.objects.filter(action="holding.created", customer_id=customer.pk).exists()
    assert AuditEvent.objects.filter(action="sale.recorded", customer_id=customer.pk).exists()


def test_the_verdict_is_shown_before_submitting_and_follows_the_product_chosen(bank, login, make_customer):
    """Choosing a product on the form asks the server (htmx) what suitability says about it."""
    customer = _cautious(bank, make_customer, level="C2")
    client = login(bank.rm_a)
    form = client.get(f"/customers/{customer.pk}/sales/new/").content.decode()
    assert f'hx-get="/wealth/customers/{customer.pk}/suitability/"' in form and 'id="sale-verdict"' in form
    fund = client.get(f"/wealth/customers/{customer.pk}/suitability/", {"product": bank.products.fund.pk},
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'data-rule="risk_above_level"' in fund and "今天不能销售给该客户" in fund
    wealth = client.get(f"/wealth/customers/{customer.pk}/suitability/", {"product": bank.products.wealth.pk},
                        HTTP_HX_REQUEST="true").content.decode()
    assert "可以销售给该客户" in wealth and "data-rule" not in wealth


def test_a_product_riskier_than_the_customer_can_bear_is_refused_and_nothing_is_written(
        bank, login, make_customer):
    customer = _cautious(bank, make_customer, level="C2")
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/sales/new/", _sale(bank.products.fund))
    text = response.content.decode()
    assert response.status_code == 400
    assert "风险等级为 R3" in text and "不能销售" in text and 'data-rule="risk_above_level"' in text
    assert not Holding.objects.filter(customer=customer).exists()


def test_without_a_valid_assessment_no_investment_product_is_sold_but_a_deposit_is(bank, login, make_customer):
    expired = _cautious(bank, make_customer, level="C4", assessed=dt.date(2025, 10, 1))  # over a year ago
    never = make_customer(bank.rm_a, name="周明")
    client = login(bank.rm_a)
    refused = client.post(f"/customers/{expired.pk}/sales/new/", _sale(bank.products.wealth))
    assert refused.status_code == 400 and "已于 2026-10-01 过期" in refused.content.decode()
    assert 'data-rule="assessment_expired"' in refused.content.decode()
    refused = client.post(f"/customers/{never.pk}/sales/new/", _sale(bank.products.wealth))
    assert refused.status_code == 400 and 'data-rule="no_assessment"' in refused.content.decode()
    deposit = client.post(f"/customers/{expired.pk}/sales/new/", {
        "product": bank.products.deposit.pk, "amount": "200000", "purchase_date": "2026-11-23",
        "maturity_date": "2029-11-23", "auto_rollover": "on"})
    assert deposit.status_code == 302
    assert Holding.objects.get(customer=expired).auto_rollover is True


def test_an_older_customer_buying_r4_needs_a_colleagues_sign_off_and_the_dual_recording(bank, login, make_customer):
    """65 or older buying R4: the form asks for the 双录 number, a second colleague and the
    manager's confirmation; the sale keeps all three and the warnings it acknowledged."""
    r4 = product_create(actor=None, code="F-R4", name="行业精选股票基金", type="fund", risk_level="R4")
    customer = _cautious(bank, make_customer, level="C4", birth=dt.date(1958, 3, 2))  # 68
    client = login(bank.rm_a)
    refused = client.post(f"/customers/{customer.pk}/sales/new/", _sale(r4))
    text = refused.content.decode()
    assert refused.status_code == 400
    assert 'data-rule="elderly_high_risk"' in text and 'data-rule="dual_recording_required"' in text
    assert "请填写双录编号" in text and "请选择复核人" in text and "请确认已按上方提示逐项落实" in text
    assert not Holding.objects.filter(customer=customer).exists()
    own = client.post(f"/customers/{customer.pk}/sales/new/", _sale(r4, dual_recording_ref="SL20261123001",
                                                                    signoff_by=bank.rm_a.pk, acknowledged="on"))
    assert own.status_code == 400 and not Holding.objects.exists()  # oneself is not on the list
    done = client.post(f"/customers/{customer.pk}/sales/new/", _sale(r4, dual_recording_ref="SL20261123001",
                                                                     signoff_by=bank.head.pk, acknowledged="on"))
    assert done.status_code == 302
    check = SaleCheck.objects.get(customer=customer)
    assert check.dual_recording_ref == "SL20261123001" and check.signoff_by == bank.head
    assert [r["code"] for r in check.rules] == ["elderly_high_risk", "dual_recording_required"]
    event = AuditEvent.objects.get(action="sale.recorded", customer_id=customer.pk)
    assert event.after["warnings_acknowledged"] == "elderly_high_risk, dual_recording_required"
    assert event.after["signoff_by"] == bank.head.username


def test_a_private_product_waits_out_its_cooling_off_and_a_withdrawal_in_it_is_recorded(
        bank, login, make_customer):
    private = product_create(actor=None, code="PE-01", name="稳盈私募一号", type="fund", risk_level="R3")
    private.is_private = True
    private.save()
    customer = _cautious(bank, make_customer, level="C4")
    client = login(bank.rm_a)
    done = client.post(f"/customers/{customer.pk}/sales/new/", _sale(private, dual_recording_ref="SL-PE-7",
                                                                      acknowledged="on"))
    assert done.status_code == 302
    check = SaleCheck.objects.get(customer=customer)
    assert [r["code"] for r in check.rules] == ["dual_recording_required", "cooling_off"]
    assert check.cooling_off_ends_at is not None
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-flag="cooling-off"' in page and "销售尚未最终成立" in page
    withdrawn = client.post(f"/wealth/customers/{customer.pk}/sales/{check.holding_id}/withdraw/",
                            {"reason": "客户家中急用钱"}, follow=True)
    assert "已在冷静期内撤销" in withdrawn.content.decode()
    check.refresh_from_db()
    assert check.withdrawn_at is not None and check.withdrawal_reason == "客户家中急用钱"
    assert Holding.objects.get(pk=check.holding_id).status == "closed"
    customer.refresh_from_db()
    assert customer.aum == 0
    assert AuditEvent.objects.filter(action="sale.withdrawn", customer_id=customer.pk).exists()


def test_a_date_in_the_wrong_format_and_a_negative_amount_are_shown_on_their_fields(bank, login, make_customer):
    customer = _cautious(bank, make_customer)
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/sales/new/", {
        "product": bank.products.deposit.pk, "amount": "-5", "purchase_date": "23/11/2026"})
    text = response.content.decode()
    assert response.status_code == 400 and "有效的日期" in text and "大于或等于0" in text
    assert not Holding.objects.exists()


def test_another_manager_and_the_auditor_get_404(bank, login, make_customer):
    customer = _cautious(bank, make_customer)
    holding_owner = _cautious(bank, make_customer, level="C4")
    client = login(bank.rm_a)
    client.post(f"/customers/{holding_owner.pk}/sales/new/", _sale(bank.products.deposit))
    holding = Holding.objects.get(customer=holding_owner)
    for who in (bank.rm_b, bank.rm_c, bank.auditor):
        client = login(who)
        assert client.get(f"/customers/{customer.pk}/sales/new/").status_code == 404
        assert client.post(f"/customers/{customer.pk}/sales/new/", {
            "product": bank.products.deposit.pk, "amount": "1", "purchase_date": "2026-11-23"}).status_code == 404
        assert client.get(f"/wealth/customers/{customer.pk}/suitability/",
                          {"product": bank.products.fund.pk}).status_code == 404
        assert client.post(f"/wealth/customers/{holding_owner.pk}/sales/{holding.pk}/withdraw/",
                           {"reason": "x"}).status_code == 404
    assert Holding.objects.count() == 1
