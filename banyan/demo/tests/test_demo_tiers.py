"""The demo's staffing by tier (issue 16 §7): the senior managers are the private bankers, and the
branch head's page opens on the customers out of place."""

from __future__ import annotations

from decimal import Decimal

from banyan.customers.models import Customer
from banyan.demo.tiers import make_tiers_example
from banyan.org.models import Staff
from banyan.staffing.tiers import out_of_place


def test_the_demo_flags_the_private_bankers_and_shows_customers_out_of_place(bank, make_customer):
    Staff.objects.filter(pk=bank.rm_b.pk).update(is_senior=True)
    big = make_customer(bank.rm_a, name="大客户")  # kept by a manager who is neither senior nor a private banker
    fine = make_customer(bank.rm_b, name="私行客户")
    Customer.objects.filter(pk__in=[big.pk, fine.pk]).update(aum=Decimal("7000000"))
    line = make_tiers_example(None)
    assert "李华" in line and "B01 1" in line, line
    assert list(Staff.objects.filter(is_private_banker=True).values_list("username", flat=True)) == ["lihua"]
    assert [c.pk for c in out_of_place(bank.head, bank.b1)] == [big.pk]
