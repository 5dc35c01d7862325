"""benchmarks/generate.py at a tiny size: the synthetic bank written with COPY is the bank the
services would have written — derived columns, AUM, last contact, logins — and nothing dangles.
PostgreSQL only (COPY); skipped on SQLite."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.test import Client

from banyan.contacts.models import Interaction, real_contact_q
from banyan.customers.models import Customer
from banyan.customers.services import customer_fill_derived
from banyan.holdings.models import LIABILITY_TYPES, AumSnapshot, Holding, Transaction
from banyan.org.models import Role, Staff
from banyan.segments.models import CustomerSegment

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"

ON_POSTGRES = connection.vendor == "postgresql"
# Marked for the database only where it runs: a skipped transactional test would still be torn down.
pytestmark = ([pytest.mark.django_db(transaction=True)] if ON_POSTGRES else
              [pytest.mark.skip(reason="the generator writes with PostgreSQL COPY")])


@pytest.fixture
def generated():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    counts = generate.generate(customers=300, seed=3, workers=2)
    return generate, counts


def test_the_generated_bank_is_coherent_and_its_derived_columns_are_the_services(generated):
    # given a bank of 300 customers from the generator (two COPY workers)
    generate, counts = generated

    # then every customer, holding and contact is there, nothing dangles, no number twice
    assert Customer.objects.count() == 300 == counts["Customer"]
    assert Holding.objects.count() == counts["Holding"] >= 3 * 300
    assert AumSnapshot.objects.count() == 12 * 300
    assert Transaction.objects.exists() and Interaction.objects.exists()
    assert generate.check() == 0

    # and the derived columns are what customer_fill_derived computes
    for c in Customer.objects.all()[:100]:
        expected = Customer.objects.get(pk=c.pk)
        customer_fill_derived(expected)
        assert (c.name_pinyin, c.name_initials, c.mobile_tail, c.id_tail, c.birthday_mmdd, c.lunar_birthday_key,
                c.completeness) == (expected.name_pinyin, expected.name_initials, expected.mobile_tail,
                                    expected.id_tail, expected.birthday_mmdd, expected.lunar_birthday_key,
                                    expected.completeness)

    # and AUM is the active assets' value, last contact the latest real contact
    assets = dict(Holding.objects.filter(status="active").exclude(product__type__in=LIABILITY_TYPES)
                  .values("customer_id").annotate(s=Sum("current_value")).values_list("customer_id", "s"))
    latest = dict(Interaction.objects.filter(real_contact_q()).values("customer_id")
                  .annotate(m=Max("occurred_at")).values_list("customer_id", "m"))
    for pk, aum, last in Customer.objects.values_list("pk", "aum", "last_contact_at"):
        assert aum == assets.get(pk, Decimal("0.00"))
        assert last == latest.get(pk)

    # and every customer is segmented and kept by a manager who keeps a book
    assert CustomerSegment.objects.count() == 300
    assert not Customer.objects.filter(~Q(rm__role__in=[Role.RM, Role.PLANNER])).exists()


def test_a_generated_manager_logs_in_and_sees_only_their_own_book(generated):
    # given the generated bank
    manager = (Staff.objects.filter(role=Role.RM).annotate(n=Count("book")).filter(n__gt=0).order_by("username")
               .first())
    other = Customer.objects.exclude(rm=manager).first()
    mine = Customer.objects.filter(rm=manager).first()
    client = Client()

    # when the manager logs in with the published password
    assert client.login(username=manager.username, password="banyan2026")

    # then their customer's file opens and another manager's customer is out of reach
    assert client.get(f"/customers/{mine.pk}/").status_code == 200
    assert client.get(f"/customers/{other.pk}/").status_code == 404
