"""Feeds (DATA-1): every good row kept, every bad row rejected with line and reason, idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds.services import feed_import
from banyan.holdings.models import Holding, ProductNav, Transaction
from banyan.worklists.models import Task

CUSTOMER_HEADER = ["external_id", "name", "id_number", "mobile", "rm", "risk_level", "account_opened_on",
                   "consent_sms", "do_not_disturb"]


def _customer_rows(n: int, start: int = 1) -> list[list[str]]:
    rows = []
    for i in range(start, start + n):
        birth = dt.date(1960 + i % 40, i % 12 + 1, i % 28 + 1)
        rows.append([f"X{i:07d}", f"客户{i}", make_resident_id("110101", birth, i % 1000), f"139{i:08d}",
                     ["zhangmin", "lihua", "wangfang"][i % 3], f"C{i % 5 + 1}", "2020-05-01", "Y", "否"])
    return rows


def _write_csv(path, header, rows, encoding="utf-8") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _rejects(path) -> list[dict[str, str]]:
    with open(str(path) + ".rejects.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def malformed_customers(bank, tmp_path):
    """200 rows of which 4 are malformed (2%): bad ID checksum on line 11, bad date on line 51,
    a missing column on line 101, GBK text in a UTF-8 file on line 151."""
    rows = _customer_rows(200)
    rows[9][2] = rows[9][2][:17] + ("0" if rows[9][2][17] != "0" else "1")  # line 11
    rows[49][6] = "2020-13-45"  # line 51
    rows[99] = rows[99][:-1]  # line 101
    path = tmp_path / "customers.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CUSTOMER_HEADER)
    w.writerows(rows)
    lines = buf.getvalue().encode("utf-8").split(b"\n")
    lines[150] = lines[150].decode("utf-8").encode("gbk")  # line 151 (index 150) as GBK bytes
    path.write_bytes(b"\n".join(lines))
    return path


def test_a_feed_with_malformed_rows_keeps_every_good_row_and_rejects_each_bad_one(malformed_customers):
    # when
    result = feed_import(kind="customers", path=malformed_customers, followups=False)

    # then
    assert (result.added, result.updated, result.unchanged, result.rejected) == (196, 0, 0, 4)
    assert Customer.objects.count() == 196
    rejects = {int(r["line"]): r["reason"] for r in _rejects(malformed_customers)}
    assert sorted(rejects) == [11, 51, 101, 151]
    assert rejects[11].startswith("第 11 行：证件号码：") and "校验" in rejects[11]
    assert rejects[51].startswith("第 51 行：开户日期：")
    assert "列数不对" in rejects[101] and "9 列" in rejects[101] and "8 列" in rejects[101]
    assert "GBK" in rejects[151]
    assert not Customer.objects.filter(external_id__in=["X0000010", "X0000050", "X0000100", "X0000150"]).exists()
    kept = Customer.objects.get(external_id="X0000003")
    assert kept.rm.username == "zhangmin" and kept.consent_sms and not kept.do_not_disturb
    assert kept.risk_level == "C4" and kept.birth_date == dt.date(1963, 4, 4)


def test_running_the_same_feed_again_changes_nothing(malformed_customers):
    # given
    feed_import(kind="customers", path=malformed_customers, followups=False)
    before = list(Customer.objects.order_by("pk").values_list("pk", "updated_at"))

    # when
    again = feed_import(kind="customers", path=malformed_customers, followups=False)

    # then
    assert again.summary == "added 0, updated 0, unchanged 196, rejected 4"
    assert list(Customer.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_a_changed_row_is_updated_and_only_that_one(bank, tmp_path):
    # given
    path = tmp_path / "c.csv"
    rows = _customer_rows(5)
    _write_csv(path, CUSTOMER_HEADER, rows)
    feed_import(kind="customers", path=path, followups=False)

    # when the bank's file says customer 2 moved to lihua's book... no: changed risk level and mobile
    rows[1][5], rows[1][3] = "C5", "13700000002"
    _write_csv(path, CUSTOMER_HEADER, rows)
    result = feed_import(kind="customers", path=path, followups=False)

    # then
    assert result.summary == "added 0, updated 1, unchanged 4, rejected 0"
    changed = Customer.objects.get(external_id="X0000002")
    assert (changed.risk_level, changed.mobile, changed.mobile_tail) == ("C5", "13700000002", "0002")


def test_gbk_and_utf8_bom_files_read_the_same_with_chinese_headers(bank, tmp_path):
    # given the same rows with Chinese headers, once in GBK and once in UTF-8 with a BOM
    header = ["客户号", "姓名", "证件号码", "手机号", "客户经理", "风险等级", "开户日期", "同意短信", "免打扰"]
    rows = _customer_rows(3)
    gbk, bom = tmp_path / "gbk.csv", tmp_path / "bom.csv"
    _write_csv(gbk, header, rows, encoding="gbk")
    _write_csv(bom, header, rows, encoding="utf-8-sig")

    # when
    first = feed_import(kind="customers", path=gbk, followups=False)
    second = feed_import(kind="customers", path=bom, followups=False)

    # then
    assert first.summary == "added 3, updated 0, unchanged 0, rejected 0" and first.encoding == "gb18030"
    assert second.summary == "added 0, updated 0, unchanged 3, rejected 0"
    assert Customer.objects.get(external_id="X0000001").name == "客户1"


def test_an_xlsx_file_reads_the_same_as_csv(bank, tmp_path):
    # given rows as a workbook with real dates and numbers in the cells
    openpyxl = pytest.importorskip("openpyxl")
    rows = _customer_rows(3)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(CUSTOMER_HEADER)
    for r in rows:
        sheet.append([*r[:3], int(r[3]), *r[4:6], dt.datetime(2020, 5, 1), *r[7:]])
    xlsx = tmp_path / "customers.xlsx"
    book.save(xlsx)
    csv_path = tmp_path / "customers.csv"
    _write_csv(csv_path, CUSTOMER_HEADER, rows)

    # when
    first = feed_import(kind="customers", path=xlsx, followups=False)
    second = feed_import(kind="customers", path=csv_path, followups=False)

    # then
    assert first.summary == "added 3, updated 0, unchanged 0, rejected 0"
    assert second.summary == "added 0, updated 0, unchanged 3, rejected 0"
    assert Customer.objects.get(external_id="X0000002").account_opened_on == dt.date(2020, 5, 1)


HOLDING_HEADER = ["external_id", "customer", "product", "amount", "purchase_date", "maturity_date", "cost_price",
                  "stop_loss_pct", "auto_rollover"]


def test_a_holdings_feed_rejects_unknown_products_and_customers_and_is_idempotent(bank, make_customer, tmp_path):
    # given
    c = make_customer(bank.rm_a)
    rows = [["H1", c.external_id, "TD3Y", "200000.00", "2024-01-10", "2027-01-10", "", "", "Y"],
            ["H2", c.external_id, "F001", "50,000.00", "2025/09/01", "", "1.2500", "10", "N"],
            ["H3", c.external_id, "NOPE", "1000", "2025-01-01", "", "", "", ""],
            ["H4", "C-UNKNOWN", "TD3Y", "1000", "2025-01-01", "", "", "", ""],
            ["H5", c.external_id, "W180", "1000", "2025-01-01", "2024-01-01", "", "", ""],
            ["H6", c.external_id, "W180", "", "2025-01-01", "", "", "", ""]]
    path = tmp_path / "holdings.csv"
    _write_csv(path, HOLDING_HEADER, rows)

    # when
    first = feed_import(kind="holdings", path=path, followups=False)
    again = feed_import(kind="holdings", path=path, followups=False)

    # then
    assert first.summary == "added 2, updated 0, unchanged 0, rejected 4"
    assert again.summary == "added 0, updated 0, unchanged 2, rejected 4"
    reasons = {int(r["line"]): r["reason"] for r in _rejects(path)}
    assert reasons[4] == "第 4 行：产品代码：产品目录中没有代码为 NOPE 的产品。"
    assert reasons[5].startswith("第 5 行：客户号：") and "C-UNKNOWN" in reasons[5]
    assert reasons[6].startswith("第 6 行：到期日：")
    assert reasons[7] == "第 7 行：金额：必填。"
    fund = Holding.objects.get(external_id="H2")
    assert fund.amount == Decimal("50000.00") and fund.units == Decimal("40000.0000")
    assert fund.stop_loss_pct == Decimal("10") and Holding.objects.get(external_id="H1").auto_rollover
    c.refresh_from_db()
    assert c.aum == Decimal("250000.00")


def test_a_new_balance_in_the_holdings_feed_updates_the_holding_and_the_aum(bank, make_customer, tmp_path):
    # given
    c = make_customer(bank.rm_a)
    path = tmp_path / "holdings.csv"
    _write_csv(path, HOLDING_HEADER, [["H1", c.external_id, "TD3Y", "200000", "2024-01-10", "", "", "", ""]])
    feed_import(kind="holdings", path=path, followups=False)

    # when
    _write_csv(path, HOLDING_HEADER, [["H1", c.external_id, "TD3Y", "300000", "2024-01-10", "", "", "", ""]])
    result = feed_import(kind="holdings", path=path, followups=True)

    # then
    assert result.summary == "added 0, updated 1, unchanged 0, rejected 0"
    c.refresh_from_db()
    assert c.aum == Decimal("300000.00") and Holding.objects.count() == 1


def test_transactions_and_navs_feeds(bank, make_customer, tmp_path):
    # given
    c = make_customer(bank.rm_a)
    tx = tmp_path / "transactions.csv"
    _write_csv(tx, ["流水号", "客户号", "交易日期", "金额", "对手方"],
               [["T1", c.external_id, "2026-11-20", "-300000.00", "某证券"],
                ["T2", c.external_id, "20261121", "x", ""]])
    navs = tmp_path / "navs.csv"
    _write_csv(navs, ["product", "date", "nav", "dividend"],
               [["F001", "2026-11-20", "1.1000", ""], ["F001", "2026-11-21", "-1", ""]])

    # when
    t1 = feed_import(kind="transactions", path=tx, followups=False)
    t2 = feed_import(kind="transactions", path=tx, followups=False)
    n1 = feed_import(kind="navs", path=navs, followups=False)
    n2 = feed_import(kind="navs", path=navs, followups=False)

    # then
    assert (t1.summary, t2.summary) == ("added 1, updated 0, unchanged 0, rejected 1",
                                        "added 0, updated 0, unchanged 1, rejected 1")
    assert Transaction.objects.get(external_id="T1").amount == Decimal("-300000.00")
    assert (n1.summary, n2.summary) == ("added 1, updated 0, unchanged 0, rejected 1",
                                        "added 0, updated 0, unchanged 1, rejected 1")
    assert ProductNav.objects.get(product=bank.products.fund, date=dt.date(2026, 11, 20)).nav == Decimal("1.1")
    assert "单位净值" in _rejects(navs)[0]["reason"]


def test_new_card_customers_fed_before_the_day_begins_come_up_on_its_worklist(bank, tmp_path):
    # given a new debit card opened last Friday for a customer of zhangmin
    path = tmp_path / "new_cards.csv"
    _write_csv(path, ["客户号", "姓名", "手机号", "客户经理", "开卡日期"],
               [["NC1", "钱多多", "13712345678", "zhangmin", "2026-11-20"]])

    # when the nightly feed runs on Monday before the lists are made, with its follow-ups
    result = feed_import(kind="new_cards", path=path)

    # then
    assert result.added == 1
    customer = Customer.objects.get(external_id="NC1")
    assert customer.source == "new_card" and customer.account_opened_on == dt.date(2026, 11, 20)
    task = Task.objects.get(customer=customer)
    assert task.manager == bank.rm_a and task.date == dt.date(2026, 11, 23)  # Monday: today's list
    assert "new_customer" in set(task.reasons.values_list("code", flat=True))


def test_customers_with_an_unknown_manager_are_rejected_clearly_and_branch_only_rows_are_kept(bank, tmp_path):
    # given
    path = tmp_path / "c.csv"
    _write_csv(path, ["external_id", "name", "rm", "branch"], [["A1", "甲", "nobody", ""], ["A2", "乙", "", "B02"]])

    # when
    result = feed_import(kind="customers", path=path, followups=False)

    # then
    assert result.summary == "added 1, updated 0, unchanged 0, rejected 1"
    reason = _rejects(path)[0]["reason"]
    assert reason.startswith("第 2 行：客户经理：没有用户名为 nobody 的员工")
    unassigned = Customer.objects.get(external_id="A2")
    assert unassigned.rm is None and unassigned.branch == bank.b2


def test_the_command_ends_with_the_counts_and_exits_0_with_rejected_rows(malformed_customers, capsys):
    # when
    call_command("import", "customers", str(malformed_customers), "--no-followups")

    # then
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == "added 196, updated 0, unchanged 0, rejected 4"
    assert any(str(malformed_customers) + ".rejects.csv" in line for line in out)
    assert any(line.startswith("第 11 行：证件号码：") for line in out)


def test_the_command_refuses_an_unknown_kind_a_missing_file_and_a_file_without_the_key(bank, tmp_path):
    no_key = tmp_path / "nokey.csv"
    _write_csv(no_key, ["name", "rm"], [["甲", "zhangmin"]])
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import", "accounts", str(no_key))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", "customers", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="关键列 客户号"):
        call_command("import", "customers", str(no_key))
    assert Customer.objects.count() == 0


def test_a_gbk_file_whose_short_text_is_also_valid_utf8_is_still_read_as_gbk(bank, make_customer, tmp_path):
    # given a GBK export where every row's only Chinese is 某证券 (its GBK bytes are valid UTF-8 too)
    c = make_customer(bank.rm_a)
    path = tmp_path / "tx.csv"
    _write_csv(path, ["流水号", "客户号", "交易日期", "金额", "对手方"],
               [[f"T{i}", c.external_id, "2026-11-20", "-1000", "某证券"] for i in range(5)], encoding="gbk")

    # when
    result = feed_import(kind="transactions", path=path, followups=False)

    # then
    assert result.encoding == "gb18030" and result.added == 5
    assert set(Transaction.objects.values_list("counterparty", flat=True)) == {"某证券"}


def test_a_customer_the_feed_gives_to_another_manager_moves_to_that_book(bank, tmp_path):
    # given
    path = tmp_path / "c.csv"
    rows = _customer_rows(2)
    _write_csv(path, CUSTOMER_HEADER, rows)
    feed_import(kind="customers", path=path, followups=False)

    # when core banking now says wangfang keeps customer 1
    rows[0][4] = "wangfang"
    _write_csv(path, CUSTOMER_HEADER, rows)
    result = feed_import(kind="customers", path=path, followups=False)

    # then
    assert result.summary == "added 0, updated 1, unchanged 1, rejected 0"
    moved = Customer.objects.get(external_id="X0000001")
    assert moved.rm == bank.rm_c and moved.branch == bank.b2


def test_a_feed_during_the_day_leaves_todays_lists_and_makes_none_for_tomorrow(bank, make_customer, tmp_path):
    from banyan.worklists.models import TaskStatus, WorklistDay
    from banyan.worklists.services import worklists_build

    # given this morning's lists, with zhangmin's birthday call to 王建国 still open
    wang = make_customer(bank.rm_a, name="王建国", birth=dt.date(1975, 11, 23))
    worklists_build(day=dt.date(2026, 11, 23))
    todays = Task.objects.get(customer=wang, date=dt.date(2026, 11, 23))
    assert todays.status == TaskStatus.OPEN

    # when an admin uploads a customer feed in the afternoon, with a new customer of zhangmin's
    path = tmp_path / "c.csv"
    _write_csv(path, ["external_id", "name", "rm", "account_opened_on"], [["N1", "钱多多", "zhangmin", "2026-11-20"]])
    result = feed_import(kind="customers", path=path)

    # then the customer is in, today's list is as it was, and tomorrow's is left for the nightly build
    assert result.added == 1
    todays.refresh_from_db()
    assert todays.status == TaskStatus.OPEN
    assert not Task.objects.filter(customer__external_id="N1").exists()
    assert not WorklistDay.objects.filter(date__gt=dt.date(2026, 11, 23)).exists()


def test_the_product_catalogue_feed_adds_updates_takes_off_sale_and_rejects_with_line_and_reason(bank, tmp_path):
    from banyan.audit.models import AuditEvent
    from banyan.holdings.models import Product

    path = tmp_path / "products.csv"
    header = ["产品代码", "产品名称", "产品类型", "风险等级", "期限天数", "预期收益率", "在售"]
    _write_csv(path, header, [
        ["WM-Y365", "安享一年定开理财", "理财产品", "R2", "365", "3.20", "Y"],
        ["F001", "稳健成长混合基金", "基金", "R4", "", "", "N"],  # the bank re-rates it and stops selling it
        ["X-1", "某产品", "期货", "R3", "", "", ""],              # line 4: no such type
        ["X-2", "另一产品", "基金", "R9", "", "", ""],            # line 5: no such risk level
        ["X-3", "第三个产品", "基金", "R3", "一年", "", ""],       # line 6: the term is not a number
    ], encoding="gbk")
    result = feed_import(kind="products", path=path, followups=False)
    assert (result.added, result.updated, result.rejected) == (1, 1, 3)
    new = Product.objects.get(code="WM-Y365")
    assert (new.type, new.risk_level, new.term_days, new.expected_yield) == ("wealth", "R2", 365, Decimal("3.2"))
    fund = Product.objects.get(code="F001")
    assert (fund.risk_level, fund.is_active) == ("R4", False)
    event = AuditEvent.objects.get(action="product.updated")
    assert event.before["risk_level"] == "R3" and event.after["is_active"] == "False"
    rejects = {int(r["line"]): r["reason"] for r in _rejects(path)}
    assert sorted(rejects) == [4, 5, 6] and "产品类型" in rejects[4] and "风险等级" in rejects[5]
    assert "期限天数" in rejects[6]
    assert not Product.objects.filter(code__startswith="X-").exists()
    again = feed_import(kind="products", path=path, followups=False)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
