"""customers_refresh_aum: the AUM is the active non-liability holdings' current value, and only
the customers whose AUM changed are written."""

from decimal import Decimal

from banyan.customers.models import Customer
from banyan.holdings.services import customers_refresh_aum


def test_the_refresh_corrects_what_drifted_and_writes_only_the_customers_that_changed(bank, make_customer, zeng):
    # zeng: a 500,000 deposit and a 100,000 fund (the 800,000 loan is a liability, not AUM)
    empty = make_customer(bank.rm_b, name="李空")
    assert customers_refresh_aum() == 0  # the services kept every AUM right
    assert Customer.objects.get(pk=zeng.pk).aum == Decimal("600000.00")
    Customer.objects.filter(pk=zeng.pk).update(aum=Decimal("1.00"))
    Customer.objects.filter(pk=empty.pk).update(aum=Decimal("5.00"))
    assert customers_refresh_aum(customer_ids=[empty.pk]) == 1
    assert Customer.objects.get(pk=empty.pk).aum == Decimal("0.00")
    assert Customer.objects.get(pk=zeng.pk).aum == Decimal("1.00")  # not among the given customers
    assert customers_refresh_aum() == 1
    assert Customer.objects.get(pk=zeng.pk).aum == Decimal("600000.00")
    assert customers_refresh_aum() == 0
