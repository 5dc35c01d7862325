"""Exactly once (DESIGN.md house style 6): twenty parallel adds of one customer to one group — a
double tap, two tabs, a retrying client — make one membership and one audit event; the others
answer 409. The same for parallel withdrawals. Requests fired at a live server from many threads."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.org.services import api_token_issue
from banyan.service.group_services import group_create
from banyan.service.models.groups import GroupMembership
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_adds_of_one_member_make_one_membership_and_parallel_withdrawals_one(server, bank,  # noqa: F811
                                                                                      make_customer):
    customer = make_customer(bank.rm_a, name="王建国")
    group = group_create(actor=bank.rm_a, name="城东理财沙龙", kind="salon")
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(N, lambda i: _api(server, token, f"/groups/{group.pk}/members",
                                      {"customer_id": customer.pk, "consent": {"channel": "in_person"}}))
    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * (N - 1), answers
    assert GroupMembership.objects.filter(group=group, customer=customer).count() == 1
    assert AuditEvent.objects.filter(action="group.member_added").count() == 1

    answers = _race(N, lambda i: _api(server, token, f"/groups/{group.pk}/members/{customer.pk}/withdraw",
                                      {"channel": "phone"}))
    assert sorted(s for s, _b in answers) == [200] + [409] * (N - 1), answers
    assert AuditEvent.objects.filter(action="group.member_withdrawn").count() == 1
    assert GroupMembership.objects.get().withdrawn_channel == "phone"
