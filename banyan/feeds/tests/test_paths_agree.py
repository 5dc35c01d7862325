"""The two paths of a feed give every row the same verdict (issue 15, §1).

A customers, new cards or holdings file mixing valid and invalid rows — a bad ID number, a date
in a wrong format, a mobile that is not one, an unknown manager, branch, customer or product, a
bad amount, a key repeated in the file, a row equal to what is stored, a changed row — is run
once through the row-by-row path (the services, `services._import_record`) and once through the
bulk path (`bulk.import_chunks`: a chunk at a time, COPY on PostgreSQL, bulk_create on SQLite),
each time from the same stored bank (the first run is rolled back before the second). Both must
leave the same rows (every business column of customers and holdings, the open work that follows
a customer to a new manager, the audit events) and give the same counts and the same rejects
(line and reason).

A third run cuts the file by key into 2–4 parts (banyan/feeds/parts.py) and imports them one after
another, in the file's part order or the reverse: as workers side by side may end in any order, the
parts must leave the same rows, counts, rejects and touched customers, and each key's audit events in
the same order (between keys the order follows the parts).

On PostgreSQL a last test runs the bulk path outside a transaction, as a feed runs, where a thread
writes each chunk while the next is judged (bulk._WriteBehind), its writes slowed so that the next
chunk is always judged before the one before commits; it must leave what the row-by-row path leaves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Opportunity
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.customers.services import customer_fill_derived
from banyan.feeds import bulk
from banyan.feeds import services as rows
from banyan.feeds.services import feed_import
from banyan.holdings.models import Holding, Transaction
from banyan.holdings.services import nav_record
from banyan.org.models import Role, Staff
from banyan.org.services import staff_create
from banyan.worklists.models import Task

TODAY = dt.date(2026, 11, 23)  # banyan.conftest freezes the clock on this day

# --- the stored bank -------------------------------------------------------------------------------

CUSTOMER_HEADER = [
    "external_id", "name", "id_type", "id_number", "birth_date", "gender", "mobile", "email", "address", "employer",
    "occupation", "education", "marital_status", "rm", "branch", "risk_level", "risk_assessed_on",
    "other_bank_assets", "account_opened_on", "source", "consent_sms", "consent_phone", "consent_email",
    "consent_wechat", "do_not_disturb",
]
S001_ID = make_resident_id("110101", dt.date(1980, 5, 17), 3)
_STORED_CUSTOMERS = [
    dict(external_id="S001", name="王建华", id_type="身份证", id_number=S001_ID, mobile="13800138000",
         email="wang@example.com", occupation="教师", education="本科", marital_status="已婚", rm="zhangmin",
         risk_level="C3", risk_assessed_on="2026-03-01", other_bank_assets="500000.00",
         account_opened_on="2015-06-01", source="代发工资", consent_sms="Y"),
    dict(external_id="S002", name="李娜", id_type="护照", id_number="E12345678", birth_date="1975-02-03", gender="女",
         mobile="13912345678", rm="lihua", risk_level="C4", consent_phone="N"),
    dict(external_id="S003", name="张伟", branch="B02", mobile="13700137000", other_bank_assets="1,250,000.00"),
    dict(external_id="S004", name="陈晓", id_number=make_resident_id("330106", dt.date(1992, 8, 8), 24),
         rm="wangfang", employer="浙江大学", do_not_disturb="Y"),
]
#: Valid rows for keys the bank does not have yet (a mutation may spoil them).
_NEW_CUSTOMERS = [
    dict(name="刘洋", id_number=make_resident_id("330106", dt.date(1990, 3, 4), 15), mobile="13600136000",
         rm="zhangmin", risk_level="C2"),
    dict(name="赵敏", id_type="passport", id_number="G87654321", birth_date="1988/07/09", gender="F", branch="B01",
         email="zm@example.com", account_opened_on="20200101"),
    dict(name="孙丽华", rm="lihua", branch="B02", other_bank_assets="30000", consent_wechat="是"),
]
#: What a mutation may put into a customer's cell: other valid values and invalid ones.
_CUSTOMER_CELLS = {
    "name": ["王建华", "李娜", " 欧阳娜娜 ", "张" * 51, "Zhang Wei"],
    "id_type": ["身份证", "resident", "护照", "passport", "驾照"],
    "id_number": [S001_ID, S001_ID[:17] + ("0" if S001_ID[17] != "0" else "1"), S001_ID[:17],
                  make_resident_id("330106", dt.date(1990, 3, 4), 15), "E12345678", "110101198013170031",
                  make_resident_id("110101", dt.date(2030, 1, 1), 11), S001_ID[:17] + "x"],
    "birth_date": ["1980-05-17", "1980/05/17", "19800517", "1980年5月17日", "1985-03-12", "17/05/1980", "1980-13-01",
                   "2030-01-01", "1980-05-17 00:00:00"],
    "gender": ["男", "女", "M", "F", "X"],
    "mobile": ["13800138000", "+86 139 1234 5678", "１３７００１３７０００", "1380013800", "23800138000",
               "10000000000", "138-0013-8000"],
    "email": ["wang@example.com", "not-an-email"],
    "address": ["杭州市西湖区文三路 90 号", "路" * 201],
    "employer": ["浙江大学", "某某公司"],
    "occupation": ["教师", "职" * 51],
    "education": ["本科", "master", "研究生", "bogus"],
    "marital_status": ["已婚", "single", "离婚", "??"],
    "rm": ["zhangmin", "lihua", "wangfang", "chenjing", "sunli", "zhouqiang", "nobody"],
    "branch": ["B01", "B02", "B99"],
    "risk_level": ["C1", "C3", "C5", "R3", "c2"],
    "risk_assessed_on": ["2026-03-01", "2026/3/1", "20260301", "2026-02-30", "soon"],
    "other_bank_assets": ["500000.00", "1,250,000.00", "500000", "abc", "12.345", "-5", "1e3", "NaN", "￥300,000",
                          "1" * 17, "-0", "0E-7"],
    "account_opened_on": ["2015-06-01", "2015.6.1", "2015-06-31"],
    "source": ["代发工资", "walk_in", "转介绍", "bogus"],
    **{f: ["Y", "N", "是", "否", "1", "0", "maybe"]
       for f in ("consent_sms", "consent_phone", "consent_email", "consent_wechat", "do_not_disturb")},
}

HOLDING_HEADER = [
    "external_id", "customer", "product", "account_no", "amount", "purchase_date", "maturity_date", "cost_price",
    "units", "take_profit_pct", "stop_loss_pct", "auto_rollover", "overdue_days", "credit_limit", "statement_date",
    "payment_due_date", "minimum_payment", "status",
]
_STORED_HOLDINGS = [
    dict(external_id="H001", customer="S001", product="TD3Y", account_no="6222 0202 0011 2233", amount="200000.00",
         purchase_date="2024-12-01", maturity_date="2027-12-01", auto_rollover="Y"),
    dict(external_id="H002", customer="S002", product="F001", amount="100000.00", purchase_date="2025-06-01",
         cost_price="1.2500", take_profit_pct="15", stop_loss_pct="10"),
    dict(external_id="H003", customer="S003", product="L-HOUSE", amount="800000.00", purchase_date="2020-01-01",
         maturity_date="2040-01-01", overdue_days="12"),
    dict(external_id="H004", customer="S001", product="W180", amount="50000", purchase_date="2026-01-05",
         units="48000.00", status="持有"),
]
_NEW_HOLDINGS = [
    dict(customer="S004", product="TD3Y", amount="30,000.00", purchase_date="2026/11/01", maturity_date="20291101"),
    dict(customer="S002", product="F001", amount="20000", purchase_date="2026-10-10", units="15000", cost_price="1.3"),
    dict(customer="S003", product="W180", amount="1000", purchase_date="2026年9月1日", status="已结清"),
]
_HOLDING_CELLS = {
    "customer": ["S001", "S002", "S003", "S004", "CNOPE"],
    "product": ["TD3Y", "F001", "W180", "L-HOUSE", "NOPE"],
    "account_no": ["6222020200112233", "6222 0202 0011 2233", "6" * 33],
    "amount": ["200000.00", "1,250,000.00", "99.5", "-5", "abc", "12.345", "1" * 17, "NaN", "0", "1e3", "-0"],
    "purchase_date": ["2024-12-01", "2024/12/01", "20241201", "2024年12月1日", "2024-02-30", "01/12/2024"],
    "maturity_date": ["2027-12-01", "2020-01-01", "2027-13-01"],
    "cost_price": ["1.2345", "1.25", "0", "abc", "1.23456"],
    "units": ["80000.00", "80000", "-1", "x"],
    "take_profit_pct": ["15", "0", "-3", "abc"],
    "stop_loss_pct": ["10", "100", "0", "5.5"],
    "auto_rollover": ["Y", "N", "是", "maybe"],
    "overdue_days": ["0", "12", "-1", "abc", "1.5"],
    "credit_limit": ["50000.00", "abc"],
    "statement_date": ["2026-11-05", "bad"],
    "payment_due_date": ["2026-11-25", "2026-11-31"],
    "minimum_payment": ["800.00", "-1"],
    "status": ["active", "已结清", "matured", "bogus"],
}


TRANSACTION_HEADER = ["external_id", "customer", "account_no", "date", "amount", "counterparty", "description"]
_STORED_TRANSACTIONS = [
    dict(external_id="T001", customer="S001", account_no="6222020200112233", date="2026-11-20", amount="-300000.00",
         counterparty="某某证券资金账户", description="转账"),
    dict(external_id="T002", customer="S002", date="2026-11-21", amount="500,000.00"),
    dict(external_id="T003", customer="S003", date="20261122", amount="-12.5", description="代扣"),
]
_NEW_TRANSACTIONS = [
    dict(customer="S004", date="2026/11/22", amount="800000", counterparty="某某公司"),
    dict(customer="S001", account_no="6222 0202 0011 2233", date="2026-11-23", amount="-1,000.00"),
]
_TRANSACTION_CELLS = {
    "customer": ["S001", "S002", "S003", "S004", "CNOPE"],
    "account_no": ["6222020200112233", "6" * 33],
    "date": ["2026-11-20", "2026/11/20", "20261120", "2026年11月20日", "2026-11-31", "bad"],
    "amount": ["-300000.00", "500,000.00", "0", "abc", "12.345", "1" * 17, "NaN", "-1e3", "-0"],
    "counterparty": ["某某证券资金账户", "户" * 101],
    "description": ["转账", "工资"],
}


def _csv(header: list[str], lines: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(lines)
    return buf.getvalue()


def _cells(header: list[str], row: dict[str, str]) -> list[str]:
    return [row.get(h, "") for h in header]


@contextmanager
def _row_by_row():
    """The row-by-row path for every kind: feed_import sends no kind to the bulk path."""
    with mock.patch.object(bulk, "BULK_KINDS", ()):
        yield


@pytest.fixture
def stored(bank, tmp_path):
    """The bank as yesterday's feeds left it: four customers (one unassigned in branch B02), four
    holdings, three movements, a fund's NAV, a manager's note and assistant, open tasks and an
    opportunity of the managers, a manager who has left (zhouqiang, inactive)."""
    nav_record(actor=None, product=bank.products.fund, date="2026-11-20", nav="1.3000")
    gone = staff_create(actor=None, username="zhouqiang", password="Banyan-test-2026", role=Role.RM, branch=bank.b2,
                        full_name="周强", check_password=False)
    Staff.objects.filter(pk=gone.pk).update(is_active=False)
    _load_stored(bank, tmp_path)
    return bank


def _load_stored(bank, tmp_path) -> None:
    """Yesterday's customers, holdings and movements, with what managers typed in and their open work."""
    for kind, header, rows_ in (("customers", CUSTOMER_HEADER, _STORED_CUSTOMERS),
                                ("holdings", HOLDING_HEADER, _STORED_HOLDINGS),
                                ("transactions", TRANSACTION_HEADER, _STORED_TRANSACTIONS)):
        path = tmp_path / f"stored-{kind}.csv"
        path.write_text(_csv(header, [_cells(header, r) for r in rows_]), encoding="utf-8")
        with _row_by_row():
            result = feed_import(kind=kind, path=path, followups=False)
        assert result.summary == f"added {len(rows_)}, updated 0, unchanged 0, rejected 0", result.rejects
    s001 = Customer.objects.get(external_id="S001")
    # a manager typed these in; no feed has them
    s001.interests, s001.assistant, s001.lunar_birthday = "钓鱼、茶", bank.assistant, True
    customer_fill_derived(s001)  # the lunar birthday's key, as the profile form keeps it
    s001.save()
    s002 = Customer.objects.get(external_id="S002")
    for manager, customer, day in ((bank.rm_a, s001, TODAY), (bank.rm_a, s001, TODAY + dt.timedelta(days=1)),
                                   (bank.rm_b, s001, TODAY), (bank.rm_b, s002, TODAY)):
        Task.objects.create(manager=manager, date=day, customer=customer, rank=1, priority=50,
                            suggested_channel="phone")
    Opportunity.objects.create(customer=s001, owner=bank.rm_a, created_by=bank.rm_a, source="call",
                               need="三年期定期", due_date=TODAY + dt.timedelta(days=7))


# --- the files -------------------------------------------------------------------------------------

_BLANK = st.just("")


def _feed_rows(stored_rows, new_rows, new_keys, cells_of, often=()):
    """A row: a stored row (as the stored file had it) or a valid new one, then 0–3 cells
    changed to another value, valid or not, or emptied (the columns `often` more often than the
    others); now and then a broken line."""
    stored_by_key = {r["external_id"]: r for r in stored_rows}
    keys = st.sampled_from([*stored_by_key, *new_keys])
    columns = st.sampled_from([*sorted(cells_of), *often, *often])

    @st.composite
    def one(draw) -> dict[str, str]:
        key = draw(keys)
        row = dict(stored_by_key.get(key) or {**draw(st.sampled_from(new_rows)), "external_id": key})
        for _ in range(draw(st.integers(0, 3))):
            column = draw(columns)
            row[column] = draw(st.one_of(_BLANK, st.sampled_from(cells_of[column])))
        fault = draw(st.sampled_from(["none"] * 12 + ["no key", "short line"]))
        if fault == "no key":
            row["external_id"] = ""
        elif fault == "short line":
            row["__short__"] = "1"
        return row

    return one()


def _file(header: list[str], feed_rows: list[dict[str, str]]) -> str:
    lines = []
    for row in feed_rows:
        cells = _cells(header, row)
        lines.append(cells[:-1] if row.get("__short__") else cells)
    return _csv(header, lines)


@st.composite
def _header(draw, full: list[str], always: tuple[str, ...]) -> list[str]:
    """The file's columns: the key and required ones, and a choice of the others (a column the
    file does not have leaves the stored value as an empty cell does)."""
    optional = [c for c in full if c not in always]
    kept = draw(st.lists(st.sampled_from(optional), unique=True, min_size=len(optional) // 2))
    return [c for c in full if c in always or c in kept]


customer_files = st.tuples(
    st.sampled_from(["customers", "customers", "new_cards"]),
    _header(CUSTOMER_HEADER, ("external_id", "name", "rm", "branch", "account_opened_on")),
    st.lists(_feed_rows(_STORED_CUSTOMERS, _NEW_CUSTOMERS, ["N001", "N002", "N003"], _CUSTOMER_CELLS,
                        often=("rm", "id_number", "mobile", "birth_date", "other_bank_assets")),
             min_size=1, max_size=10),
)
holding_files = st.tuples(
    st.just("holdings"),
    _header(HOLDING_HEADER, ("external_id", "customer", "product", "amount", "purchase_date")),
    st.lists(_feed_rows(_STORED_HOLDINGS, _NEW_HOLDINGS, ["G001", "G002", "G003"], _HOLDING_CELLS,
                        often=("customer", "product", "amount", "purchase_date")),
             min_size=1, max_size=10),
)
transaction_files = st.tuples(
    st.just("transactions"),
    _header(TRANSACTION_HEADER, ("external_id", "customer", "date", "amount")),
    st.lists(_feed_rows(_STORED_TRANSACTIONS, _NEW_TRANSACTIONS, ["U001", "U002"], _TRANSACTION_CELLS,
                        often=("customer", "date", "amount")),
             min_size=1, max_size=10),
)
#: Chunks of 2 rows put a repeated key in another chunk; 500 keeps a small file in one.
chunk_sizes = st.sampled_from([2, 3, 500])
part_counts = st.integers(min_value=2, max_value=4)


# --- running a file through one path and reading what it left --------------------------------------

def _business(obj) -> dict:
    return {k: v for k, v in rows._state(obj).items() if k != "id"}


def _outcome(result: rows.FeedResult, since: int) -> dict:
    """What a run left: counts, rejects, touched customers, stored rows, open work and audit events
    (keys instead of ids: ids drawn by one run are not the other's)."""
    customers = {c.pk: c for c in Customer.objects.all()}
    holdings = {h.pk: h for h in Holding.objects.all()}
    number = {"customer": {str(pk): c.external_id for pk, c in customers.items()},
              "holding": {str(pk): h.external_id for pk, h in holdings.items()}}
    events = [(e.action, number["customer"].get(str(e.customer_id)), e.object_type,
               number.get(e.object_type, {}).get(e.object_id, e.object_id), e.detail, e.before, e.after, e.actor_id)
              for e in AuditEvent.objects.filter(pk__gt=since).order_by("pk")]
    return {
        "counts": (result.added, result.updated, result.unchanged, result.rejected),
        "rejects": [(line, reason) for line, reason, _cells in result.rejects],
        "touched": sorted(number["customer"][str(pk)] for pk in result.customer_ids),
        "customers": {c.external_id: _business(c) for c in customers.values()},
        "holdings": {h.external_id: _business(h) for h in holdings.values()},
        "transactions": {t.external_id: _business(t) for t in Transaction.objects.all()},
        "tasks": sorted(Task.objects.values_list("pk", "manager_id", "status")),
        "opportunities": sorted(Opportunity.objects.values_list("pk", "owner_id", "stage")),
        "events": events,
    }


def _in_parts(kind: str, path, parts: int, backwards: bool) -> rows.FeedResult:
    """The file imported part by part (the order the workers end in does not matter), the parts'
    results summed as the run sums them (rejects merged by line)."""
    result = rows.FeedResult(kind=kind, path=path)
    numbers = range(parts - 1, -1, -1) if backwards else range(parts)
    for number in numbers:
        part = feed_import(kind=kind, path=path, followups=False, part=(number, parts))
        for name in ("added", "updated", "unchanged", "rejected"):
            setattr(result, name, getattr(result, name) + getattr(part, name))
        result.rejects.extend(part.rejects)
        result.customer_ids.update(part.customer_ids)
    result.rejects.sort(key=lambda r: r[0])
    return result


def _run(kind: str, path, *, bulk_path: bool, parts: tuple[int, bool] | None = None) -> dict:
    """Import `path` by one path inside a savepoint, read what it left, roll it back."""
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic():
        if parts:
            result = _in_parts(kind, path, *parts)
        elif bulk_path:
            result = feed_import(kind=kind, path=path, followups=False)
        else:
            with _row_by_row():
                result = feed_import(kind=kind, path=path, followups=False)
        outcome = _outcome(result, since)
        transaction.set_rollback(True)
    return outcome


def _events_by_object(events: list) -> dict:
    """Each object's events in their order (the order between objects follows the parts)."""
    out: dict = {}
    for event in events:
        out.setdefault((event[2], event[3]), []).append(event)
    return out


def _assert_paths_agree(kind: str, text: str, chunk: int, path, parts: int = 2, backwards: bool = False) -> None:
    path.write_text(text, encoding="utf-8")
    before = _outcome(rows.FeedResult(kind=kind, path=path), 0)
    one_by_one = _run(kind, path, bulk_path=False)
    with mock.patch.object(bulk, "CHUNK_RAMP", ()), mock.patch.object(bulk, "CHUNK_SIZE", chunk):
        chunked = _run(kind, path, bulk_path=True)
        in_parts = _run(kind, path, bulk_path=True, parts=(parts, backwards))
    assert _outcome(rows.FeedResult(kind=kind, path=path), 0) == before, "a run was not rolled back"
    for part in one_by_one:  # part by part, so that a failure names what differs
        assert chunked[part] == one_by_one[part], f"{part} differ for this file:\n{text}"
        if part == "events":
            assert _events_by_object(in_parts[part]) == _events_by_object(one_by_one[part]), \
                f"events differ in {parts} parts for this file:\n{text}"
        else:
            assert in_parts[part] == one_by_one[part], f"{part} differ in {parts} parts for this file:\n{text}"


_SETTINGS = settings(max_examples=40, deadline=None,
                     phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _stored(rows_, key: str, **cells: str) -> dict[str, str]:
    return {**next(r for r in rows_ if r["external_id"] == key), **cells}


# Divergences the test found, kept as plain examples:
# - a customer the feed moves to another manager: row by row (customer_assign) the open tasks, meetings,
#   calls and opportunities of the previous manager go with the customer; in bulk they stayed behind —
#   and a customer moved twice in one file takes the second manager's work on to the third;
_MOVED_TWICE = ("customers", CUSTOMER_HEADER, [_stored(_STORED_CUSTOMERS, "S001", rm="lihua"),
                                               _stored(_STORED_CUSTOMERS, "S002", rm="zhangmin"),
                                               _stored(_STORED_CUSTOMERS, "S001", rm="wangfang")])
# - a holding added by one row and moved to another customer by a later one: in bulk its
#   holding.created event named the later customer, and the update's "before" said 20000, not the
#   stored 20000.00;
_ADDED_THEN_MOVED = ("holdings", HOLDING_HEADER, [{**_NEW_HOLDINGS[1], "external_id": "G001"},
                                                  {**_NEW_HOLDINGS[0], "external_id": "G001"}])
# - a chunk of changes written behind while the next chunk, of a new customer, is judged: the new
#   customer's events took ids drawn as it was judged, the changes' took theirs as they were written
#   later, so the trail read the new customer first (session 27's server-built created events);
_CHANGED_THEN_ADDED = ("customers", CUSTOMER_HEADER, [_stored(_STORED_CUSTOMERS, "S001"),
                                                      _stored(_STORED_CUSTOMERS, "S001", address="文三路 90 号"),
                                                      {**_NEW_CUSTOMERS[0], "external_id": "N001"}])
# - an account number of 33 characters: row by row (holding_create / holding_update's full_clean) the
#   reason named the internal search key too (…；account no reversed：最多 32 字…).
_LONG_ACCOUNT = ("holdings", HOLDING_HEADER, [_stored(_STORED_HOLDINGS, "H001", account_no="6" * 33),
                                              {**_NEW_HOLDINGS[2], "external_id": "G002", "account_no": "6" * 33}])
# - a movement corrected and corrected back in one chunk: the bulk path had nothing to write and
#   crashed on SQLite (bulk_update without fields) — a movement has no updated_at.
_CHANGED_BACK = ("transactions", TRANSACTION_HEADER, [_stored(_STORED_TRANSACTIONS, "T002", amount="0"),
                                                      _stored(_STORED_TRANSACTIONS, "T002")])

# - an amount of -0 followed by a row of the same key: the later row's audit "before" said -0.00 in
#   bulk (the kept row), 0.00 row by row (read back from the database, which has no negative zero).
_NEGATIVE_ZERO = ("holdings", HOLDING_HEADER, [_stored(_STORED_HOLDINGS, "H001", amount="-0"),
                                               _stored(_STORED_HOLDINGS, "H001")])
# Rows the bulk path counts as unchanged at a glance (every cell what is stored, no model instance)
# must be exactly those row by row finds unchanged: a number written otherwise (500000 for 500000.00,
# 2E+5, 15.0) is unchanged; one equal to the stored value but refused by the field (0E-7 has seven
# decimal places, against a 0.00 stored by an earlier chunk) is refused; a mobile written otherwise
# is judged in full and unchanged; an unknown branch or a bad Y/N is refused even when the rest is
# as stored.
_WRITTEN_OTHERWISE = ("customers", CUSTOMER_HEADER, [
    _stored(_STORED_CUSTOMERS, "S001", other_bank_assets="500000"),
    _stored(_STORED_CUSTOMERS, "S002", mobile="+86 139 1234 5678"),
    _stored(_STORED_CUSTOMERS, "S003", branch="B99"),
    _stored(_STORED_CUSTOMERS, "S004", consent_sms="maybe"),
])
_ZERO_WRITTEN_OTHERWISE = ("customers", CUSTOMER_HEADER, [_stored(_STORED_CUSTOMERS, "S001", other_bank_assets="0"),
                                                         _stored(_STORED_CUSTOMERS, "S002"),
                                                         _stored(_STORED_CUSTOMERS, "S001", other_bank_assets="0E-7"),
                                                         _stored(_STORED_CUSTOMERS, "S003", other_bank_assets="1e3")])
_HOLDINGS_WRITTEN_OTHERWISE = ("holdings", HOLDING_HEADER, [
    _stored(_STORED_HOLDINGS, "H001", amount="2E+5"),
    _stored(_STORED_HOLDINGS, "H002", take_profit_pct="15.0", stop_loss_pct="1E+1"),
    _stored(_STORED_HOLDINGS, "H003", customer="CNOPE"),
    _stored(_STORED_HOLDINGS, "H004", units="48000", status="active"),
])
_HOLDING_ZERO_WRITTEN_OTHERWISE = ("holdings", HOLDING_HEADER, [_stored(_STORED_HOLDINGS, "H003", amount="0"),
                                                               _stored(_STORED_HOLDINGS, "H001"),
                                                               _stored(_STORED_HOLDINGS, "H003", amount="0E-7"),
                                                               _stored(_STORED_HOLDINGS, "H002", overdue_days="00")])


@_SETTINGS
@given(file=customer_files, chunk=chunk_sizes, parts=part_counts, backwards=st.booleans())
@example(file=_MOVED_TWICE, chunk=2, parts=2, backwards=False)
@example(file=_MOVED_TWICE, chunk=500, parts=3, backwards=True)
@example(file=_WRITTEN_OTHERWISE, chunk=500, parts=3, backwards=True)
@example(file=_ZERO_WRITTEN_OTHERWISE, chunk=2, parts=2, backwards=False)
def test_customer_feeds_get_the_same_verdict_row_by_row_and_in_bulk(stored, tmp_path, file, chunk, parts, backwards):
    kind, header, feed_rows = file
    _assert_paths_agree(kind, _file(header, feed_rows), chunk, tmp_path / "customers.csv", parts, backwards)


@_SETTINGS
@given(file=holding_files, chunk=chunk_sizes, parts=part_counts, backwards=st.booleans())
@example(file=_ADDED_THEN_MOVED, chunk=500, parts=3, backwards=True)
@example(file=_LONG_ACCOUNT, chunk=2, parts=2, backwards=False)
@example(file=_NEGATIVE_ZERO, chunk=500, parts=3, backwards=True)
@example(file=_HOLDINGS_WRITTEN_OTHERWISE, chunk=500, parts=3, backwards=True)
@example(file=_HOLDING_ZERO_WRITTEN_OTHERWISE, chunk=2, parts=2, backwards=False)
def test_holding_feeds_get_the_same_verdict_row_by_row_and_in_bulk(stored, tmp_path, file, chunk, parts, backwards):
    kind, header, feed_rows = file
    _assert_paths_agree(kind, _file(header, feed_rows), chunk, tmp_path / "holdings.csv", parts, backwards)


@_SETTINGS
@given(file=transaction_files, chunk=chunk_sizes, parts=part_counts, backwards=st.booleans())
@example(file=_CHANGED_BACK, chunk=500, parts=3, backwards=True)
def test_transaction_feeds_get_the_same_verdict_row_by_row_and_in_bulk(stored, tmp_path, file, chunk, parts, backwards):
    kind, header, feed_rows = file
    _assert_paths_agree(kind, _file(header, feed_rows), chunk, tmp_path / "transactions.csv", parts, backwards)


# --- a chunk judged while the one before is written (PostgreSQL) ------------------------------------

@contextmanager
def _slow_writes():
    """Each chunk's write starts a moment late, so that the next chunk is always judged before the
    one before it commits (the case the write-behind must get right: a key in both)."""
    write = bulk._write

    def late(*args, **kwargs):
        time.sleep(0.03)
        return write(*args, **kwargs)

    with mock.patch.object(bulk, "_write", late):
        yield


@pytest.mark.django_db(transaction=True)
@settings(_SETTINGS, max_examples=12)
@given(file=st.one_of(customer_files, holding_files, transaction_files), chunk=st.sampled_from([2, 3]))
@example(file=_MOVED_TWICE, chunk=2)
@example(file=_ADDED_THEN_MOVED, chunk=2)
@example(file=_HOLDING_ZERO_WRITTEN_OTHERWISE, chunk=2)
@example(file=_CHANGED_THEN_ADDED, chunk=2)
def test_a_chunk_judged_while_the_one_before_is_written_gets_the_same_verdict(bank, tmp_path, file, chunk):
    """The bulk path as it runs outside a transaction on PostgreSQL (bulk._WriteBehind: chunk n+1
    judged by the feed's thread while a thread of its own writes chunk n) leaves what the row-by-row
    path leaves, from the same stored bank, committed this time."""
    if connection.vendor != "postgresql":
        pytest.skip("the write-behind runs on PostgreSQL only (a second connection beside the feed's)")
    Customer.objects.all().delete()  # the last example's rows, and their holdings, movements and work
    AuditEvent.objects.all().delete()
    _load_stored(bank, tmp_path)
    kind, header, feed_rows = file
    path = tmp_path / f"{kind}.csv"
    path.write_text(_file(header, feed_rows), encoding="utf-8")
    one_by_one = _run(kind, path, bulk_path=False)  # rolled back

    assert bulk.write_behind()
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    handed = mock.patch.object(bulk._WriteBehind, "write", autospec=True, side_effect=bulk._WriteBehind.write)
    with mock.patch.object(bulk, "CHUNK_RAMP", ()), mock.patch.object(bulk, "CHUNK_SIZE", chunk), \
            _slow_writes(), handed as write:
        behind = _outcome(feed_import(kind=kind, path=path, followups=False), since)
    assert write.call_count == -(-len(feed_rows) // chunk)  # each chunk handed to the writing thread
    for part in one_by_one:
        assert behind[part] == one_by_one[part], f"{part} differ, written behind, for this file:\n{path.read_text()}"
