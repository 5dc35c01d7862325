"""The feed pages (/feeds/): admins upload a file, follow its run, download its rejects, run it
again. No broker in the tests: the task runs in the request and the redirect lands on a finished
run. Everyone but an admin gets 404."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan import clock
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds.models import FeedRun


def _csv(rows) -> bytes:
    lines = [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("gbk")


@pytest.fixture
def uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "feeds"


def _customers_file() -> bytes:
    good = make_resident_id("110101", dt.date(1980, 1, 2), 11)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    return _csv([["客户号", "姓名", "证件号码", "客户经理"], ["U1", "甲", good, "zhangmin"],
                 ["U2", "乙", bad, "lihua"]])


def test_an_admin_uploads_a_gbk_customers_file_and_lands_on_the_finished_run(bank, client, uploads):
    # given
    client.force_login(bank.admin)

    # when
    posted = client.post("/feeds/", {"kind": "customers", "file": SimpleUploadedFile("客户.csv", _customers_file())})

    # then the upload redirects to the run's page, which shows the counts and the rejected row
    run = FeedRun.objects.get()
    assert posted.status_code == 302 and posted["Location"] == f"/feeds/runs/{run.pk}/"
    page = client.get(posted["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "added 1, updated 0, unchanged 0, rejected 1" in text and "客户.csv" in text and "已完成" in text
    assert "第 3 行：证件号码：" in text
    assert 'hx-trigger="every 1s"' not in text  # a finished run is not polled
    assert Customer.objects.filter(external_id="U1").exists() and not Customer.objects.filter(external_id="U2").exists()
    # and the rejects file downloads from the run, the header and the raw row included
    download = client.get(f"/feeds/runs/{run.pk}/rejects")
    rows = list(csv.reader(b"".join(download.streaming_content).decode("utf-8-sig").splitlines()))
    assert rows[0][:2] == ["line", "reason"] and rows[1][0] == "3" and rows[1][2] == "U2"
    # and the list of recent imports names the file with its outcome
    listing = client.get("/feeds/").content.decode()
    assert "客户.csv" in listing and f"/feeds/runs/{run.pk}/" in listing and "最近的导入" in listing


def test_a_file_without_the_key_column_fails_with_the_reason_on_its_run(bank, client, uploads):
    client.force_login(bank.admin)
    no_key = SimpleUploadedFile("x.csv", _csv([["姓名"], ["甲"]]))
    posted = client.post("/feeds/", {"kind": "customers", "file": no_key})
    page = client.get(posted["Location"]).content.decode()
    assert "失败" in page and "关键列" in page and "x.csv" in page
    assert FeedRun.objects.get().status == "failed"


def test_a_running_import_shows_its_progress_and_is_polled_every_second(bank, client, uploads):
    # given a run a worker is on, 3,000 of 10,000 rows done a moment ago
    now = clock.now()
    run = FeedRun.objects.create(kind="customers", stored_path="feeds/a.csv", original_name="客户.csv",
                                 actor=bank.admin, status="running", done_rows=3000, total_rows=10000, created_at=now,
                                 started_at=now, progress_at=now, worker="celery@bank-1")
    client.force_login(bank.admin)

    # when the page polls the run's fragment
    fragment = client.get(f"/feeds/runs/{run.pk}/status").content.decode()

    # then it shows the progress and keeps polling; no warning and no button to run it again
    assert 'hx-trigger="every 1s"' in fragment and "width: 30%" in fragment
    assert "3000 / 10000 行" in fragment and "celery@bank-1" in fragment
    assert "可能已中断" not in fragment and "重新导入" not in fragment


def test_an_import_without_progress_for_long_may_have_stopped_and_can_be_run_again(bank, client, uploads, settings):
    # given a file imported once, and a second run of it whose worker died an hour ago at 1,000 rows
    client.force_login(bank.admin)
    client.post("/feeds/", {"kind": "customers", "file": SimpleUploadedFile("客户.csv", _customers_file())})
    first = FeedRun.objects.get()
    long_ago = clock.now() - dt.timedelta(hours=1)
    dead = FeedRun.objects.create(kind="customers", stored_path=first.stored_path, original_name="客户.csv",
                                  actor=bank.admin, status="running", done_rows=1000, total_rows=2, created_at=long_ago,
                                  started_at=long_ago, progress_at=long_ago, worker="celery@bank-1")
    settings.BANYAN_FEED_STALE_MINUTES = 15

    # when the admin opens it
    page = client.get(f"/feeds/runs/{dead.pk}/").content.decode()

    # then it says the import may have stopped and offers to run the file again
    assert "可能已中断" in page and "15 分钟没有进度" in page and "重新导入" in page

    # when the admin runs it again
    again = client.post(f"/feeds/runs/{dead.pk}/again")

    # then a new run imports the same file: nothing is added twice, and the dead run is closed
    rerun = FeedRun.objects.exclude(pk__in=[first.pk, dead.pk]).get()
    assert again["Location"] == f"/feeds/runs/{rerun.pk}/"
    assert (rerun.status, rerun.added, rerun.unchanged, rerun.rejected, rerun.rerun_of_id) == ("done", 0, 1, 1, dead.pk)
    dead.refresh_from_db()
    assert dead.status == "failed" and "已重新运行" in dead.error
    assert Customer.objects.filter(external_id="U1").count() == 1


def test_a_run_still_making_progress_is_not_started_twice(bank, client, uploads):
    now = clock.now()
    run = FeedRun.objects.create(kind="customers", stored_path="feeds/a.csv", original_name="a.csv", actor=bank.admin,
                                 status="running", created_at=now, started_at=now, progress_at=now)
    client.force_login(bank.admin)
    assert client.post(f"/feeds/runs/{run.pk}/again")["Location"] == f"/feeds/runs/{run.pk}/"
    assert FeedRun.objects.count() == 1


@pytest.mark.parametrize("who", ["rm_a", "head", "auditor", "assistant"])
def test_only_admins_reach_the_feed_pages_runs_and_rejects(bank, client, uploads, who):
    # given a finished run with rejects
    client.force_login(bank.admin)
    client.post("/feeds/", {"kind": "customers", "file": SimpleUploadedFile("客户.csv", _customers_file())})
    run = FeedRun.objects.get()
    client.force_login(getattr(bank, who))

    # then every page of it is 404 to anyone else, and posting starts nothing
    assert client.get("/feeds/").status_code == 404
    assert client.post("/feeds/", {"kind": "customers",
                                   "file": SimpleUploadedFile("b.csv", _customers_file())}).status_code == 404
    for url in (f"/feeds/runs/{run.pk}/", f"/feeds/runs/{run.pk}/status", f"/feeds/runs/{run.pk}/rejects"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/feeds/runs/{run.pk}/again").status_code == 404
    assert FeedRun.objects.count() == 1


def test_only_an_admin_sees_the_data_feeds_entry_in_the_menu(client, bank):
    """Given the admin and a manager, when each opens today's work, then only the admin's menu
    leads to the feed page."""
    client.force_login(bank.admin)
    assert 'href="/feeds/"' in client.get("/", follow=True).content.decode()
    client.force_login(bank.rm_a)
    assert 'href="/feeds/"' not in client.get("/", follow=True).content.decode()
