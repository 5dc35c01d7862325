"""The demo bank's client events: the past salon's review is alive, the lecture has every answer."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from banyan import clock
from banyan.conftest import TODAY
from banyan.demo import DEMO_PASSWORD
from banyan.events import selectors
from banyan.events.models import Answer, Event, EventStatus
from banyan.org.models import Staff

pytestmark = pytest.mark.django_db


def test_the_demo_bank_has_a_reviewed_salon_and_a_lecture_with_every_answer():
    with clock.frozen(TODAY):
        call_command("demo", customers=300, seed=7, stdout=io.StringIO())
    past = Event.objects.get(name="四季度市场展望理财沙龙")
    assert past.status == EventStatus.REVIEWED and past.actual_cost is not None
    f = selectors.review(past)
    assert f["attended"] > 0 and f["no_show"] > 0 and f["walk_ins"] == 1
    assert f["contacted_after"] > 0 and f["new_info"] > 0 and f["opportunities"] > 0 and f["sales"] >= 1
    assert f["aum_change_attended"] is not None
    lecture = Event.objects.get(name="2027年投资策略讲座")
    answers = set(lecture.invitations.values_list("answer", flat=True))
    assert answers >= {Answer.INVITED, Answer.ACCEPTED, Answer.WAITING, Answer.MAYBE, Answer.DECLINED}
    assert Event.objects.filter(status=EventStatus.DRAFT).exists()
    banquet = Event.objects.get(name="中秋答谢宴")
    assert banquet.status == EventStatus.HELD and selectors.review(banquet)["cost_is_budget"] is True
    client = Client()
    assert client.login(username="zhangmin", password=DEMO_PASSWORD)
    assert client.get(f"/events/{past.pk}/review/").status_code == 200
    assert Staff.objects.filter(username="zhoujianguo").exists()
