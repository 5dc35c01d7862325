"""A task's reasons always name a task, and a task its customer and manager (worklists migrations
0011 and 0012, issue 15 §3): on PostgreSQL the foreign keys TaskReason.task, Task.customer and
Task.manager are replaced by statement triggers that check a statement's rows at once; on SQLite
the foreign keys stay. Either way: a row naming nothing is refused, what a row names cannot be
deleted or renumbered under it, Django's delete takes the dependent rows first, and (PostgreSQL)
a row written locks what it names as the key did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from banyan.conftest import TODAY
from banyan.testing.keys import checked, key_columns, other_session, pg_only, raw, refused
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import COPY_FROM_ROWS, _insert

REASON_COLUMNS = ("task_id", "customer_id", "code", "detail", "due_date", "ref", "args")


def _task(bank, customer, day=TODAY) -> Task:
    return Task.objects.create(manager=bank.rm_a, customer=customer, date=day, rank=1, priority=50,
                               suggested_channel="phone")


def _reason(task_id: int, customer_id: int, n: int = 0) -> tuple:
    return (task_id, customer_id, "cadence_due", f"定期联系 {n}", TODAY, f"r:{n}", "")


@pytest.mark.django_db
def test_a_reason_of_no_task_is_refused_row_by_row_and_in_bulk(bank, make_customer):
    customer = make_customer()
    task = _task(bank, customer)
    missing = task.pk + 1000
    refused(lambda: TaskReason.objects.create(task_id=missing, customer_id=customer.pk, code="cadence_due",
                                              detail="x", due_date=TODAY))
    # the build's way: COPY on PostgreSQL (past COPY_FROM_ROWS rows), one bad row among good ones
    rows = [_reason(task.pk, customer.pk, n) for n in range(COPY_FROM_ROWS + 10)]
    rows[COPY_FROM_ROWS // 2] = _reason(missing, customer.pk, -1)
    refused(lambda: _insert(TaskReason, rows, columns=REASON_COLUMNS))
    assert not TaskReason.objects.exists()  # nothing half-written
    _insert(TaskReason, [r for r in rows if r[0] == task.pk], columns=REASON_COLUMNS)
    checked()
    assert TaskReason.objects.filter(task=task).count() == COPY_FROM_ROWS + 9


@pytest.mark.django_db
def test_a_reason_moved_to_no_task_is_refused(bank, make_customer):
    customer = make_customer()
    task = _task(bank, customer)
    _insert(TaskReason, [_reason(task.pk, customer.pk)], columns=REASON_COLUMNS)
    refused(lambda: TaskReason.objects.filter(task=task).update(task_id=task.pk + 1000))
    assert TaskReason.objects.get().task_id == task.pk


@pytest.mark.django_db
def test_a_task_with_reasons_is_not_deleted_or_renumbered_under_them(bank, make_customer):
    customer = make_customer()
    kept, bare = _task(bank, customer), _task(bank, customer, TODAY + dt.timedelta(days=1))
    _insert(TaskReason, [_reason(kept.pk, customer.pk)], columns=REASON_COLUMNS)

    refused(lambda: raw("DELETE FROM worklists_task WHERE id IN (%s, %s)", [kept.pk, bare.pk]))
    refused(lambda: raw("UPDATE worklists_task SET id = id + 1000 WHERE id = %s", [kept.pk]))
    assert set(Task.objects.values_list("pk", flat=True)) == {kept.pk, bare.pk}
    # a task without reasons goes, and an update leaving every id in place passes
    raw("DELETE FROM worklists_task WHERE id = %s", [bare.pk])
    raw("UPDATE worklists_task SET rank = rank + 1 WHERE id = %s", [kept.pk])
    checked()
    # Django's delete takes the reasons first
    kept.delete()
    checked()
    assert not TaskReason.objects.exists() and not Task.objects.exists()


@pg_only
@pytest.mark.django_db
def test_the_keys_are_replaced_by_the_triggers_on_postgresql():
    assert key_columns("worklists_taskreason") == set()
    assert key_columns("worklists_task") == {"interaction_id", "closed_by_id"}  # set when closed
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O' "
                       "AND tgname LIKE 'worklists\\_%%'")
        assert {name for (name,) in cursor.fetchall()} == {
            "worklists_reason_task_i", "worklists_reason_task_u", "worklists_task_reasons_d",
            "worklists_task_reasons_u", "worklists_task_people_i", "worklists_task_people_u",
            "worklists_customer_tasks_d", "worklists_customer_tasks_u", "worklists_staff_tasks_d",
            "worklists_staff_tasks_u"}


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_reason_written_locks_its_task_until_the_writer_ends(bank, make_customer):
    """As the key did (FOR KEY SHARE): another transaction cannot delete the task meanwhile."""
    import psycopg

    customer = make_customer()
    task = _task(bank, customer)
    with transaction.atomic():
        _insert(TaskReason, [_reason(task.pk, customer.pk)], columns=REASON_COLUMNS)
        with other_session() as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM worklists_task WHERE id = %s", [task.pk])
            # the same task's other columns are not locked (a key share lock, not a row lock)
            other.execute("UPDATE worklists_task SET rank = 2 WHERE id = %s", [task.pk])
    assert TaskReason.objects.filter(task=task).count() == 1
    task.refresh_from_db()
    assert task.rank == 2
    TaskReason.objects.all().delete()


@pg_only
@pytest.mark.django_db
def test_the_checks_hold_on_tasks_partitioned_by_month(bank, make_customer):
    """docs/scale.md §5 step 1: a key to the tasks' id alone is refused by PostgreSQL once they are
    partitioned (their primary key becomes (id, date)); the triggers check the same there."""
    from banyan.testing.partitioning import partition_by_month, partitioned_tables

    customer = make_customer()
    september, today = _task(bank, customer, dt.date(2026, 9, 14)), _task(bank, customer)
    done = partition_by_month("worklists_task", "date", first=dt.date(2026, 8, 1), last=dt.date(2026, 12, 31))
    assert "worklists_task" in partitioned_tables() and not done.dropped_references
    rows = [_reason(task.pk, customer.pk, n) for n, task in enumerate((september, today))]
    _insert(TaskReason, rows, columns=REASON_COLUMNS)
    refused(lambda: _insert(TaskReason, [_reason(today.pk + 1000, customer.pk, 9)], columns=REASON_COLUMNS))
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute("DELETE FROM worklists_task WHERE date < %s", [TODAY]))
    assert Task.objects.count() == 2
    september.delete()  # (Django's: the reasons first, in the task's partition)
    assert list(TaskReason.objects.values_list("task_id", flat=True)) == [today.pk]


def _task_row(manager_id: int, customer_id: int, day: dt.date) -> dict:
    return {"manager_id": manager_id, "customer_id": customer_id, "date": day, "rank": 1, "priority": 50,
            "suggested_channel": "phone"}


@pytest.mark.django_db
def test_a_task_of_no_customer_or_no_manager_is_refused_row_by_row_and_in_bulk(bank, make_customer):
    customer = make_customer()
    nobody = customer.pk + 1000
    refused(lambda: Task.objects.create(manager=bank.rm_a, customer_id=nobody, date=TODAY, rank=1, priority=5))
    refused(lambda: Task.objects.create(manager_id=nobody, customer=customer, date=TODAY, rank=1, priority=5))
    # the build's way: COPY of many tasks (one a day, each once), one naming no customer, then no manager
    days = [TODAY + dt.timedelta(days=n) for n in range(COPY_FROM_ROWS + 10)]
    for bad in (_task_row(bank.rm_a.pk, nobody, TODAY - dt.timedelta(days=1)),
                _task_row(nobody, customer.pk, TODAY - dt.timedelta(days=1))):
        rows = [_task_row(bank.rm_a.pk, customer.pk, day) for day in days]
        rows.insert(len(rows) // 2, bad)
        refused(lambda rows=rows: _insert(Task, rows, returning=True))
        assert not Task.objects.exists()  # nothing half-written
    _insert(Task, [_task_row(bank.rm_a.pk, customer.pk, day) for day in days], returning=True)
    checked()
    assert Task.objects.count() == len(days)
    # an update: moving tasks to nobody is refused; an update keeping them passes
    refused(lambda: Task.objects.filter(date=TODAY).update(customer_id=nobody))
    refused(lambda: Task.objects.filter(date=TODAY).update(manager_id=nobody))
    Task.objects.filter(date__gt=TODAY).update(priority=7, manager_id=bank.rm_b.pk)
    checked()
    assert Task.objects.filter(manager=bank.rm_b).count() == len(days) - 1


@pytest.mark.django_db
def test_a_customer_or_manager_with_tasks_is_not_deleted_or_renumbered_under_them(bank, make_customer):
    customer, other = make_customer(), make_customer(name="李四")
    _task(bank, customer)
    for sql, key in (("DELETE FROM customers_customer WHERE id IN (%s, %s)", [customer.pk, other.pk]),
                     ("UPDATE customers_customer SET id = id + 1000 WHERE id = %s", [customer.pk]),
                     ("DELETE FROM org_staff WHERE id = %s", [bank.rm_a.pk]),
                     ("UPDATE org_staff SET id = id + 1000 WHERE id = %s", [bank.rm_a.pk])):
        refused(lambda sql=sql, key=key: raw(sql, key))
    # an update naming the id without changing it passes; Django's delete takes the tasks first
    raw("UPDATE customers_customer SET id = id, name = name WHERE id = %s", [customer.pk])
    customer.delete()
    checked()
    assert not Task.objects.exists()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_task_written_locks_its_customer_and_manager_until_the_writer_ends(bank, make_customer):
    import psycopg

    customer = make_customer()
    with transaction.atomic():
        _task(bank, customer)
        with other_session() as other:
            for table, pk in (("customers_customer", customer.pk), ("org_staff", bank.rm_a.pk)):
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    other.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
            other.execute("UPDATE customers_customer SET name = '王大明' WHERE id = %s", [customer.pk])
    customer.refresh_from_db()
    assert customer.name == "王大明" and Task.objects.filter(customer=customer).count() == 1
    Task.objects.all().delete()
