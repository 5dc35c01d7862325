"""The review on a real streaming replica (banyan.replica; docs/scale.md, section 5, step 4):
`python -m banyan.testing.pgserver` starts a hot standby of the tests' PostgreSQL and names it in
BANYAN_TEST_REPLICA_URL. The review reads there and equals the review counted on the primary;
its audit event is written on the primary; the kept figures are read there when current and the
rows counted when a write has marked a day stale — the replica, which refuses every write, is
never asked to keep or take anything.

The data must be committed for the replica to replay it, so these tests are transactional."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import connections
from django.db.utils import InternalError, ProgrammingError
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banyan import replica
from banyan.audit.models import AuditEvent
from banyan.customers.models import Customer
from banyan.kpis import kept
from banyan.kpis.figures import Scope, weekly_trends
from banyan.kpis.models import KeptDay, KeptWork, Stale
from banyan.kpis.periods import Period
from banyan.kpis.tasks import review_warm
from banyan.kpis.tests.conftest import contact
from banyan.kpis.tests.test_kept import PERIODS, _figures
from banyan.org.services import api_token_issue

pytestmark = [pytest.mark.usefixtures("replica_database"),
              pytest.mark.django_db(transaction=True, databases=["default", replica.ALIAS])]


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker):
    """The `review` database, as banyan/settings.py names it from BANYAN_REVIEW_DATABASE_URL, on
    the test server's replica, for this module only (any other test's review reads the primary)."""
    from banyan.settings import replica_database as entry_for

    url = os.environ.get("BANYAN_TEST_REPLICA_URL")
    if not url or connections["default"].vendor != "postgresql":
        pytest.skip("a streaming replica of the tests' PostgreSQL (python -m banyan.testing.pgserver)")
    entry = entry_for(url)
    assert entry["TEST"] == {"MIRROR": "default"}
    entry["NAME"] = connections["default"].settings_dict["NAME"]  # the test database, replayed there
    primary = dict(connections["default"].settings_dict)
    connections.settings[replica.ALIAS] = connections.configure_settings(
        {"default": primary, replica.ALIAS: entry})[replica.ALIAS]
    routers = override_settings(DATABASE_ROUTERS=["banyan.replica.Router"])  # as the settings install it
    routers.enable()
    try:
        yield
    finally:
        routers.disable()
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]


def caught_up() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    assert replica.replayed(timeout=20), "the replica has not caught up in 20 s"


def _on_primary(scope: Scope, period: Period) -> dict:
    with replica.on_primary(), kept.live_only():
        return _figures(scope, period)


def _read(alias: str):
    return CaptureQueriesContext(connections[alias])


def test_the_replica_is_a_read_only_standby_and_a_review_reads_there_in_one_snapshot():
    with connections[replica.ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
        with pytest.raises((InternalError, ProgrammingError), match="read-only"):
            cursor.execute("INSERT INTO kpis_stale (kind, day) VALUES ('work', '2026-11-01')")
    with replica.reading() as on_replica:
        assert on_replica and replica.active()
        with connections[replica.ALIAS].cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "repeatable read"
        with replica.reading() as inner:  # a nested read shares the snapshot
            assert inner
        with replica.on_primary():
            assert not replica.active()
    assert not replica.active()


def test_the_review_is_counted_on_the_replica_and_equals_the_primarys(small):
    bank, _mover = small
    scopes = [Scope(), Scope(branch_id=bank.b1.pk), Scope(manager_id=bank.rm_a.pk)]
    live = {(s, p): _on_primary(s, p) for s in scopes for p in PERIODS[:3]}
    marks = sorted(Stale.objects.values_list("pk", flat=True))
    caught_up()
    for (scope, period), figures in live.items():
        with _read("default") as primary, _read(replica.ALIAS) as standby:
            assert _figures(scope, period) == figures, (scope, period)
        assert len(standby) > 0
        assert len(primary) == 0, [q["sql"] for q in primary]  # not one read on the primary
    assert not KeptDay.objects.exists()  # nothing kept yet: the replica counted the rows
    assert sorted(Stale.objects.values_list("pk", flat=True)) == marks  # the marks are the primary's to take
    with replica.on_primary():
        trends = weekly_trends(Scope(branch_id=bank.b1.pk), PERIODS[0])
    with _read("default") as primary:
        assert weekly_trends(Scope(branch_id=bank.b1.pk), PERIODS[0]) == trends
    assert len(primary) == 0


def test_the_review_page_reads_the_replica_and_audits_the_look_on_the_primary(small, login):
    bank, _mover = small
    caught_up()
    client = login(bank.head)
    with _read(replica.ALIAS) as standby:
        page = client.get("/review/", {"from": "2026-10-15", "to": "2026-11-14"})
        answer = client.get("/api/v1/kpis", {"from": "2026-10-15", "to": "2026-11-14"},
                            HTTP_AUTHORIZATION=f"Bearer {api_token_issue(staff=bank.head)}")
    assert page.status_code == 200 and answer.status_code == 200
    assert any("contacts_interaction" in q["sql"] for q in standby)
    # the page says where its figures come from and as of when: the replica's last replayed commit
    html = page.content.decode()
    assert 'id="review-replica"' in html and "检视只读副本" in html
    with replica.reading():
        replayed = replica.replayed_at()
    assert replayed is not None and timezone.localtime(replayed).strftime("%Y-%m-%d") in html
    with replica.on_primary():
        assert replica.replayed_at() is None
    assert answer.json()["total"]["contacts"] == _on_primary(Scope(branch_id=bank.b1.pk), PERIODS[0])["total"][
        "contacts"]
    looks = AuditEvent.objects.filter(action="review.read", actor=bank.head)
    assert sorted(e.data["via"] for e in looks) == ["api", "page"]


def test_kept_figures_are_read_on_the_replica_when_current_and_the_rows_counted_when_a_day_is_stale(small):
    """The morning run keeps the closed days on the primary; the replica reads them. A contact
    backdated into a kept day marks it stale: the replica cannot take the mark, so it counts that
    review from the rows — right, and the mark left for the primary — until the primary's next
    refresh keeps the day again."""
    bank, _mover = small
    scope, period = Scope(), PERIODS[0]
    review_warm()  # on the primary, replica or not: it keeps what it counts
    kept_days = set(KeptDay.objects.values_list("kind", "day", "other"))
    assert {("work", d, d) for d in kept.days_of(period)} <= kept_days
    caught_up()

    def on_replica() -> tuple[dict, bool]:
        with _read(replica.ALIAS) as standby, _read("default") as primary:
            figures = _figures(scope, period)
        assert len(primary) == 0
        return figures, any("kpis_keptwork" in q["sql"] for q in standby)

    figures, from_kept = on_replica()
    assert from_kept and figures == _on_primary(scope, period)

    contact(bank.rm_a, Customer.objects.filter(rm=bank.rm_a).first(), "2026-10-16", channel="visit")
    assert Stale.objects.filter(kind="work", day=dt.date(2026, 10, 16)).exists()
    caught_up()
    figures, from_kept = on_replica()
    assert not from_kept
    assert figures == _on_primary(scope, period)
    assert figures["total"]["contacts"] == _on_primary(scope, period)["total"]["contacts"]
    assert Stale.objects.filter(kind="work", day=dt.date(2026, 10, 16)).exists()  # left for the primary
    assert set(KeptDay.objects.values_list("kind", "day", "other")) == kept_days
    kept_rows = KeptWork.objects.count()

    review_warm()  # the primary takes the mark and keeps the day again
    assert not Stale.objects.exists() and KeptWork.objects.count() >= kept_rows
    caught_up()
    figures, from_kept = on_replica()
    assert from_kept and figures == _on_primary(scope, period)


def test_a_replica_that_cannot_be_reached_leaves_the_review_on_the_primary(small, caplog, monkeypatch):
    """A replica down, or rebuilt, must not take the review with it — nor make each review of a
    page wait for its connection timeout: it is tried again after RETRY_AFTER seconds."""
    import socket

    bank, _mover = small
    monkeypatch.setattr(replica, "_down_until", 0.0)  # put back after the test: the replica tried again
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]  # nothing listens there once the socket is closed
    standby = connections[replica.ALIAS]
    standby.close()
    port = standby.settings_dict["PORT"]
    standby.settings_dict["PORT"] = closed_port
    try:
        with _read("default") as primary:
            figures = _figures(Scope(branch_id=bank.b1.pk), PERIODS[0])
        assert figures == _on_primary(Scope(branch_id=bank.b1.pk), PERIODS[0])
        assert len(primary) > 0
        assert caplog.text.count("replica cannot be reached") == 1
        tried = []
        monkeypatch.setattr(standby, "ensure_connection", lambda: tried.append(1))
        with replica.reading() as on_replica:  # within RETRY_AFTER: not tried again
            assert not on_replica and not replica.active()
        assert replica.replayed(timeout=1) is False  # the morning run goes on, its reports on the primary
        assert tried == [] and caplog.text.count("replica cannot be reached") == 1
    finally:
        standby.close()
        standby.settings_dict["PORT"] = port
