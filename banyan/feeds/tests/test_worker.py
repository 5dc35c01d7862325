"""A real Celery worker (prefork, two processes) on a real redis-server on loopback, against the
test database: it imports an uploaded feed — a large one in two parts, one in each of its two
processes side by side (issue 15 §2) —, builds the day's worklists on the nightly task and
sends a queued message. The test process sends the tasks through Redis exactly as the web
servers and beat do. Today is 2026-11-23 in the worker too (BANYAN_TODAY)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds.models import FeedRun, FeedRunPart
from banyan.holdings.models import Holding, Product, ProductType
from banyan.messaging.models import Message
from banyan.messaging.services import message_compose
from banyan.messaging.tasks import send_outbox
from banyan.testing.workers import celery_workers, redis_server, sending_through, wait_for, worker_database_url
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.tasks import lock_name, nightly

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (apt-get install redis-server; CI has it)")

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def worker(redis_url, django_db_setup, tmp_path_factory):
    """`celery -A banyan worker` on both queues, against the test database; stopped at the end."""
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "banyan.settings", "DATABASE_URL": worker_database_url(),
           "BANYAN_TODAY": "2026-11-23", "BANYAN_VAR_DIR": str(var),
           "BANYAN_SMS_OUTBOX": str(var / "sms-outbox.jsonl"), "BANYAN_LOG_LEVEL": "INFO",
           # the worker is another process, out of reach of the suite's no-quiet-hours fixture: without
           # this, an SMS queued between 21:00 and 08:00 (Beijing) waits, and the test fails by the clock
           "BANYAN_QUIET_HOURS": "",
           # a file of 10 rows or more is imported in two parts, which the worker's two processes take
           "BANYAN_FEED_PARTS": "2", "BANYAN_FEED_PART_ROWS": "10"}
    env.pop("REDIS_URL", None)
    with celery_workers(redis_url, count=1, env=env, folder=var, concurrency=2) as (w,):
        w.var = var
        yield w


@pytest.fixture
def via_redis(worker, settings):
    """This process sends its tasks through the worker's Redis, as a web server with
    CELERY_BROKER_URL set does (instead of running them in-process)."""
    settings.VAR_DIR = worker.var  # web servers and workers share the var directory
    with sending_through(worker.url):
        yield worker


def _wait_for(w, what: str, check):
    return wait_for([w], what, check)


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_feed_is_imported_by_the_worker(bank, client, via_redis):
    # given a customers feed of three good rows and one bad
    lines = ["客户号,姓名,证件号码,出生日期,客户经理"]
    for i in range(3):
        birth = dt.date(1970 + i, 11, 23)  # birthdays today
        lines.append(f"W{i:03d},客户{i},{make_resident_id('330106', birth, i)},{birth},zhangmin")
    lines.append("W999,坏行,123,1980-13-01,zhangmin")
    upload = SimpleUploadedFile("客户.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    client.force_login(bank.admin)

    # when an admin uploads it
    posted = client.post("/feeds/", {"kind": "customers", "file": upload})

    # then the page hands it to the worker and shows the run, which the worker finishes
    run = FeedRun.objects.get()
    assert posted["Location"] == f"/feeds/runs/{run.pk}/"
    run = _wait_for(via_redis, "finished feed run",
                    lambda: FeedRun.objects.filter(pk=run.pk, status__in=("done", "failed")).first())
    assert run.status == "done", run.error
    assert run.worker == via_redis.name  # not run in this process
    assert (run.added, run.updated, run.unchanged, run.rejected, run.total_rows) == (3, 0, 0, 1, 4)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"W000", "W001", "W002"}
    assert run.rejects_path.exists()
    # and the worker made the day's list after the (nightly) feed: the three birthdays
    assert Task.objects.filter(manager=bank.rm_a, date=TODAY).count() == 3
    page = client.get(f"/feeds/runs/{run.pk}/").content.decode()
    assert "added 3, updated 0, unchanged 0, rejected 1" in page and 'hx-trigger="every 1s"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_large_feed_is_imported_in_two_parts_side_by_side_with_the_verdicts_of_one(bank, client, via_redis):
    # given a customers file of 40 rows, two with a wrong ID number, and a holdings file giving five
    # of those customers six accounts each
    lines = ["客户号,姓名,证件号码,出生日期,客户经理"]
    for i in range(40):
        birth = dt.date(1960 + i, 5, 1 + i % 28)
        number = "123" if i in (7, 30) else make_resident_id("330106", birth, i)
        lines.append(f"Q{i:03d},客户{i},{number},{birth},zhangmin")
    customers = SimpleUploadedFile("客户.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    product = Product.objects.create(code="TD1Y", name="一年定期", type=ProductType.TIME_DEPOSIT, risk_level="R1",
                                     term_days=365)
    accounts = ["持仓编号,客户号,产品代码,金额,购买日期,到期日"]
    for n in range(30):
        accounts.append(f"A{n:03d},Q{n % 5:03d},{product.code},{1000 * (n + 1)}.00,2026-01-05,2027-01-05")
    holdings = SimpleUploadedFile("持仓.csv", ("\n".join(accounts) + "\n").encode("utf-8"))
    client.force_login(bank.admin)

    # when an admin uploads both, one after the other
    runs = []
    for kind, upload in (("customers", customers), ("holdings", holdings)):
        client.post("/feeds/", {"kind": kind, "file": upload})
        run = FeedRun.objects.order_by("-pk").first()
        runs.append(_wait_for(via_redis, f"finished {kind} run",
                              lambda pk=run.pk: FeedRun.objects.filter(pk=pk, status__in=("done", "failed")).first()))

    # then each was imported in two parts by the worker's processes, with the counts and the rejects
    # of the whole file
    people, accounts_run = runs
    assert people.status == "done" and accounts_run.status == "done", (people.error, accounts_run.error)
    assert (people.parts, people.added, people.updated, people.unchanged, people.rejected) == (2, 38, 0, 0, 2)
    assert [line for line, _reason in people.rejects_preview] == [9, 32]
    assert (accounts_run.parts, accounts_run.added, accounts_run.rejected) == (2, 30, 0)
    for run in runs:
        assert [(p.status, p.worker.split("#")[0]) for p in FeedRunPart.objects.filter(run=run)] == [
            ("done", via_redis.name)] * 2
    log = via_redis.log.read_text("utf-8", errors="replace")
    assert len(re.findall(r"Task banyan\.feeds\.import_part\[[^\]]+\] succeeded", log)) >= 4
    # and each customer's AUM is the sum of its six accounts, whichever part wrote them
    for i in range(5):
        aum = Customer.objects.get(external_id=f"Q{i:03d}").aum
        assert aum == sum(Decimal(1000 * (n + 1)) for n in range(30) if n % 5 == i)
    assert Holding.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_the_nightly_task_on_the_worker_builds_the_days_worklists(bank, make_customer, via_redis):
    # given a customer whose birthday is today, and no lists yet
    wang = make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 23))
    assert not WorklistDay.objects.exists()

    # when beat's nightly task reaches the worker
    nightly.delay()

    # then the day's lists are built, the birthday on zhangmin's
    _wait_for(via_redis, "the day's worklists",
              lambda: WorklistDay.objects.filter(manager=bank.rm_a, date=TODAY).exists())
    assert Task.objects.filter(manager=bank.rm_a, customer=wang, date=TODAY).exists()


@pytest.mark.django_db(transaction=True)
def test_a_queued_message_is_sent_by_the_worker(bank, make_customer, via_redis):
    # given an SMS in the outbox to a customer who agreed to SMS
    wang = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    message = message_compose(actor=bank.rm_a, customer=wang, template="birthday", channel="sms")

    # when beat's outbox task reaches the worker
    send_outbox.delay()

    # then the worker sent it through the SMS gateway
    _wait_for(via_redis, "sent message", lambda: Message.objects.filter(pk=message.pk, status="sent").exists())
    outbox = (via_redis.var / "sms-outbox.jsonl").read_text("utf-8")
    assert f'"message_id": {message.pk}' in outbox and "王" in outbox


def test_a_nightly_build_holding_the_days_lock_keeps_a_second_one_out(bank, make_customer, redis_url, settings):
    import redis

    # given a broker on Redis, and another worker building the day right now (it holds the lock)
    settings.CELERY_BROKER_URL = redis_url
    make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 23))
    client = redis.Redis.from_url(redis_url)
    other = client.lock(lock_name(TODAY), timeout=60)
    assert other.acquire(blocking=False)
    try:
        # when a second nightly task runs
        second = nightly()

        # then it stops at once and builds nothing
        assert second == {"day": "2026-11-23", "skipped": True}
        assert not WorklistDay.objects.exists()
    finally:
        other.release()

    # and once the other has finished, a nightly task builds the day (and leaves the lock free)
    assert nightly()["lists"] >= 1
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=TODAY).exists()
    assert client.get(lock_name(TODAY)) is None
    client.close()
