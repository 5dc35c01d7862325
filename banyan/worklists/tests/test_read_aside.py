"""A big build reads its customers' managers and values, and the reasons planned already, on a
second connection while the triggers run (issue 15 §3, session 28). The second connection must
read what the build's own would: so only on PostgreSQL, and only while the build's transaction has
written nothing (a test's or a caller's transaction that wrote first keeps the read on its own
connection, where its rows are seen). Either way the lists are the same."""

from __future__ import annotations

import threading

from django.db import connection, transaction

from banyan.customers.models import Customer
from banyan.worklists import services
from banyan.worklists.services import _read_aside
from banyan.worklists.tests.test_split_build import DAY, demo, demo_bank, lists_of, single_build  # noqa: F401 (fixtures)


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
