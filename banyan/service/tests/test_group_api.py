"""API v1 of customer groups (API.md "Service quality"): the contract, the consent's wording, 404 to
another manager and branch, the auditor reads, and the members' list audited as a bulk read."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.org.services import api_token_issue
from banyan.service.models.groups import GroupMembership

pytestmark = pytest.mark.django_db


def _api(staff):
    client = Client()
    token = api_token_issue(staff=staff)

    def call(method, path, body=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            return client.generic(method, f"/api/v1{path}", json.dumps(body),
                                  content_type="application/json", **kwargs)
        return client.generic(method, f"/api/v1{path}", **kwargs)

    return call


def test_create_add_share_withdraw_through_the_api(bank, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    api = _api(bank.rm_a)
    created = api("POST", "/groups", {"name": "张敏的理财交流群", "kind": "wechat", "purpose": "理财知识分享"})
    assert created.status_code == 201, created.content
    g = created.json()
    assert g["manager"] == "zhangmin" and g["branch"] == bank.b1.code and g["members"] == 0
    gid = g["id"]

    missing = api("POST", f"/groups/{gid}/members", {"customer_id": wang.pk})
    assert missing.status_code == 422 and "consent" in missing.json()["error"]["fields"]
    added = api("POST", f"/groups/{gid}/members", {"customer_id": wang.pk,
                                                  "consent": {"channel": "wechat", "date": "2026-11-22"}})
    assert added.status_code == 201, added.content
    body = added.json()
    assert body["current"] and body["consent"]["wording_version"] == 1 and body["consent"]["date"] == "2026-11-22"
    assert "张敏的理财交流群" in body["consent"]["text"]
    assert body["warnings"]  # no WeChat consent on the file: this consent covers the group only
    again = api("POST", f"/groups/{gid}/members", {"customer_id": wang.pk, "consent": {"channel": "phone"}})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    promising = api("POST", f"/groups/{gid}/shares", {"text": "这款理财保本保息"})
    assert promising.status_code == 422 and "text" in promising.json()["error"]["fields"]
    shared = api("POST", f"/groups/{gid}/shares", {"text": "本周市场回顾：投资有风险，入市需谨慎。"})
    assert shared.status_code == 201 and shared.json()["reached"] == 1

    detail = api("GET", f"/groups/{gid}")
    assert detail.status_code == 200
    d = detail.json()
    assert d["members"] == 1 and d["members_list"][0]["customer_id"] == wang.pk and len(d["shares"]) == 1
    event = AuditEvent.objects.filter(action="customer.listed", data__via="api_group_members").get()
    assert list(AuditEventCustomer.objects.filter(event=event).values_list("customer_id", flat=True)) == [wang.pk]

    out = api("POST", f"/groups/{gid}/members/{wang.pk}/withdraw", {"channel": "phone", "note": "电话告知退出"})
    assert out.status_code == 200 and out.json()["current"] is False
    assert out.json()["withdrawal"]["channel"] == "phone"
    assert api("POST", f"/groups/{gid}/members/{wang.pk}/withdraw", {"channel": "phone"}).status_code == 409
    later = api("POST", f"/groups/{gid}/shares", {"text": "12月沙龙报名"})
    assert later.json()["reached"] == 0  # never messaged there again
    listing = api("GET", "/groups").json()
    assert listing["count"] == 1 and listing["items"][0]["members"] == 0
    assert GroupMembership.objects.get().withdrawn_note == "电话告知退出"


def test_the_consent_takes_a_version_or_its_own_text_and_refuses_bad_input(bank, make_customer):
    wang, li = make_customer(bank.rm_a, name="王建国"), make_customer(bank.rm_a, name="李秀英")
    api = _api(bank.rm_a)
    gid = api("POST", "/groups", {"name": "沙龙", "kind": "salon"}).json()["id"]
    both = api("POST", f"/groups/{gid}/members",
               {"customer_id": wang.pk, "consent": {"channel": "paper", "wording_version": 1, "text": "自拟"}})
    assert both.status_code == 422 and "consent.text" in both.json()["error"]["fields"]
    unknown = api("POST", f"/groups/{gid}/members",
                  {"customer_id": wang.pk, "consent": {"channel": "paper", "wording_version": 99}})
    assert unknown.status_code == 422 and "consent.wording_version" in unknown.json()["error"]["fields"]
    future = api("POST", f"/groups/{gid}/members",
                 {"customer_id": wang.pk, "consent": {"channel": "paper", "date": "2026-12-01"}})
    assert future.status_code == 422 and "consent.date" in future.json()["error"]["fields"]
    extra = api("POST", f"/groups/{gid}/members",
                {"customer_id": wang.pk, "consent": {"channel": "paper", "signed": True}})
    assert extra.status_code == 422 and "consent.signed" in extra.json()["error"]["fields"]
    own = api("POST", f"/groups/{gid}/members",
              {"customer_id": li.pk, "consent": {"channel": "paper", "text": "纸质同意书全文"}})
    assert own.status_code == 201 and own.json()["consent"] == {**own.json()["consent"], "wording_version": None,
                                                                 "text": "纸质同意书全文"}
    assert not GroupMembership.objects.filter(customer=wang).exists()


def test_another_manager_or_branch_gets_404_and_the_auditor_reads(bank, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    gid = _api(bank.rm_a)("POST", "/groups", {"name": "城东沙龙", "kind": "salon"}).json()["id"]
    _api(bank.rm_a)("POST", f"/groups/{gid}/members", {"customer_id": wang.pk, "consent": {"channel": "in_person"}})
    for outsider in (bank.rm_b, bank.rm_c):
        api = _api(outsider)
        assert api("GET", f"/groups/{gid}").status_code == 404
        assert api("POST", f"/groups/{gid}/members",
                   {"customer_id": wang.pk, "consent": {"channel": "in_person"}}).status_code == 404
        assert api("POST", f"/groups/{gid}/members/{wang.pk}/withdraw", {"channel": "phone"}).status_code == 404
        assert api("POST", f"/groups/{gid}/shares", {"text": "你好"}).status_code == 404
        assert api("GET", "/groups").json()["count"] == 0
    # a manager adds only customers he or she can see
    other = make_customer(bank.rm_b, name="李华的客户")
    assert _api(bank.rm_a)("POST", f"/groups/{gid}/members",
                           {"customer_id": other.pk, "consent": {"channel": "in_person"}}).status_code == 404
    auditor = _api(bank.auditor)
    assert auditor("GET", f"/groups/{gid}").status_code == 200
    assert auditor("POST", f"/groups/{gid}/shares", {"text": "你好"}).status_code == 403
    assert _api(bank.head)("GET", f"/groups/{gid}").status_code == 200
    assert _api(bank.assistant)("GET", f"/groups/{gid}").status_code == 200
    assert GroupMembership.objects.filter(withdrawn_at__isnull=True).count() == 1
