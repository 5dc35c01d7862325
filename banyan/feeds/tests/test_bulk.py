"""The bulk path of the feeds (chunks, COPY on PostgreSQL): the same judgement as row by row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.feeds import bulk
from banyan.feeds.services import feed_import
from banyan.holdings.models import Holding, Product, Transaction

HEADER = ["external_id", "name", "id_number", "mobile", "email", "rm", "risk_level"]


def _rows(n: int) -> list[list[str]]:
    return [[f"B{i:05d}", f"客户{i}", make_resident_id("330106", dt.date(1970 + i % 30, i % 12 + 1, i % 28 + 1), i),
             f"138{i:08d}", "", ["zhangmin", "lihua"][i % 2], "C3"] for i in range(n)]


def _write(path, header, rows) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _rejects(path) -> dict[int, str]:
    with open(str(path) + ".rejects.csv", encoding="utf-8-sig", newline="") as fh:
        return {int(r["line"]): r["reason"] for r in csv.DictReader(fh)}


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 10 rows, so that a short file spans several."""
    monkeypatch.setattr(bulk, "CHUNK_RAMP", ())
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 10)


def test_a_file_spanning_chunks_keeps_good_rows_rejects_bad_ones_and_audits_every_row(bank, tmp_path, small_chunks):
    # given 35 customers (four chunks), one with a bad ID number in the third chunk (line 24)
    rows = _rows(35)
    rows[22][2] = rows[22][2][:17] + ("0" if rows[22][2][17] != "0" else "1")
    path = tmp_path / "c.csv"
    _write(path, HEADER, rows)

    # when
    result = feed_import(kind="customers", path=path, followups=False)

    # then
    assert result.summary == "added 34, updated 0, unchanged 0, rejected 1"
    assert list(_rejects(path)) == [24] and _rejects(path)[24].startswith("第 24 行：证件号码：")
    assert Customer.objects.count() == 34 and not Customer.objects.filter(external_id="B00022").exists()
    first = Customer.objects.get(external_id="B00001")
    assert (first.rm, first.branch, first.mobile_tail, first.name_pinyin) == (bank.rm_b, bank.b1, "0001", "kehu")
    assert first.birth_date == dt.date(1971, 2, 2) and first.gender == "M"
    created = AuditEvent.objects.filter(action="customer.created")
    assert created.count() == 34
    event = created.get(customer_id=first.pk)
    assert event.after["mobile"] == "138****0001" and event.after["name"] == "客户1"


def test_a_chunks_rows_and_events_carry_its_instant_to_the_microsecond(bank, tmp_path, small_chunks, monkeypatch):
    # given the chunk's instant with microseconds, and the bank's clock in Beijing time (on
    # PostgreSQL the COPY writes both as text, made once per chunk)
    instant = dt.datetime(2026, 12, 5, 2, 10, 7, 123456, tzinfo=dt.UTC)
    beijing = dt.datetime(2026, 12, 5, 10, 11, 8, 654321, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    monkeypatch.setattr(bulk.timezone, "now", lambda: instant)
    monkeypatch.setattr(bulk.clock, "now", lambda: beijing)
    path = tmp_path / "c.csv"
    _write(path, HEADER, _rows(12))

    # when
    feed_import(kind="customers", path=path, followups=False)

    # then
    assert set(Customer.objects.values_list("created_at", "updated_at")) == {(instant, instant)}
    assert set(AuditEvent.objects.filter(action="customer.created").values_list("at", flat=True)) == {beijing}


def test_a_key_repeated_in_the_file_ends_as_its_last_row_within_and_across_chunks(bank, tmp_path, small_chunks):
    # given customer B00003 three times: twice in the first chunk, once more in the second
    rows = _rows(12)
    again = list(rows[3])
    again[6] = "C5"
    later = list(rows[3])
    later[6], later[3] = "C1", "13912345678"
    rows.insert(5, again)  # line 7, same chunk as line 5
    rows.append(later)  # line 15, the second chunk
    path = tmp_path / "c.csv"
    _write(path, HEADER, rows)

    # when
    result = feed_import(kind="customers", path=path, followups=False)
    customer = Customer.objects.get(external_id="B00003")
    events = list(AuditEvent.objects.filter(customer_id=customer.pk).order_by("pk").values_list("action", "after"))
    rerun = feed_import(kind="customers", path=path, followups=False)

    # then the later rows are judged against the earlier ones: one customer, the last row's values
    assert result.summary == "added 12, updated 2, unchanged 0, rejected 0"
    # and its events tell each step in the file's order: created as its first row said (not as the
    # chunk stored it), then each change
    assert [action for action, _after in events] == ["customer.created", "customer.updated", "customer.updated"]
    assert events[0][1]["risk_level"] == rows[3][6] != "C5" and events[0][1]["mobile"].endswith(rows[3][3][-4:])
    assert events[1][1] == {"risk_level": "C5"}
    assert events[2][1] == {"risk_level": "C1", "mobile": "139****5678"}
    assert (customer.risk_level, customer.mobile, customer.mobile_tail) == ("C1", "13912345678", "5678")
    assert Customer.objects.count() == 12
    # and a rerun moves the customer back and forth as the file says, then ends where it ended
    assert rerun.summary == "added 0, updated 3, unchanged 11, rejected 0"
    customer.refresh_from_db()
    assert customer.risk_level == "C1"


def test_empty_cells_leave_what_a_manager_typed_in_and_only_real_changes_are_written(bank, tmp_path):
    # given a customer the feed brought in, whose e-mail the manager then added
    path = tmp_path / "c.csv"
    rows = _rows(3)
    _write(path, HEADER, rows)
    feed_import(kind="customers", path=path, followups=False)
    Customer.objects.filter(external_id="B00001").update(email="wang@example.com")
    stamps = dict(Customer.objects.values_list("external_id", "updated_at"))

    # when the feed comes again with the e-mail cell empty, and customer 2 with a new risk level
    rows[2][6] = "C4"
    _write(path, HEADER, rows)
    result = feed_import(kind="customers", path=path, followups=False)

    # then
    assert result.summary == "added 0, updated 1, unchanged 2, rejected 0"
    assert Customer.objects.get(external_id="B00001").email == "wang@example.com"
    after = dict(Customer.objects.values_list("external_id", "updated_at"))
    assert after["B00000"] == stamps["B00000"] and after["B00002"] != stamps["B00002"]
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.before == {"risk_level": "C3"} and event.after == {"risk_level": "C4"}


def test_holdings_in_chunks_keep_every_customers_aum_equal_to_the_sum_of_their_holdings(
        bank, make_customer, tmp_path, small_chunks):
    # given two customers and 25 deposits spread over three chunks, one on an unknown product
    a, b = make_customer(bank.rm_a), make_customer(bank.rm_a, name="李四")
    rows = [[f"H{i}", (a if i % 2 else b).external_id, "TD3Y" if i != 13 else "NOPE", f"{1000 * (i + 1)}.00",
             "2025-01-10"] for i in range(25)]
    path = tmp_path / "h.csv"
    _write(path, ["external_id", "customer", "product", "amount", "purchase_date"], rows)

    # when
    result = feed_import(kind="holdings", path=path, followups=False)
    rows[4][3] = "99.00"  # a new balance for H4
    _write(path, ["external_id", "customer", "product", "amount", "purchase_date"], rows)
    second = feed_import(kind="holdings", path=path, followups=False)

    # then
    assert result.summary == "added 24, updated 0, unchanged 0, rejected 1"
    assert _rejects(path)[15] == "第 15 行：产品代码：产品目录中没有代码为 NOPE 的产品。"
    assert second.summary == "added 0, updated 1, unchanged 23, rejected 1"
    for customer in (a, b):
        customer.refresh_from_db()
        held = sum(h.current_value for h in Holding.objects.filter(customer=customer))
        assert customer.aum == held > 0
    assert AuditEvent.objects.filter(action="holding.created").count() == 24
    assert AuditEvent.objects.get(action="holding.updated").after == {"amount": "99.00"}


def test_a_feeds_new_holdings_are_judged_from_remembered_cells_forgotten_when_it_ends(
        bank, make_customer, tmp_path, small_chunks, monkeypatch):
    # given 25 new deposits over three chunks, the same few cells again and again, and one amount refused
    a = make_customer(bank.rm_a)
    header = ["external_id", "customer", "product", "amount", "purchase_date", "auto_rollover"]
    rows = [[f"H{i}", a.external_id, "TD3Y", f"{1000 * (i % 3 + 1)}.00", "2025/01/10", "是" if i % 2 else "N"]
            for i in range(25)] + [["H99", a.external_id, "TD3Y", "12.345", "2025/01/10", "Y"]]
    path = tmp_path / "h.csv"
    _write(path, header, rows)
    services_way = []
    judge = bulk.holding_build_unsaved
    monkeypatch.setattr(bulk, "holding_build_unsaved",
                        lambda **fields: services_way.append(fields["external_id"]) or judge(**fields))

    # when
    result = feed_import(kind="holdings", path=path, followups=False)

    # then only the refused row was judged the services' way (for the words of its reason)
    assert result.summary == "added 25, updated 0, unchanged 0, rejected 1"
    assert services_way == ["H99"]
    assert _rejects(path)[27].startswith("第 27 行：金额：")
    stored = Holding.objects.get(external_id="H1")
    assert (stored.amount, stored.purchase_date, stored.auto_rollover) == (Decimal("2000.00"), dt.date(2025, 1, 10),
                                                                            True)
    assert bulk._HOLDING_CELLS == {}  # a worker's memory is not the last feed's


def test_a_transactions_feed_in_chunks_corrects_a_movement_fed_twice_in_place(bank, make_customer, tmp_path,
                                                                               small_chunks):
    # given 15 movements, the fifth fed again at the end with a corrected amount
    c = make_customer(bank.rm_a)
    rows = [[f"T{i}", c.external_id, "2026-11-20", f"-{100 + i}.00"] for i in range(15)]
    rows.append(["T4", c.external_id, "2026-11-20", "-500000.00"])
    path = tmp_path / "t.csv"
    _write(path, ["流水号", "客户号", "交易日期", "金额"], rows)

    # when
    result = feed_import(kind="transactions", path=path, followups=False)

    # then
    assert result.summary == "added 15, updated 1, unchanged 0, rejected 0", result.rejects
    assert Transaction.objects.count() == 15
    assert Transaction.objects.get(external_id="T4").amount == Decimal("-500000.00")


def test_an_unchanged_rerun_judges_no_row_in_full_and_a_new_nav_still_revalues_a_fund(
        bank, make_customer, tmp_path, small_chunks, monkeypatch):
    # given a customers file and a holdings file imported once (a fund holding among the deposits)
    customers_path, holdings_path = tmp_path / "c.csv", tmp_path / "h.csv"
    _write(customers_path, HEADER, _rows(25))
    holding_header = ["external_id", "customer", "product", "amount", "purchase_date", "cost_price", "take_profit_pct"]
    holdings = [[f"H{i}", f"B{i:05d}", "TD3Y", f"{1000 * (i + 1)}.00", "2025-01-10", "", ""] for i in range(24)]
    holdings.append(["H24", "B00024", "F001", "100000.00", "2025-06-01", "1.2500", "15"])
    _write(holdings_path, holding_header, holdings)
    assert feed_import(kind="customers", path=customers_path, followups=False).summary.startswith("added 25")
    assert feed_import(kind="holdings", path=holdings_path, followups=False).summary.startswith("added 25")

    # when both come again unchanged, with the full judgement made to fail if it is called
    def judged_in_full(**_kwargs):
        raise AssertionError("an unchanged row was judged in full")

    with monkeypatch.context() as m:
        m.setattr(bulk, "customer_change_unsaved", judged_in_full)
        m.setattr(bulk, "holding_change_unsaved", judged_in_full)
        customers = feed_import(kind="customers", path=customers_path, followups=False)
        unchanged = feed_import(kind="holdings", path=holdings_path, followups=False)
    # and once more after the fund's NAV moved without its holdings being revalued
    Product.objects.filter(pk=bank.products.fund.pk).update(latest_nav=Decimal("1.5000"))
    revalued = feed_import(kind="holdings", path=holdings_path, followups=False)

    # then the reruns changed nothing (take-profit 15 stored as 15.00 included); after the NAV the
    # fund's row, its cells as stored, is judged in full: its current value follows the NAV
    assert customers.summary == "added 0, updated 0, unchanged 25, rejected 0"
    assert unchanged.summary == "added 0, updated 0, unchanged 25, rejected 0"
    assert revalued.summary == "added 0, updated 1, unchanged 24, rejected 0"
    assert Holding.objects.get(external_id="H24").current_value == Decimal("120000.00")  # 80,000 units × 1.5


def _refuse_names_in_the_database(name: str) -> None:
    """A rule only the database knows (a trigger), which no check of the services foresees."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"""CREATE FUNCTION refuse_name() RETURNS trigger AS $$ BEGIN
                IF NEW.name = '{name}' THEN RAISE EXCEPTION 'name refused by the database'; END IF;
                RETURN NEW; END $$ LANGUAGE plpgsql""")
            cur.execute("CREATE TRIGGER refuse_name BEFORE INSERT OR UPDATE ON customers_customer "
                        "FOR EACH ROW EXECUTE FUNCTION refuse_name()")
        else:
            cur.execute(f"""CREATE TRIGGER refuse_name BEFORE INSERT ON customers_customer
                WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'name refused by the database'); END""")


def _stop_refusing_names() -> None:
    with connection.cursor() as cur:
        cur.execute("DROP TRIGGER refuse_name ON customers_customer")
        cur.execute("DROP FUNCTION refuse_name()")


def _assert_only_the_refused_row_is_rejected(path, result) -> None:
    """客户14 (line 16) rejected with the database's word, the 24 other customers and their events kept."""
    assert result.summary == "added 24, updated 0, unchanged 0, rejected 1"
    reasons = _rejects(path)
    assert list(reasons) == [16]
    assert reasons[16].startswith("第 16 行：数据库拒绝了这一行") and "name refused by the database" in reasons[16]
    assert set(Customer.objects.values_list("external_id", flat=True)) == {f"B{i:05d}" for i in range(25)} - {"B00014"}
    assert AuditEvent.objects.filter(action="customer.created").count() == 24


def test_a_row_the_database_refuses_is_rejected_with_its_line_and_its_chunk_is_kept(bank, tmp_path, small_chunks):
    # given a rule in the database refusing one name, and a file whose second chunk holds that name
    _refuse_names_in_the_database("客户14")
    path = tmp_path / "c.csv"
    _write(path, HEADER, _rows(25))

    # when
    result = feed_import(kind="customers", path=path, followups=False)

    # then only that row is rejected, with its line and the database's word; the rest of its chunk is kept
    _assert_only_the_refused_row_is_rejected(path, result)


def test_progress_is_reported_after_each_chunk_up_to_the_total(bank, tmp_path, small_chunks):
    path = tmp_path / "c.csv"
    _write(path, HEADER, _rows(25))
    seen = []

    feed_import(kind="customers", path=path, followups=False, progress=lambda done, total: seen.append((done, total)))

    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_a_managers_edit_made_while_the_chunk_is_judged_is_not_written_over(bank, tmp_path, monkeypatch):
    # given a customer from yesterday's feed
    path = tmp_path / "c.csv"
    rows = _rows(2)
    _write(path, HEADER, rows)
    feed_import(kind="customers", path=path, followups=False)

    # when today's feed changes the risk level while, between the chunk's read and its write,
    # the manager notes the customer's interests
    write = bulk._write

    def manager_types_meanwhile(kind, chunk, actor, **options):
        Customer.objects.filter(external_id="B00001").update(interests="钓鱼、茶")
        write(kind, chunk, actor, **options)

    monkeypatch.setattr(bulk, "_write", manager_types_meanwhile)
    rows[1][6] = "C5"
    _write(path, HEADER, rows)
    result = feed_import(kind="customers", path=path, followups=False)

    # then both stay: the feed writes only the columns it changes
    assert result.summary == "added 0, updated 1, unchanged 1, rejected 0"
    customer = Customer.objects.get(external_id="B00001")
    assert (customer.risk_level, customer.interests) == ("C5", "钓鱼、茶")


# --- written behind: the next chunk judged while a thread of its own writes the last (PostgreSQL) ----

@pytest.fixture
def written_behind(transactional_db, small_chunks):
    """Outside a transaction on PostgreSQL, where bulk._WriteBehind runs; afterwards no writing
    thread is left behind."""
    if connection.vendor != "postgresql":
        pytest.skip("the write-behind runs on PostgreSQL only (a second connection beside the feed's)")
    assert bulk.write_behind()
    yield
    assert not [t for t in threading.enumerate() if t.name.startswith("feed-write")], "a writing thread was left"


def test_written_behind_a_row_the_database_refuses_is_rejected_and_its_chunk_kept(bank, tmp_path, written_behind,
                                                                                request):
    # given a rule in the database refusing one name, in the second of three chunks (committed: the
    # test's end drops it, as the flush of the tables would not)
    _refuse_names_in_the_database("客户14")
    request.addfinalizer(_stop_refusing_names)
    path = tmp_path / "c.csv"
    _write(path, HEADER, _rows(25))
    seen = []

    # when
    result = feed_import(kind="customers", path=path, followups=False, progress=lambda *p: seen.append(p))

    # then the writing thread replayed that chunk row by row: one row rejected in Chinese, the rest kept
    _assert_only_the_refused_row_is_rejected(path, result)
    # and the progress counted the rows written, chunk by chunk
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_written_behind_a_failing_write_stops_the_feed_after_the_chunks_before(bank, tmp_path, written_behind,
                                                                              monkeypatch):
    # given a write that fails, not by the database, in the second chunk
    write, calls = bulk._write, []

    def second_fails(kind, chunk, actor, **options):
        calls.append(len(chunk.new))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        write(kind, chunk, actor, **options)

    monkeypatch.setattr(bulk, "_write", second_fails)
    path = tmp_path / "c.csv"
    _write(path, HEADER, _rows(35))

    # when / then the error reaches the feed's caller (the run fails with it) …
    with pytest.raises(RuntimeError, match="disk full"):
        feed_import(kind="customers", path=path, followups=False)
    # … the first chunk stays, the second left nothing, and no chunk was written after it
    assert calls == [10, 10]
    assert set(Customer.objects.values_list("external_id", flat=True)) == {f"B{i:05d}" for i in range(10)}
    assert AuditEvent.objects.filter(action="customer.created").count() == 10


def test_written_behind_a_key_in_two_chunks_is_judged_after_the_first_commits(bank, tmp_path, written_behind,
                                                                             monkeypatch):
    # given a file whose customer B00003 is in the first chunk and changed again in the second,
    # and writes that take their time (the second chunk is judged while the first is written)
    write = bulk._write

    def slow(kind, chunk, actor, **options):
        time.sleep(0.2)
        write(kind, chunk, actor, **options)

    monkeypatch.setattr(bulk, "_write", slow)
    rows = _rows(15)
    again = list(rows[3])
    again[6] = "C5"
    path = tmp_path / "c.csv"
    _write(path, HEADER, [*rows, again])

    # when
    result = feed_import(kind="customers", path=path, followups=False)

    # then the later row is judged against the stored first one: an update, not a second new customer
    assert result.summary == "added 15, updated 1, unchanged 0, rejected 0", result.rejects
    assert Customer.objects.get(external_id="B00003").risk_level == "C5"
    assert list(AuditEvent.objects.filter(object_type="customer",
                                          object_id=str(Customer.objects.get(external_id="B00003").pk))
                .order_by("pk").values_list("action", flat=True)) == ["customer.created", "customer.updated"]
