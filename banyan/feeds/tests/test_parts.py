"""A large feed file imported in parts (issue 15 §2), without a broker: `import_file` cuts the file
by key and queues one `import_part` task per part, which `.delay()` runs here one after the other;
the last part to end finishes the run. A real worker pair on Redis runs the same tasks side by
side (test_worker.py). Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds import parts as cut
from banyan.feeds import tasks as feed_tasks
from banyan.feeds.models import FeedRun, FeedRunPart
from banyan.feeds.tasks import feed_run_queue, feed_run_rerun, import_part
from banyan.holdings.models import Holding, Product, ProductType
from banyan.segments.models import CustomerSegment

BAD_LINES = (4, 9, 15)  # lines (the header is line 1) of the rows with a wrong ID number


@pytest.fixture
def in_parts(settings, tmp_path, monkeypatch):
    """Feeds of any size cut into three parts."""
    settings.VAR_DIR = tmp_path
    settings.BANYAN_FEED_PARTS = 3
    settings.BANYAN_FEED_PART_ROWS = 1
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms-outbox.jsonl"))
    return settings


def _customers(rows: int = 20) -> SimpleUploadedFile:
    lines = ["客户号,姓名,证件号码,出生日期,客户经理"]
    for i in range(rows):
        line = len(lines) + 1
        birth = dt.date(1960 + i, 3, 1 + i)
        number = "123" if line in BAD_LINES else make_resident_id("330106", birth, i)
        lines.append(f"P{i:03d},客户{i},{number},{birth},zhangmin")
    return SimpleUploadedFile("客户.csv", ("\n".join(lines) + "\n").encode("utf-8"))


def test_a_file_in_parts_is_imported_once_with_the_counts_and_rejects_of_the_whole_file(bank, in_parts):
    # when an admin uploads a customers file of 20 rows, 3 of them with a wrong ID number
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)

    # then three parts imported it, every key by one of them, and the run sums them
    assert (run.status, run.parts, run.added, run.updated, run.unchanged, run.rejected) == ("done", 3, 17, 0, 0, 3)
    assert (run.done_rows, run.total_rows, run.read_as) == (20, 20, "utf-8")
    parts = list(FeedRunPart.objects.filter(run=run))
    assert [p.number for p in parts] == [0, 1, 2] and {p.status for p in parts} == {"done"}
    assert sum(p.added for p in parts) == 17 and all(p.added for p in parts), "the keys fell in one part"
    expected = {f"P{i:03d}": cut.part_of(f"P{i:03d}", 3) for i in range(20)}
    for part in parts:
        mine = {key for key, number in expected.items() if number == part.number}
        assert part.done_rows == len(mine)
    assert Customer.objects.filter(external_id__startswith="P").count() == 17
    # and the rejects are the file's, in its order, in one file beside it; the parts' own files are gone
    assert [line for line, _reason in run.rejects_preview] == list(BAD_LINES)
    assert all(reason.startswith(f"第 {line} 行：证件号码") for line, reason in run.rejects_preview)
    lines = run.rejects_path.read_text("utf-8-sig").splitlines()
    assert lines[0] == "line,reason,客户号,姓名,证件号码,出生日期,客户经理"
    assert [int(row.split(",")[0]) for row in lines[1:]] == list(BAD_LINES)
    assert sorted(p.name for p in run.path.parent.iterdir()) == sorted([run.path.name, run.rejects_path.name])
    # and the follow-ups ran once, after the last part: the new customers have their segments
    assert CustomerSegment.objects.filter(customer__external_id__startswith="P").count() == 17
    # and the audit log has one event per new customer and one for the file
    assert AuditEvent.objects.filter(action="customer.created").count() == 17
    imported = AuditEvent.objects.get(action="feed.imported")
    assert "added 17" in imported.detail and "分 3 段" in imported.detail


def test_the_run_page_says_the_file_went_in_parts(bank, in_parts, client):
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)
    client.force_login(bank.admin)
    page = client.get(f"/feeds/runs/{run.pk}/").content.decode()
    assert "分 3 段并行导入" in page and "added 17, updated 0, unchanged 0, rejected 3" in page


def test_a_rerun_in_parts_finds_every_row_unchanged(bank, in_parts):
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)
    again = feed_run_rerun(run=run, actor=bank.admin)
    assert (again.status, again.parts, again.added, again.updated, again.unchanged, again.rejected) == (
        "done", 3, 0, 0, 17, 3)
    assert Customer.objects.filter(external_id__startswith="P").count() == 17


def test_a_small_file_stays_one_task(bank, in_parts):
    in_parts.BANYAN_FEED_PART_ROWS = 21
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)
    assert (run.status, run.parts, run.added, run.rejected) == ("done", 0, 17, 3)
    assert not FeedRunPart.objects.exists()


def test_a_part_delivered_twice_imports_once(bank, in_parts):
    # given a run whose parts have all ended
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)

    # when the broker delivers a part's task again
    answer = import_part.delay(run.pk, 1).get()

    # then it does nothing, and the run keeps its counts and its one audit event
    assert answer["skipped"] is True
    run.refresh_from_db()
    assert (run.status, run.added, run.unchanged) == ("done", 17, 0)
    assert AuditEvent.objects.filter(action="feed.imported").count() == 1


def test_a_failed_part_fails_the_run_and_the_others_keep_their_rows(bank, in_parts, monkeypatch):
    # given the import of part 1 breaks
    real = feed_tasks.feed_import

    def breaking(**kwargs):
        if kwargs["part"][0] == 1:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(feed_tasks, "feed_import", breaking)

    # when the file is imported in parts
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)

    # then the run failed and says which part and why; the other parts' customers are in
    assert run.status == "failed" and "第 2 段" in run.error and "RuntimeError: disk full" in run.error
    statuses = dict(FeedRunPart.objects.filter(run=run).values_list("number", "status"))
    assert statuses[1] == "failed" and statuses[0] == "done"
    kept = {c for c in Customer.objects.filter(external_id__startswith="P").values_list("external_id", flat=True)}
    assert kept and all(cut.part_of(key, 3) != 1 for key in kept)
    assert not AuditEvent.objects.filter(action="feed.imported").exists()

    # and a rerun, without the fault, finishes the job
    monkeypatch.setattr(feed_tasks, "feed_import", real)
    again = feed_run_rerun(run=run, actor=bank.admin)
    assert (again.status, again.added + again.unchanged, again.rejected) == ("done", 17, 3)


def test_a_run_whose_parts_are_in_but_cannot_be_summed_fails_with_the_reason(bank, in_parts, monkeypatch):
    def no_disk(paths):
        raise OSError("No space left on device")

    monkeypatch.setattr(cut, "merged_rejects", no_disk)
    run = feed_run_queue(kind="customers", upload=_customers(), encoding="", actor=bank.admin)
    assert run.status == "failed" and "汇总结果出错" in run.error and "No space left" in run.error
    assert set(FeedRunPart.objects.filter(run=run).values_list("status", flat=True)) == {"done"}
    assert Customer.objects.filter(external_id__startswith="P").count() == 17


def test_holdings_in_parts_leave_each_customer_the_aum_of_all_its_accounts(bank, in_parts, make_customer):
    # given three customers and a deposit product
    product = Product.objects.create(code="TD1Y", name="一年定期", type=ProductType.TIME_DEPOSIT, risk_level="R1",
                                     term_days=365)
    owners = [make_customer(bank.rm_a, name=f"王{i}") for i in range(3)]
    # and a holdings file giving each customer six accounts, whose numbers fall in every part
    lines = ["持仓编号,客户号,产品代码,金额,购买日期,到期日"]
    for n in range(18):
        lines.append(f"A{n:03d},{owners[n % 3].external_id},{product.code},{1000 * (n + 1)}.00,"
                     f"2026-01-0{1 + n % 9},2027-01-0{1 + n % 9}")
    upload = SimpleUploadedFile("持仓.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    assert len({cut.part_of(f"A{n:03d}", 3) for n in range(18)}) == 3

    # when it is imported in three parts
    run = feed_run_queue(kind="holdings", upload=upload, encoding="", actor=bank.admin)

    # then every account is in, and each customer's AUM is the sum of its six
    assert (run.status, run.added, run.rejected) == ("done", 18, 0), run.error
    assert Holding.objects.count() == 18
    for i, owner in enumerate(owners):
        owner.refresh_from_db()
        assert owner.aum == sum(Decimal(1000 * (n + 1)) for n in range(18) if n % 3 == i)


def test_every_part_kind_is_one_the_bulk_path_imports():
    from banyan.feeds.bulk import BULK_KINDS

    assert set(cut.PART_KINDS) <= set(BULK_KINDS)
    assert FeedRun._meta.get_field("parts").default == 0


def test_a_header_naming_the_key_twice_cuts_by_the_cell_the_import_judges(bank, in_parts):
    # given a file whose 客户编号 column (the key too, and the later one) disagrees with its 客户号
    lines = ["客户号,姓名,证件号码,出生日期,客户经理,客户编号"]
    for i in range(12):
        birth = dt.date(1960 + i, 3, 1 + i)
        lines.append(f"X{i:03d},客户{i},{make_resident_id('330106', birth, i)},{birth},zhangmin,K{i % 4:03d}")
    upload = SimpleUploadedFile("客户.csv", ("\n".join(lines) + "\n").encode("utf-8"))

    # when it is imported in parts
    run = feed_run_queue(kind="customers", upload=upload, encoding="", actor=bank.admin)

    # then the key is the later column's, as one task judges it: four customers, each row after a
    # key's first one an update of it (a key cut by the other column would have been added twice)
    assert (run.status, run.added, run.updated, run.rejected) == ("done", 4, 8, 0), run.error
    assert sorted(Customer.objects.filter(external_id__startswith="K").values_list("external_id", flat=True)) == [
        "K000", "K001", "K002", "K003"]
    names = dict(Customer.objects.filter(external_id__startswith="K").values_list("external_id", "name"))
    assert names == {"K000": "客户8", "K001": "客户9", "K002": "客户10", "K003": "客户11"}  # the file's last rows
