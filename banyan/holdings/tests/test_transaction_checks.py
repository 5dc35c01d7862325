"""An account movement always names its customer (holdings migration 0018, session 26): on
PostgreSQL the foreign key Transaction.customer is replaced by holdings 0016's triggers, which check
a statement's movements at once (a feed's COPY of a chunk); on SQLite the key stays. Either way a
movement of no customer is refused, alone and in a feed's COPY, a movement moved to nobody is
refused, a customer with movements cannot be deleted or renumbered under them, Django's delete
takes a customer's movements first, and (PostgreSQL) a movement written locks its customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from banyan.feeds import bulk
from banyan.holdings.models import Transaction
from banyan.holdings.services import transaction_record
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    other_session,
    pg_only,
    raw,
    refused,
)


def _unsaved(customer_id: int, n: int) -> Transaction:
    return Transaction(customer_id=customer_id, external_id=f"T{n:06d}", occurred_on=dt.date(2026, 11, 2),
                       amount=Decimal("-3000.00"), counterparty="杭州电力")


def _feed_writes(objs: list[Transaction]) -> None:
    """The transactions feed's way: its insert steps (one COPY on PostgreSQL), as a chunk sends them."""
    for step in bulk._insert(Transaction, objs):
        step()


@pytest.mark.django_db
def test_a_movement_of_no_customer_is_refused_alone_and_in_a_feed(make_customer):
    customer = make_customer()
    nobody = customer.pk + 1000
    refused(lambda: _unsaved(nobody, 0).save())
    objs = [_unsaved(customer.pk, n) for n in range(600)]
    objs[300] = _unsaved(nobody, 300)
    refused(lambda: _feed_writes(objs))
    assert not Transaction.objects.exists()  # nothing half-written
    _feed_writes([_unsaved(customer.pk, n) for n in range(600)])
    checked()
    assert Transaction.objects.filter(customer=customer).count() == 600


@pytest.mark.django_db
def test_a_movement_moved_to_nobody_is_refused_and_a_correction_passes(make_customer):
    customer, other = make_customer(), make_customer(name="李四")
    movement = transaction_record(actor=None, customer=customer, external_id="T1", occurred_on="2026-11-02",
                                  amount="-3000")
    nobody = other.pk + 1000
    refused(lambda: Transaction.objects.filter(pk=movement.pk).update(customer_id=nobody))
    refused(lambda: raw("UPDATE holdings_transaction SET customer_id = %s", [nobody]))
    # the same movement fed again, corrected (amount and customer), and a save() of every column
    transaction_record(actor=None, customer=other, external_id="T1", occurred_on="2026-11-02", amount="-3500")
    movement.refresh_from_db()
    movement.save()
    checked()
    movement.refresh_from_db()
    assert (movement.customer_id, movement.amount) == (other.pk, Decimal("-3500.00"))


@pytest.mark.django_db
def test_a_customer_with_movements_is_not_deleted_or_renumbered_under_them(make_customer):
    customer, bare = make_customer(), make_customer(name="李四")
    transaction_record(actor=None, customer=customer, external_id="T1", occurred_on="2026-11-02", amount="-3000")
    refused(lambda: raw("DELETE FROM customers_customer WHERE id IN (%s, %s)", [customer.pk, bare.pk]))
    refused(lambda: raw("UPDATE customers_customer SET id = id + 5000 WHERE id = %s", [customer.pk]))
    raw("UPDATE customers_customer SET id = id WHERE id = %s", [customer.pk])  # keeping the id passes
    checked()
    raw("DELETE FROM customers_customer WHERE id = %s", [bare.pk])  # no movements: it goes
    customer.delete()  # Django's delete: the movements first (CASCADE)
    checked()
    assert not Transaction.objects.exists()


@pg_only
@pytest.mark.django_db
def test_the_key_is_replaced_by_the_triggers_on_postgresql():
    assert_checked_by_triggers("holdings_transaction", {"customer_id": "customers_customer"})


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_movement_written_locks_its_customer_until_the_writer_ends(make_customer):
    """As the key did (FOR KEY SHARE): another transaction cannot delete the customer meanwhile,
    and can still update its other columns."""
    import psycopg

    customer = make_customer()
    with transaction.atomic():
        _feed_writes([_unsaved(customer.pk, n) for n in range(3)])
        with other_session() as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM customers_customer WHERE id = %s", [customer.pk])
            other.execute("UPDATE customers_customer SET aum = 1 WHERE id = %s", [customer.pk])
    customer.refresh_from_db()
    assert customer.aum == 1 and Transaction.objects.filter(customer=customer).count() == 3
    Transaction.objects.all().delete()
