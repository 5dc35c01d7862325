"""The demo bank's complaints (issue 12 §4): every state — received, overdue, extended with a reason,
waiting on an appraisal, resolved with root cause and satisfaction — and on the first morning
complaint_due on the owner's list and the care call on the manager's."""

from __future__ import annotations

import pytest

from banyan import clock
from banyan.demo.tests.test_demo import TODAY, _build, _empty_database, demo, demo_bank  # noqa: F401 (fixtures)
from banyan.service.models import Complaint
from banyan.worklists.models import TaskReason

pytestmark = pytest.mark.django_db


def test_the_demo_has_complaints_in_every_state_and_their_worklist_reasons(demo):  # noqa: F811
    complaints = list(Complaint.objects.select_related("customer"))
    assert {c.status for c in complaints} == {"open", "paused", "resolved"}
    today = clock.today()
    assert any(c.status == "open" and c.due_date < today for c in complaints)  # overdue
    assert any(c.extension_reason and c.limit_days == 30 for c in complaints)
    resolved = [c for c in complaints if c.status == "resolved"]
    assert resolved and all(c.cause and c.cause_change and c.satisfaction for c in resolved)
    assert all(c.owner_id not in set(c.staff_concerned.values_list("pk", flat=True)) for c in complaints)
    due = TaskReason.objects.filter(code="complaint_due", task__date=TODAY).select_related("task")
    assert due.exists() and all(r.task.manager.role in ("branch_head", "admin") for r in due)
    care = TaskReason.objects.filter(code="complaint_care", task__date=TODAY).select_related("task", "task__customer")
    assert care.exists() and all(r.task.manager_id == r.task.customer.rm_id for r in care)
