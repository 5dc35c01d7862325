"""Exactly once (DESIGN.md house style 6): parallel approvals and rejections of one gift waiting
above the limit — a double tap, two tabs, a retrying client — decide it once; the others answer 409
and write nothing. And gifts recorded at once for one customer cannot all slip under the limit.
Requests fired at a live server from many threads."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banyan.audit.models import AuditEvent
from banyan.gifts.models import Gift, GiftStatus
from banyan.gifts.services import gift_give, gift_item_save
from banyan.org.services import api_token_issue
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_approvals_and_rejections_decide_a_gift_once(server, bank, make_customer):  # noqa: F811
    item = gift_item_save(actor=bank.admin, name="茶叶礼盒", unit_cost=Decimal("268.00"))
    gift = gift_give(actor=bank.rm_a, customer=make_customer(bank.rm_a), item=item, quantity=2)
    assert gift.status == GiftStatus.PENDING
    token = api_token_issue(staff=bank.head)

    answers = _race(N, lambda i: _api(server, token, f"/gifts/{gift.pk}/{'approve' if i % 2 else 'reject'}", {}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (N - 1), statuses
    decided = AuditEvent.objects.filter(action__in=["gift.approved", "gift.rejected"], object_id=str(gift.pk))
    assert decided.count() == 1
    gift.refresh_from_db()
    winner = next(body for status, body in answers if status == 200)
    assert gift.status == winner["status"] and gift.decided_by == bank.head


def test_gifts_recorded_at_once_for_one_customer_do_not_all_slip_under_the_limit(server, bank,  # noqa: F811
                                                                                 make_customer):
    item = gift_item_save(actor=bank.admin, name="茶叶礼盒", unit_cost=Decimal("268.00"))
    customer = make_customer(bank.rm_a)
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(6, lambda i: _api(server, token, f"/customers/{customer.pk}/gifts",
                                      {"item_id": item.pk, "quantity": 1}))

    assert sorted(status for status, _body in answers) == [201] * 6
    # 268 ≤ 500, 536 > 500: exactly one within the limit, whatever the order
    assert list(Gift.objects.filter(status=GiftStatus.APPROVED).values_list("total_cost", flat=True)) == \
        [Decimal("268.00")]
    assert Gift.objects.filter(status=GiftStatus.PENDING).count() == 5
