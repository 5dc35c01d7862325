"""Exactly once (DESIGN.md house style 6): parallel moves of one sales opportunity — a double tap,
two tabs, a retrying client — change it once; the others answer 409 and write nothing. Requests
fired at a live server from many threads, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Opportunity
from banyan.contacts.opportunities import opportunity_create
from banyan.org.services import api_token_issue
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_won_and_lost_of_one_opportunity_close_it_once(server, bank, make_customer):  # noqa: F811
    customer = make_customer(bank.rm_a)
    opp = opportunity_create(actor=bank.rm_a, customer=customer, need="大额存单", source="call")
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(N, lambda i: _api(server, token, f"/opportunities/{opp.pk}/stage",
                                      {"stage": "won"} if i % 2 else {"stage": "lost", "reason": f"第 {i} 次"}))

    moves = AuditEvent.objects.filter(action="opportunity.stage_changed", object_id=str(opp.pk)).count()
    statuses = sorted(status for status, _body in answers)
    assert moves == 1 and statuses == [200] + [409] * (N - 1), statuses
    opp.refresh_from_db()
    winner = next(body for status, body in answers if status == 200)
    assert opp.stage == winner["stage"] and (opp.lost_reason == "" if opp.stage == "won" else opp.lost_reason)
    assert Opportunity.objects.count() == 1
