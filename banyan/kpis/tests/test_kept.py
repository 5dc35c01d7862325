"""The kept figures (banyan.kpis.kept) are the live ones: after any write — through a service, an
ORM bulk update or delete, a change on a related row (a contact's outcome, a product's type, an
event's date, a withdrawn sale) — the review read from them equals the review counted from the
rows, for every Fact, every scope and periods across the kept and the live days."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from banyan.contacts.models import Interaction, Opportunity
from banyan.customers.models import Customer
from banyan.holdings.models import AumSnapshot, Holding, Product, Transaction
from banyan.holdings.services import aum_snapshot_take
from banyan.kpis import kept
from banyan.kpis.figures import FACTS, Scope, review, weekly_trend, weekly_trend_by_row, weekly_trends
from banyan.kpis.models import KeptDay, KeptWork, Stale, work_keys
from banyan.kpis.periods import Period
from banyan.kpis.tests.conftest import at, contact, task
from banyan.org.models import Staff
from banyan.worklists.models import Task

PERIODS = [Period(dt.date(2026, 10, 15), dt.date(2026, 11, 14)), Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
           Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
           Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))]


def _figures(scope: Scope, period: Period) -> dict:
    r = review(scope, period)
    return {(row.staff_id, row.branch_id): row.values for row in r.rows} | {"total": r.total}


def _assert_kept_is_live(bank) -> None:
    """The review and its trends (by week, by week and manager) read from the kept figures equal
    the ones counted from the rows."""
    scopes = [Scope(), Scope(branch_id=bank.b1.pk), Scope(branch_id=bank.b2.pk), Scope(manager_id=bank.rm_a.pk)]
    for period in PERIODS:
        for scope in scopes:
            with kept.live_only():
                live = _figures(scope, period), weekly_trend(scope, period), weekly_trend_by_row(scope, period)
            assert _figures(scope, period) == live[0], (scope, period)
            assert weekly_trend(scope, period) == live[1], (scope, period)
            assert weekly_trend_by_row(scope, period) == live[2], (scope, period)
            # the page's one read of both: the day's totals added up from its rows
            assert weekly_trends(scope, period) == live[1:], (scope, period)
            with kept.live_only():
                assert weekly_trends(scope, period) == live[1:], (scope, period)


def test_the_tables_every_fact_counts_mark_their_days_stale(db):
    """Each table a Fact reads (and the rows its conditions look through) has its three triggers."""
    tables = {"worklists_task", "contacts_interaction", "contacts_opportunity", "holdings_holding", "wealth_salecheck",
              "holdings_product", "service_referral", "service_complaint", "events_invitation", "events_event",
              "holdings_aumsnapshot", "holdings_transaction"}
    read = {f.base.rows(PERIODS[0]).model._meta.db_table for f in FACTS}
    assert read <= tables, read - tables
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT event_object_table, count(DISTINCT trigger_name) FROM information_schema.triggers "
                           "WHERE trigger_name LIKE 'kpis_stale_%%' GROUP BY 1")
        else:
            cursor.execute("SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'kpis_stale_%' GROUP BY 1")
        found = dict(cursor.fetchall())
    assert found == dict.fromkeys(tables, 3)


def test_a_closed_day_is_kept_once_and_read_again_from_what_was_kept(small):
    bank, _mover = small
    period = PERIODS[0]
    first = _figures(Scope(), period)
    assert KeptDay.objects.filter(kind="work").count() == period.days
    kept_rows = KeptWork.objects.count()
    assert kept_rows > 0 and not Stale.objects.exists()
    assert _figures(Scope(), period) == first
    assert KeptWork.objects.count() == kept_rows  # nothing counted again
    # a contact logged today is live; one backdated into a kept day marks it and is counted
    contact(bank.rm_a, Customer.objects.filter(rm=bank.rm_a).first(), "2026-10-16", channel="visit")
    assert Stale.objects.filter(kind="work", day=dt.date(2026, 10, 16)).exists()
    again = _figures(Scope(), period)
    assert again["total"]["contacts"] == first["total"]["contacts"] + 1
    assert not Stale.objects.exists()


def _random_write(rng: random.Random, bank, day_range: list[dt.date]) -> str:
    """One write of a kind a bank sees: new rows, corrections, bulk updates, deletions."""
    managers = [bank.rm_a, bank.rm_b, bank.rm_c, Staff.objects.get(username="zhoujie")]
    customers = list(Customer.objects.order_by("pk"))
    day = rng.choice(day_range)
    who, customer = rng.choice(managers), rng.choice(customers)
    op = rng.randrange(18)
    if op == 0:
        task(who, day.isoformat(), customer, rng.choice(["done", "skipped", "open", "moved"]),
             contact(who, customer, day.isoformat(), outcome=rng.choice(["reached", "not_reached"])))
    elif op == 1:
        ids = list(Task.objects.order_by("pk").values_list("pk", flat=True))
        Task.objects.filter(pk__in=rng.sample(ids, min(3, len(ids)))).update(
            status=rng.choice(["done", "skipped", "superseded"]), date=day)
    elif op == 2:
        Task.objects.filter(pk=Task.objects.order_by("?").values("pk")[:1]).delete()
    elif op == 3:  # a contact's outcome corrected: the task it completed is reached, or no more
        Interaction.objects.filter(pk__in=Task.objects.filter(interaction__isnull=False).values("interaction")[:2]
                                   ).update(outcome=rng.choice(["reached", "not_reached"]))
    elif op == 4:
        contact(who, customer, day.isoformat(), channel=rng.choice(["phone", "wechat", "visit", "sms"]),
                new_info=rng.choice(["", "换了工作"]), minutes=rng.randrange(20), hour=rng.choice([0, 7, 12, 23]))
    elif op == 5:
        Interaction.objects.filter(pk=Interaction.objects.order_by("?").values("pk")[:1]).delete()
    elif op == 6:
        Opportunity.objects.create(customer=customer, owner=who, created_by=who, source="call", need="理财",
                                   due_date=day, opened_at=at(day.isoformat(), rng.choice([1, 9, 22])),
                                   won_at=at(day.isoformat(), 23) if rng.random() < 0.5 else None)
    elif op == 7:
        Opportunity.objects.filter(pk=Opportunity.objects.order_by("?").values("pk")[:1]).update(
            lost_at=at(day.isoformat()), owner=who)
    elif op == 8:
        Holding.objects.create(customer=customer, product=rng.choice(list(Product.objects.order_by("pk"))),
                               amount=Decimal(rng.randrange(1, 10**6)) / 100, current_value=Decimal("1"),
                               purchase_date=day, sold_by=who if rng.random() < 0.8 else None)
    elif op == 9:  # a feed's correction of the sale, or the daily value (which changes no sale)
        Holding.objects.filter(pk=Holding.objects.order_by("?").values("pk")[:1]).update(
            **rng.choice([{"amount": Decimal("123.45")}, {"purchase_date": day}, {"sold_by": who},
                          {"current_value": Decimal("99")}]))
    elif op == 10:  # a withdrawal in the cooling-off period: no sale any more
        from banyan.wealth.models import SaleCheck

        holding = Holding.objects.filter(sold_by__isnull=False, sale_check__isnull=True).order_by("?").first()
        if holding:
            SaleCheck.objects.create(holding=holding, customer_id=holding.customer_id, product_level="R2",
                                     withdrawn_at=at(day.isoformat()))
    elif op == 11:  # a product's type changes: its sales move between the types' amounts
        Product.objects.filter(pk=Holding.objects.filter(sold_by__isnull=False).values("product")[:1]).update(
            type=rng.choice(["fund", "wealth", "deposit", "insurance"]))
    elif op == 12:
        from banyan.events.models import Event, Invitation

        event = Event.objects.create(branch=who.branch, organiser=who, name="沙龙", type="salon", place="三楼",
                                     starts_at=at(day.isoformat(), 14), ends_at=at(day.isoformat(), 16),
                                     status="held", budget=Decimal("100"))
        Invitation.objects.create(event=event, customer=customer, manager=who,
                                  checked_in_at=at(day.isoformat(), 14) if rng.random() < 0.5 else None)
    elif op == 14:  # a month-end snapshot corrected, or taken again from today's book
        month_end = rng.choice([dt.date(2026, 9, 30), dt.date(2026, 10, 31)])
        if rng.random() < 0.3:
            aum_snapshot_take(day=month_end)
        else:
            AumSnapshot.objects.filter(pk__in=AumSnapshot.objects.filter(date=month_end).order_by("?").values("pk")[:2]
                                       ).update(aum=Decimal(rng.randrange(10**7)) / 100, rm=who, branch=who.branch,
                                                quadrant=rng.choice(["low_low", "high_high", "low_high"]),
                                                completeness=rng.randrange(100))
    elif op == 15:  # a snapshot from before holders were kept: it follows the customer's manager of today
        AumSnapshot.objects.filter(pk=AumSnapshot.objects.order_by("?").values("pk")[:1]).update(
            rm=None, branch=rng.choice([None, who.branch]))
    elif op == 16:  # a customer handed over today (read through a holder-less snapshot)
        Customer.objects.filter(pk=customer.pk).update(rm=who, branch=who.branch)
    elif op == 17:  # account movements fed late, corrected or withdrawn
        choice = rng.random()
        if choice < 0.5:
            Transaction.objects.create(customer=customer, external_id=f"R{rng.randrange(10**9)}", occurred_on=day,
                                       amount=Decimal(rng.randrange(-10**6, 10**6)) / 100)
        elif choice < 0.75:
            Transaction.objects.filter(pk=Transaction.objects.order_by("?").values("pk")[:1]).update(
                amount=Decimal("777.77"), occurred_on=day)
        else:
            Transaction.objects.filter(pk=Transaction.objects.order_by("?").values("pk")[:1]).delete()
    else:  # an event moved to another day: its guests count on the new one
        from banyan.events.models import Event

        Event.objects.filter(pk=Event.objects.order_by("?").values("pk")[:1]).update(
            starts_at=at(day.isoformat(), 9), ends_at=at(day.isoformat(), 11))
    return f"op {op} on {day}"


def test_after_random_writes_the_kept_figures_are_the_live_ones(small):
    bank, _mover = small
    rng = random.Random(14)
    days = [dt.date(2026, 9, 25) + dt.timedelta(days=k) for k in range(70)]  # to a week past today
    _assert_kept_is_live(bank)  # keeps the closed days of every period
    done = []
    for _step in range(16):
        for _k in range(6):
            try:
                with transaction.atomic():
                    done.append(_random_write(rng, bank, days))
            except IntegrityError:  # a second task for the same customer, manager and day: not a write
                pass
        _assert_kept_is_live(bank)
    assert len({d.split()[1] for d in done}) >= 16  # (nearly) every kind of write was made


def test_complaints_and_referrals_dated_into_a_kept_day_are_counted(small):
    from banyan.service.complaints import complaint_receive
    from banyan.service.models import Complaint, ComplaintCategory, Referral
    from banyan.service.referral_services import referral_create

    bank, _mover = small
    _assert_kept_is_live(bank)
    customer = Customer.objects.filter(rm=bank.rm_a).first()
    complaint_receive(actor=bank.rm_a, customer=customer, channel="branch",
                      category=ComplaintCategory.objects.get(code="fees"), description="年费未经告知即扣收",
                      received_at=at("2026-10-20"))
    referral_create(actor=bank.rm_a, to="lihua", need="朋友想了解大额存单", referrer_customer=customer,
                    prospect={"name": "刘芳", "mobile": "+86 139-1234-5678", "consent_phone": True,
                              "consent_channel": "wechat"})
    Referral.objects.update(created_at=at("2026-10-21"))
    before = _figures(Scope(), PERIODS[0])["total"]
    _assert_kept_is_live(bank)
    assert before["complaints_received"] == 1 and before["referrals_sent"] == 1
    Complaint.objects.update(received_at=at("2026-11-20"))  # after the period: counted no more
    Referral.objects.update(converted_at=at("2026-10-22"))
    after = _figures(Scope(), PERIODS[0])["total"]
    assert after["complaints_received"] == 0 and after["referrals_converted"] == 1
    _assert_kept_is_live(bank)


@pytest.mark.parametrize("day", ["2026-11-22", "2026-11-23"])
def test_yesterday_is_kept_and_today_is_live(small, day):
    bank, _mover = small
    period = Period(dt.date(2026, 11, 20), dt.date(2026, 11, 23))
    _figures(Scope(), period)
    kept_days = set(KeptDay.objects.filter(kind="work").values_list("day", flat=True))
    assert kept_days == {dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)}
    customer = Customer.objects.filter(rm=bank.rm_a).first()
    contact(bank.rm_a, customer, day)
    assert _figures(Scope(), period)["total"]["contacts"] == 1


def test_every_fact_has_its_kept_column():
    assert work_keys() == [f.key for f in FACTS]


def test_the_morning_run_keeps_the_days_the_branch_heads_will_read(small):
    from banyan.kpis.tasks import monthly_reports

    bank, _mover = small
    monthly_reports.delay(day="2026-11-23").get()  # the beat's task, in-process without a broker
    work = set(KeptDay.objects.filter(kind="work").values_list("day", flat=True))
    assert set(kept.days_of(Period(dt.date(2025, 1, 1), dt.date(2026, 11, 22)))) <= work  # last year, this year
    assert dt.date(2026, 11, 23) not in work  # today stays live
    # November's start book (the snapshot of 31 October) and the moves of the quarter are kept
    assert KeptDay.objects.filter(kind="book", day=dt.date(2026, 10, 31)).exists()
    assert KeptDay.objects.filter(kind="moves", day=dt.date(2026, 10, 31), other=dt.date(2026, 9, 30)).exists()
    _assert_kept_is_live(bank)


@pytest.mark.django_db(transaction=True)
def test_reviews_at_the_same_moment_keep_each_day_once(small, monkeypatch):
    """Branch heads opening their reviews together: the closed days are counted by one of them,
    the others wait and read what it kept — never a day kept twice, never an error."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    bank, _mover = small
    monkeypatch.setenv("BANYAN_TODAY", "2026-11-23")  # the threads do not see the test's frozen clock
    with kept.live_only():
        live = _figures(Scope(), PERIODS[1])
    gate = threading.Barrier(4)

    def open_review(i):
        gate.wait()
        try:
            scope = Scope() if i % 2 else Scope(branch_id=bank.b1.pk)
            return _figures(scope, PERIODS[1])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(open_review, range(4)))
    assert answers[1] == answers[3] == live
    closed = Period(PERIODS[1].start, dt.date(2026, 11, 22))
    assert KeptDay.objects.filter(kind="work").count() == closed.days
    assert KeptWork.objects.count() == KeptWork.objects.values("day", "staff").distinct().count()


@pytest.mark.django_db(transaction=True)
def test_a_review_waits_briefly_for_another_refresh_then_counts_from_the_rows(small, monkeypatch):
    """A refresh counting a long period for the first time holds the kept figures for minutes at
    a big bank: a review meanwhile answers from the rows instead of waiting."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("the refreshes' lock is PostgreSQL's (SQLite serialises its writers)")
    bank, _mover = small
    monkeypatch.setattr(kept, "WAIT", "300ms")
    with kept.live_only():
        live = _figures(Scope(), PERIODS[0])
    held, done = threading.Event(), threading.Event()

    def other_refresh():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [kept.LOCK_KEY])
                held.set()
                done.wait(30)
                cursor.execute("SELECT pg_advisory_unlock(%s)", [kept.LOCK_KEY])
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_refresh)
    thread.start()
    held.wait(10)
    try:
        assert _figures(Scope(), PERIODS[0]) == live
        assert not KeptDay.objects.exists()  # counted from the rows, nothing kept
    finally:
        done.set()
        thread.join()
    assert _figures(Scope(), PERIODS[0]) == live
    assert KeptDay.objects.filter(kind="work").count() == PERIODS[0].days


@pytest.mark.parametrize("hour", [0, 23])
def test_a_contact_marks_its_own_day_in_the_banks_time_zone_only(small, hour):
    """Not the day before or after: else every contact of today would mark yesterday stale, and
    every review would count yesterday again for the whole bank."""
    bank, _mover = small
    _figures(Scope(), PERIODS[0])  # takes the marks
    contact(bank.rm_a, Customer.objects.filter(rm=bank.rm_a).first(), "2026-11-10", hour=hour)
    assert set(Stale.objects.values_list("kind", "day")) == {("work", dt.date(2026, 11, 10))}


def test_a_statement_marks_each_of_its_days_once(small):
    """A bulk write marks its days once each on PostgreSQL (one trigger per statement): a
    bank-wide build's tens of thousands of tasks of one day made as many marks of that day. On
    SQLite the triggers are per row."""
    bank, _mover = small
    customers = list(Customer.objects.order_by("pk")[:6])
    days = [dt.date(2026, 9, 3)] * 3 + [dt.date(2026, 9, 4)] * 2 + [dt.date(2026, 9, 5)]
    Stale.objects.all().delete()
    Task.objects.bulk_create([Task(manager=bank.rm_a, customer=c, date=day, rank=1, priority=50,
                                   suggested_channel="phone") for c, day in zip(customers, days, strict=True)])
    marks = sorted(Stale.objects.values_list("day", flat=True))
    assert set(marks) == set(days)
    if connection.vendor == "postgresql":
        assert marks == sorted(set(days))
    Stale.objects.all().delete()
    Task.objects.filter(manager=bank.rm_a, date__in=days).update(priority=60)  # the old rows' days and the new
    marks = sorted(Stale.objects.values_list("day", flat=True))
    assert set(marks) == set(days)
    if connection.vendor == "postgresql":
        assert marks == sorted(2 * sorted(set(days)))
    assert _figures(Scope(), PERIODS[3]) == _live(Scope(), PERIODS[3])  # September, counted again


def _live(scope: Scope, period: Period) -> dict:
    with kept.live_only():
        return _figures(scope, period)
