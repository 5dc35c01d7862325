"""docs/scale.md §5 step 1 on PostgreSQL: the month-end snapshots and the audit trail partitioned by
month of their date (banyan.testing.partitioning), and Banyan's own services, selectors and pages
run on them unchanged — the same rows written, the same figures read, a month's query reading one
partition. The conversion is DDL inside the test's transaction, rolled back with it (the last test
checks that)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from banyan import clock
from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.audit.selectors import AuditFilters, audit_events, events_about_customer
from banyan.audit.services import audit_bulk_read, audit_log
from banyan.customers.models import Customer
from banyan.holdings.models import AumSnapshot
from banyan.holdings.selectors import aum_trend
from banyan.holdings.services import aum_month_end_snapshot, aum_snapshot_take, holding_create
from banyan.kpis import kept
from banyan.kpis.figures import BookAt, Scope, quadrant_matrix, review
from banyan.kpis.models import KeptBook, KeptKind, Stale, StaleKind
from banyan.kpis.periods import Period
from banyan.kpis.tests.conftest import small  # noqa: F401 (the review's small bank, computed by hand)
from banyan.testing.keys import assert_checked_by_triggers, raw, refused
from banyan.testing.partitioning import partition_by_month, partitioned_tables, partitions_named_in

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif("connection.vendor != 'postgresql'", reason="declarative partitioning")]

SNAPSHOTS, EVENTS = "holdings_aumsnapshot", "audit_auditevent"
PERIOD = Period(dt.date(2026, 10, 15), dt.date(2026, 11, 14))  # test_figures' period, over a month end
_converted: list[str] = []  # the tables converted by the tests above the last one


def _catalog(table: str) -> set[tuple[str, str]]:
    """The table's constraints (by name and kind, the primary key by its columns), indexes and triggers."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT conname, CASE contype WHEN 'p' THEN array_to_string(array(SELECT attname FROM pg_attribute
                   WHERE attrelid = conrelid AND attnum = ANY(conkey) ORDER BY attnum), ',') ELSE contype::text END
            FROM pg_constraint WHERE conrelid = %s::regclass
            UNION SELECT indexrelid::regclass::text, 'index' FROM pg_index WHERE indrelid = %s::regclass
            UNION SELECT tgname, 'trigger' FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal""",
                       [table] * 3)
        return set(cursor.fetchall())


def _partition(table: str, column: str):
    before = _catalog(table)
    done = partition_by_month(table, column, first=dt.date(2026, 8, 1), last=dt.date(2026, 12, 31))
    assert table in partitioned_tables()
    # the same constraints, indexes and triggers under the same names; the primary key now (id, column)
    assert _catalog(table) == {(name, "id," + column if kind == "id" else kind) for name, kind in before}
    _converted.append(table)
    return done


def _rows_per_partition(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())


def _figures(scope: Scope) -> tuple:
    r = review(scope, PERIOD)
    return ([(row.staff_id, row.branch_id, row.values) for row in r.rows], r.total, r.as_of,
            quadrant_matrix(scope, PERIOD))


@pytest.mark.parametrize("partitioned", [False, True], ids=["plain", "partitioned"])
def test_the_month_end_snapshot_writes_its_month_once_as_on_the_plain_table(bank, make_customer, partitioned):
    # given two customers' September snapshot, then a second deposit for one of them
    wang, liu = make_customer(bank.rm_a, name="王建国"), make_customer(bank.rm_c, name="刘洋")
    for person in (wang, liu):
        holding_create(actor=None, customer=person, product=bank.products.deposit, amount="300000.00",
                       purchase_date="2026-01-05")
    assert aum_month_end_snapshot(today=dt.date(2026, 10, 1)) == 2  # 30 Sep
    holding_create(actor=None, customer=wang, product=bank.products.wealth, amount="50000.00",
                   purchase_date="2026-10-12")
    before_max = max(AumSnapshot.objects.values_list("pk", flat=True))
    if partitioned:
        done = _partition(SNAPSHOTS, "date")
        assert done.dropped_references == []  # nothing holds a foreign key to a snapshot
    # when the first night of November takes October's month end, and the job runs again
    Stale.objects.all().delete()
    assert aum_month_end_snapshot(today=clock.today()) == 2
    assert aum_month_end_snapshot(today=clock.today()) == 0
    # then each customer has one row for 31 Oct, with a new id Django got back from the insert
    october = list(AumSnapshot.objects.filter(date=dt.date(2026, 10, 31)).order_by("customer_id"))
    assert [(s.customer_id, s.aum, s.rm_id, s.branch_id) for s in october] == [
        (wang.pk, Decimal("350000.00"), bank.rm_a.pk, bank.b1.pk),
        (liu.pk, Decimal("300000.00"), bank.rm_c.pk, bank.b2.pk)]
    assert min(s.pk for s in october) > before_max
    ids = list(AumSnapshot.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 4
    assert AumSnapshot.objects.get(pk=october[0].pk).customer_id == wang.pk
    # a rerun of the take replaces the day; a second row for (customer, date) is refused
    assert aum_snapshot_take(day=dt.date(2026, 10, 31)) == 2
    assert AumSnapshot.objects.filter(date=dt.date(2026, 10, 31)).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        AumSnapshot.objects.create(customer=wang, date=dt.date(2026, 10, 31), aum=Decimal(1))
    # the trend on the customer file, and the review's stale mark for the day (kpis triggers)
    assert aum_trend(wang) == [("2026-09-30", "300000.00"), ("2026-10-31", "350000.00")]
    assert Stale.objects.filter(kind=StaleKind.SNAPSHOT, day=dt.date(2026, 10, 31)).exists()
    if partitioned:
        assert _rows_per_partition(SNAPSHOTS) == {f"{SNAPSHOTS}_p2026_09": 2, f"{SNAPSHOTS}_p2026_10": 2}
    else:
        assert _rows_per_partition(SNAPSHOTS) == {SNAPSHOTS: 4}


def test_the_review_and_the_trend_read_the_same_from_partitioned_snapshots(small):  # noqa: F811
    bank, _mover = small
    scopes = [Scope(branch_id=bank.b1.pk), Scope(branch_id=bank.b2.pk), Scope(manager_id=bank.rm_a.pk), Scope()]
    customers = list(Customer.objects.order_by("pk"))
    # given the review (counted from the rows) and every trend on the plain table
    with kept.live_only():
        plain = [_figures(scope) for scope in scopes]
    trends = [aum_trend(c) for c in customers]
    # when the snapshots are partitioned by month
    _partition(SNAPSHOTS, "date")
    assert set(_rows_per_partition(SNAPSHOTS)) == {f"{SNAPSHOTS}_p2026_09", f"{SNAPSHOTS}_p2026_10"}
    # then the review counted from the rows, and from the kept figures counted on them, is the same
    with kept.live_only():
        assert [_figures(scope) for scope in scopes] == plain
    assert not KeptBook.objects.exists()
    assert [_figures(scope) for scope in scopes] == plain
    assert KeptBook.objects.filter(kind=KeptKind.BOOK, day=dt.date(2026, 9, 30)).exists()
    assert [aum_trend(c) for c in customers] == trends
    # and it is the hand-computed one (test_figures): zhangmin's book at 30 Sep and at 31 Oct
    zhangmin = next(values for staff, _branch, values in plain[0][0] if staff == bank.rm_a.pk)
    assert (zhangmin["aum_start"], zhangmin["aum_end"]) == (Decimal("900000.00"), Decimal("510000.00"))
    assert trends[0] == [("2026-09-30", "100000.00"), ("2026-10-31", "100000.00")]


def test_a_months_snapshot_query_reads_only_that_months_partition(small):  # noqa: F811
    bank, _mover = small
    done = _partition(SNAPSHOTS, "date")
    # the review's book at the end of the period: the 31 Oct snapshot of one branch
    book = BookAt.of(PERIOD.end)
    assert book.day == dt.date(2026, 10, 31)
    assert partitions_named_in(book.rows(Scope(branch_id=bank.b1.pk)).explain(), done) == {f"{SNAPSHOTS}_p2026_10"}
    october = AumSnapshot.objects.filter(date__range=(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert partitions_named_in(october.explain(), done) == {f"{SNAPSHOTS}_p2026_10"}
    # what pruning cannot help: a row addressed by its id alone is looked for in every partition
    one = AumSnapshot.objects.filter(pk=october.first().pk)
    assert partitions_named_in(one.explain(), done) == set(done.partitions)


def test_the_audit_trail_is_written_and_read_by_period_on_a_partitioned_table(client, bank, make_customer):
    # given events in October and in November on the plain table
    with clock.frozen(dt.date(2026, 10, 20)):
        wang = make_customer(bank.rm_a, name="王建国")
        audit_log(actor=bank.rm_a, action="customer.viewed", customer_id=wang.pk)
    liu = make_customer(bank.rm_a, name="刘洋")
    months = {10: AuditFilters(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31)),
              11: AuditFilters(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))}
    before = {m: list(audit_events(f).values_list("pk", "action")) for m, f in months.items()}
    assert [action for _pk, action in before[10]] == ["customer.viewed", "customer.created"]
    assert len(before[11]) > 1  # the bank's staff and liu created
    before_max = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    # when the trail is partitioned by month of its time stamp
    done = _partition(EVENTS, "at")
    # then no foreign key to it was dropped: PostgreSQL refuses one on id alone, and a bulk read's
    # customers are checked by triggers instead (audit 0007), which stay with the partitioned trail
    assert done.dropped_references == []
    with pytest.raises(DatabaseError, match="no unique constraint matching given keys"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditeventcustomer ADD FOREIGN KEY (event_id) "
                       "REFERENCES audit_auditevent (id)")
    assert_checked_by_triggers("audit_auditeventcustomer", {"event_id": "audit_auditevent"})
    assert {m: list(audit_events(f).values_list("pk", "action")) for m, f in months.items()} == before
    # and audit_log and a bulk read (with its customers) still write, into November's partition
    revealed = audit_log(actor=bank.rm_a, action="customer.revealed", customer_id=liu.pk, detail="mobile")
    listed = audit_bulk_read(actor=bank.rm_a, action="customer.listed", via="book", customer_ids=[wang.pk, liu.pk])
    assert before_max < revealed.pk < listed.pk
    assert _rows_per_partition(EVENTS) == {f"{EVENTS}_p2026_10": 2, f"{EVENTS}_p2026_11": len(before[11]) + 2}
    shown = AuditEventCustomer.objects.filter(event=listed).values_list("customer_id", flat=True)
    assert set(shown) == {wang.pk, liu.pk}
    # still checked: a customer shown by no event is refused, an event with customers stays
    refused(lambda: AuditEventCustomer.objects.create(event_id=listed.pk + 1000, customer_id=wang.pk))
    refused(lambda: raw("DELETE FROM audit_auditevent WHERE id = %s", [listed.pk]))
    november = list(audit_events(months[11]).values_list("pk", flat=True))
    assert november == [listed.pk, revealed.pk] + [pk for pk, _action in before[11]]
    # who saw wang: the bulk read (through its customers' rows), then his October events
    assert list(events_about_customer(wang.pk).values_list("pk", flat=True)) == [listed.pk] + [
        pk for pk, _action in before[10]]
    # the auditor's page lists the same month, and its query reads November's partition only
    client.force_login(bank.auditor)
    page = client.get(reverse("audit_log"), {"date_from": "2026-11-01", "date_to": "2026-11-30"})
    assert [row.event.pk for row in page.context["rows"]] == november
    assert partitions_named_in(audit_events(months[11]).explain(), done) == {f"{EVENTS}_p2026_11"}


def test_each_conversion_was_rolled_back_with_its_test():
    # Runs last (pytest keeps the file's order): the tests above converted tables in their transactions.
    if not _converted:
        pytest.skip("run with the tests above")
    assert partitioned_tables() & {SNAPSHOTS, EVENTS} == set()
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname, c.relkind, array(SELECT attname FROM pg_attribute a
                          WHERE a.attrelid = c.oid AND a.attnum = ANY(k.conkey)) FROM pg_class c
                          JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'p'
                          WHERE c.relname IN (%s, %s) ORDER BY 1""", [EVENTS, SNAPSHOTS])
        assert cursor.fetchall() == [(EVENTS, "r", ["id"]), (SNAPSHOTS, "r", ["id"])]
    # the trail's checks as the migrations made them (audit 0007: triggers, no key)
    assert_checked_by_triggers("audit_auditeventcustomer", {"event_id": "audit_auditevent"})
