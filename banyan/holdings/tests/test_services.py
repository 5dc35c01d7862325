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


def test_a_snapshot_row_is_its_customer_that_day(bank, make_customer):
    """Every customer gets one row: AUM, completeness, manager, branch and quadrant as stored that
    day; a customer not segmented yet has no quadrant; rows of other days stay as they were."""
    from banyan.segments.services import segments_recompute

    kept = make_customer(name="王芳")
    holding_create(actor=bank.rm_a, customer=kept, product=bank.products.deposit, amount="800000",
                   purchase_date="2026-01-01")
    segments_recompute()
    unsegmented = make_customer(name="李明", rm=bank.rm_b)
    assert aum_snapshot_take(day=dt.date(2026, 9, 30)) == 2
    kept.refresh_from_db()
    kept.aum = Decimal("1")  # a later day's AUM is not that of September
    kept.save(update_fields=["aum"])
    assert aum_snapshot_take(day=dt.date(2026, 10, 31)) == 2
    rows = {(s.customer_id, s.date): (s.aum, s.completeness, s.rm_id, s.branch_id, s.quadrant)
            for s in AumSnapshot.objects.all()}
    quadrant = kept.segment.quadrant
    assert quadrant
    assert rows == {
        (kept.pk, dt.date(2026, 9, 30)): (Decimal("800000.00"), kept.completeness, bank.rm_a.pk, kept.branch_id,
                                          quadrant),
        (kept.pk, dt.date(2026, 10, 31)): (Decimal("1.00"), kept.completeness, bank.rm_a.pk, kept.branch_id,
                                           quadrant),
        (unsegmented.pk, dt.date(2026, 9, 30)): (Decimal("0.00"), unsegmented.completeness, bank.rm_b.pk,
                                                 unsegmented.branch_id, ""),
        (unsegmented.pk, dt.date(2026, 10, 31)): (Decimal("0.00"), unsegmented.completeness, bank.rm_b.pk,
                                                  unsegmented.branch_id, ""),
    }
