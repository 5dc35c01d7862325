"""API v1: POST and GET /customers/{id}/messages (a compatible extension of API.md)."""

from __future__ import annotations

from banyan.messaging.models import Message
from banyan.org.tests.test_api_auth import ApiCaller, assert_error


def test_a_message_is_written_and_sent_through_the_api(bank, make_customer, client, gateways):
    customer = make_customer(bank.rm_a, name="王建国", mobile="13812345678", consent_sms=True)
    response = ApiCaller(client, bank.rm_a).post(f"/customers/{customer.pk}/messages", {
        "channel": "sms", "template": "appointment_confirmation", "context": {"date": "2026-11-28T10:00"}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "sent" and body["rule"] is None and body["template"] == "appointment_confirmation"
    assert body["to"] == "138****5678" and body["staff"] == "zhangmin" and body["attempts"] == 1
    assert body["body"].startswith("王先生您好，已为您预约11月28日上午10:00在城东支行面谈")
    assert body["sent_at"].startswith("2026-11-23T") and body["gateway_id"] == gateways.sms.lines()[0]["id"]


def test_a_blocked_message_is_created_with_its_rule_not_refused(bank, make_customer, client, gateways):
    customer = make_customer(bank.rm_a, name="王建国")  # no SMS consent
    response = ApiCaller(client, bank.rm_a).post(f"/customers/{customer.pk}/messages",
                                                 {"channel": "sms", "body": "{title}您好，资料已寄出。"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "blocked" and body["rule"] == "no_consent"
    assert body["status_detail"] == "客户未同意接收短信" and body["body"] == "王先生您好，资料已寄出。"
    assert gateways.sms.lines() == []


def test_the_list_answers_the_customers_messages_newest_first(bank, make_customer, client):
    customer = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    caller = ApiCaller(client, bank.rm_a)
    for text in ("第一条", "第二条"):
        caller.post(f"/customers/{customer.pk}/messages", {"channel": "sms", "body": text})
    body = caller.get(f"/customers/{customer.pk}/messages").json()
    assert body["count"] == 2 and [m["body"] for m in body["items"]] == ["第二条", "第一条"]


def test_bad_input_is_422_with_the_field(bank, make_customer, client):
    customer = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    caller = ApiCaller(client, bank.rm_a)
    assert "channel" in assert_error(caller.post(f"/customers/{customer.pk}/messages", {"channel": "fax",
                                                                                        "body": "x"}),
                                     422, "invalid")["fields"]
    assert "body" in assert_error(caller.post(f"/customers/{customer.pk}/messages", {"channel": "sms"}),
                                  422, "invalid")["fields"]
    error = assert_error(caller.post(f"/customers/{customer.pk}/messages", {"channel": "sms", "template": "maturity"}),
                         422, "invalid")
    assert "context" in error["fields"]  # no maturing product: the reminder needs one
    assert not Message.objects.exists()


def test_another_manager_gets_404_and_writes_nothing(bank, make_customer, client, gateways):
    customer = make_customer(bank.rm_a, name="王建国", consent_sms=True)
    ApiCaller(client, bank.rm_a).post(f"/customers/{customer.pk}/messages", {"channel": "sms", "body": "您好"})
    other = ApiCaller(client, bank.rm_c)
    assert_error(other.get(f"/customers/{customer.pk}/messages"), 404, "not_found")
    assert_error(other.post(f"/customers/{customer.pk}/messages", {"channel": "sms", "body": "您好"}), 404,
                 "not_found")
    assert Message.objects.count() == 1 and len(gateways.sms.lines()) == 1


def test_the_endpoints_are_in_the_openapi_document(bank, client):
    paths = ApiCaller(client, bank.rm_a).get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/customers/{id}/messages"])
