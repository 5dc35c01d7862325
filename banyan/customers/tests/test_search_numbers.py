"""Search by the numbers a branch reads out (ARC-7): the customer number people see (C000003958)
and the tail of an account or card number (尾号) — in the header box, on the search page and in
the API, never beyond the caller's book."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from banyan.customers.models import Customer
from banyan.customers.selectors import search_customers
from banyan.feeds.services import feed_import
from banyan.holdings.models import Holding
from banyan.holdings.services import holding_create, holding_update
from banyan.org.tests.test_api_auth import ApiCaller


def names(user, q):
    return [c.name for c in search_customers(user, q)]


@pytest.fixture
def numbered(bank, make_customer):
    """王小明 (C000003958, zhangmin's) with a debit card and a deposit account; 曾小梅 (C000003959,
    lihua's) with a card ending in the same four digits."""
    wang = make_customer(bank.rm_a, name="王小明", mobile="13900001111")
    zeng = make_customer(bank.rm_b, name="曾小梅", mobile="13700002222")
    Customer.objects.filter(pk=wang.pk).update(external_id="C000003958")
    Customer.objects.filter(pk=zeng.pk).update(external_id="C000003959")
    holding_create(actor=None, customer=wang, product=bank.products.deposit, amount="50000",
                   purchase_date="2026-01-05", account_no="6217 8500 0011 2237 445")
    holding_create(actor=None, customer=wang, product=bank.products.wealth, amount="80000",
                   purchase_date="2026-02-01", account_no="880100100000777")
    holding_create(actor=None, customer=zeng, product=bank.products.deposit, amount="20000",
                   purchase_date="2026-01-05", account_no="6217850000998877445")
    return wang, zeng


def test_a_customer_is_found_by_the_number_people_see_typed_as_a_teller_types_it(bank, numbered):
    """Before: C000003958 in the header box found nobody — the number was not searched at all."""
    for typed in ("C000003958", "c000003958", "C3958", "c3958", "C03958", " C000003958 "):
        assert names(bank.rm_a, typed) == ["王小明"], typed
    assert names(bank.rm_a, "C39580") == []  # another number, not a prefix search
    assert names(bank.rm_a, "D3958") == []


def test_another_managers_customer_is_not_found_by_its_number(bank, numbered):
    assert names(bank.rm_a, "C000003959") == []
    assert names(bank.rm_a, "c3959") == []
    assert names(bank.rm_c, "C000003958") == []  # another branch
    assert names(bank.rm_b, "C3959") == ["曾小梅"]
    assert names(bank.head, "c3958") == ["王小明"]  # the branch head sees the branch


def test_a_customer_is_found_by_the_tail_of_an_account_or_card_number(bank, numbered):
    """Before: only a whole account number typed exactly (no spaces) found its holder; the 尾号
    a customer reads out on the phone found nobody."""
    assert names(bank.rm_a, "7445") == ["王小明"]  # 4 digits: the card's last four
    assert names(bank.rm_a, "37445") == ["王小明"]  # 5 digits
    assert names(bank.rm_a, "112237445") == ["王小明"]
    assert names(bank.rm_a, "0777") == ["王小明"]  # the wealth account
    assert names(bank.rm_a, "6217850000112237445") == ["王小明"]  # the whole number, stored with spaces
    assert names(bank.rm_a, "6217 8500 0011 2237 445") == ["王小明"]
    assert names(bank.rm_a, "6217-8500-0011-2237-445") == ["王小明"]
    assert names(bank.rm_a, "62178500") == []  # the start of a number is not its tail


def test_another_managers_customer_is_not_found_by_the_tail_of_their_card(bank, numbered):
    # both cards end in 7445 (and in 445): each manager finds only their own customer
    assert names(bank.rm_a, "877445") == []
    assert names(bank.rm_b, "7445") == ["曾小梅"]
    assert names(bank.rm_b, "2237445") == []
    assert names(bank.rm_c, "7445") == []
    assert set(names(bank.head, "7445")) == {"王小明", "曾小梅"}


def test_four_digits_find_mobile_id_and_account_tails_together_richest_first(bank, numbered, make_customer):
    wang, _zeng = numbered
    other = make_customer(bank.rm_a, name="刘洋", mobile="13600007445")
    holding_create(actor=None, customer=other, product=bank.products.deposit, amount="900000",
                   purchase_date="2026-01-05")
    assert names(bank.rm_a, "7445") == ["刘洋", "王小明"]


def test_a_changed_account_number_is_found_by_its_new_tail_only(bank, numbered):
    wang, _zeng = numbered
    card = Holding.objects.get(customer=wang, account_no__startswith="6217")
    holding_update(actor=None, holding=card, account_no="6217850000556677889")
    assert names(bank.rm_a, "7889") == ["王小明"]
    assert names(bank.rm_a, "37445") == []


def test_the_header_box_search_page_and_api_find_by_number_and_tail(bank, numbered, login, client):
    api = ApiCaller(client, bank.rm_a)
    client = login(bank.rm_a)
    suggest = client.get("/customers/search/suggest/", {"q": "c3958"}).content.decode()
    assert "王小明" in suggest
    assert "王小明" in client.get("/customers/search/suggest/", {"q": "7445"}).content.decode()
    assert "曾小梅" not in client.get("/customers/search/suggest/", {"q": "7445"}).content.decode()
    page = client.get("/customers/search/", {"q": "C000003959"})
    assert page.status_code == 200 and "曾小梅" not in page.content.decode()
    found = client.get("/customers/search/", {"q": "C000003958"})
    assert found.status_code in (200, 302)  # a single hit may open the file
    body = api.get("/customers", q="0777").json()
    assert [c["name"] for c in body["items"]] == ["王小明"]
    assert api.get("/customers", q="c3959").json()["count"] == 0


def _feed(path, rows) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["external_id", "customer", "product", "account_no", "amount", "purchase_date"])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_a_fed_holding_is_found_by_its_tail_and_a_fed_change_of_number_follows(bank, make_customer, tmp_path):
    """The feeds write holdings in bulk (COPY on PostgreSQL): their search key is filled too."""
    customer = make_customer(bank.rm_a, name="李娜")
    path = tmp_path / "holdings.csv"
    _feed(path, [["H1", customer.external_id, "TD3Y", "6222020200112233", "10000.00", "2026-01-05"]])
    assert feed_import(kind="holdings", path=path, followups=False).added == 1
    assert names(bank.rm_a, "2233") == ["李娜"]

    _feed(path, [["H1", customer.external_id, "TD3Y", "6222020200119900", "10000.00", "2026-01-05"]])
    assert feed_import(kind="holdings", path=path, followups=False).updated == 1
    assert names(bank.rm_a, "9900") == ["李娜"]
    assert names(bank.rm_a, "2233") == []


def test_the_migration_fills_the_key_of_holdings_stored_before_it(bank, numbered):
    from importlib import import_module

    fill_keys = import_module("banyan.holdings.migrations.0010_account_number_tail_search").fill_keys
    Holding.objects.update(account_no_reversed="")  # as stored before the key existed
    assert names(bank.rm_a, "7445") == []

    fill_keys(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))

    assert names(bank.rm_a, "7445") == ["王小明"]
    assert names(bank.rm_a, "6217850000112237445") == ["王小明"]
