"""A big build reads its customers' managers and values, and the reasons planned already, on a
second connection while the triggers run (issue 15 §3, session 28). The second connection must
read what the build's own would: so only on PostgreSQL, and only while the build's transaction has
written nothing (a test's or a caller's transaction that wrote first keeps the read on its own
connection, where its rows are seen). Either way the lists are the same."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict

from django.db import connection, transaction

from banyan.contacts.models import Outcome
from banyan.customers.models import Customer
from banyan.worklists import services
from banyan.worklists.models import Task, TaskReason, TaskStatus
from banyan.worklists.planner import cooling_key, planned_key
from banyan.worklists.reasons import COOL_OFF_DAYS
from banyan.worklists.services import UNANSWERED_TRIES, _read_aside
from banyan.worklists.tests.test_split_build import DAY, demo, demo_bank, lists_of, single_build  # noqa: F401 (fixtures)
from banyan.worklists.triggers import Reason


def _where() -> tuple[str, int | None]:
    """The thread a read ran on and its connection's server process (None on SQLite)."""
    pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    return threading.current_thread().name, pid


def test_the_read_runs_aside_only_while_nothing_is_written(demo):  # noqa: F811
    here = _where()
    customer = Customer.objects.order_by("pk").first()
    with transaction.atomic():
        with _read_aside(_where) as read:
            aside = read()
        if connection.vendor == "postgresql":  # another thread, another connection
            assert aside[0] != here[0] and aside[1] != here[1]
        else:
            assert aside == here
        Customer.objects.filter(pk=customer.pk).update(name="改名")  # now this transaction wrote
        with _read_aside(lambda: (_where(), Customer.objects.get(pk=customer.pk).name)) as read:
            assert read() == (here, "改名")  # here, where the change is seen
        with _read_aside(_where, worth_it=False) as read:  # a small build: never aside
            assert read() == here
        transaction.set_rollback(True)


def test_a_build_with_its_reads_aside_makes_the_same_lists(demo, monkeypatch):  # noqa: F811
    """The demo bank's lists of the next day, built on its six months of lists: the managers and
    values and the reasons planned already read aside (PostgreSQL) or here, the same lists."""
    threads = {"_managers_and_values": [], "_already_planned": []}
    for name, calls in threads.items():
        monkeypatch.setattr(services, name, _spy(getattr(services, name), calls))
    aside = single_build(DAY)  # (the demo bank's build is whole-bank)
    monkeypatch.setattr(services, "_read_aside", _read_here)
    here = single_build(DAY)
    assert len(aside["tasks"]) > 20 and aside == here
    main = [False, True] if connection.vendor == "postgresql" else [True, True]  # on the main thread?
    assert threads == {"_managers_and_values": main, "_already_planned": main}


def _spy(original, calls: list):
    def spied(*args, **kwargs):
        calls.append(threading.current_thread() is threading.main_thread())
        return original(*args, **kwargs)
    return spied


def _read_here(read, *, worth_it=True):
    """_read_aside that never reads aside."""
    return _read_aside(read, worth_it=False)


def test_the_reasons_planned_already_are_the_stored_rows_read_plainly(demo):  # noqa: F811
    """The keys of the reasons planned already are made by PostgreSQL in the query (session 31): on
    the demo bank's six months of lists they are the keys made here of each stored row, with its
    rules — planned in the last 45 days; not while its calls went unanswered fewer than three
    times; a state reason kept through its cool-off whatever its day."""
    since = DAY - dt.timedelta(days=services.LOOK_BACK_DAYS)
    rows = list(TaskReason.objects.filter(task__date__gte=since, task__date__lte=DAY).values_list(
        "customer_id", "code", "due_date", "ref", "task__date", "task_id"))
    unanswered = set(Task.objects.filter(date__gte=since, date__lt=DAY, status=TaskStatus.DONE,
                                         interaction__outcome=Outcome.NOT_REACHED).values_list("pk", flat=True))
    tries = defaultdict(int)
    for cid, code, _due, ref, _day, task in rows:
        tries[(cid, code, ref)] += task in unanswered
    kept = [row for row in rows if row[5] not in unanswered or tries[(row[0], row[1], row[3])] >= UNANSWERED_TRIES]
    exact = {planned_key(cid, code, due, ref) for cid, code, due, ref, _day, _task in kept}
    cooling = {cooling_key(cid, code, ref) for cid, code, _due, ref, day, _task in kept
               if (DAY - day).days < COOL_OFF_DAYS.get(code, 0)}
    assert services._already_planned(None, DAY) == (exact, cooling)
    assert len(kept) < len(rows) and 0 < len(cooling) < len(exact)  # (the rules at work on this bank)
    # a reason planned, one tried unanswered (nor planned again since): only the second is fresh
    held_back = next(row for row in rows if planned_key(*row[:4]) not in exact
                     and cooling_key(row[0], row[1], row[3]) not in cooling)
    reasons = [Reason(row[0], row[1], "", row[2], row[3]) for row in (kept[0], held_back)]
    assert services._fresh(reasons, exact, cooling) == reasons[1:]
    assert {""} < {ref for *_, ref, _day, _task in rows}  # (the keys of reasons with and without a ref)
    if connection.vendor == "postgresql":  # the server's keys are those made here, row by row
        columns = TaskReason.objects.filter(task__date__gte=since).values_list(
            "customer_id", "code", "due_date", "ref", "task__date", "task_id")
        server = services._planned_keys(columns, sorted(unanswered), DAY)
        here = services._planned_keys_here(columns, unanswered, DAY)
        assert server[:2] == here[:2] and sorted(server[2]) == sorted(here[2]) and server[2]
        assert services._planned_keys(columns.none(), [], DAY) == (set(), set(), [])
