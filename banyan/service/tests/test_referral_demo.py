"""The demo bank's referrals (SVC-2): converted and pending referrals, a declined hand-off, one
timed out, a top referrer — and on the first morning the referral and the thank-you on the lists."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.demo.tests.test_demo import TODAY, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.service.models import Referral, ReferralStatus
from banyan.service.referral_selectors import referral_board, visible_referrals
from banyan.worklists.models import TaskReason

pytestmark = pytest.mark.django_db
S = ReferralStatus


def test_the_demo_has_referrals_in_every_state_and_a_top_referrer(demo):  # noqa: F811
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses >= {S.PENDING, S.ACCEPTED, S.DECLINED, S.TIMED_OUT, S.WON}
    assert Referral.objects.filter(converted_at__isnull=False).count() >= 2
    assert Referral.objects.get(status=S.DECLINED).decline_reason
    from banyan.org.models import Staff

    head = Staff.objects.get(username="zhoujianguo")
    board = referral_board(visible_referrals(head), first=TODAY - dt.timedelta(days=60), last=TODAY)
    assert board.referrers and board.referrers[0].converted == 2 and board.referrers[0].sent == 3
    # the first morning: 李华's first contact with a referred relative, 张敏's thanks to her top referrer
    codes = set(TaskReason.objects.filter(task__date=TODAY, task__manager__username__in=["lihua", "zhangmin"])
                .values_list("task__manager__username", "code"))
    assert ("lihua", "referral") in codes and ("zhangmin", "referral_thanks") in codes
