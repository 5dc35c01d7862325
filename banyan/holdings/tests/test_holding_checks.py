"""A holding always names its customer, its product and (when recorded) its seller (holdings
migration 0016, issue 15 §1): on PostgreSQL the foreign keys Holding.customer, Holding.product and
Holding.sold_by are replaced by triggers that check an insert's rows at once and an update's changed
ones; on SQLite the keys stay. Either way: a holding naming nothing is refused (one by one and in a
feed's COPY), what a holding names cannot be deleted or renumbered under it, Django's delete clears
or takes the holdings first, and (PostgreSQL) a holding written locks what it names as a key did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from banyan.feeds import bulk
from banyan.holdings.models import Holding, Product
from banyan.holdings.services import holding_create
from banyan.org.models import Staff
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    other_session,
    pg_only,
    raw,
    refused,
)

CHECKED = ("customer_id", "product_id", "sold_by_id")


def _unsaved(customer_id, product_id, seller_id=None, n: int = 0) -> Holding:
    return Holding(customer_id=customer_id, product_id=product_id, sold_by_id=seller_id, external_id=f"H{n:06d}",
                   amount=Decimal("10000.00"), current_value=Decimal("10000.00"), purchase_date=dt.date(2026, 1, 5))


def _feed_writes(objs: list[Holding]) -> None:
    """The holdings feed's way: its insert steps (one COPY on PostgreSQL), as a chunk sends them."""
    for step in bulk._insert(Holding, objs):
        step()


@pytest.mark.django_db
def test_a_holding_of_no_customer_product_or_seller_is_refused_one_by_one_and_in_a_feed(bank, make_customer):
    customer, product, seller = make_customer(), bank.products.deposit, bank.rm_a
    nobody = max(customer.pk, product.pk, seller.pk) + 1000
    for bad in ({"customer_id": nobody}, {"product_id": nobody}, {"seller_id": nobody}):
        args = {"customer_id": customer.pk, "product_id": product.pk, "seller_id": seller.pk, **bad}
        refused(lambda args=args: _unsaved(**args).save())
        # a feed's chunk: 600 holdings, one of them naming nobody, in one COPY
        objs = [_unsaved(customer.pk, product.pk, seller.pk if n % 2 else None, n) for n in range(600)]
        objs[300] = _unsaved(**args, n=300)
        refused(lambda objs=objs: _feed_writes(objs))
        assert not Holding.objects.exists()  # nothing half-written
    objs = [_unsaved(customer.pk, product.pk, seller.pk if n % 2 else None, n) for n in range(600)]
    _feed_writes(objs)
    checked()
    assert Holding.objects.filter(customer=customer).count() == 600
    assert Holding.objects.filter(sold_by__isnull=True).count() == 300  # no seller recorded: nothing to check


@pytest.mark.django_db
def test_a_holding_moved_to_nobody_is_refused_and_other_updates_pass(bank, make_customer):
    customer, other = make_customer(), make_customer(name="李四")
    holding = holding_create(actor=None, customer=customer, product=bank.products.fund, amount="60000",
                             purchase_date="2025-06-01", cost_price="1.2000", sold_by=bank.rm_a)
    nobody = max(customer.pk, other.pk, bank.products.fund.pk, bank.rm_c.pk) + 1000
    for column in CHECKED:
        refused(lambda column=column: Holding.objects.filter(pk=holding.pk).update(**{column: nobody}))
        refused(lambda column=column: raw(f"UPDATE holdings_holding SET {column} = %s", [nobody]))
    holding.refresh_from_db()
    assert (holding.customer_id, holding.product_id, holding.sold_by_id) == (customer.pk, bank.products.fund.pk,
                                                                             bank.rm_a.pk)
    # moved to someone who exists, the seller cleared, a revaluation, a save() of every column: all pass
    Holding.objects.filter(pk=holding.pk).update(customer=other, product=bank.products.deposit, sold_by=bank.rm_c)
    Holding.objects.filter(pk=holding.pk).update(sold_by=None, current_value=Decimal("61000.00"))
    holding.refresh_from_db()
    holding.save()
    checked()
    holding.refresh_from_db()
    assert (holding.customer_id, holding.product_id, holding.sold_by_id, holding.current_value) == (
        other.pk, bank.products.deposit.pk, None, Decimal("61000.00"))


@pytest.mark.django_db
def test_what_a_holding_names_is_not_deleted_or_renumbered_under_it(bank, make_customer):
    customer, bare = make_customer(), make_customer(name="李四")
    seller = Staff.objects.create(username="xiaoli", full_name="小李", branch=bank.b1)  # sold, then left
    holding_create(actor=None, customer=customer, product=bank.products.fund, amount="60000",
                   purchase_date="2025-06-01", cost_price="1.2000", sold_by=seller)
    for table, pk in (("customers_customer", customer.pk), ("holdings_product", bank.products.fund.pk),
                      ("org_staff", seller.pk)):
        refused(lambda table=table, pk=pk: raw(f"DELETE FROM {table} WHERE id IN (%s, %s)", [pk, pk + 5000]))
        refused(lambda table=table, pk=pk: raw(f"UPDATE {table} SET id = id + 5000 WHERE id = %s", [pk]))
        raw(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # an update keeping the id passes
    checked()
    # what no holding names goes; Django's delete: a product in use is protected (its own rule), a
    # seller's sales keep their holdings without the seller, a customer's holdings go with the customer
    raw("DELETE FROM customers_customer WHERE id = %s", [bare.pk])
    with pytest.raises(ProtectedError):
        bank.products.fund.delete()
    seller.delete()
    assert Holding.objects.get().sold_by_id is None
    customer.delete()
    checked()
    assert not Holding.objects.exists() and Product.objects.filter(pk=bank.products.fund.pk).exists()


@pg_only
@pytest.mark.django_db
def test_the_keys_are_replaced_by_the_triggers_on_postgresql():
    assert_checked_by_triggers("holdings_holding", {
        "customer_id": "customers_customer", "product_id": "holdings_product", "sold_by_id": "org_staff"})


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_holding_written_locks_what_it_names_until_the_writer_ends(bank, make_customer):
    """As the keys did (FOR KEY SHARE): another transaction cannot delete the customer, the product
    or the seller meanwhile, and can still update their other columns (a feed's parts refresh the
    customers' AUM side by side, bulk._refresh_aum)."""
    import psycopg

    customer, product, seller = make_customer(), bank.products.fund, bank.rm_a
    with transaction.atomic():
        _feed_writes([_unsaved(customer.pk, product.pk, seller.pk, n) for n in range(3)])
        with other_session() as other:
            for table, pk in (("customers_customer", customer.pk), ("holdings_product", product.pk),
                              ("org_staff", seller.pk)):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            other.execute("UPDATE customers_customer SET aum = 1 WHERE id = %s", [customer.pk])
    customer.refresh_from_db()
    assert customer.aum == 1 and Holding.objects.filter(customer=customer).count() == 3
    Holding.objects.all().delete()
