"""The manager's own number (issue 16 §2, seed 004): a work mobile and WeChat ID set by
`banyan staff add --mobile`, by `PATCH /api/v1/me` and on the "My work number" page; a bad mobile
is refused at the field with nothing written."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from banyan.audit.models import AuditEvent
from banyan.org.models import Staff
from banyan.org.tests.test_api_auth import ApiCaller, assert_error


@pytest.mark.django_db
def test_staff_add_takes_the_work_mobile_and_wechat(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-passw0rd\n"))
    call_command("staff", "add", "liuyang", "--role", "rm", "--branch", "B09", "--mobile", "138 0000 1111",
                 "--wechat", "liuyang_bank", stdout=io.StringIO())
    staff = Staff.objects.get(username="liuyang")
    assert (staff.work_mobile, staff.work_wechat) == ("13800001111", "liuyang_bank")


@pytest.mark.django_db
def test_staff_add_refuses_a_bad_mobile_with_a_clear_message_and_creates_nothing(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-passw0rd\n"))
    with pytest.raises(CommandError) as refused:
        call_command("staff", "add", "zhaoqiang", "--role", "rm", "--branch", "B77", "--mobile", "1380000",
                     stdout=io.StringIO())
    assert "work_mobile" in str(refused.value) and "7" in str(refused.value)  # 11 digits; 7 entered
    assert not Staff.objects.filter(username="zhaoqiang").exists()
    from banyan.org.models import Branch
    assert not Branch.objects.filter(code="B77").exists()


def test_the_api_shows_and_sets_ones_own_work_number(bank, client):
    me = ApiCaller(client, bank.rm_a)
    body = me.get("/me").json()
    assert body["username"] == "zhangmin" and body["work_mobile"] == "" and body["branch"] == bank.b1.code
    response = me.patch("/me", {"work_mobile": "+86 139-0000-2222", "work_wechat": "zhangmin_cd"})
    assert response.status_code == 200, response.content
    assert (response.json()["work_mobile"], response.json()["work_wechat"]) == ("13900002222", "zhangmin_cd")
    bank.rm_a.refresh_from_db()
    assert bank.rm_a.work_mobile == "13900002222"
    assert AuditEvent.objects.filter(action="staff.contact_changed", actor=bank.rm_a).count() == 1
    # a field left out stays; the same values again change nothing and write no audit event
    assert me.patch("/me", {"work_wechat": "zhangmin_cd"}).json()["work_mobile"] == "13900002222"
    assert AuditEvent.objects.filter(action="staff.contact_changed").count() == 1


def test_the_api_refuses_a_bad_number_at_the_field_and_writes_nothing(bank, client):
    me = ApiCaller(client, bank.rm_a)
    error = assert_error(me.patch("/me", {"work_mobile": "12345", "work_wechat": "ok_wechat1"}), 422, "invalid")
    assert "work_mobile" in error["fields"]
    error = assert_error(me.patch("/me", {"work_wechat": "1bad"}), 422, "invalid")
    assert "work_wechat" in error["fields"]
    bank.rm_a.refresh_from_db()
    assert (bank.rm_a.work_mobile, bank.rm_a.work_wechat) == ("", "")
    assert_error(ApiCaller(client).get("/me"), 401, "unauthorized")


def test_the_page_sets_ones_own_number_and_shows_errors_at_the_field(bank, login):
    client = login(bank.rm_b)
    page = client.get("/branch/me/").content.decode()
    assert "我的工作号码" in page
    bad = client.post("/branch/me/", {"work_mobile": "23800001111", "work_wechat": ""})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    response = client.post("/branch/me/", {"work_mobile": "13800003333", "work_wechat": "lihua_bank"})
    assert response.status_code == 302
    bank.rm_b.refresh_from_db()
    assert (bank.rm_b.work_mobile, bank.rm_b.work_wechat) == ("13800003333", "lihua_bank")
    bank.rm_a.refresh_from_db()
    assert bank.rm_a.work_mobile == ""  # one's own only
