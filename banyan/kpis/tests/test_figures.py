"""The review's indicators on a small bank computed by hand (shared/API.md "Review" definitions
first): a period spanning a month end (15 Oct – 14 Nov 2026, today 23 Nov), a manager who moved
branch in the period, a customer handed over in the period; the page, the API and the figures
agree; each caller sees only what is his or hers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Opportunity
from banyan.kpis.definitions import FIELD_BY_KEY
from banyan.kpis.figures import Scope, drill, quadrant_matrix, review, weekly_trend
from banyan.kpis.periods import Period, parse_period
from banyan.kpis.tests.conftest import at
from banyan.org.services import api_token_issue

PERIOD = Period(dt.date(2026, 10, 15), dt.date(2026, 11, 14))
QUERY = "from=2026-10-15&to=2026-11-14"


def _row(r, username, branch=None):
    rows = [x for x in r.rows if x.username == username and (branch is None or x.branch.code == branch)]
    assert len(rows) == 1, [(x.username, x.branch) for x in r.rows]
    return rows[0].values


def test_the_api_md_figures_of_a_manager_over_a_month_end(small):
    bank, _mover = small
    zhangmin = _row(review(Scope(branch_id=bank.b1.pk), PERIOD), "zhangmin")
    # planned: 15/16 Oct done, 31 Oct skipped, 14 Nov done (superseded, moved, suppressed and the
    # days outside the period are not); done 3; reached 2 (16 Oct was not reached)
    assert (zhangmin["planned"], zhangmin["done"], zhangmin["reached"]) == (4, 3, 2)
    assert zhangmin["contact_achievement_rate"] == 0.5
    assert zhangmin["completion_rate"] == 0.75
    # contacts in the period: 15 Oct, 16 Oct, 20 Oct (SMS), 22 Oct, 14 Nov; real: all but the SMS and 16 Oct
    assert (zhangmin["contacts"], zhangmin["real_contacts"], zhangmin["new_info"]) == (5, 3, 2)
    assert (zhangmin["calls"], zhangmin["call_minutes"]) == (3, 9)
    assert (zhangmin["contacts_phone"], zhangmin["contacts_visit"], zhangmin["contacts_sms"]) == (3, 1, 1)
    opportunities = (zhangmin["opportunities_opened"], zhangmin["opportunities_won"], zhangmin["opportunities_lost"])
    assert opportunities == (1, 1, 1)
    assert zhangmin["opportunities_overdue"] == 1
    assert zhangmin["win_rate"] == 0.5
    assert (zhangmin["sales_count"], zhangmin["sales_amount"]) == (1, Decimal("100000.00"))
    assert zhangmin["sales_amount_fund"] == Decimal("100000.00")
    assert zhangmin["sales_amount_wealth"] == Decimal("0.00")


def test_the_book_follows_the_hand_over_start_with_the_giver_end_with_the_receiver(small):
    bank, _mover = small
    r = review(Scope(branch_id=bank.b1.pk), PERIOD)
    zhangmin, lihua = _row(r, "zhangmin"), _row(r, "lihua")
    assert r.as_of == {"aum_start_date": dt.date(2026, 9, 30), "aum_end_date": dt.date(2026, 10, 31)}
    # start (30 Sep): c1 100k + c2 600k + c4 200k; end (31 Oct): c1 100k + c2 400k + c6 10k
    assert (zhangmin["book_start"], zhangmin["aum_start"]) == (3, Decimal("900000.00"))
    assert (zhangmin["book_end"], zhangmin["aum_end"]) == (3, Decimal("510000.00"))
    assert zhangmin["aum_change"] == Decimal("-390000.00")
    assert (lihua["book_start"], lihua["aum_start"]) == (1, Decimal("300000.00"))
    assert (lihua["book_end"], lihua["aum_end"]) == (2, Decimal("900000.00"))
    # c2 went from high to low assets; c4 (now lihua's) from low to high
    assert (zhangmin["moved_up"], zhangmin["moved_down"]) == (0, 1)
    assert (lihua["moved_up"], lihua["moved_down"]) == (1, 0)
    # completeness: c1 40 → 60, c2 50 → 50 (c6 had no snapshot at the start): +10.0 a customer
    assert zhangmin["completeness_gained"] == 10.0
    assert lihua["completeness_gained"] == 7.5  # c3 70 → 70, c4 30 → 45
    # c6 opened on 18 Oct and was reached on 22 Oct, within the bank's 7 days
    assert (zhangmin["new_customers"], zhangmin["first_contact_in_time"]) == (1, 1)
    assert zhangmin["net_new_money"] == Decimal("40000.00")
    assert quadrant_matrix(Scope(branch_id=bank.b1.pk), PERIOD) == {
        ("low_low", "low_low"): 1, ("high_low", "low_low"): 1, ("new", "low_low"): 1,
        ("low_high", "low_high"): 1, ("low_high", "high_high"): 1}


def test_a_manager_who_moved_counts_in_each_branch_for_the_days_worked_there(small):
    bank, _mover = small
    b1 = review(Scope(branch_id=bank.b1.pk), PERIOD)
    b2 = review(Scope(branch_id=bank.b2.pk), PERIOD)
    assert (_row(b1, "zhoujie")["planned"], _row(b1, "zhoujie")["reached"]) == (1, 1)
    assert (_row(b2, "zhoujie")["planned"], _row(b2, "zhoujie")["new_info"]) == (1, 1)
    assert _row(b1, "zhoujie")["new_info"] == 0
    own = review(Scope(manager_id=_mover.pk), PERIOD)
    assert sorted(r.branch.code for r in own.rows) == ["B01", "B02"]
    assert own.total["planned"] == 2 and own.total["reached"] == 2
    bank_wide = review(Scope(), PERIOD)
    assert bank_wide.total["planned"] == b1.total["planned"] + b2.total["planned"] == 6
    by_branch = {row.branch.code: row.values for row in bank_wide.by_branch()}
    assert by_branch["B01"]["planned"] == b1.total["planned"]
    assert by_branch["B02"]["planned"] == b2.total["planned"]
    assert by_branch["B02"]["aum_end"] == Decimal("55000.00")


def test_every_number_drills_down_to_the_rows_it_counts(small):
    bank, _mover = small
    scope = Scope(branch_id=bank.b1.pk, manager_id=bank.rm_a.pk)
    r = review(scope, PERIOD)
    for key in ("planned", "done", "reached", "contacts", "new_info", "calls", "opportunities_opened",
                "opportunities_overdue", "sales_count", "book_start", "book_end", "moved_down", "new_customers"):
        kind, rows = drill(scope, PERIOD, key)
        assert rows.count() == r.total[key], key
    kind, rows = drill(scope, PERIOD, "contact_achievement_rate")
    assert (kind, rows.count()) == ("tasks", 2)
    kind, rows = drill(scope, PERIOD, "net_new_money")
    assert kind == "transactions" and sum(t.amount for t in rows) == r.total["net_new_money"]


def test_the_weekly_trend_adds_up_to_the_period(small):
    bank, _mover = small
    scope = Scope(branch_id=bank.b1.pk)
    weeks = weekly_trend(scope, PERIOD)
    assert weeks[0][0].start == PERIOD.start and weeks[-1][0].end == PERIOD.end
    total = review(scope, PERIOD).total
    for key in ("planned", "reached", "contacts", "new_info"):
        assert sum(v[key] for _w, v in weeks) == total[key], key


def _api(client, user, query=QUERY):
    return client.get(f"/api/v1/kpis?{query}", HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=user)}")


def test_the_page_and_the_api_show_the_figures_of_review(small, client, login):
    bank, _mover = small
    r = review(Scope(branch_id=bank.b1.pk), PERIOD)
    answer = _api(client, bank.head)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["from"], body["to"]) == ("2026-10-15", "2026-11-14")
    api_rows = {(row["manager"], row["branch"]): row for row in body["rows"]}
    page = login(bank.head).get(f"/review/?{QUERY}")
    assert page.status_code == 200
    page_rows = {(t["row"].username, t["row"].branch.code): {c["key"]: c["value"] for c in t["cells"]}
                 for t in page.context["table"]}
    for row in r.rows:
        key = (row.username, row.branch.code if row.branch else None)
        for field in FIELD_BY_KEY:
            value, api_value = row.values[field], api_rows[key][field]
            expected = f"{value:.2f}" if isinstance(value, Decimal) else value
            assert api_value == expected, (key, field)
        for field, value in page_rows[key].items():
            assert value == row.values[field], (key, field)
    assert body["total"]["planned"] == r.total["planned"] == 6 - 1  # zhoujie's B02 day is not B01's
    assert body["total"]["contact_achievement_rate"] == r.total["contact_achievement_rate"]


def test_a_manager_sees_only_his_or_her_own_figures(small, client, login):
    bank, _mover = small
    own = _api(client, bank.rm_a)
    assert own.status_code == 200
    assert [row["manager"] for row in own.json()["rows"]] == ["zhangmin"]
    assert _api(client, bank.rm_a, QUERY + "&manager=lihua").status_code == 404
    assert _api(client, bank.rm_a, QUERY + "&branch=B01").status_code == 404
    web = login(bank.rm_a)
    assert web.get(f"/review/?{QUERY}&manager=lihua").status_code == 404
    assert web.get(f"/review/drill/?{QUERY}&figure=planned&manager=lihua").status_code == 404
    assert web.get(f"/review/drill/?{QUERY}&figure=planned&manager=-").status_code == 404


def test_a_branch_head_sees_the_branch_and_its_staff_only(small, client, login):
    bank, mover = small
    rows = _api(client, bank.head).json()["rows"]
    assert "wangfang" not in {row["manager"] for row in rows}
    assert {row["branch"] for row in rows} == {"B01"}
    assert _api(client, bank.head, QUERY + "&branch=B02").status_code == 404
    assert _api(client, bank.head, QUERY + "&manager=wangfang").status_code == 404
    # zhoujie worked at B01 in the period: his B01 days are the head's to see, not his B02 days
    moved = _api(client, bank.head, QUERY + "&manager=zhoujie").json()
    assert [(row["branch"], row["planned"]) for row in moved["rows"]] == [("B01", 1)]
    for other in (bank.assistant, bank.auditor):
        assert _api(client, other).status_code == 404
        assert login(other).get(f"/review/?{QUERY}").status_code == 404
    everyone = _api(client, bank.admin).json()
    assert {row["branch"] for row in everyone["rows"]} == {"B01", "B02"}


def test_the_drill_down_lists_visible_customers_and_is_audited(small, login):
    bank, _mover = small
    web = login(bank.head)
    before = AuditEvent.objects.filter(action="customer.listed").count()
    page = web.get(f"/review/drill/?{QUERY}&figure=new_info&manager=zhangmin&branch=B01")
    assert page.status_code == 200
    assert "孩子明年高考" in page.content.decode() and "打算换房" in page.content.decode()
    assert "在他行有理财" not in page.content.decode()  # 14 Oct: before the period
    events = AuditEvent.objects.filter(action="customer.listed").order_by("-pk")
    assert events.count() == before + 1
    assert events[0].data["filter"]["figure"] == "new_info" and events[0].data["count"] == 1
    assert web.get(f"/review/drill/?{QUERY}&figure=nonsense").status_code == 404


def test_a_bad_period_is_refused_at_its_field(small, client):
    bank, _mover = small
    answer = _api(client, bank.head, "from=2026-13-01")
    assert answer.status_code == 422
    assert "from" in answer.json()["error"]["fields"]
    answer = _api(client, bank.head, "from=2026-11-01&to=2026-10-01")
    assert answer.status_code == 422 and "to" in answer.json()["error"]["fields"]


def test_periods_by_kind():
    day = dt.date(2026, 11, 23)
    assert Period.of("week", day) == Period(dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert Period.of("month", day) == Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert Period.of("quarter", day) == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert Period.of("year", day).days == 365
    assert Period.of("month", day).previous() == Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert Period.of("quarter", day).previous() == Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert parse_period(start=None, end=None, today=day) == Period.of("month", day)
    assert parse_period(start="2026-10-01", end=None, kind="quarter", today=day) == Period.of("quarter", day)


def test_client_events_held_their_cost_per_opportunity(small):
    from banyan.events.models import Event, Invitation

    bank, _mover = small
    from banyan.customers.models import Customer

    customer = Customer.objects.filter(rm=bank.rm_a).first()
    held = Event.objects.create(branch=bank.b1, organiser=bank.rm_a, name="理财沙龙", type="salon", place="三楼",
                                starts_at=at("2026-10-28", 14), ends_at=at("2026-10-28", 16), status="held",
                                budget=Decimal("3000"), actual_cost=Decimal("2400"))
    Event.objects.create(branch=bank.b1, organiser=bank.rm_a, name="取消的", type="salon", place="三楼",
                         starts_at=at("2026-10-29", 14), ends_at=at("2026-10-29", 16), status="cancelled",
                         budget=Decimal("9000"))
    Invitation.objects.create(event=held, customer=customer, manager=bank.rm_a, checked_in_at=at("2026-10-28", 14))
    for need in ("基金定投", "保险"):
        Opportunity.objects.create(customer=customer, owner=bank.rm_a, created_by=bank.rm_a, source="event",
                                   event_id=held.pk, need=need, due_date=dt.date(2026, 11, 30),
                                   opened_at=at("2026-10-28", 17))
    r = review(Scope(branch_id=bank.b1.pk), PERIOD)
    assert r.events == {"held": 1, "cost": Decimal("2400.00"), "invited": 1, "attended": 1, "opportunities": 2,
                        "cost_per_opportunity": Decimal("1200.00")}
    assert _row(r, "zhangmin")["event_attended"] == 1
    assert review(Scope(branch_id=bank.b2.pk), PERIOD).events["held"] == 0


def test_a_period_through_today_reads_todays_book_once_for_the_figures_and_the_matrix(small):
    """Today's book gives the review's book figures and the quadrant matrix from one read: the
    matrix equals the one read on its own, the books add up to the branch's customers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from banyan.customers.models import Customer

    bank, _mover = small
    scope, running = Scope(branch_id=bank.b1.pk), Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    with CaptureQueriesContext(connection) as queries:
        r = review(scope, running)
    assert r.live_matrix is not None and r.live_matrix == quadrant_matrix(scope, running)
    assert sum(r.live_matrix.values()) == Customer.objects.filter(branch_id=bank.b1.pk, segment__isnull=False).count()
    assert r.total["book_end"] == Customer.objects.filter(branch_id=bank.b1.pk).count()
    with CaptureQueriesContext(connection) as matrix_queries:
        assert r.quadrant_matrix() is r.live_matrix
    assert len(matrix_queries) == 0
    book_reads = [q["sql"] for q in queries.captured_queries
                  if 'FROM "customers_customer"' in q["sql"] and "start_quadrant" in q["sql"]]
    assert len(book_reads) == 1, book_reads
    # a closed period's matrix is read from its snapshots when asked
    closed = review(scope, PERIOD)
    assert closed.live_matrix is None and closed.quadrant_matrix() == quadrant_matrix(scope, PERIOD)
