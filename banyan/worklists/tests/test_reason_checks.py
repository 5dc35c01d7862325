"""A task's reasons always name a task (worklists migration 0011, issue 15 §3): on PostgreSQL the
foreign key TaskReason.task is replaced by statement triggers that check a statement's rows at
once; on SQLite the foreign key stays. Either way: a reason of no task is refused, a task with
reasons cannot be deleted or renumbered under them, Django's delete takes the reasons with the
task, and (PostgreSQL) a reason written locks its task as the key did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from banyan.conftest import TODAY
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import COPY_FROM_ROWS, _insert

REASON_COLUMNS = ("task_id", "customer_id", "code", "detail", "due_date", "ref", "args")

pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the triggers replace the key on PostgreSQL")


def _task(bank, customer, day=TODAY) -> Task:
    return Task.objects.create(manager=bank.rm_a, customer=customer, date=day, rank=1, priority=50,
                               suggested_channel="phone")


def _reason(task_id: int, customer_id: int, n: int = 0) -> tuple:
    return (task_id, customer_id, "cadence_due", f"定期联系 {n}", TODAY, f"r:{n}", "")


def _checked():
    """Where the check runs: at once on PostgreSQL (the triggers), at COMMIT on SQLite (Django's
    deferred key; check_constraints runs it within the test's transaction)."""
    if connection.vendor != "postgresql":
        connection.check_constraints(table_names=["worklists_taskreason", "worklists_task"])


def _refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()
        _checked()


@pytest.mark.django_db
def test_a_reason_of_no_task_is_refused_row_by_row_and_in_bulk(bank, make_customer):
    customer = make_customer()
    task = _task(bank, customer)
    missing = task.pk + 1000
    _refused(lambda: TaskReason.objects.create(task_id=missing, customer_id=customer.pk, code="cadence_due",
                                               detail="x", due_date=TODAY))
    # the build's way: COPY on PostgreSQL (past COPY_FROM_ROWS rows), one bad row among good ones
    rows = [_reason(task.pk, customer.pk, n) for n in range(COPY_FROM_ROWS + 10)]
    rows[COPY_FROM_ROWS // 2] = _reason(missing, customer.pk, -1)
    _refused(lambda: _insert(TaskReason, rows, columns=REASON_COLUMNS))
    assert not TaskReason.objects.exists()  # nothing half-written
    _insert(TaskReason, [r for r in rows if r[0] == task.pk], columns=REASON_COLUMNS)
    _checked()
    assert TaskReason.objects.filter(task=task).count() == COPY_FROM_ROWS + 9


@pytest.mark.django_db
def test_a_reason_moved_to_no_task_is_refused(bank, make_customer):
    customer = make_customer()
    task = _task(bank, customer)
    _insert(TaskReason, [_reason(task.pk, customer.pk)], columns=REASON_COLUMNS)
    _refused(lambda: TaskReason.objects.filter(task=task).update(task_id=task.pk + 1000))
    assert TaskReason.objects.get().task_id == task.pk


@pytest.mark.django_db
def test_a_task_with_reasons_is_not_deleted_or_renumbered_under_them(bank, make_customer):
    customer = make_customer()
    kept, bare = _task(bank, customer), _task(bank, customer, TODAY + dt.timedelta(days=1))
    _insert(TaskReason, [_reason(kept.pk, customer.pk)], columns=REASON_COLUMNS)

    def raw(sql, params):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    _refused(lambda: raw("DELETE FROM worklists_task WHERE id IN (%s, %s)", [kept.pk, bare.pk]))
    _refused(lambda: raw("UPDATE worklists_task SET id = id + 1000 WHERE id = %s", [kept.pk]))
    assert set(Task.objects.values_list("pk", flat=True)) == {kept.pk, bare.pk}
    # a task without reasons goes, and an update leaving every id in place passes
    raw("DELETE FROM worklists_task WHERE id = %s", [bare.pk])
    raw("UPDATE worklists_task SET rank = rank + 1 WHERE id = %s", [kept.pk])
    _checked()
    # Django's delete takes the reasons first
    kept.delete()
    _checked()
    assert not TaskReason.objects.exists() and not Task.objects.exists()


@pg_only
@pytest.mark.django_db
def test_the_key_is_replaced_by_the_four_triggers_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid = 'worklists_taskreason'::regclass")
        assert cursor.fetchall() == []
        cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O' "
                       "AND tgname LIKE 'worklists\\_%%'")
        assert {name for (name,) in cursor.fetchall()} == {
            "worklists_reason_task_i", "worklists_reason_task_u", "worklists_task_reasons_d",
            "worklists_task_reasons_u"}


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_reason_written_locks_its_task_until_the_writer_ends(bank, make_customer):
    """As the key did (FOR KEY SHARE): another transaction cannot delete the task meanwhile."""
    import psycopg

    customer = make_customer()
    task = _task(bank, customer)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with transaction.atomic():
        _insert(TaskReason, [_reason(task.pk, customer.pk)], columns=REASON_COLUMNS)
        with psycopg.connect(**params) as other:
            other.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM worklists_task WHERE id = %s", [task.pk])
            other.rollback()
            # the same task's other columns are not locked (a key share lock, not a row lock)
            other.execute("UPDATE worklists_task SET rank = 2 WHERE id = %s", [task.pk])
            other.commit()
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
    _refused(lambda: _insert(TaskReason, [_reason(today.pk + 1000, customer.pk, 9)], columns=REASON_COLUMNS))
    with connection.cursor() as cursor:
        _refused(lambda: cursor.execute("DELETE FROM worklists_task WHERE date < %s", [TODAY]))
    assert Task.objects.count() == 2
    september.delete()  # (Django's: the reasons first, in the task's partition)
    assert list(TaskReason.objects.values_list("task_id", flat=True)) == [today.pk]
