"""Exactly once (DESIGN.md house style 6): parallel answers to one proposed value-uplift plan — a
double click, two tabs, a retrying client — approve it once; the others answer 409 and write
nothing (no second approval, no comment, no audit event). Requests fired at a live server from
many threads, each with its own connection."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.audit.models import AuditEvent
from banyan.kpis.models import PlanComment, PlanStatus, UpliftPlan
from banyan.kpis.plans import plan_create
from banyan.org.services import api_token_issue
from banyan.worklists.tests.test_exactly_once import _api, _race, server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
N = 8


def _proposed(bank):
    return plan_create(actor=bank.rm_a, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), target_sales_count=3)


def test_two_approvals_at_once_approve_once_the_other_gets_409(server, bank):  # noqa: F811
    plan = _proposed(bank)
    token = api_token_issue(staff=bank.head)

    answers = _race(2, lambda i: _api(server, token, f"/kpis/plans/{plan.pk}/approve", {}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert loser["error"]["code"] == "conflict"
    assert AuditEvent.objects.filter(action="uplift_plan.approved", object_id=str(plan.pk)).count() == 1
    assert UpliftPlan.objects.get().status == PlanStatus.APPROVED


def test_parallel_approvals_and_returns_answer_once(server, bank):  # noqa: F811
    plan = _proposed(bank)
    token = api_token_issue(staff=bank.head)

    answers = _race(N, lambda i: _api(server, token, f"/kpis/plans/{plan.pk}/approve", {}) if i % 2
                    else _api(server, token, f"/kpis/plans/{plan.pk}/return", {"comment": f"第 {i} 次意见"}))

    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] + [409] * (N - 1), answers
    answered = AuditEvent.objects.filter(action__in=["uplift_plan.approved", "uplift_plan.returned"],
                                         object_id=str(plan.pk)).count()
    assert answered == 1
    status = UpliftPlan.objects.get().status
    # a return keeps its one comment; an approval without a comment keeps none
    assert PlanComment.objects.count() == (1 if status == PlanStatus.RETURNED else 0)
