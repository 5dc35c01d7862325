"""A new holding of a bulk feed is judged from its cells' values, each distinct cell judged once per
feed (bulk._new_holding): the holding it makes must be the one holdings.services.holding_build_unsaved
makes of the same cells — every attribute and cached object — and a row it refuses, refused with the
same reason."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from banyan.customers.models import Customer
from banyan.feeds import bulk
from banyan.feeds import services as rows
from banyan.holdings import services as holdings
from banyan.holdings.models import Product

_CUSTOMERS = [Customer(pk=1, external_id="S001", risk_level="C3"), Customer(pk=2, external_id="S002", risk_level="")]
_PRODUCTS = [Product(pk=1, code="TD3Y", type="time_deposit", term_days=1095),
             Product(pk=2, code="F001", type="fund", latest_nav=Decimal("1.3000")),
             Product(pk=3, code="F002", type="fund"),  # no NAV yet
             Product(pk=4, code="W180", type="wealth", latest_nav=Decimal("1.0125")),
             Product(pk=5, code="L-HOUSE", type="loan")]

#: What a feed may put in a new holding's cells: valid values written the ways banks write them, and
#: invalid ones (too many digits or places, out of range, not a date, not a flag, too long).
_CELLS = {
    "account_no": ["6222020200112233", "6222 0202 0011 2233", "6" * 32, "6" * 33, " 6222 "],
    "amount": ["200000.00", "1,250,000.00", "99.5", "-5", "abc", "12.345", "1" * 14, "1" * 15, "NaN", "0", "1e3",
               "-0", "0E-7", "￥300,000", " 88 ", "Infinity", "1E+14"],
    "purchase_date": ["2024-12-01", "2024/12/01", "20241201", "2024年12月1日", "2024-02-30", "01/12/2024",
                      "2024-12-01 00:00:00", " "],
    "maturity_date": ["2027-12-01", "2020-01-01", "2027-13-01", "2024.12.1"],
    "cost_price": ["1.2345", "1.25", "0", "abc", "1.23456", "0.0001", " "],
    "units": ["80000.00", "80000", "-1", "x", "1" * 15, "12345678901234.5678"],
    "take_profit_pct": ["15", "0", "-3", "abc", "100000", "15.5"],
    "stop_loss_pct": ["10", "100", "0", "5.5", "99.99", "5.555"],
    "auto_rollover": ["Y", "N", "是", "否", "1", "maybe", "true"],
    "overdue_days": ["0", "12", "-1", "abc", "1.5", " 7 "],
    "credit_limit": ["50000.00", "abc", "1,000"],
    "statement_date": ["2026-11-05", "bad"],
    "payment_due_date": ["2026-11-25", "2026-11-31"],
    "minimum_payment": ["800.00", "-1", "0.001"],
    "status": ["active", "已结清", "matured", "bogus", "持有", "Active", "closed", "已到期"],
    "expected_return_pct": ["3.5", "abc"],
}

_rows = st.fixed_dictionaries(
    {"amount": st.sampled_from(_CELLS["amount"]), "purchase_date": st.sampled_from(_CELLS["purchase_date"])},
    optional={name: st.sampled_from(cells) for name, cells in _CELLS.items() if name not in ("amount",
                                                                                              "purchase_date")})


def _verdict(make):
    try:
        holding = make()
    except ValidationError as e:
        return "refused", e.message_dict
    state = {k: v for k, v in vars(holding).items() if k != "_state"}
    # a Decimal by its digits and exponent: 1E+3 is not 1000.00 to what is written and audited
    shown = {k: (type(v), v.as_tuple() if isinstance(v, Decimal) else v) for k, v in state.items()}
    return "made", shown, holding._state.fields_cache, holding._state.db


def _slow(customer, product, cells):
    fields = rows._convert(dict(cells))
    return holdings.holding_build_unsaved(customer=customer, product=product, amount=fields.pop("amount", None),
                                          purchase_date=fields.pop("purchase_date", None), external_id="G001",
                                          **fields)


@settings(max_examples=600, deadline=None)
@given(cells=_rows, customer=st.sampled_from(_CUSTOMERS), product=st.sampled_from(_PRODUCTS),
       twice=st.booleans())
def test_a_new_holding_is_the_one_the_services_make_of_its_cells(cells, customer, product, twice):
    if twice:  # the second time every cell is remembered
        _verdict(lambda: bulk._new_holding("G001", customer, product, dict(cells)))
    with rows.translation.override("zh-hans"):
        ours = _verdict(lambda: bulk._new_holding("G001", customer, product, dict(cells)))
        theirs = _verdict(lambda: _slow(customer, product, cells))
    assert ours == theirs


def test_a_valid_row_is_judged_from_its_remembered_cells_without_the_services_walk():
    cells = {"account_no": "6222 0202 0011 2233", "amount": "1,000", "purchase_date": "2026/01/05",
             "cost_price": "1.25", "stop_loss_pct": "10", "status": "持有"}
    with mock.patch.object(bulk, "holding_build_unsaved", side_effect=AssertionError("judged the slow way")):
        holding = bulk._new_holding("G001", _CUSTOMERS[0], _PRODUCTS[1], dict(cells))
    assert (holding.amount, holding.units, holding.current_value) == (Decimal("1000"), Decimal("800.0000"),
                                                                      Decimal("1040.0000"))
    assert (holding.status, holding.risk_level_at_sale, holding.account_no_reversed) == (
        "active", "C3", "3322110020202226")
    assert holding.customer is _CUSTOMERS[0] and holding.product is _PRODUCTS[1]


@pytest.mark.parametrize(("cells", "field"), [
    ({"amount": "-5", "purchase_date": "2026-01-05"}, "amount"),
    ({"amount": "100", "purchase_date": "2026-01-05", "maturity_date": "2025-01-01"}, "maturity_date"),
    ({"amount": "100", "purchase_date": "2026-01-05", "auto_rollover": "maybe"}, "auto_rollover"),
    ({"amount": "12.345", "purchase_date": "2026-01-05"}, "amount"),
])
def test_a_refused_row_gets_the_services_reason(cells, field):
    with pytest.raises(ValidationError) as ours:
        bulk._new_holding("G001", _CUSTOMERS[0], _PRODUCTS[0], dict(cells))
    with pytest.raises(ValidationError) as theirs:
        _slow(_CUSTOMERS[0], _PRODUCTS[0], cells)
    assert ours.value.message_dict == theirs.value.message_dict
    assert field in ours.value.message_dict
