"""The background tasks without a broker: `.delay()` runs them in-process (the SQLite default),
with the same results a worker gets (test_worker.py runs them on a real one). Today is 2026-11-23,
a Monday; the next working day is 2026-11-24."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan import celery_app, clock
from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds import tasks as feed_tasks
from banyan.feeds.models import FeedRun
from banyan.feeds.services import FeedResult
from banyan.feeds.tasks import feed_run_queue, import_file
from banyan.holdings.models import AumSnapshot
from banyan.holdings.services import holding_create
from banyan.kpis.tasks import monthly_reports  # noqa: F401 - the beat names it
from banyan.messaging.models import Message
from banyan.messaging.services import message_compose
from banyan.messaging.tasks import send_outbox
from banyan.outreach.tasks import run_content_plans  # noqa: F401 - the beat names it
from banyan.segments.models import CustomerSegment
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.tasks import nightly

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def var_dir(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms-outbox.jsonl"))
    return tmp_path


def _feed(rows: int, *, bad: int = 0) -> SimpleUploadedFile:
    lines = ["客户号,姓名,证件号码,出生日期,客户经理"]
    for i in range(rows):
        birth = dt.date(1970 + i % 30, 11, 23)  # birthdays today: the day's lists will have tasks
        lines.append(f"F{i:04d},客户{i},{make_resident_id('330106', birth, i)},{birth},zhangmin")
    for i in range(bad):
        lines.append(f"X{i:04d},坏{i},123,1980-13-01,zhangmin")
    return SimpleUploadedFile("新客户.csv", ("\n".join(lines) + "\n").encode("utf-8"))


def test_without_a_broker_the_tasks_run_in_process():
    assert celery_app.conf.task_always_eager is True


def test_a_queued_feed_is_imported_at_once_with_counts_rejects_and_the_days_worklists(bank, var_dir):
    # when an admin's upload is queued with no broker configured
    run = feed_run_queue(kind="customers", upload=_feed(3, bad=1), encoding="", actor=bank.admin)

    # then it has run to the end in this process
    assert (run.status, run.added, run.updated, run.unchanged, run.rejected) == ("done", 3, 0, 0, 1)
    assert (run.done_rows, run.total_rows, run.percent, run.worker, run.read_as) == (4, 4, 100, "", "utf-8")
    assert run.started_at and run.finished_at and run.error == ""
    assert run.rejects_preview[0][0] == 5 and run.rejects_preview[0][1].startswith("第 5 行：")
    assert run.rejects_path.exists() and run.rejects_path.read_text("utf-8-sig").splitlines()[1].startswith("5,")
    assert Customer.objects.filter(external_id__startswith="F").count() == 3
    # and the follow-ups ran: segments, and the list of the day (none made yet) with the three birthdays
    assert CustomerSegment.objects.count() == 3
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=TODAY).exists()
    assert Task.objects.filter(manager=bank.rm_a, date=TODAY).count() == 3
    # and the audit log says who imported what, with the counts
    event = AuditEvent.objects.get(action="feed.imported")
    assert event.actor == bank.admin and "新客户.csv" in event.detail and "added 3" in event.detail


def test_a_task_delivered_twice_imports_once(bank, var_dir):
    # given a run that finished
    run = feed_run_queue(kind="customers", upload=_feed(2), encoding="", actor=bank.admin)

    # when the broker delivers its task again (a worker died before acknowledging it)
    answer = import_file.delay(run.pk).get()

    # then nothing is imported again and the run keeps its counts
    assert answer["skipped"] is True
    run.refresh_from_db()
    assert (run.status, run.added, run.unchanged) == ("done", 2, 0)


def test_progress_is_written_to_the_run_while_the_rows_go_in(bank, var_dir, monkeypatch):
    # given an import that reports 1,000 of 3,000 rows done
    seen = {}

    def fake_import(*, kind, path, encoding, actor, progress, followups):
        progress(1000, 3000)
        seen["row"] = FeedRun.objects.values("status", "done_rows", "total_rows", "progress_at").get()
        return FeedResult(kind=kind, path=path, encoding="utf-8", unchanged=3000)

    monkeypatch.setattr(feed_tasks, "feed_import", fake_import)

    # when the file is queued
    run = feed_run_queue(kind="customers", upload=_feed(1), encoding="", actor=bank.admin)

    # then the page could read the progress half-way, and the end result after
    assert seen["row"]["status"] == "running" and (seen["row"]["done_rows"], seen["row"]["total_rows"]) == (1000, 3000)
    assert seen["row"]["progress_at"] is not None
    assert (run.status, run.unchanged, run.done_rows, run.total_rows) == ("done", 3000, 3000, 3000)


def test_an_unexpected_error_fails_the_run_with_the_reason_instead_of_leaving_it_running(bank, var_dir, monkeypatch):
    def broken_import(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(feed_tasks, "feed_import", broken_import)
    run = feed_run_queue(kind="customers", upload=_feed(1), encoding="", actor=bank.admin)
    assert run.status == "failed" and "RuntimeError: disk full" in run.error and run.finished_at is not None
    assert AuditEvent.objects.filter(action="feed.failed", actor=bank.admin).exists()


def test_a_redelivered_task_takes_over_a_run_whose_worker_died_but_not_a_live_one(bank, var_dir, settings):
    # given the same file stored twice: one run left "running" an hour ago, one running now
    settings.BANYAN_FEED_STALE_MINUTES = 15
    first = feed_run_queue(kind="customers", upload=_feed(2), encoding="", actor=bank.admin)
    long_ago, now = clock.now() - dt.timedelta(hours=1), clock.now()
    stored = {"kind": "customers", "stored_path": first.stored_path, "original_name": "a.csv", "status": "running"}
    dead = FeedRun.objects.create(**stored, created_at=long_ago, started_at=long_ago, progress_at=long_ago, done_rows=1)
    live = FeedRun.objects.create(**stored, created_at=now, started_at=now, progress_at=now, done_rows=1)

    # when their tasks are delivered again
    import_file.delay(dead.pk)
    import_file.delay(live.pk)

    # then the dead one is finished (idempotently), the live one left to its worker
    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, dead.unchanged, dead.added) == ("done", 2, 0)
    assert (live.status, live.done_rows) == ("running", 1)


def test_the_nightly_task_builds_the_days_lists_once(bank, make_customer):
    # given a customer whose birthday is today (the task runs at 02:30 on Monday 2026-11-23)
    wang = make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 23))

    # when the nightly task runs twice
    first = nightly.delay().get()
    second = nightly.delay().get()

    # then the day's lists exist once, with the birthday; the segments are computed
    assert first["day"] == "2026-11-23" and first["lists"] >= 1 and first["tasks"] >= 1
    assert second["lists"] == 0
    assert Task.objects.filter(customer=wang, date=TODAY).count() == 1
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=TODAY).count() == 1
    assert CustomerSegment.objects.filter(customer=wang).exists()


def test_the_nightly_task_on_a_saturday_builds_mondays_lists(bank, make_customer):
    make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 30))
    with clock.frozen(dt.date(2026, 11, 28)):
        assert nightly.delay().get()["day"] == "2026-11-30"
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=dt.date(2026, 11, 30)).exists()
    assert not WorklistDay.objects.filter(date__in=[dt.date(2026, 11, 28), dt.date(2026, 11, 29)]).exists()


def test_the_nightly_task_takes_a_day_as_text_from_the_queue(bank, make_customer):
    make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 27))
    assert nightly.delay(day="2026-11-27").get()["day"] == "2026-11-27"
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=dt.date(2026, 11, 27)).exists()


def test_the_first_nightly_task_of_a_month_records_last_months_closing_aum_once(bank, make_customer):
    # given a customer with 300,000 on deposit at the end of November
    wang = make_customer(bank.rm_a, name="王建国")
    holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="300000",
                   purchase_date="2025-12-01", maturity_date="2027-12-01")

    # when the nightly task runs on the first night of December, and again
    with clock.frozen(dt.date(2026, 12, 1)):
        first = nightly.delay().get()
        second = nightly.delay().get()

    # then November's closing AUM is in the customer's trend, recorded once
    assert first["aum_snapshots"] >= 1 and second["aum_snapshots"] == 0
    wang.refresh_from_db()
    assert list(AumSnapshot.objects.filter(customer=wang).values_list("date", "aum", "completeness")) == [
        (dt.date(2026, 11, 30), Decimal("300000.00"), wang.completeness)]
    assert wang.completeness > 0  # the file's completeness then, for what maintenance adds month by month


def test_the_outbox_task_sends_the_queued_messages(bank, make_customer, var_dir):
    # given a queued SMS to a customer who agreed to SMS
    wang = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    message = message_compose(actor=bank.rm_a, customer=wang, template="birthday", channel="sms")

    # when the outbox task runs
    counts = send_outbox.delay().get()

    # then the message went out through the SMS gateway, once
    assert counts["sent"] == 1
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert str(message.pk) in (var_dir / "sms-outbox.jsonl").read_text("utf-8")
    assert send_outbox.delay().get()["sent"] == 0


def test_the_beat_schedule_names_tasks_that_exist():
    # a typo here would mean no nightly build and no messages, silently
    schedule = celery_app.conf.beat_schedule
    assert {e["task"] for e in schedule.values()} == {"banyan.nightly", "banyan.messages.send_outbox",
                                                      "banyan.content.run_plans", "banyan.kpis.monthly_reports"}
    assert all(e["task"] in celery_app.tasks for e in schedule.values())
    nightly_at = schedule["nightly-segments-and-worklists"]["schedule"]
    assert (nightly_at.hour, nightly_at.minute) == ({2}, {30})
