"""The demo's needs that come back (issue 16 §4): customers who asked for gold coins the bank did not
sell are on this morning's lists again, the coin named, once the coin goes on sale."""

from __future__ import annotations

import datetime as dt

from banyan import clock
from banyan.contacts.models import Memo
from banyan.customers.models import Customer
from banyan.demo.wanted import COIN, make_wanted_products
from banyan.holdings.models import Product
from banyan.worklists.models import TaskReason
from banyan.worklists.services import worklists_build

TODAY = dt.date(2026, 11, 23)


def test_the_demo_puts_a_gold_coin_on_sale_and_the_customers_who_asked_come_back(bank, make_customer):
    for i in range(50):
        for rm in (bank.rm_a, bank.rm_b):
            make_customer(rm, name=f"顾{i}")
    Customer.objects.update(last_contact_at=dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC))
    with clock.frozen(TODAY):
        line = make_wanted_products(2026, TODAY)
        assert "on sale today" in line
        coin = Product.objects.get(code=COIN[0])
        assert coin.type == "precious_metal" and coin.on_sale_since == TODAY
        asked = set(Memo.objects.filter(product_type="precious_metal").values_list("customer_id", flat=True))
        assert len(asked) == 5
        assert all((TODAY - m.created_at.date()).days >= 60 for m in Memo.objects.filter(product_type="precious_metal"))
        worklists_build(day=TODAY)
    came = TaskReason.objects.filter(code="wanted_product", task__date=TODAY)
    assert set(came.values_list("customer_id", flat=True)) >= asked and came.count() == 6  # and the lost sale
    assert all(COIN[1] in r.detail for r in came)
    with clock.frozen(TODAY):
        assert make_wanted_products(2026, TODAY).startswith("wanted products: none")  # once
