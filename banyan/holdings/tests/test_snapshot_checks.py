"""A month-end snapshot always names its customer and, when recorded, the manager and branch of that
day (holdings migration 0017, session 26): on PostgreSQL the foreign keys AumSnapshot.customer, .rm
and .branch are replaced by holdings 0016's triggers; on SQLite the keys stay. Either way: a
snapshot naming nothing is refused (one row, or one among a month-end's rows), a snapshot moved to
nobody is refused, what a snapshot names cannot be deleted or renumbered under it, Django's delete
takes a customer's snapshots and clears a manager's or a branch's first, and (PostgreSQL) a
month-end taken locks the customers it names as the keys did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from banyan.customers.models import Customer
from banyan.holdings.models import AumSnapshot
from banyan.holdings.services import aum_snapshot_take
from banyan.org.models import Branch, Role, Staff
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    other_session,
    pg_only,
    raw,
    refused,
)

CHECKED = ("customer_id", "rm_id", "branch_id")
MONTH_END = dt.date(2026, 10, 31)


def _month_end_with(bad: dict[str, int]) -> None:
    """A month-end's rows written as aum_snapshot_take writes them (one INSERT … SELECT of every
    customer), one of them naming `bad` instead of what its customer names."""
    first = Customer.objects.order_by("pk").values_list("pk", flat=True)[0]
    cases = " ".join(f"WHEN c.id = {first} THEN {value}" for value in bad.values())
    column = {"customer_id": "c.id", "rm_id": "c.rm_id", "branch_id": "c.branch_id"}
    picked = [f"CASE {cases} ELSE {expr} END" if name in bad else expr for name, expr in column.items()]
    raw(f"INSERT INTO holdings_aumsnapshot (customer_id, rm_id, branch_id, date, aum, quadrant) "
        f"SELECT {', '.join(picked)}, %s, c.aum, '' FROM customers_customer c", [MONTH_END])


@pytest.mark.django_db
def test_a_snapshot_naming_no_customer_manager_or_branch_is_refused_alone_and_in_a_month_end(bank, make_customer):
    customers = [make_customer(name=f"客户{n}") for n in range(30)]
    nobody = max(c.pk for c in customers) + max(bank.rm_a.pk, bank.b1.pk) + 1000
    for column in CHECKED:
        refused(lambda column=column: AumSnapshot.objects.create(
            **{"customer_id": customers[0].pk, "rm_id": bank.rm_a.pk, "branch_id": bank.b1.pk, column: nobody},
            date=MONTH_END, aum=Decimal("1.00")))
        refused(lambda column=column: _month_end_with({column: nobody}))
        assert not AumSnapshot.objects.exists()  # nothing half-written
    assert aum_snapshot_take(day=MONTH_END) == 30
    checked()
    # a customer no manager keeps (a branch's pool) has no manager to check
    Customer.objects.filter(pk=customers[0].pk).update(rm=None)
    assert aum_snapshot_take(day=MONTH_END) == 30
    checked()
    assert AumSnapshot.objects.filter(rm__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_snapshot_moved_to_nobody_is_refused_and_other_updates_pass(bank, make_customer):
    customer, other = make_customer(), make_customer(name="李四", rm=bank.rm_b)
    aum_snapshot_take(day=MONTH_END)
    snapshot = AumSnapshot.objects.get(customer=customer)
    nobody = max(other.pk, bank.rm_c.pk, bank.b2.pk) + 1000
    for column in CHECKED:
        refused(lambda column=column: AumSnapshot.objects.filter(pk=snapshot.pk).update(**{column: nobody}))
        refused(lambda column=column: raw(f"UPDATE holdings_aumsnapshot SET {column} = %s", [nobody]))
    snapshot.refresh_from_db()
    assert (snapshot.customer_id, snapshot.rm_id, snapshot.branch_id) == (customer.pk, bank.rm_a.pk,
                                                                         customer.branch_id)
    # to someone who exists, the holder cleared, a quadrant set, a save() of every column: all pass
    AumSnapshot.objects.filter(pk=snapshot.pk).update(rm=bank.rm_c, branch=bank.b2, date=dt.date(2026, 9, 30))
    AumSnapshot.objects.filter(pk=snapshot.pk).update(rm=None, quadrant="high_high")
    snapshot.refresh_from_db()
    snapshot.save()
    checked()
    snapshot.refresh_from_db()
    assert (snapshot.customer_id, snapshot.rm_id, snapshot.branch_id, snapshot.quadrant) == (
        customer.pk, None, bank.b2.pk, "high_high")


@pytest.mark.django_db
def test_what_a_snapshot_names_is_not_deleted_or_renumbered_under_it(bank, make_customer):
    branch = Branch.objects.create(code="B900", name="城西支行")  # opened, then closed
    manager = Staff.objects.create(username="xiaoli", full_name="小李", branch=branch, role=Role.RM)
    customer, bare = make_customer(rm=manager), make_customer(name="李四")
    aum_snapshot_take(day=MONTH_END)
    raw("DELETE FROM holdings_aumsnapshot WHERE customer_id = %s", [bare.pk])
    for table, pk in (("customers_customer", customer.pk), ("org_staff", manager.pk), ("org_branch", branch.pk)):
        refused(lambda table=table, pk=pk: raw(f"DELETE FROM {table} WHERE id IN (%s, %s)", [pk, pk + 5000]))
        refused(lambda table=table, pk=pk: raw(f"UPDATE {table} SET id = id + 5000 WHERE id = %s", [pk]))
        raw(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # an update keeping the id passes
    checked()
    # what no snapshot names goes; Django's delete: the month-ends keep the customer without the
    # manager and branch that left, and a customer's snapshots go with the customer
    raw("DELETE FROM customers_customer WHERE id = %s", [bare.pk])
    customer.delete()  # the customer first: it names the manager and the branch (its own keys)
    aum_snapshot_take(day=MONTH_END)
    assert not AumSnapshot.objects.filter(customer_id=customer.pk).exists()
    AumSnapshot.objects.create(customer=make_customer(name="王五"), rm=manager, branch=branch, date=MONTH_END,
                               aum=Decimal("1.00"))
    manager.delete()
    branch.delete()
    checked()
    assert AumSnapshot.objects.filter(rm__isnull=True, branch__isnull=True).count() == 1


@pg_only
@pytest.mark.django_db
def test_the_keys_are_replaced_by_the_triggers_on_postgresql():
    assert_checked_by_triggers("holdings_aumsnapshot", {
        "customer_id": "customers_customer", "rm_id": "org_staff", "branch_id": "org_branch"})


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_month_end_taken_locks_what_it_names_until_it_commits(bank, make_customer):
    """As the keys did (FOR KEY SHARE): another transaction cannot delete a customer, a manager or a
    branch the month-end names meanwhile, and can still update their other columns (the night's
    AUM refresh, a customer's profile)."""
    import psycopg

    customer = make_customer()
    with transaction.atomic():
        assert aum_snapshot_take(day=MONTH_END) == 1
        with other_session() as other:
            for table, pk in (("customers_customer", customer.pk), ("org_staff", bank.rm_a.pk),
                              ("org_branch", customer.branch_id)):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            other.execute("UPDATE customers_customer SET aum = 1 WHERE id = %s", [customer.pk])
    customer.refresh_from_db()
    assert customer.aum == 1 and AumSnapshot.objects.filter(customer=customer).count() == 1
    AumSnapshot.objects.all().delete()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_month_end_asked_for_twice_at_once_is_taken_once(bank, make_customer):
    """Two nightly runs at the same time (two days built the same night): the second waits for the
    first's commit and finds the month-end taken, instead of failing on the (customer, date)
    uniqueness or writing it twice."""
    import threading

    from django.db import connections

    from banyan.holdings.services import aum_month_end_snapshot

    for n in range(3):
        make_customer(name=f"客户{n}")
    first_done, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = aum_month_end_snapshot(today=dt.date(2026, 11, 2))
                first_done.set()
                threading.Event().wait(0.5)  # still uncommitted while the second asks
        finally:
            connections.close_all()

    def second():
        first_done.wait(10)
        try:
            results["second"] = aum_month_end_snapshot(today=dt.date(2026, 11, 3))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"first": 3, "second": 0}
    assert AumSnapshot.objects.filter(date=MONTH_END).count() == 3
    AumSnapshot.objects.all().delete()
