# ruff: noqa: F811 (the capbook fixture, imported, is a test's argument)
"""The capacity page and API (issue 16 §8): the same figures, who may read them (another branch
404), the audit event per read, accepting a proposal once (the page's form and the API)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD
from banyan.customers.models import Customer
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.staffing.tests.capacity_fixtures import capbook  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _api(user) -> Client:
    client = Client()
    answer = client.post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD},
                         content_type="application/json")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {answer.json()['token']}"
    return client


def test_the_api_answers_the_hand_computed_figures_and_the_proposals(capbook):
    bank, c = capbook.bank, capbook.customers
    answer = _api(bank.head).get("/api/v1/branches/B01/capacity")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["branch"], body["month"], body["working_days"]) == ("B01", "2026-11-01", 21)
    rows = {m["manager"]: m for m in body["managers"]}
    a = rows["zhangmin"]
    assert (a["book"], a["contacts_needed_per_month"], a["capacity_per_month"], a["load"], a["over"]) \
        == (11, 27.7, 21, 1.319, True)
    assert a["book_by_quadrant"] == {"high_high": 2, "high_low": 2, "low_high": 1, "low_low": 5, "none": 1}
    assert (a["agreed"], a["maturities_only"], a["load_after_proposals"]) == (1, 1, 0.41)
    assert (rows["lihua"]["load"], rows["lihua"]["over"], rows["zhouqiang"]["load"]) == (0.019, False, 0.19)
    moves = {(p["from_rm"], p["to_rm"]): sorted(p["customer_ids"]) for p in body["proposals"]}
    assert moves == {("zhangmin", "lihua"): sorted([x.pk for x in c.lowlow] + [c.lh.pk, c.agreed.pk])}
    assert body["unrelieved"] == []
    event = AuditEvent.objects.get(action="capacity.read")
    assert event.data["via"] == "capacity_api" and event.data["count"] == 7
    assert event.data["filter"] == {"branch": "B01", "month": "2026-11-01", "managers": 3}


def test_the_page_shows_the_same_figures_as_the_api(capbook, login):
    bank = capbook.bank
    api = _api(bank.head).get("/api/v1/branches/B01/capacity").json()
    page = login(bank.head).get("/staffing/capacity/")
    assert page.status_code == 200
    html = page.content.decode()
    for m in api["managers"]:
        row = re.search(rf'<tr data-manager="{m["manager"]}"(.*?)</tr>', html, re.S).group(0)
        assert f'{m["contacts_needed_per_month"]:.1f}' in row
        assert f'>{m["capacity_per_month"]} ' in row
        assert f'{m["load"] * 100:.1f}%' in row
        assert ("capacity-over" in row) == m["over"]
    for p in api["proposals"]:
        assert ",".join(str(i) for i in p["customer_ids"]) in html
    assert "服务容量测算" in html and "1 位客户经理超负荷" in html and "采纳调整" in html
    assert 'id="nav-capacity"' in html
    assert AuditEvent.objects.filter(action="capacity.read").count() == 2


def test_a_manager_reads_only_his_own_row_and_no_one_reads_another_branch(capbook, login):
    bank = capbook.bank
    own = _api(bank.rm_b).get("/api/v1/branches/B01/capacity").json()
    assert [m["manager"] for m in own["managers"]] == ["lihua"] and own["proposals"] == []
    page = login(bank.rm_b).get("/staffing/capacity/").content.decode()
    assert 'data-manager="lihua"' in page and 'data-manager="zhangmin"' not in page and "两高" not in page
    assert 'id="nav-capacity"' not in page
    assert _api(bank.head).get("/api/v1/branches/B02/capacity").status_code == 404
    assert _api(bank.head).get("/api/v1/branches/NOPE/capacity").status_code == 404
    assert _api(bank.rm_c).get("/api/v1/branches/B01/capacity").status_code == 404
    assert _api(bank.rm_a).get("/api/v1/branches/B02/capacity").status_code == 404
    for role_user in (bank.assistant, bank.auditor):
        assert _api(role_user).get("/api/v1/branches/B01/capacity").status_code == 404
        assert login(role_user).get("/staffing/capacity/").status_code == 404
    lobby = staff_create(actor=None, username="lobby1", password=PASSWORD, role=Role.LOBBY, branch=bank.b1,
                         full_name="大堂", check_password=False)
    assert login(lobby).get("/staffing/capacity/").status_code == 404
    assert login(bank.head).get("/staffing/capacity/?branch=B02").status_code == 404
    # the admin chooses any branch
    admin = login(bank.admin)
    assert "选择网点" in admin.get("/staffing/capacity/").content.decode()
    assert 'data-manager="wangfang"' in admin.get("/staffing/capacity/?branch=B02").content.decode()
    assert _api(bank.admin).get("/api/v1/branches/B02/capacity").status_code == 200


def test_accepting_on_the_page_moves_the_customers_once(capbook, login):
    bank, c = capbook.bank, capbook.customers
    head = login(bank.head)
    ids = [x.pk for x in c.lowlow] + [c.lh.pk]
    form = {"branch": "B01", "from_rm": "zhangmin", "to_rm": "lihua", "customer_ids": ",".join(map(str, ids))}
    first = head.post("/staffing/capacity/accept/", form, follow=True)
    assert first.status_code == 200 and "已将 6 位客户从张敏调整给李华" in first.content.decode()
    assert set(Customer.objects.filter(pk__in=ids).values_list("rm_id", flat=True)) == {bank.rm_b.pk}
    second = head.post("/staffing/capacity/accept/", form, follow=True)
    assert "6 位客户已不在张敏名下，已跳过" in second.content.decode()
    assert AuditEvent.objects.filter(action="customers.reassigned").count() == 1
    # the page after the move: zhangmin 27.7 - 2.0 - 1.9 = 23.8, still over; the rest proposed again
    html = second.content.decode()
    assert re.search(r'<tr data-manager="zhangmin".*?23\.8.*?</tr>', html, re.S)


def test_accept_needs_the_csrf_token_and_the_branch_head(capbook, login):
    bank, c = capbook.bank, capbook.customers
    form = {"branch": "B01", "from_rm": "zhangmin", "to_rm": "lihua", "customer_ids": str(c.lh.pk)}
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bank.head)
    assert strict.post("/staffing/capacity/accept/", form).status_code == 403
    assert login(bank.rm_a).post("/staffing/capacity/accept/", form).status_code == 404
    assert login(bank.head).post("/staffing/capacity/accept/", {**form, "branch": "B02"}).status_code == 404
    # a manager of another branch is refused at the field, like none
    answer = login(bank.head).post("/staffing/capacity/accept/", {**form, "to_rm": "wangfang"}, follow=True)
    assert "请选择本网点的客户经理" in answer.content.decode()
    assert Customer.objects.get(pk=c.lh.pk).rm_id == bank.rm_a.pk


def test_accepting_over_the_api_moves_once_and_refuses_others(capbook):
    bank, c = capbook.bank, capbook.customers
    body = {"from_rm": "zhangmin", "to_rm": "zhouqiang", "customer_ids": [c.agreed.pk]}
    head = _api(bank.head)
    first = head.post("/api/v1/branches/B01/capacity/accept", body, content_type="application/json")
    assert first.status_code == 200 and first.json() == {"moved": [c.agreed.pk], "skipped": []}
    again = head.post("/api/v1/branches/B01/capacity/accept", body, content_type="application/json")
    assert again.json() == {"moved": [], "skipped": [c.agreed.pk]}
    assert Customer.objects.get(pk=c.agreed.pk).rm_id == capbook.planner.pk
    assert _api(bank.rm_a).post("/api/v1/branches/B01/capacity/accept", body,
                                content_type="application/json").status_code == 404
    assert head.post("/api/v1/branches/B02/capacity/accept", body, content_type="application/json").status_code == 404
    foreign = head.post("/api/v1/branches/B01/capacity/accept", {**body, "to_rm": "wangfang"},
                        content_type="application/json")
    assert foreign.status_code == 422 and "to_rm" in foreign.json()["error"]["fields"]
    assert head.post("/api/v1/branches/B01/capacity/accept", {**body, "customer_ids": []},
                     content_type="application/json").status_code == 422
    after = head.get("/api/v1/branches/B01/capacity").json()
    rows = {m["manager"]: m for m in after["managers"]}
    assert rows["zhangmin"]["contacts_needed_per_month"] == 12.5  # 27.7 - 15.2
    assert rows["zhouqiang"]["contacts_needed_per_month"] == 19.2
