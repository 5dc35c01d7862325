import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from banyan.holdings.models import AumSnapshot, Holding
from banyan.holdings.services import aum_snapshot_take, holding_create, nav_record


def test_aum_is_the_sum_of_assets_and_leaves_loans_out(bank, make_customer):
    customer = make_customer()
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000.00",
                   purchase_date="2025-12-01", maturity_date="2026-11-30")
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.loan, amount="800000",
                   purchase_date="2020-01-01", maturity_date="2040-01-01")
    customer.refresh_from_db()
    assert customer.aum == Decimal("300000.00")


def test_a_fund_sale_keeps_what_was_agreed_and_a_new_nav_revalues_it(bank, make_customer):
    # Seed 000 销售维护: purchase date, amount, price, and the customer's own take-profit / stop-loss.
    customer = make_customer()
    fund = bank.products.fund
    nav_record(actor=bank.admin, product=fund, date="2026-06-01", nav="1.2500")
    holding = holding_create(actor=bank.rm_a, customer=customer, product=fund, amount="100000", cost_price="1.2500",
                             purchase_date="2026-06-01", take_profit_pct="15", stop_loss_pct="10")
    assert holding.units == Decimal("80000.0000")
    assert holding.current_value == Decimal("100000.00")
    assert holding.risk_level_at_sale == customer.risk_level
    nav_record(actor=bank.admin, product=fund, date="2026-11-20", nav="1.1000")
    holding.refresh_from_db()
    customer.refresh_from_db()
    assert holding.current_value == Decimal("88000.00")
    assert customer.aum == Decimal("88000.00")
    # An older NAV (a late correction) is kept but does not revalue.
    nav_record(actor=bank.admin, product=fund, date="2026-10-01", nav="1.3000")
    holding.refresh_from_db()
    assert holding.current_value == Decimal("88000.00")


@pytest.mark.parametrize(
    ("fields", "bad"),
    [({"amount": "abc"}, "amount"), ({"purchase_date": "2026/01/01"}, "purchase_date"),
     ({"maturity_date": "2020-01-01"}, "maturity_date"), ({"stop_loss_pct": "150"}, "stop_loss_pct"),
     ({"amount": "-5"}, "amount")],
)
def test_bad_holding_input_names_the_field_and_writes_nothing(bank, make_customer, fields, bad):
    customer = make_customer()
    args = {"amount": "1000", "purchase_date": "2026-01-01"} | fields
    with pytest.raises(ValidationError) as e:
        holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, **args)
    assert bad in e.value.message_dict
    assert not Holding.objects.exists()


def test_snapshots_keep_the_trend_and_a_rerun_replaces(bank, make_customer):
    customer = make_customer()
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="5000",
                   purchase_date="2026-01-01")
    assert aum_snapshot_take(day=dt.date(2026, 10, 31)) == 1
    assert aum_snapshot_take(day=dt.date(2026, 10, 31)) == 1
    assert AumSnapshot.objects.get().aum == Decimal("5000.00")
