import datetime as dt
from decimal import Decimal

import pytest

from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.customers.pinyin import search_keys
from banyan.customers.selectors import search_customers
from banyan.holdings.services import holding_create


@pytest.mark.parametrize(
    ("name", "full", "initials"),
    [("曾晓明", "zengxiaoming", "zxm"), ("单田芳", "shantianfang", "stf"), ("王小明", "wangxiaoming", "wxm"),
     ("欧阳娜娜", "ouyangnana", "oynn"), ("解放", "xiefang", "xf"), ("吕布", "lvbu", "lb")],
)
def test_surnames_are_read_as_surnames(name, full, initials):
    assert search_keys(name) == (full, initials)


@pytest.fixture
def book(bank, make_customer):
    zeng = make_customer(bank.rm_a, name="曾晓明", mobile="13812345678",
                         id_number=make_resident_id("440104", dt.date(1978, 8, 30), 991))
    wang = make_customer(bank.rm_a, name="王小明", mobile="13900009999")
    other = make_customer(bank.rm_b, name="曾小梅", mobile="13700005678")
    return zeng, wang, other


def names(user, q):
    return [c.name for c in search_customers(user, q)]


def test_search_by_initials_full_pinyin_and_prefix(bank, book):
    assert names(bank.rm_a, "zxm") == ["曾晓明"]
    assert names(bank.rm_a, "ZXM") == ["曾晓明"]
    assert names(bank.rm_a, "zengxiao") == ["曾晓明"]
    assert set(names(bank.rm_a, "xm")) == set()  # initials are prefixes, not substrings
    assert names(bank.rm_a, "wangxm") == []  # mixed forms are not a key
    assert names(bank.rm_a, "曾") == ["曾晓明"]


def test_search_by_phone_tail_id_tail_full_mobile_and_account(bank, book):
    zeng, wang, _ = book
    assert names(bank.rm_a, "5678") == ["曾晓明"]
    assert names(bank.rm_a, zeng.id_number[-4:]) == ["曾晓明"]
    assert names(bank.rm_a, "13900009999") == ["王小明"]
    assert names(bank.rm_a, zeng.id_number) == ["曾晓明"]
    holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="50000",
                   purchase_date="2026-01-05", account_no="6222020200112233445")
    assert names(bank.rm_a, "6222020200112233445") == ["王小明"]


def test_search_never_leaves_the_callers_book(bank, book):
    assert names(bank.rm_b, "zxm") == ["曾小梅"]
    assert names(bank.rm_b, "zengxiaoming") == []
    assert names(bank.rm_b, "5678") == ["曾小梅"]
    assert set(names(bank.head, "5678")) == {"曾晓明", "曾小梅"}
    assert names(bank.rm_c, "曾") == []


def test_empty_and_odd_queries_find_nothing(bank, book):
    for q in ("", "   ", "12", "%", "_", "z%"):
        assert names(bank.rm_a, q) == []


def test_three_letters_or_more_also_find_a_part_of_the_pinyin_after_the_prefix_matches(bank, book, make_customer):
    # given, beside 曾晓明 and 王小明, a customer whose pinyin starts with the query
    make_customer(bank.rm_a, name="萧明")

    # and 王小明 keeps more with the bank than 曾晓明
    Customer.objects.filter(name="王小明").update(aum=Decimal("800000"))
    Customer.objects.filter(name="曾晓明").update(aum=Decimal("50000"))

    # then the prefix match comes first, then the names containing the pinyin, the richest first
    assert names(bank.rm_a, "xiaoming") == ["萧明", "王小明", "曾晓明"]
    assert names(bank.rm_a, "XiaoMing") == ["萧明", "王小明", "曾晓明"]
    assert names(bank.rm_a, "ming") == ["王小明", "曾晓明", "萧明"]  # no prefix match: the richest first
    assert names(bank.rm_a, "xm") == ["萧明"]  # two letters: prefixes only
    # and never outside the caller's book
    assert names(bank.rm_b, "xiaom") == ["曾小梅"]
    assert names(bank.rm_c, "xiaoming") == []


def test_two_chinese_characters_or_more_also_find_names_containing_them(bank, book, make_customer):
    # given a customer whose name starts with the query
    make_customer(bank.rm_a, name="小明亮")

    # then
    assert names(bank.rm_a, "小明") == ["小明亮", "王小明"]
    assert names(bank.rm_a, "晓明") == ["曾晓明"]
    assert names(bank.rm_a, "明") == []  # one character: the surname, by prefix
    assert names(bank.rm_b, "小明") == []
    assert names(bank.rm_b, "小梅") == ["曾小梅"]
    assert names(bank.rm_c, "晓明") == []
    assert set(names(bank.head, "小")) == {"小明亮"}


def test_a_part_matched_by_more_customers_than_the_scan_reads_shows_the_richest_of_those_read(
        bank, book, make_customer, monkeypatch):
    from banyan.customers import selectors

    # given five customers whose pinyin holds "ming" (none starts with it), richest last made
    for i in range(3):
        li = make_customer(bank.rm_a, name="李明")
        Customer.objects.filter(pk=li.pk).update(aum=Decimal(1000 * (i + 1)))
    Customer.objects.filter(name="王小明").update(aum=Decimal("900000"))
    Customer.objects.filter(name="曾晓明").update(aum=Decimal("50"))
    everyone = names(bank.rm_a, "ming")
    assert everyone[0] == "王小明" and everyone[-1] == "曾晓明" and len(everyone) == 5

    # when the scan reads fewer matches than there are
    monkeypatch.setattr(selectors, "PART_SCAN", 3)
    found = search_customers(bank.rm_a, "ming")

    # then three are shown, richest first, none twice, all of them matches
    assert len(found) == 3
    aums = [c.aum for c in found]
    assert aums == sorted(aums, reverse=True)
    assert all("ming" in c.name_pinyin for c in found)
    # and with room for them all the ranking is the whole book's
    monkeypatch.setattr(selectors, "PART_SCAN", 5)
    assert names(bank.rm_a, "ming") == everyone
