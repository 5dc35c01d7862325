"""Fixtures for the page tests: a small book with holdings, memos and history."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.holdings.services import holding_create


@pytest.fixture
def zeng(bank, make_customer):
    """曾晓明, zhangmin's customer, with a deposit, a fund and a loan."""
    customer = make_customer(bank.rm_a, name="曾晓明", birth=dt.date(1980, 5, 17), lunar_birthday=True,
                             risk_level="C3", risk_assessed_on=dt.date(2025, 3, 1), occupation="工程师")
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount="500000.00",
                   purchase_date="2024-01-10", maturity_date="2026-12-20")
    holding_create(actor=None, customer=customer, product=bank.products.fund, amount="100000.00",
                   purchase_date="2025-06-01", cost_price="1.2500", take_profit_pct="15", stop_loss_pct="10")
    holding_create(actor=None, customer=customer, product=bank.products.loan, amount="800000.00",
                   purchase_date="2020-01-01", maturity_date="2040-01-01", overdue_days=12)
    customer.refresh_from_db()
    return customer
