"""The demo bank's customer groups (SVC-3, banyan/demo/groups.py): a WeChat group and a salon club
with members whose consents were given on every channel, one withdrawn, and shares that reached the
members of their day — none of them promising a return."""

from __future__ import annotations

import pytest

from banyan.demo.tests.test_demo import demo, demo_bank  # noqa: F401 (fixtures)
from banyan.messaging.text import promising_words
from banyan.service.models.groups import CustomerGroup, GroupMembership, GroupShare

pytestmark = pytest.mark.django_db


def test_the_demo_has_groups_with_consents_on_every_channel_a_withdrawal_and_shares(demo):  # noqa: F811
    groups = {g.kind: g for g in CustomerGroup.objects.select_related("manager")}
    assert set(groups) == {"wechat", "salon"}
    assert groups["wechat"].manager.username == "zhangmin" and groups["salon"].manager.role == "branch_head"
    members = GroupMembership.objects.all()
    assert {m.consent_channel for m in members} == {"in_person", "phone", "wechat", "paper"}
    assert all(m.consent_text and m.consent_wording_id for m in members)
    for m in members.filter(group=groups["wechat"]):  # of the manager's book, never on do-not-disturb
        assert m.customer.rm_id == groups["wechat"].manager_id and not m.customer.do_not_disturb
    gone = members.get(withdrawn_at__isnull=False)
    for share in GroupShare.objects.filter(group=gone.group):
        reached = share.recipients.filter(pk=gone.pk).exists()
        assert reached == (share.shared_at.date() < gone.withdrawn_on)
        assert promising_words(share.text) == []
    assert GroupShare.objects.count() >= 5
