"""A customer always names its branch, and its manager and assistant when it has them (customers
migration 0009, issue 15 §1): on PostgreSQL the foreign keys Customer.branch, Customer.rm and
Customer.assistant are replaced by triggers that check an insert's rows at once and an update's
changed ones; on SQLite the keys stay. Either way: a customer naming nothing is refused (one by one
and in a feed's COPY), a book handed over checks the new manager, and what a customer names cannot
be deleted or renumbered under it; (PostgreSQL) a customer written locks what it names as a key did."""

from __future__ import annotations

import pytest
from django.db import transaction

from banyan.customers.models import Customer
from banyan.customers.services import customers_reassign
from banyan.feeds import bulk
from banyan.org.models import Branch, Role, Staff
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    key_columns,
    other_session,
    pg_only,
    raw,
    refused,
)

CHECKED = ("branch_id", "rm_id", "assistant_id")


def _unsaved(n: int, branch_id, rm_id=None, assistant_id=None) -> Customer:
    return Customer(external_id=f"K{n:07d}", name=f"客户{n}", branch_id=branch_id, rm_id=rm_id,
                    assistant_id=assistant_id)


def _feed_writes(objs: list[Customer]) -> None:
    """The customers feed's way: its insert steps (one COPY on PostgreSQL), as a chunk sends them."""
    for step in bulk._insert(Customer, objs):
        step()


@pytest.mark.django_db
def test_a_customer_of_no_branch_manager_or_assistant_is_refused_one_by_one_and_in_a_feed(bank):
    good = {"branch_id": bank.b1.pk, "rm_id": bank.rm_a.pk, "assistant_id": bank.assistant.pk}
    nobody = max(bank.b1.pk, bank.b2.pk, *(s.pk for s in Staff.objects.all())) + 1000
    for column in CHECKED:
        bad = {**good, column: nobody}
        refused(lambda bad=bad: _unsaved(0, **bad).save())
        objs = [_unsaved(n, **good) if n % 2 else _unsaved(n, bank.b1.pk) for n in range(600)]
        objs[300] = _unsaved(300, **bad)
        refused(lambda objs=objs: _feed_writes(objs))
        assert not Customer.objects.exists()  # nothing half-written
    _feed_writes([_unsaved(n, **good) if n % 2 else _unsaved(n, bank.b1.pk) for n in range(600)])
    checked()
    assert Customer.objects.filter(rm=bank.rm_a).count() == 300
    assert Customer.objects.filter(rm__isnull=True, assistant__isnull=True).count() == 300


@pytest.mark.django_db
def test_a_book_handed_to_nobody_is_refused_and_to_a_manager_passes(bank, make_customer):
    customers = [make_customer(bank.rm_a, name=f"客户{n}") for n in range(3)]
    nobody = max(bank.b2.pk, *(s.pk for s in Staff.objects.all())) + 1000
    for column in CHECKED:
        refused(lambda column=column: Customer.objects.filter(rm=bank.rm_a).update(**{column: nobody}))
    assert Customer.objects.filter(rm=bank.rm_a, branch=bank.b1).count() == 3
    # the service's hand-over to the other branch's manager, a save() of every column, AUM: all pass
    result = customers_reassign(actor=bank.admin, customer_ids=[c.pk for c in customers], to_rm=bank.rm_c,
                                reason="经理调岗")
    assert result["customers"] == 3
    Customer.objects.get(pk=customers[0].pk).save()
    Customer.objects.filter(rm=bank.rm_c).update(aum=1, assistant=None)
    checked()
    assert Customer.objects.filter(rm=bank.rm_c, branch=bank.b2, aum=1).count() == 3


@pytest.mark.django_db
def test_what_a_customer_names_is_not_deleted_or_renumbered_under_it(bank, make_customer):
    branch = Branch.objects.create(code="0999", name="新开支行")
    rm = Staff.objects.create(username="xinjingli", full_name="新经理", role=Role.RM, branch=branch)
    helper = Staff.objects.create(username="xinzhuli", full_name="新助理", role=Role.ASSISTANT, branch=branch,
                                  manager=rm)
    customer = make_customer(rm, name="王五", assistant=helper)
    assert (customer.branch_id, customer.assistant_id) == (branch.pk, helper.pk)
    for table, pk in (("org_branch", branch.pk), ("org_staff", rm.pk), ("org_staff", helper.pk)):
        refused(lambda table=table, pk=pk: raw(f"DELETE FROM {table} WHERE id IN (%s, %s)", [pk, pk + 5000]))
        refused(lambda table=table, pk=pk: raw(f"UPDATE {table} SET id = id + 5000 WHERE id = %s", [pk]))
        raw(f"UPDATE {table} SET id = id WHERE id = %s", [pk])  # an update keeping the id passes
    checked()
    # Django's delete: the assistant's customers keep their manager; once they are gone, the rest go
    helper.delete()
    assert Customer.objects.get(pk=customer.pk).assistant_id is None
    customer.delete()
    rm.delete()
    branch.delete()
    checked()
    assert not Branch.objects.filter(pk=branch.pk).exists()


@pg_only
@pytest.mark.django_db
def test_the_keys_are_replaced_by_the_triggers_on_postgresql():
    assert key_columns("customers_customer") == {"referrer_id"}  # a customer naming another keeps it
    assert_checked_by_triggers("customers_customer", {
        "branch_id": "org_branch", "rm_id": "org_staff", "assistant_id": "org_staff"})


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_customer_written_locks_what_it_names_until_the_writer_ends(bank):
    import psycopg

    branch = Branch.objects.create(code="0998", name="试点支行")
    rm = Staff.objects.create(username="shidian", full_name="试点经理", role=Role.RM, branch=branch)
    with transaction.atomic():
        _feed_writes([_unsaved(n, branch.pk, rm.pk) for n in range(3)])
        with other_session() as other:
            for table, pk in (("org_branch", branch.pk), ("org_staff", rm.pk)):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            other.execute("UPDATE org_staff SET full_name = '试点经理甲' WHERE id = %s", [rm.pk])
    rm.refresh_from_db()
    assert rm.full_name == "试点经理甲" and Customer.objects.filter(rm=rm).count() == 3
    Customer.objects.all().delete()
