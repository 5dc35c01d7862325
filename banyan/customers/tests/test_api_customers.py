"""API v1: the customer file — create, search, read, change, reveal, segment (API.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.org.tests.test_api_auth import ApiCaller, assert_error

ID_1985 = make_resident_id("310104", dt.date(1985, 3, 12), 124)  # a woman: even sequence digit


def new_customer(**overrides):
    body = {"external_id": "C90000001", "name": "曾晓明", "id_number": ID_1985, "mobile": "13812345678",
            "rm": "zhangmin", "risk_level": "C3", "orientation": "value", "other_bank_assets": "800000.00",
            "consent": {"sms": True, "phone": True, "email": False, "wechat": True}}
    body.update(overrides)
    return body


@pytest.fixture
def as_rm_a(bank, client):
    return ApiCaller(client, bank.rm_a)


@pytest.fixture
def as_rm_b(bank, client):
    return ApiCaller(client, bank.rm_b)


# --- create ------------------------------------------------------------------------------------


def test_a_new_customer_comes_back_with_its_id_numbers_masked_and_birth_and_gender_from_the_id(bank, as_rm_a):
    response = as_rm_a.post("/customers", new_customer())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == Customer.objects.get(external_id="C90000001").pk
    assert body["id_number"] == "310104********1244"[:14] + ID_1985[-4:]
    assert ID_1985 not in response.content.decode()
    assert body["mobile"] == "138****5678"
    assert body["birth_date"] == "1985-03-12" and body["gender"] == "F"
    assert body["rm"] == "zhangmin" and body["branch"] == "B01"
    assert body["consent"] == {"sms": True, "phone": True, "email": False, "wechat": True}
    assert body["other_bank_assets"] == "800000.00" and body["aum"] == "0.00"
    assert body["segment"] is None and body["orientation"] == "value"


def test_money_may_be_sent_as_a_number(bank, as_rm_a):
    response = as_rm_a.post("/customers", new_customer(other_bank_assets=1250000))
    assert response.status_code == 201
    assert response.json()["other_bank_assets"] == "1250000.00"


def test_a_wrong_id_check_digit_is_422_on_id_number_with_the_services_words(bank, as_rm_a):
    wrong = ID_1985[:17] + ("0" if ID_1985[17] != "0" else "1")
    error = assert_error(as_rm_a.post("/customers", new_customer(id_number=wrong)), 422, "invalid")
    assert "check digit" in error["fields"]["id_number"][0] or "校验" in error["fields"]["id_number"][0]
    assert not Customer.objects.exists()


def test_a_malformed_date_is_422_naming_the_field(bank, as_rm_a):
    body = new_customer(id_number=None, birth_date="1985-02-30")
    error = assert_error(as_rm_a.post("/customers", body), 422, "invalid")
    assert list(error["fields"]) == ["birth_date"]
    error = assert_error(as_rm_a.post("/customers", new_customer(wedding_anniversary="12/03/2010")), 422, "invalid")
    assert list(error["fields"]) == ["wedding_anniversary"]


def test_a_bad_mobile_and_a_bad_consent_value_are_named(bank, as_rm_a):
    error = assert_error(as_rm_a.post("/customers", new_customer(mobile="12345")), 422, "invalid")
    assert "mobile" in error["fields"]
    error = assert_error(as_rm_a.post("/customers", new_customer(consent={"sms": "maybe"})), 422, "invalid")
    assert list(error["fields"]) == ["consent.sms"]


def test_a_duplicate_customer_number_is_409(bank, as_rm_a, make_customer):
    existing = make_customer(bank.rm_c, name="王芳客户")
    error = assert_error(as_rm_a.post("/customers", new_customer(external_id=existing.external_id)), 409, "conflict")
    assert "external_id" in error["fields"]


def test_an_unknown_manager_is_422_on_rm(bank, as_rm_a):
    error = assert_error(as_rm_a.post("/customers", new_customer(rm="nobody")), 422, "invalid")
    assert list(error["fields"]) == ["rm"]


def test_a_manager_may_fill_only_his_own_book(bank, as_rm_a, client):
    assert_error(as_rm_a.post("/customers", new_customer(rm="lihua")), 403, "forbidden")
    assert_error(as_rm_a.post("/customers", new_customer(rm="wangfang")), 403, "forbidden")
    assert not Customer.objects.exists()
    # a branch head fills the branch's books, an admin any book
    head = ApiCaller(client, bank.head)
    assert head.post("/customers", new_customer(rm="lihua")).status_code == 201
    assert_error(head.post("/customers", new_customer(external_id="C2", rm="wangfang")), 403, "forbidden")
    admin = ApiCaller(client, bank.admin)
    assert admin.post("/customers", new_customer(external_id="C3", id_number=None, rm="wangfang")).status_code == 201


def test_an_unknown_field_is_refused_by_name(bank, as_rm_a):
    error = assert_error(as_rm_a.post("/customers", new_customer(moblie="13812345678")), 422, "invalid")
    assert list(error["fields"]) == ["moblie"]


# --- search and list ---------------------------------------------------------------------------


@pytest.fixture
def book(bank, make_customer):
    zeng = make_customer(bank.rm_a, name="曾晓明", mobile="13812345678",
                         id_number=make_resident_id("440104", dt.date(1978, 8, 30), 991))
    wang = make_customer(bank.rm_a, name="王小明", mobile="13900009999")
    other = make_customer(bank.rm_b, name="曾小梅", mobile="13700005678")
    far = make_customer(bank.rm_c, name="曾大海", mobile="13600005678")
    return zeng, wang, other, far


def found(caller, q):
    response = caller.get("/customers", q=q)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["items"])
    return [c["name"] for c in body["items"]]


def test_search_by_initials_name_mobile_tail_and_id_tail_finds_only_the_callers_customers(bank, book, as_rm_a):
    zeng, wang, other, far = book
    assert found(as_rm_a, "zxm") == ["曾晓明"]
    assert found(as_rm_a, "zengxiao") == ["曾晓明"]
    assert found(as_rm_a, "曾") == ["曾晓明"]
    assert found(as_rm_a, "5678") == ["曾晓明"]
    assert found(as_rm_a, zeng.id_number[-4:]) == ["曾晓明"]
    assert found(as_rm_a, other.id_number[-4:]) == []
    assert found(as_rm_a, "zxmei") == []


def test_search_answers_masked_numbers(bank, book, as_rm_a):
    item = as_rm_a.get("/customers", q="zxm").json()["items"][0]
    assert item["mobile"] == "138****5678" and "*" in item["id_number"]


def test_without_q_the_list_is_the_callers_book_by_aum_a_page_at_a_time(bank, book, as_rm_a, client):
    zeng, wang, *_ = book
    Customer.objects.filter(pk=wang.pk).update(aum=900000)
    body = as_rm_a.get("/customers", limit=1).json()
    assert body["count"] == 2 and [c["name"] for c in body["items"]] == ["王小明"]
    body = as_rm_a.get("/customers", limit=1, offset=1).json()
    assert [c["name"] for c in body["items"]] == ["曾晓明"]
    head = ApiCaller(client, bank.head)
    assert head.get("/customers").json()["count"] == 3  # the branch: both B01 managers' books


def test_a_bad_page_size_is_422_naming_limit(bank, as_rm_a):
    error = assert_error(as_rm_a.get("/customers", limit=0), 422, "invalid")
    assert list(error["fields"]) == ["limit"]


# --- one customer ------------------------------------------------------------------------------


def test_a_customer_file_has_aum_and_segment_and_the_look_is_audited(bank, book, as_rm_a):
    zeng, *_ = book
    response = as_rm_a.get(f"/customers/{zeng.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["aum"] == "0.00" and body["segment"]["quadrant"] is None  # not segmented yet
    assert body["name"] == "曾晓明" and body["mobile"] == "138****5678"
    event = AuditEvent.objects.get(action="customer.viewed", customer_id=zeng.pk)
    assert event.actor == bank.rm_a and event.detail == "api"


def test_another_manager_gets_404_everywhere_on_the_customer(bank, book, as_rm_b, client):
    zeng, *_ = book
    paths = ["", "/segment", "/holdings", "/interactions", "/memos"]
    for suffix in paths:
        assert_error(as_rm_b.get(f"/customers/{zeng.pk}{suffix}"), 404, "not_found")
    assert_error(as_rm_b.post(f"/customers/{zeng.pk}/reveal", {"field": "mobile"}), 404, "not_found")
    assert_error(as_rm_b.patch(f"/customers/{zeng.pk}", {"occupation": "教师"}), 404, "not_found")
    assert_error(as_rm_b.post(f"/customers/{zeng.pk}/memos", {"text": "x", "due_date": "2026-12-01"}), 404,
                 "not_found")
    # a customer that does not exist answers exactly the same
    assert as_rm_b.get("/customers/999999").json() == as_rm_b.get(f"/customers/{zeng.pk}").json()
    assert_error(as_rm_b.get(f"/customers/{2**70}"), 404, "not_found")
    # and an auditor reads the audit log, not customer files
    assert_error(ApiCaller(client, bank.auditor).get(f"/customers/{zeng.pk}"), 404, "not_found")
    assert not AuditEvent.objects.filter(action__in=["customer.viewed", "customer.revealed"]).exists()


def test_a_branch_head_reaches_the_branch_but_not_another_branch(bank, book, client):
    zeng, wang, other, far = book
    head = ApiCaller(client, bank.head)
    assert head.get(f"/customers/{zeng.pk}").status_code == 200
    assert head.get(f"/customers/{other.pk}").status_code == 200
    assert_error(head.get(f"/customers/{far.pk}"), 404, "not_found")


def test_an_assistant_reaches_the_book_of_the_manager_he_works_for(bank, book, client):
    zeng, wang, other, far = book
    assistant = ApiCaller(client, bank.assistant)
    assert assistant.get(f"/customers/{zeng.pk}").status_code == 200
    assert_error(assistant.get(f"/customers/{other.pk}"), 404, "not_found")


def test_reveal_shows_one_number_in_full_and_is_audited(bank, book, as_rm_a):
    zeng, *_ = book
    response = as_rm_a.post(f"/customers/{zeng.pk}/reveal", {"field": "id_number"})
    assert response.status_code == 200 and response.json() == {"value": zeng.id_number}
    assert AuditEvent.objects.get(action="customer.revealed", customer_id=zeng.pk).detail == "id_number"
    error = assert_error(as_rm_a.post(f"/customers/{zeng.pk}/reveal", {"field": "name"}), 422, "invalid")
    assert list(error["fields"]) == ["field"]


def test_patch_changes_only_what_is_sent_and_is_audited(bank, book, as_rm_a):
    zeng, *_ = book
    response = as_rm_a.patch(f"/customers/{zeng.pk}", {"occupation": "中学教师", "consent": {"email": True},
                                                       "other_bank_assets": 50000.5})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["occupation"] == "中学教师" and body["other_bank_assets"] == "50000.50"
    assert body["consent"] == {"sms": False, "phone": True, "email": True, "wechat": False}
    assert body["mobile"] == "138****5678" and body["name"] == "曾晓明"
    event = AuditEvent.objects.get(action="customer.updated", customer_id=zeng.pk)
    assert event.after["occupation"] == "中学教师"


def test_patch_with_a_new_id_number_rederives_birth_date_and_gender(bank, book, as_rm_a):
    zeng, *_ = book
    body = as_rm_a.patch(f"/customers/{zeng.pk}", {"id_number": ID_1985}).json()
    assert body["birth_date"] == "1985-03-12" and body["gender"] == "F"


def test_the_segment_keeps_its_shape_before_and_after_segmentation(bank, make_customer, as_rm_a):
    from banyan.segments.services import segments_recompute

    customer = make_customer(bank.rm_a, orientation="relationship", other_bank_assets="800000", occupation="企业主")
    response = as_rm_a.get(f"/customers/{customer.pk}/segment")
    assert response.status_code == 200
    assert response.json() == {"quadrant": None, "frequency_days": None, "orientation": "relationship",
                               "potential_score": None, "reasons": [], "is_priority": False, "value_rank": None,
                               "frequency_agreed": False, "contact_maturities_only": False}
    segments_recompute()
    body = as_rm_a.get(f"/customers/{customer.pk}/segment").json()
    assert body["quadrant"] == "low_high" and body["frequency_days"] == 14
    assert "他行资产约 80 万" in body["reasons"] and "企业主" in body["reasons"]
    assert as_rm_a.get(f"/customers/{customer.pk}").json()["segment"] == body


def test_text_no_database_could_store_is_refused_as_bad_input(bank, book, as_rm_a):
    error = assert_error(as_rm_a.post("/customers", new_customer(name="王\x00明")), 422, "invalid")
    assert list(error["fields"]) == ["name"]
    assert as_rm_a.get("/customers", q="zx\x00m").status_code == 200
    assert_error(as_rm_a.get("/products/F001%00"), 404, "not_found")


def test_search_pages_keep_the_ranking_and_the_count_of_all_matches(bank, book, as_rm_a):
    """Given two of zhangmin's customers whose pinyin holds "xiao", when the API is asked one per
    page, then each page holds the next in the ranking and both pages count both matches."""
    first = as_rm_a.get("/customers", q="xiao", limit=1).json()
    second = as_rm_a.get("/customers", q="xiao", limit=1, offset=1).json()
    assert first["count"] == second["count"] == 2
    assert {first["items"][0]["name"], second["items"][0]["name"]} == {"曾晓明", "王小明"}


def test_a_page_of_customers_costs_the_same_few_queries_whatever_its_length(bank, make_customer, as_rm_a,
                                                                             django_assert_max_num_queries):
    # given a book of 30 customers, half of them with an assistant
    for i in range(30):
        c = make_customer(bank.rm_a, name=f"曾{'一二三四五六七八九十'[i % 10]}明")
        if i % 2:
            Customer.objects.filter(pk=c.pk).update(assistant=bank.assistant)

    # when a page of 30 is listed and searched: the token, the matches, the page (and a count), and
    # the audit event with its 30 customers (two inserts in a savepoint of their own: 4 more)
    with django_assert_max_num_queries(9):
        listed = as_rm_a.get("/customers", limit=30).json()
    with django_assert_max_num_queries(9):
        searched = as_rm_a.get("/customers", q="zeng", limit=30).json()

    # then every customer comes with the manager, the assistant and the branch
    for body in (listed, searched):
        assert len(body["items"]) == 30
        assert {c["rm"] for c in body["items"]} == {bank.rm_a.username}
        assert {c["assistant"] for c in body["items"]} == {None, bank.assistant.username}
        assert {c["branch"] for c in body["items"]} == {bank.rm_a.branch.code}
