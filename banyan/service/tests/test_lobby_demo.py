"""The lobby's walk-in desk on the demo bank (issue 16 §1): 朱琳 at 003's lobby finds the branch's
customers (not another branch's) and her walk-ins are in the history — this morning's on 徐静's
list as a first contact."""

from __future__ import annotations

import pytest

from banyan.demo.tests.test_demo import TODAY, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.org.models import Staff
from banyan.service.lobby import CARD_KEYS, lobby_lookup
from banyan.service.models import Referral, ReferralKind
from banyan.worklists.models import TaskReason

pytestmark = pytest.mark.django_db


def test_the_demo_lobby_finds_the_branchs_customers_and_has_walk_ins(demo):  # noqa: F811
    zhulin = Staff.objects.get(username="zhulin")
    walk_ins = list(Referral.objects.filter(kind=ReferralKind.WALK_IN).select_related("customer", "receiver"))
    assert sorted(r.receiver.username for r in walk_ins) == ["xujing", "zengfan"]
    assert all(r.sender_id == zhulin.pk and r.customer.branch_id == zhulin.branch_id for r in walk_ins)
    fresh = next(r for r in walk_ins if r.receiver.username == "xujing")
    assert TaskReason.objects.filter(task__date=TODAY, task__manager__username="xujing", code="referral",
                                     customer_id=fresh.customer_id).exists()
    surname = fresh.customer.name[:1] + fresh.customer.name[1:2]
    cards = lobby_lookup(actor=zhulin, q=surname)
    assert fresh.customer_id in [c["customer_id"] for c in cards]
    assert all(set(c) == set(CARD_KEYS) for c in cards)
    assert all(c["rm"] is not None for c in cards)
    other_branch = Staff.objects.get(username="zhaoqian")  # 001's lobby
    assert fresh.customer_id not in [c["customer_id"] for c in lobby_lookup(actor=other_branch, q=surname)]
