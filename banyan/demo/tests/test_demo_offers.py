"""The demo bank's next best offers and sales maintenance messages (issue 11 §4, §6): on `make run`
they come from the demo's data — what customers hold, said and asked for — and make sense: no
customer is offered a product suitability refuses, the unassessed ones are offered the assessment
first, what a customer asked for leads when suitable, and a fund that fell to a customer's stop-loss
line comes with its suggested message."""

from __future__ import annotations

import pytest

from banyan import clock
from banyan.customers.models import Customer
from banyan.demo.tests.test_demo import TODAY, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.holdings.models import Product
from banyan.messaging.text import promising_words
from banyan.wealth import suitability
from banyan.wealth.maintenance import suggestions_for_customer
from banyan.wealth.offers import offers_for_customers

pytestmark = pytest.mark.django_db


def test_every_demo_customer_gets_offers_they_may_buy_with_reasons(demo):  # noqa: F811
    customers = {c.pk: c for c in Customer.objects.filter(rm__isnull=False)}
    products = {p.code: p for p in Product.objects.all()}
    with clock.frozen(TODAY):
        found = offers_for_customers(list(customers))
        verdicts = suitability.verdicts(list(customers), list(products.values()))
    assert all(o.offers for o in found.values())  # every file has something to say
    codes = set()
    for cid, o in found.items():
        for x in o.offers:
            assert x.reasons, (cid, x.name)
            codes |= set(x.reason_codes)
        for x in o.products:
            assert verdicts[(cid, products[x.product_code].pk)].allowed, (cid, x.product_code)
        if o.blocked_by:
            assert o.offers[0].service == "risk_assessment"
        wanted = [x for x in o.products if x.wanted]
        if wanted:
            assert o.products[0].wanted  # what the customer asked for leads
    # the demo's data speaks through every kind of reason
    assert {"wanted", "maturing", "model_gap", "life_event", "not_held"} <= codes


def test_a_demo_fund_at_the_stop_loss_line_comes_with_a_message_that_promises_nothing(demo):  # noqa: F811
    with clock.frozen(TODAY):
        suggestions = []
        for customer in Customer.objects.filter(holdings__stop_loss_pct__isnull=False).distinct()[:40]:
            suggestions += suggestions_for_customer(customer, actor=customer.rm)
    assert any(s.code == "stop_loss" for s in suggestions)
    for s in suggestions:
        assert s.text and s.product in s.text and promising_words(s.text) == []
