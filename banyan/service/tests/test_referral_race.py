"""Exactly once (DESIGN.md house style 6): twenty parallel answers to one referral — a double tap,
two tabs, a retrying client — accept it once; the others answer 409 and write nothing. Requests
fired at a live server from many threads."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.org.services import api_token_issue
from banyan.service.models import Referral, ReferralStatus
from banyan.service.referral_services import referral_create
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_parallel_accepts_accept_once(server, bank, make_customer):  # noqa: F811
    referrer = make_customer(bank.rm_a)
    referral = referral_create(actor=bank.rm_a, to="lihua", need="大额存单", referrer_customer=referrer,
                               prospect={"name": "刘芳", "mobile": "13912345678", "consent_phone": True})
    token = api_token_issue(staff=bank.rm_b)

    answers = _race(N, lambda i: _api(server, token, f"/referrals/{referral.pk}/accept", {}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (N - 1), statuses
    assert AuditEvent.objects.filter(action="referral.accepted", object_id=str(referral.pk)).count() == 1
    assert Referral.objects.get().status == ReferralStatus.ACCEPTED


def test_parallel_accepts_and_declines_answer_once(server, bank, make_customer):  # noqa: F811
    customer = make_customer(bank.rm_a)
    referral = referral_create(actor=bank.rm_a, to="lihua", need="理财", customer=customer)
    token = api_token_issue(staff=bank.rm_b)

    answers = _race(N, lambda i: _api(server, token, f"/referrals/{referral.pk}/accept", {}) if i % 2
                    else _api(server, token, f"/referrals/{referral.pk}/decline", {"reason": f"第 {i} 次"}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (N - 1), statuses
    answered = AuditEvent.objects.filter(action__in=["referral.accepted", "referral.declined"],
                                         object_id=str(referral.pk)).count()
    assert answered == 1
