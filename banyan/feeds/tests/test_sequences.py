"""Ids drawn ahead from a table's sequence (banyan.sequences), as a feed's chunk and a worklist
build draw them before their COPY: in order, none twice, and never one the table gives a row
written afterwards."""

from __future__ import annotations

import pytest
from django.db import connection

from banyan.audit.models import AuditEvent
from banyan.sequences import drawn_ids
from banyan.worklists.models import Task

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="ids are drawn ahead on PostgreSQL")


@pytest.mark.django_db
@pytest.mark.parametrize("model", [AuditEvent, Task])
def test_ids_drawn_in_order_and_never_given_again(model):
    first = drawn_ids(model._meta.db_table, 5)
    more = drawn_ids(model._meta.db_table, 3000)
    assert first == list(range(first[0], first[0] + 5))  # one session, a sequence by 1: consecutive
    assert more == list(range(more[0], more[0] + 3000)) and more[0] > first[-1]
    with connection.cursor() as cursor:  # the next id the table itself gives (the column's default)
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [model._meta.db_table])
        assert cursor.fetchone()[0] > more[-1]
    assert drawn_ids(model._meta.db_table, 0) == []
