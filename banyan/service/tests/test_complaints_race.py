"""Exactly once (DESIGN.md house style 6): parallel resolves of one complaint — a double tap, two
tabs, a retrying client — resolve it once; the others answer 409 and write nothing. Requests fired
at a live server from many threads."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.audit.models import AuditEvent
from banyan.org.services import api_token_issue
from banyan.service.complaints import complaint_receive
from banyan.service.models import ComplaintAction, ComplaintCategory
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _categories(db):
    from banyan.service.complaints import complaint_categories_ensure
    complaint_categories_ensure()  # a transactional test's flush removed the migration's rows


pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_resolves_and_extensions_of_one_complaint_change_it_once(server, bank, make_customer):  # noqa: F811
    customer = make_customer(bank.rm_a)
    c, _m = complaint_receive(actor=bank.rm_a, customer=customer, channel="branch",
                              category=ComplaintCategory.objects.get(code="fees"), description="年费争议",
                              received_at=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC))
    token = api_token_issue(staff=bank.head)

    answers = _race(N, lambda i: _api(server, token, f"/complaints/{c.pk}/resolve", {
        "resolution": f"第 {i} 次处理", "satisfaction": 5,
        "root_cause": {"cause": "disclosure", "change": "开卡时书面告知年费"}}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (N - 1), statuses
    assert AuditEvent.objects.filter(action="complaint.resolved", object_id=str(c.pk)).count() == 1
    assert ComplaintAction.objects.filter(complaint=c, kind="resolve").count() == 1
    c.refresh_from_db()
    winner = next(body for status, body in answers if status == 200)
    assert c.status == "resolved" and c.resolution == winner["resolution"]
