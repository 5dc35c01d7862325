"""Exactly once under a double submit (DESIGN.md house style 6): the lobby's walk-in need sent in
parallel — a double tap, a retrying client — writes one referral; the others answer 409 and write
nothing. For a customer on file and for a new visitor (one prospect's record). Requests fired at a
live server from many threads."""

from __future__ import annotations

import pytest

from banyan.conftest import PASSWORD
from banyan.customers.models import Customer
from banyan.org.models import Role
from banyan.org.services import api_token_issue, staff_create
from banyan.service.models import Referral
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lobby(bank):
    staff_create(actor=None, username="liping", password=PASSWORD, role=Role.PLANNER, branch=bank.b1,
                 full_name="李萍", check_password=False)
    return staff_create(actor=None, username="zhulin", password=PASSWORD, role=Role.LOBBY, branch=bank.b1,
                        full_name="朱琳", check_password=False)


def test_parallel_walk_ins_of_a_customer_write_one_referral(server, bank, lobby, make_customer):  # noqa: F811
    customer = make_customer(bank.rm_b)
    token = api_token_issue(staff=lobby)
    body = {"customer_id": customer.pk, "need": "想了解大额存单"}

    answers = _race(N, lambda i: _api(server, token, "/lobby/walk-ins", body))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * (N - 1), statuses
    assert Referral.objects.count() == 1


def test_parallel_walk_ins_of_a_visitor_write_one_prospect(server, bank, lobby):  # noqa: F811
    token = api_token_issue(staff=lobby)
    body = {"prospect": {"name": "刘芳", "mobile": "13912345678", "consent_phone": True}, "need": "咨询养老理财"}

    answers = _race(N, lambda i: _api(server, token, "/lobby/walk-ins", body))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * (N - 1), statuses
    assert Referral.objects.count() == 1 and Customer.objects.filter(mobile="13912345678").count() == 1
