"""The demo bank's sales opportunities (issue 11 §7): in every stage, opened from the contacts
where the customer was interested, won ones naming the sale that followed, lost ones with their
reason, a few past their date so that 今日工作 shows opportunity_due on the first morning."""

from __future__ import annotations

import pytest
from django.utils import timezone

from banyan import clock
from banyan.contacts.models import OPEN_STAGES, Opportunity, OpportunityStage
from banyan.demo.tests.test_demo import TODAY, _build, _empty_database, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.org.models import Role, Staff
from banyan.worklists.models import TaskReason

pytestmark = pytest.mark.django_db


def _level(code: str) -> int:
    return int(code[1:]) if code else 0


def test_the_demo_has_opportunities_in_every_stage_from_interested_contacts(demo):  # noqa: F811
    opportunities = list(Opportunity.objects.select_related("customer", "interaction", "holding", "product"))
    assert {o.stage for o in opportunities} == set(OpportunityStage.values)
    from_events = [o for o in opportunities if o.event_id]  # banyan.demo.events' (the history's name no event)
    for o in opportunities:
        assert o.interaction.customer_id == o.customer_id and o.owner_id == o.customer.rm_id
        if o.event_id:  # a need learned at a client event: on the guest's attendance there, noted after
            assert o.source == "event" and o.interaction.channel == "event" and o.interaction.outcome == "reached"
            assert o.customer.event_invitations.filter(event_id=o.event_id, checked_in_at__isnull=False,
                                                       interaction=o.interaction).exists()
            assert o.opened_at >= o.interaction.occurred_at and o.stage == "open"
            continue
        assert o.interaction.outcome == "interested" and o.opened_at == o.interaction.occurred_at
        if o.stage == "won":
            assert o.holding is not None and o.holding.customer_id == o.customer_id
            assert o.opened_at.date() <= o.holding.purchase_date == timezone.localtime(o.won_at).date()
        if o.stage == "lost":
            assert o.lost_reason and o.lost_at > o.opened_at
        if o.product is not None and o.stage in OPEN_STAGES:  # never a product the customer may not buy
            assert _level(o.product.risk_level) <= _level(o.customer.risk_level)
    # every manager with a book works some (the senior ones of each branch see every stage)
    for manager in Staff.objects.filter(role=Role.RM):
        stages = set(Opportunity.objects.filter(owner=manager).values_list("stage", flat=True))
        assert stages & set(OPEN_STAGES), manager.username
    zhangmin = set(Opportunity.objects.filter(owner__username="zhangmin").values_list("stage", flat=True))
    assert zhangmin == set(OpportunityStage.values)
    assert len(from_events) == 2  # the salon's two needs (banyan.demo.events.NEEDS)


def test_some_are_past_their_date_and_come_back_on_the_first_mornings_worklist(demo):  # noqa: F811
    overdue = Opportunity.objects.filter(stage__in=OPEN_STAGES, due_date__lt=TODAY)
    assert overdue.exists()
    on_the_list = set(TaskReason.objects.filter(code="opportunity_due", task__date=TODAY)
                      .values_list("ref", flat=True))
    assert {f"opportunity:{pk}" for pk in overdue.values_list("pk", flat=True)} <= on_the_list


def test_the_same_seed_makes_the_same_opportunities(demo):  # noqa: F811
    def made():
        return sorted(Opportunity.objects.values_list("customer__external_id", "need", "stage", "due_date",
                                                      "expected_amount", "lost_reason"))

    first = made()
    _empty_database()
    with clock.frozen(TODAY):
        _build()
    assert made() == first
