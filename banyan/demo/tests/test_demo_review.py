"""The demo bank's six months of history for the review (issue 14 §6): every manager's daily lists,
the contacts that closed them, month-end books with quadrants, a hand-over, quadrant moves, the
value-uplift plans — so that every review page is alive on `make run`.

A bank of 2,500 customers: in the 300-customer bank of test_demo a planner keeps some ten
customers, called every 90 days, and a faithful history leaves most of his days without a task."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q
from django.test import Client
from django.utils import timezone

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.calendars.workdays import working_days_between
from banyan.contacts.models import Interaction, Opportunity
from banyan.customers.models import Customer
from banyan.demo.activity import month_ends
from banyan.demo.review_history import MONTHS, OPEN_DAYS
from banyan.demo.tests.test_demo import _remove_the_demo
from banyan.holdings.models import AumSnapshot
from banyan.kpis.figures import HIGH, LOW, Scope, review
from banyan.kpis.models import PlanStatus, UpliftPlan
from banyan.kpis.periods import Period
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff
from banyan.segments.models import CustomerSegment, Quadrant, SegmentPolicy
from banyan.worklists.models import Task, TaskReason, TaskStatus, WorklistDay
from banyan.worklists.selectors import overdue_tasks
from banyan.worklists.talking import ARGS

TODAY = dt.date(2026, 11, 23)
LAST_MONTH = dt.date(2026, 10, 15)
START = dt.date(2026, 5, 1)  # MONTHS before November

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bank(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with clock.frozen(TODAY):
            call_command("demo", customers=2500, seed=7, stdout=io.StringIO())
        yield
        _remove_the_demo()


def _managers():
    return list(Staff.objects.filter(role__in=BOOK_ROLES).order_by("username"))


def test_every_manager_has_six_months_of_daily_lists(bank):
    assert (TODAY.year * 12 + TODAY.month) - (START.year * 12 + START.month) == MONTHS
    days = working_days_between(START, TODAY - dt.timedelta(days=1))
    for manager in _managers():
        listed = set(WorklistDay.objects.filter(manager=manager, date__lt=TODAY).values_list("date", flat=True))
        assert listed == set(days), manager.username  # every past list was built: none is planned afresh
        worked = Task.objects.filter(manager=manager, date__lt=TODAY).exclude(status=TaskStatus.SUPPRESSED)
        assert worked.values("date").distinct().count() >= 100, manager.username
        # about the capacity or fewer: more only on a day what is due that day must be on it (a festival)
        sizes = list(worked.exclude(status__in=(TaskStatus.MOVED, TaskStatus.SUPERSEDED)).values("date")
                     .annotate(n=Count("pk")).values_list("n", flat=True))
        assert sum(n > manager.daily_capacity for n in sizes) <= 0.05 * len(sizes), manager.username
        statuses = set(worked.values_list("status", flat=True))
        assert {TaskStatus.DONE, TaskStatus.SKIPPED} <= statuses, manager.username
    past = Task.objects.filter(date__lt=TODAY)
    assert set(past.values_list("status", flat=True)) >= {"done", "skipped", "moved", "superseded", "suppressed"}
    assert not past.filter(status=TaskStatus.SKIPPED, skip_reason="").exists()
    # old tasks are closed; the last two weeks' unfinished ones are the overdue list
    assert not past.filter(status=TaskStatus.OPEN, date__lt=TODAY - dt.timedelta(days=OPEN_DAYS)).exists()
    for moved in past.filter(status=TaskStatus.MOVED)[:50]:
        assert Task.objects.filter(manager=moved.manager, customer=moved.customer, date=moved.moved_to).exists()


def test_done_tasks_are_the_contacts_of_that_manager_customer_and_day(bank):
    done = Task.objects.filter(date__lt=TODAY, status=TaskStatus.DONE)
    assert done.count() > 10_000
    assert not done.filter(interaction__isnull=True).exists()
    assert not done.exclude(interaction__staff_id=F("manager_id")).exists()
    assert not done.exclude(interaction__customer_id=F("customer_id")).exists()
    assert not done.exclude(interaction__occurred_at__date=F("date")).exists()
    assert done.values("interaction").distinct().count() == done.count()  # one task, one contact
    reached = done.filter(interaction__outcome="reached").count()
    assert 0.6 * done.count() < reached < done.count()  # mostly reached, some not
    assert done.filter(interaction__outcome="not_reached").exists()


def test_the_reasons_are_the_triggers_with_their_facts(bank):
    reasons = TaskReason.objects.filter(task__date__lt=TODAY)
    codes = set(reasons.values_list("code", flat=True))
    assert {"cadence_due", "birthday", "festival", "anniversary", "deposit_maturity", "card_repayment",
            "memo_due", "follow_up", "new_customer", "opportunity_due"} <= codes
    for code, args in reasons.order_by("?").values_list("code", "args")[:500]:
        assert len(json.loads(args) if args else []) == len(ARGS[code]), (code, args)
    # a follow-up names the contact that set it, on the day it asked for
    for r in reasons.filter(code="follow_up")[:50]:
        contact = Interaction.objects.get(pk=int(r.ref.split(":")[1]))
        assert contact.next_contact_on == r.due_date and contact.customer_id == r.customer_id


def test_contacts_carry_minutes_and_new_information(bank):
    contacts = Interaction.objects.filter(occurred_at__gte=Period(START, TODAY).start_at)
    calls = contacts.filter(channel="phone").exclude(outcome="not_reached")
    assert calls.count() > 5000 and not calls.filter(minutes=0).exists()
    assert not contacts.filter(channel="phone", outcome="not_reached", minutes__gt=0).exists()
    answered = contacts.exclude(outcome="not_reached")
    learned = answered.exclude(new_info="")
    assert 0.08 * answered.count() < learned.count() < 0.4 * answered.count()
    assert learned.filter(Q(new_info__contains="高考") | Q(new_info__contains="换房")).exists()


def test_month_end_books_keep_the_manager_branch_and_a_quadrant_that_fits(bank):
    ends = month_ends(TODAY)
    assert list(AumSnapshot.objects.order_by("date").values_list("date", flat=True).distinct()) == ends
    snapshots = AumSnapshot.objects.all()
    assert not snapshots.filter(Q(rm__isnull=True) | Q(branch__isnull=True) | Q(quadrant="")).exists()
    policy = SegmentPolicy.current()
    potential = CustomerSegment.objects.filter(potential_score__gte=policy.potential_high).values("customer_id")
    high = Q(aum__gte=policy.aum_high)
    assert not snapshots.filter(high, quadrant__in=LOW).exists()
    assert not snapshots.filter(~high, quadrant__in=HIGH).exists()
    assert not snapshots.filter(customer_id__in=potential, quadrant__in=(Quadrant.HIGH_LOW, Quadrant.LOW_LOW)).exists()
    assert not snapshots.exclude(customer_id__in=potential).filter(
        quadrant__in=(Quadrant.HIGH_HIGH, Quadrant.LOW_HIGH)).exists()
    # the last month-end is today's book
    last = snapshots.filter(date=ends[-1], customer__rm_id=F("rm_id"), customer__branch_id=F("branch_id"))
    assert last.count() == Customer.objects.filter(aum_snapshots__date=ends[-1]).count()


def _moves(months: int):
    """(customer, month-end) of the moves up and down between consecutive month-ends of the last months."""
    ends = month_ends(TODAY)[-months - 1:]
    quadrant = {(c, d): q for c, d, q in AumSnapshot.objects.filter(date__in=ends)
                .values_list("customer_id", "date", "quadrant")}
    up, down = [], []
    for (c, d), q in quadrant.items():
        if d == ends[0]:
            continue
        before = quadrant.get((c, ends[ends.index(d) - 1]))
        if before in LOW and q in HIGH:
            up.append((c, d))
        if before in HIGH and q in LOW:
            down.append((c, d))
    return up, down


def test_customers_move_between_quadrants_up_through_a_sale_and_down(bank):
    up, down = _moves(MONTHS)
    assert len(up) >= 10 and len(down) >= 2
    assert {d for _c, d in up} >= set(month_ends(TODAY)[-2:])  # last month and the one before
    rms = set(Staff.objects.filter(role=Role.RM).values_list("pk", flat=True))
    movers = set(Customer.objects.filter(pk__in=[c for c, _d in up]).values_list("rm_id", flat=True))
    assert rms <= movers  # every manager moved someone up
    # a move up behind which is the money brought in: the opportunity won, the sale, the inflow
    brought = Opportunity.objects.filter(need="他行到期资金转入，配置大额存单", stage="won")
    assert brought.count() >= len(rms)
    for o in brought:
        assert o.holding.sold_by_id == o.owner_id and o.customer.transactions.filter(
            amount=o.expected_amount, occurred_on=o.holding.purchase_date).exists()


def test_two_customers_were_handed_over_two_months_ago(bank):
    events = AuditEvent.objects.filter(action="customer.assigned")
    assert events.count() == 2
    for event in events:
        giver, receiver = event.before["rm"], event.after["rm"]
        assert Staff.objects.get(pk=giver).branch_id == Staff.objects.get(pk=receiver).branch_id
        day = timezone.localtime(event.at).date()
        assert TODAY - dt.timedelta(days=75) < day < TODAY - dt.timedelta(days=40)
        books = AumSnapshot.objects.filter(customer_id=event.customer_id)
        assert set(books.filter(date__lt=day).values_list("rm_id", flat=True)) == {giver}
        assert set(books.filter(date__gt=day).values_list("rm_id", flat=True)) == {receiver}
        tasks = Task.objects.filter(customer_id=event.customer_id)
        assert not tasks.filter(date__lt=day).exclude(manager_id=giver).exists()
        assert not tasks.filter(date__gte=day).exclude(manager_id=receiver).exists()


def test_every_manager_has_an_approved_plan_for_this_month_and_the_last(bank):
    for manager in _managers():
        head = Staff.objects.get(role=Role.BRANCH_HEAD, branch=manager.branch)
        plans = {p.start: p for p in UpliftPlan.objects.filter(manager=manager)}
        assert set(plans) == {dt.date(2026, 10, 1), dt.date(2026, 11, 1)}, manager.username
        for plan in plans.values():
            assert plan.status == PlanStatus.APPROVED and plan.end.month == plan.start.month
            assert plan.created_by == plan.approved_by == head and plan.approved_at <= clock.now()
            assert plan.branch_id == manager.branch_id and plan.note
            assert 0 < plan.target_contact_rate < 1 and plan.target_new_aum > 0
            assert plan.target_opportunities and plan.target_sales_count and plan.target_sales_amount
            listed = list(plan.customers.all())
            assert 3 <= len(listed) <= 5
            assert all(c.quadrant_at_start == Quadrant.LOW_HIGH and c.aum_at_start > 0 for c in listed)
        last = plans[dt.date(2026, 10, 1)]
        comment = last.comments.get()
        assert comment.author == head and comment.at < clock.now() and "名单" in comment.text
        # last month's list: low assets, high potential at its start, some moved up by its end
        start = set(AumSnapshot.objects.filter(date=dt.date(2026, 9, 30), customer__in=last.customers.values(
            "customer"), rm=manager).values_list("quadrant", flat=True))
        assert start == {Quadrant.LOW_HIGH}
        assert (plans[dt.date(2026, 11, 1)].customers.filter(customer__rm=manager).count()
                == plans[dt.date(2026, 11, 1)].customers.count())


def test_the_review_of_last_month_is_alive_for_every_manager(bank):
    weak, diligent = [], []
    for branch in Branch.objects.all():
        r = review(Scope(branch_id=branch.pk), Period.of("month", LAST_MONTH))
        rows = {row.staff_id: row for row in r.rows if row.staff is not None}
        managers = Staff.objects.filter(branch=branch, role__in=BOOK_ROLES)
        for manager in managers:
            v = rows[manager.pk].values
            assert v["planned"] > 0 and v["reached"] > 0 and v["new_info"] > 0, manager.username
            assert v["calls"] > 0 and v["call_minutes"] > v["calls"], manager.username
            assert v["book_start"] > 0 and v["aum_end"] > 0, manager.username
            if manager.role == Role.RM:
                (diligent if manager.is_senior else weak).append(v["contact_achievement_rate"])
        total = r.total
        assert total["opportunities_opened"] > 0 and total["sales_count"] > 0 and total["moved_up"] > 0
    # the senior managers keep their lists better than the others: the comparison has something to say
    assert min(diligent) > max(weak) - 0.1 and max(diligent) - min(weak) > 0.25
    # the trend moves from week to week
    rates = []
    for week in range(4):
        r = review(Scope(), Period.of("week", dt.date(2026, 10, 12) + dt.timedelta(days=7 * week)))
        rates.append(r.total["contact_achievement_rate"])
    assert len(set(rates)) > 1


def test_opportunities_open_win_and_lose_across_the_months(bank):
    opened, won, lost = set(), set(), set()
    for o in Opportunity.objects.all():
        opened.add(o.opened_at.strftime("%Y%m"))
        if o.won_at:
            won.add(o.won_at.strftime("%Y%m"))
        if o.lost_at:
            lost.add(o.lost_at.strftime("%Y%m"))
    months = {f"2026{m:02d}" for m in range(6, 12)}
    assert len(months & opened) >= 5 and len(months & won) >= 4 and len(months & lost) >= 4


def test_todays_worklist_shows_todays_tasks_and_a_short_overdue_list(bank):
    zhangmin = Staff.objects.get(username="zhangmin")
    with clock.frozen(TODAY):
        for manager in _managers():
            overdue = overdue_tasks(manager, TODAY)
            assert len(overdue) <= 3 * manager.daily_capacity
            assert all(TODAY - dt.timedelta(days=OPEN_DAYS) <= t.date < TODAY for t in overdue)
        client = Client()
        client.force_login(zhangmin)
        page = client.get("/work/")
    assert page.status_code == 200
    todays = Task.objects.filter(manager=zhangmin, date=TODAY, status=TaskStatus.OPEN)
    assert todays.exists()
    names = set(todays.values_list("customer__name", flat=True))
    assert all(name in page.content.decode() for name in names)
