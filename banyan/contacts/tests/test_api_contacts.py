"""API v1: the contact history and service memos of a customer (API.md)."""

from __future__ import annotations

import pytest

from banyan.customers.models import Customer
from banyan.org.tests.test_api_auth import ApiCaller, assert_error


@pytest.fixture
def as_rm_a(bank, client):
    return ApiCaller(client, bank.rm_a)


def test_contacts_are_recorded_and_listed_newest_first(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    first = as_rm_a.post(f"/customers/{customer.pk}/interactions", {
        "channel": "phone", "occurred_at": "2026-11-20T10:00:00+08:00", "purpose": "maturity",
        "summary": "提醒定期下月到期", "outcome": "reached"})
    assert first.status_code == 201, first.content
    assert first.json()["staff"] == "zhangmin" and first.json()["outcome"] == "reached"
    as_rm_a.post(f"/customers/{customer.pk}/interactions", {"channel": "wechat", "occurred_at": "2026-11-22T09:30",
                                                            "outcome": "reached"})
    listed = as_rm_a.get(f"/customers/{customer.pk}/interactions").json()
    assert listed["count"] == 2 and [i["channel"] for i in listed["items"]] == ["wechat", "phone"]
    assert Customer.objects.get(pk=customer.pk).last_contact_at.date().isoformat() == "2026-11-22"


def test_a_bad_channel_or_a_contact_in_the_future_is_named(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/interactions", {"channel": "pigeon"}), 422,
                         "invalid")
    assert list(error["fields"]) == ["channel"]
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/interactions", {
        "channel": "phone", "occurred_at": "2027-01-01T10:00"}), 422, "invalid")
    assert list(error["fields"]) == ["occurred_at"]
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/interactions", {
        "channel": "phone", "occurred_at": "0001-01-01T00:00"}), 422, "invalid")
    assert list(error["fields"]) == ["occurred_at"]


def test_memos_are_written_and_the_open_ones_listed_by_due_date(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    response = as_rm_a.post(f"/customers/{customer.pk}/memos", {"text": "想了解大额存单，下期额度出来告诉她",
                                                                 "due_date": "2026-12-15"})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open" and response.json()["author"] == "zhangmin"
    as_rm_a.post(f"/customers/{customer.pk}/memos", {"text": "生日前送蛋糕券", "due_date": "2026-12-01"})
    listed = as_rm_a.get(f"/customers/{customer.pk}/memos").json()
    assert [m["due_date"] for m in listed["items"]] == ["2026-12-01", "2026-12-15"]
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/memos", {"text": "x", "due_date": "tomorrow"}),
                         422, "invalid")
    assert list(error["fields"]) == ["due_date"]


def test_another_manager_cannot_read_or_write_the_history(bank, make_customer, client):
    customer = make_customer(bank.rm_a)
    other = ApiCaller(client, bank.rm_b)
    assert_error(other.post(f"/customers/{customer.pk}/interactions", {"channel": "phone"}), 404, "not_found")
    assert_error(other.get(f"/customers/{customer.pk}/interactions"), 404, "not_found")
    assert_error(other.get(f"/customers/{customer.pk}/memos"), 404, "not_found")
    assert not customer.interactions.exists() and not customer.memos.exists()
