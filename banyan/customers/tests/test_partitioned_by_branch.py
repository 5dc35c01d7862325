"""docs/scale.md §5 step 2 on PostgreSQL: the customers table partitioned by hash of the branch
(banyan.testing.partitioning), so that a branch's customers sit together and a nightly per-branch
task reads one partition — and Banyan's own services run on it unchanged: the same segments and
the same nightly lists as on the plain table, a customer handed to another branch's manager moved
to that branch's partition by PostgreSQL itself. What it costs is tested too: every foreign key
to the customers is dropped (PostgreSQL refuses one on the id alone; the holdings and the tasks
keep their check, a trigger), a manager's book — filtered by manager, not branch — reads every
partition, and the bank-wide uniqueness of a customer number is no longer the database's. The
conversion is DDL inside the test's transaction, rolled back with it (the last test checks that)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from banyan import clock
from banyan.customers.models import Customer
from banyan.customers.services import customer_create, customers_reassign
from banyan.holdings.models import Holding
from banyan.holdings.services import holding_create
from banyan.segments.models import CustomerSegment
from banyan.segments.services import segments_recompute
from banyan.testing.partitioning import partition_by_hash, partitioned_tables, partitions_named_in
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.services import worklists_build

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="declarative partitioning")]

CUSTOMERS = "customers_customer"
PARTS = 4
DAY = dt.date(2026, 11, 24)
_converted: list[str] = []


class _Together(Exception):
    pass


def _partition(**options):
    """Partitioned by hash of the branch into PARTS partitions or a few more: as many as it takes
    for the test bank's two branches to land in two partitions (their ids, and so their hashes,
    depend on the tests run before in the same database)."""
    for modulus in range(PARTS, PARTS + 12):
        try:
            with transaction.atomic():
                done = partition_by_hash(CUSTOMERS, "branch_id", modulus=modulus, **options)
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT count(DISTINCT branch_id), count(DISTINCT tableoid) FROM {CUSTOMERS}")
                    branches, partitions = cursor.fetchone()
                if branches != partitions:
                    raise _Together
        except _Together:
            continue
        _converted.append(CUSTOMERS)
        return done
    raise AssertionError("the two branches share a partition at every modulus tried")


@pytest.fixture
def book(bank, make_customer):
    """Customers of both branches: some with a deposit maturing in the coming days, some never
    contacted (the regular contact due), one contacted last week."""
    customers = []
    for i, rm in enumerate([bank.rm_a, bank.rm_a, bank.rm_b, bank.rm_c, bank.rm_c, bank.rm_b]):
        customer = make_customer(rm, name=f"客户{i}", birth=dt.date(1970 + i, 3, 1 + i))
        if i % 2 == 0:
            holding_create(actor=None, customer=customer, product=bank.products.deposit, amount=f"{(i + 1) * 100000}",
                           purchase_date="2023-11-28", maturity_date=f"2026-11-{26 + i // 2}")
        else:
            holding_create(actor=None, customer=customer, product=bank.products.fund, amount="60000",
                           purchase_date="2025-06-01", cost_price="1.2000")
        customers.append(customer)
    Customer.objects.filter(pk=customers[1].pk).update(last_contact_at=dt.datetime(2026, 11, 16, 2, tzinfo=dt.UTC))
    return customers


def _nightly() -> tuple[list, list]:
    """Recompute the segments and build the day's lists: (segments, tasks with their reasons)."""
    with clock.frozen(DAY):
        segments_recompute()
        worklists_build(day=DAY)
    segments = sorted(CustomerSegment.objects.values_list("customer_id", "quadrant", "frequency_days", "orientation"))
    tasks = sorted((t.manager_id, t.customer_id, t.date, tuple(sorted((r.code, r.detail) for r in t.reasons.all())))
                   for t in Task.objects.filter(date=DAY).prefetch_related("reasons"))
    return segments, tasks


def _partition_of(customer_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {CUSTOMERS} WHERE id = %s", [customer_id])
        (name,), = cursor.fetchall()
        return name


def test_a_customer_number_unique_across_the_bank_must_be_given_up_explicitly(bank, book):
    with pytest.raises(ValueError, match="customer_external_id_unique"):
        _partition()
    assert CUSTOMERS not in partitioned_tables()  # refused before anything changed
    done = _partition(widen_uniques=True)
    assert CUSTOMERS in partitioned_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                       "AND contype IN ('p', 'u') ORDER BY contype", [CUSTOMERS])
        assert [d for (d,) in cursor.fetchall()] == ["PRIMARY KEY (id, branch_id)", "UNIQUE (external_id, branch_id)"]
    # every foreign key to a customer is gone: contacts, segments, events … (PostgreSQL refuses them)
    dropped = {ref.split(".")[0] for ref in done.dropped_references}
    assert "contacts_interaction" in dropped and len(done.dropped_references) > 20
    # the holdings and the tasks keep their check: triggers, not keys (holdings 0016, worklists 0012)
    assert not dropped & {"holdings_holding", "worklists_task"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(customer_id=book[-1].pk + 1000, product=bank.products.fund, amount=1000,
                               current_value=1000, purchase_date=DAY)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {CUSTOMERS} WHERE id = %s", [book[0].pk])
    # a branch's customers in one partition, every customer in the one of its branch
    per_branch: dict[int, set[str]] = {}
    for customer in Customer.objects.all():
        per_branch.setdefault(customer.branch_id, set()).add(_partition_of(customer.pk))
    assert all(len(names) == 1 for names in per_branch.values()) and len(per_branch) == 2


def test_the_nightly_segments_and_lists_are_the_same_on_customers_partitioned_by_branch(book):
    plain = _nightly()
    assert plain[0] and plain[1]  # something to compare: segments and tasks with reasons
    Task.objects.filter(date=DAY).delete()
    WorklistDay.objects.filter(date=DAY).delete()
    CustomerSegment.objects.all().delete()
    _partition(widen_uniques=True)
    assert _nightly() == plain


def test_a_branchs_customers_read_one_partition_and_a_managers_book_every_partition(bank, book):
    done = _partition(widen_uniques=True)
    one = {_partition_of(c.pk) for c in book if c.branch_id == bank.b1.pk}
    assert partitions_named_in(Customer.objects.filter(branch=bank.b1).explain(), done) == one
    # a manager's book is asked for by manager: the planner cannot know the branch, and looks in
    # every partition (an index probe in each) — unless the query names the branch too
    assert partitions_named_in(Customer.objects.filter(rm=bank.rm_a).explain(), done) == set(done.partitions)
    assert partitions_named_in(Customer.objects.filter(rm=bank.rm_a, branch=bank.rm_a.branch).explain(),
                               done) == one


def test_a_customer_handed_to_another_branchs_manager_moves_to_that_branchs_partition(bank, book):
    moved = book[0]
    holdings = set(Holding.objects.filter(customer=moved).values_list("pk", flat=True))
    _partition(widen_uniques=True)
    before = _partition_of(moved.pk)
    result = customers_reassign(actor=bank.admin, customer_ids=[moved.pk], to_rm=bank.rm_c, reason="跨支行调整")
    assert result["customers"] == 1
    moved = Customer.objects.get(pk=moved.pk)  # the same id, found again
    assert (moved.rm_id, moved.branch_id) == (bank.rm_c.pk, bank.b2.pk)
    after = _partition_of(moved.pk)
    assert after == _partition_of(next(c.pk for c in book if c.branch_id == bank.b2.pk)) and after != before
    assert set(Holding.objects.filter(customer=moved).values_list("pk", flat=True)) == holdings
    assert Customer.objects.filter(pk=moved.pk).count() == 1


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_a_customer_number_taken_in_another_branch(bank, book, partitioned):
    """The services still refuse a number already taken; on the plain table the database refuses
    it too, whatever wrote it. Partitioned by branch, it refuses it only within one branch: two
    writers at once (a feed and a page) could give one number to two customers of two branches —
    the bank-wide check must then live elsewhere (docs/scale.md §5 step 2)."""
    if partitioned:
        _partition(widen_uniques=True)
    taken = book[0]
    assert taken.branch_id == bank.b1.pk
    with pytest.raises(ValidationError):
        customer_create(actor=None, external_id=taken.external_id, name="另一位", rm=bank.rm_c)
    copy = Customer.objects.get(pk=book[3].pk)  # a customer of the other branch, given the number
    copy.pk, copy.external_id = None, taken.external_id
    copy.id_number, copy.mobile = "", ""
    if partitioned:
        with transaction.atomic():
            copy.save(force_insert=True)
        assert Customer.objects.filter(external_id=taken.external_id).count() == 2
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            copy.save(force_insert=True)
    # within one branch the database still refuses it
    copy.pk, copy.branch_id, copy.rm_id = None, bank.b1.pk, bank.rm_a.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save(force_insert=True)


def test_each_conversion_was_rolled_back_with_its_test():
    # Runs last (pytest keeps the file's order): the tests above converted the table in their transactions.
    if not _converted:
        pytest.skip("run with the tests above")
    assert CUSTOMERS not in partitioned_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                       "AND contype IN ('p', 'u') ORDER BY contype", [CUSTOMERS])
        assert [d for (d,) in cursor.fetchall()] == ["PRIMARY KEY (id)", "UNIQUE (external_id)"]
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
                       [CUSTOMERS])
        assert cursor.fetchone()[0] > 20
