import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from banyan.audit.models import AuditEvent
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create


def _names(response) -> list[str]:
    """Customer names in the book's table, in order."""
    if "<tbody>" not in response.text:
        return []
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'href="/customers/\d+/">([^<]+)</a>', body)


def _contact(customer, rm, days_ago):
    moment = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0) - dt.timedelta(days=days_ago))
    interaction_log(actor=rm, customer=customer, channel="phone", occurred_at=moment)


def _deposit(bank, customer, amount):
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount=amount,
                   purchase_date="2025-01-01")


@pytest.fixture
def book(bank, make_customer):
    """Three of zhangmin's customers with different AUM and last contacts; one of lihua's; one in B02."""
    rich = make_customer(bank.rm_a, name="曾晓明", risk_level="C4")
    _deposit(bank, rich, "7000000")
    _contact(rich, bank.rm_a, 3)
    middle = make_customer(bank.rm_a, name="艾米", risk_level="C2")
    _deposit(bank, middle, "120000")
    _contact(middle, bank.rm_a, 90)
    poor = make_customer(bank.rm_a, name="钱多多", risk_level="C2")
    _deposit(bank, poor, "8000")
    other = make_customer(bank.rm_b, name="李娜")
    far = make_customer(bank.rm_c, name="王强")
    return {"rich": rich, "middle": middle, "poor": poor, "other": other, "far": far}


def test_my_book_lists_only_my_customers_by_aum_with_masked_mobiles(bank, login, book):
    response = login(bank.rm_a).get("/customers/")
    assert response.status_code == 200
    assert "我的客户" in response.text
    assert _names(response) == ["曾晓明", "艾米", "钱多多"]
    assert "共 3 位客户" in response.text or "3 位客户" in response.text
    assert "¥7,000,000.00" in response.text
    rich = book["rich"]
    assert rich.mobile not in response.text
    assert f"{rich.mobile[:3]}****{rich.mobile[-4:]}" in response.text


def test_days_since_contact_turn_red_after_60_days_and_never_is_red(bank, login, book):
    response = login(bank.rm_a).get("/customers/?sort=-days")
    assert _names(response) == ["钱多多", "艾米", "曾晓明"]  # never, 90 days, 3 days
    rows = response.text.split("<tbody>", 1)[1].split("<tr>")[1:]
    assert 'class="overdue"' in rows[0] and 'class="overdue">90<' in rows[1]
    assert 'class="overdue"' not in rows[2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=aum", ["钱多多", "艾米", "曾晓明"]),
        ("sort=name", ["艾米", "钱多多", "曾晓明"]),  # by pinyin: ai, qian, zeng
        ("sort=-last_contact", ["曾晓明", "艾米", "钱多多"]),
        ("band=ge600w", ["曾晓明"]),
        ("band=5w-50w", ["艾米"]),
        ("band=lt5w", ["钱多多"]),
        ("idle=60", ["艾米", "钱多多"]),
        ("idle=60&sort=aum", ["钱多多", "艾米"]),
        ("risk=C2", ["艾米", "钱多多"]),
    ],
)
def test_the_book_sorts_and_filters(bank, login, book, query, expected):
    response = login(bank.rm_a).get(f"/customers/?{query}")
    assert response.status_code == 200
    assert _names(response) == expected


def test_the_book_is_paginated_by_50_with_the_count_on_top(bank, login, make_customer):
    for i in range(55):
        make_customer(bank.rm_a, name=f"客户{i:02d}")
    client = login(bank.rm_a)
    first = client.get("/customers/")
    assert len(_names(first)) == 50
    assert "55" in first.text
    second = client.get("/customers/?page=2")
    assert len(_names(second)) == 5


def test_the_book_page_costs_the_same_queries_for_5_or_30_customers(bank, login, make_customer):
    def queries_for_the_book(client) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/customers/")
        assert response.status_code == 200
        return len(captured)

    for i in range(5):
        make_customer(bank.rm_a, name=f"客户{i:02d}")
    client = login(bank.head)
    few = queries_for_the_book(client)
    for i in range(25):
        make_customer(bank.rm_b, name=f"顾客{i:02d}")
    many = queries_for_the_book(client)
    assert many == few


def test_the_branch_head_sees_the_branch_and_not_the_other_branch(bank, login, book):
    response = login(bank.head).get("/customers/")
    names = _names(response)
    assert set(names) == {"曾晓明", "艾米", "钱多多", "李娜"}
    assert "王强" not in response.text
    assert "李华" in response.text  # the manager column


def test_the_branch_head_filters_by_a_manager_of_the_branch_only(bank, login, book):
    client = login(bank.head)
    assert _names(client.get(f"/customers/?rm={bank.rm_b.pk}")) == ["李娜"]
    # A manager of another branch is not a choice: the filter is refused, the other branch stays hidden.
    response = client.get(f"/customers/?rm={bank.rm_c.pk}")
    assert "王强" not in response.text
    assert 'name="rm"' in response.text


def test_a_refused_filter_is_shown_and_the_others_still_apply(bank, login, book):
    response = login(bank.rm_a).get("/customers/?idle=-3&risk=C4")
    assert _names(response) == ["曾晓明"]
    assert "is-invalid" in response.text


def test_a_manager_cannot_filter_by_another_manager(bank, login, book):
    response = login(bank.rm_a).get(f"/customers/?rm={bank.rm_b.pk}")
    assert "李娜" not in response.text
    assert 'name="rm"' not in response.text


def test_csv_export_is_filtered_masked_and_audited(bank, login, book):
    response = login(bank.rm_a).get("/customers/export.csv?band=5w-50w&sort=-aum")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2  # header + 艾米
    middle = book["middle"]
    assert rows[1][1] == "艾米"
    assert middle.mobile not in response.content.decode()
    assert f"{middle.mobile[:3]}****{middle.mobile[-4:]}" in rows[1]
    event = AuditEvent.objects.get(action="customer.exported", actor=bank.rm_a)
    assert event.data == {"via": "book_csv", "count": 1, "filter": {"band": "5w-50w", "sort": "-aum"}}
    assert list(event.customers.values_list("customer_id", flat=True)) == [middle.pk]


def test_csv_export_never_reaches_beyond_the_visible_book(bank, login, book):
    response = login(bank.rm_b).get("/customers/export.csv")
    body = response.content.decode("utf-8-sig")
    assert "李娜" in body and "曾晓明" not in body
    event = AuditEvent.objects.get(action="customer.exported")
    assert set(event.customers.values_list("customer_id", flat=True)) == {book["other"].pk}


def test_the_auditor_has_no_book(bank, login, book):
    response = login(bank.auditor).get("/customers/")
    assert response.status_code == 200
    assert _names(response) == []
    assert "没有符合条件的客户" in response.text
    assert Customer.objects.count() == 5
