# ruff: noqa: F811 (the fixtures, imported, are tests' arguments)
"""Exactly once (DESIGN.md house style 6): the same proposal accepted from several tabs at once
moves each customer once — one request moves them, the others find them gone and skip them; one
reassignment event. Requests fired at a live server from many threads, each with its own
connection."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.customers.models import Customer
from banyan.org.services import api_token_issue
from banyan.staffing.tests.capacity_fixtures import capbook  # noqa: F401 (a fixture)
from banyan.worklists.tests.test_exactly_once import _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
N = 6


def test_parallel_accepts_of_one_proposal_move_each_customer_once(server, capbook):
    bank, c = capbook.bank, capbook.customers
    ids = [x.pk for x in c.lowlow] + [c.lh.pk]
    token = api_token_issue(staff=bank.head)
    body = {"from_rm": "zhangmin", "to_rm": "lihua", "customer_ids": ids}

    answers = _race(N, lambda i: _api(server, token, "/branches/B01/capacity/accept", body))

    assert [status for status, _body in answers] == [200] * N, answers
    moved = sorted(i for _status, b in answers for i in b["moved"])
    assert moved == sorted(ids)  # each customer moved by exactly one request
    assert all(sorted(b["moved"] + b["skipped"]) == sorted(ids) for _status, b in answers)
    assert set(Customer.objects.filter(pk__in=ids).values_list("rm_id", flat=True)) == {bank.rm_b.pk}
    assert AuditEvent.objects.filter(action="customers.reassigned").count() == 1
