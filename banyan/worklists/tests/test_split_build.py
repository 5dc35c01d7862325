"""The nightly build split by branch (issue 15 §2): the groups of branches, built one after the
other in this process (no broker), make the very lists the one bank-wide build makes — the same
tasks, reasons, ranks and order, the same earlier tasks superseded — on the demo bank (three
branches, six months of lists and contacts, complaints escalated to branch heads, events,
referrals), and a rerun or a second group racing for the same lists builds nothing twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from banyan import clock
from banyan.customers.models import Customer
from banyan.org.models import Branch, Role, Staff
from banyan.segments.models import CustomerSegment
from banyan.segments.services import (
    segment_groups,
    segments_bank_figures,
    segments_recompute,
    segments_recompute_branches,
)
from banyan.worklists.models import Task, TaskReason, TaskStatus, WorklistDay
from banyan.worklists.services import (
    DayScope,
    worklist_build_groups,
    worklist_staff,
    worklists_build,
    worklists_build_branches,
)
from banyan.worklists.tasks import worklists_build_split

TODAY = dt.date(2026, 11, 23)  # the demo's today (its lists are built)
DAY = dt.date(2026, 11, 24)  # the next working day: built on top of today's lists and the history


def lists_of(day: dt.date) -> dict:
    """Everything a build of `day` writes, without the ids: each list, each task in its order with
    its reasons in theirs, and which earlier tasks it superseded."""
    tasks = {}
    for task in (Task.objects.filter(date=day).order_by("manager_id", "rank", "customer_id")
                 .values("pk", "manager_id", "customer_id", "rank", "priority", "suggested_channel", "rule_code",
                         "rule_args", "rule_note", "status")):
        pk = task.pop("pk")
        tasks[pk] = task
    reasons: dict[int, list] = {pk: [] for pk in tasks}
    for row in (TaskReason.objects.filter(task__date=day).order_by("task_id", "pk")
                .values_list("task_id", "customer_id", "code", "detail", "due_date", "ref", "args")):
        reasons[row[0]].append(row[1:])
    return {
        "days": sorted(WorklistDay.objects.filter(date=day).values_list("manager_id", "date", "capacity")),
        "tasks": [(t, reasons[pk]) for pk, t in tasks.items()],
        "superseded": sorted(Task.objects.filter(date__lt=day, status=TaskStatus.SUPERSEDED)
                             .values_list("pk", flat=True)),
    }


def single_build(day: dt.date) -> dict:
    """What the one bank-wide build of `day` writes (and its counts), rolled back afterwards."""
    with transaction.atomic():
        result = worklists_build(day=day)
        made = lists_of(day)
        transaction.set_rollback(True)
    assert not WorklistDay.objects.filter(date=day).exists()
    return {**made, "counts": (result.managers, result.tasks, result.suppressed)}


@pytest.fixture(scope="module")
def demo_bank(django_db_setup, django_db_blocker):
    """The demo bank (three branches, 300 customers), built once for the module; emptied after."""
    from banyan.demo.tests.test_demo import _remove_the_demo

    with django_db_blocker.unblock():
        with clock.frozen(TODAY):
            call_command("demo", customers=300, seed=7, stdout=io.StringIO())
        yield
        _remove_the_demo()


@pytest.fixture
def demo(demo_bank, db):
    with clock.frozen(TODAY):
        yield


def _cross_branch_history() -> None:
    """What only a build reading past one branch gets right: a customer handed to a manager of
    another branch since his last task (already planned there, superseded there), and a task
    moved by hand onto the day."""
    first, second = Branch.objects.order_by("code")[:2]
    moved = (Customer.objects.filter(rm__branch=first, tasks__date=TODAY, tasks__status=TaskStatus.OPEN)
             .order_by("pk").first())
    other = Staff.objects.filter(branch=second, role=Role.RM, is_active=True).order_by("pk").first()
    assert moved is not None and other is not None
    Customer.objects.filter(pk=moved.pk).update(rm=other)
    task = Task.objects.filter(date=TODAY, status=TaskStatus.OPEN).exclude(customer=moved).order_by("pk").first()
    Task.objects.create(manager=task.manager, customer=task.customer, date=DAY, rank=0, priority=task.priority,
                        suggested_channel=task.suggested_channel, rule_code=task.rule_code, rule_args=task.rule_args)


def test_the_groups_of_branches_cover_every_list_holder_once(demo):
    customers = Customer.objects.filter(rm__isnull=False).count()
    groups = worklist_build_groups(DAY, group_customers=customers // 2 + 1)
    branches = [b for group in groups for b in group]
    assert len(groups) == 2 and len(branches) == len(set(branches))
    assert set(branches) == set(worklist_staff().values_list("branch_id", flat=True))
    # one group per branch (and one for the head office's staff) when groups are small
    assert len(worklist_build_groups(DAY, group_customers=1)) == len(branches)
    # one group of the bank when it is smaller than a group, or when groups have no size (0)
    whole = [sorted(branches, key=lambda b: (b is None, b or 0))]
    assert worklist_build_groups(DAY, group_customers=50_000) == whole
    assert worklist_build_groups(DAY, group_customers=0) == whole
    # and none for a day already built
    assert worklist_build_groups(TODAY) == []


@pytest.mark.parametrize("group_customers", [50_000, 150, 1])
def test_the_split_build_makes_the_lists_of_the_one_build(demo, group_customers, settings):
    _cross_branch_history()
    expected = single_build(DAY)
    assert len(expected["tasks"]) > 20 and expected["superseded"]  # a real day, not an empty one

    settings.BANYAN_BUILD_GROUP_CUSTOMERS = group_customers
    groups = len(worklist_build_groups(DAY))
    built = worklists_build_split(day=DAY)

    assert {**lists_of(DAY), "counts": (built["lists"], built["tasks"], built["suppressed"])} == expected
    assert built["groups"] == groups
    assert {50_000: groups == 1, 150: 1 < groups < 4, 1: groups == 4}[group_customers]


def test_a_rerun_and_a_racing_group_build_nothing_twice(demo):
    expected = single_build(DAY)
    scope = DayScope.now()
    groups = worklist_build_groups(DAY, group_customers=1)
    # a page opened one manager's list before the nightly build reached his branch
    early = Staff.objects.filter(branch_id=groups[0][0], role=Role.RM).order_by("pk").first()
    worklists_build(day=DAY, manager_ids=[early.pk])
    for group in groups:
        worklists_build_branches(day=DAY, branch_ids=group, scope=scope)
    del expected["counts"]
    assert lists_of(DAY) == expected

    # again: every group finds its lists there
    again = [worklists_build_branches(day=DAY, branch_ids=group, scope=scope) for group in groups]
    assert all(b.managers == 0 and b.tasks == 0 for b in again)
    assert worklists_build_split(day=DAY)["lists"] == 0
    assert lists_of(DAY) == expected



@pytest.mark.parametrize("group_customers", [0, 150])
def test_the_nightly_job_splits_only_when_the_deployment_asks(demo, group_customers, settings, monkeypatch):
    """BANYAN_BUILD_GROUP_CUSTOMERS 0 (the default): the nightly job makes the one bank-wide
    recompute and build, no group (on one worker the groups cost more); N > 0: segments and lists
    in groups of about N customers. Both make the same segments and the same lists."""
    from banyan.service.referral_services import referrals_refresh
    from banyan.worklists import tasks
    from banyan.worklists.services import worklists_build_branches as build_branches

    _cross_branch_history()
    with transaction.atomic():  # what the night does, in one piece, rolled back
        segments_recompute()
        expected_segments = segments_now()
        referrals_refresh()
        expected = single_build(DAY)
        transaction.set_rollback(True)
    groups = {"segments": 0, "lists": 0}

    def segment_group(**kw):
        groups["segments"] += 1
        return segments_recompute_branches(**kw)

    def build_group(**kw):
        groups["lists"] += 1
        return build_branches(**kw)

    monkeypatch.setattr(tasks, "segments_recompute_branches", segment_group)
    monkeypatch.setattr(tasks, "worklists_build_branches", build_group)
    assert settings.BANYAN_BUILD_GROUP_CUSTOMERS == 0  # the default: one build
    settings.BANYAN_BUILD_GROUP_CUSTOMERS = group_customers

    done = tasks.nightly(DAY.isoformat())

    assert {**lists_of(DAY), "counts": (done["lists"], done["tasks"], done["suppressed"])} == expected
    assert segments_now() == expected_segments
    if group_customers:
        assert 1 < groups["lists"] == done["groups"] < 4 and 1 < groups["segments"] == done["segment_groups"]
    else:
        assert groups == {"segments": 0, "lists": 0} and done["groups"] == done["segment_groups"] == 0
    # the coordinator alone, for a day built: nothing more, in either mode
    assert tasks.build_day(DAY.isoformat())["lists"] == 0


def segments_now() -> list:
    return list(CustomerSegment.objects.order_by("customer_id").values_list(
        "customer_id", "quadrant", "frequency_days", "orientation", "orientation_inferred", "potential_score",
        "reasons", "value_rank", "is_priority", "relationship_established", "suggested_rm_id"))


@pytest.mark.parametrize("group_customers", [100_000, 1])
def test_the_segments_of_groups_of_branches_are_the_one_recomputes(demo, group_customers):
    # given a bank whose figures reach across branches: a senior manager keeping priority
    # customers of another branch (his load counts where the suggestions spread), AUMs changed
    first, second = Branch.objects.order_by("code")[:2]
    senior = Staff.objects.filter(branch=first, role=Role.RM, is_senior=True, is_active=True).order_by("pk").first()
    rich = list(Customer.objects.filter(branch=second).order_by("-aum", "pk").values_list("pk", flat=True)[:5])
    assert senior is not None and rich
    Customer.objects.filter(pk__in=rich).update(rm=senior)
    for n, pk in enumerate(Customer.objects.order_by("pk").values_list("pk", flat=True)[:40]):
        Customer.objects.filter(pk=pk).update(aum=1_000_000 + n * 1000 if n % 2 else 0)
    with transaction.atomic():
        segments_recompute()
        expected = segments_now()
        transaction.set_rollback(True)
    assert any(row[-1] for row in expected) and any(row[8] for row in expected)  # suggestions, priority

    # when the groups are segmented one by one with the bank's figures
    figures = segments_bank_figures()
    groups = segment_groups(group_customers=group_customers)
    assert len(groups) == (1 if group_customers > 1000 else len(set(Customer.objects.values_list("branch_id",
                                                                                                  flat=True))))
    counted = sum(segments_recompute_branches(branch_ids=g, figures=figures) for g in reversed(groups))

    # then every customer has the very segment of the one recompute, computed as of one moment
    assert counted == len(expected)
    assert segments_now() == expected
    assert CustomerSegment.objects.values("computed_at").distinct().count() == 1
