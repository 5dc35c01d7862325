"""Nothing a user typed is lost without being told (issue 10 §1), on the customer's file and in the
services and API behind it. Each test says what the manager saw before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from banyan.conftest import TODAY
from banyan.contacts.models import Appointment, Interaction, Memo
from banyan.contacts.services import appointment_create, memo_create
from banyan.customers.models import Customer
from banyan.customers.tests.test_customer_file import _profile_post
from banyan.org.services import api_token_issue
from banyan.worklists.contact_services import contact_log_completing_task
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.services import task_complete

HTMX = {"HTTP_HX_REQUEST": "true"}


def _open_task(manager, customer, day=TODAY) -> Task:
    return Task.objects.create(manager=manager, date=day, customer=customer, rank=1, priority=50,
                               suggested_channel="phone")


# ------------------------------------------------------------------ limits: refused, never cut

def test_a_12_digit_mobile_is_refused_at_the_field_and_nothing_is_saved(bank, login, zeng):
    """Before: the browser's maxlength cut 138123456789 to 13812345678 — another, valid number —
    and the page said 档案已保存; posted whole, the form said Django's 确保该变量包含不超过 11 字符."""
    before = zeng.mobile
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", _profile_post(zeng, mobile="138123456789"))

    assert response.status_code == 400
    page = response.text
    mobile_input = page[page.index('name="mobile"') - 200:page.index('name="mobile"') + 300]
    assert "手机号应为 11 位，已输入 12 位" in page and "确保该变量" not in page
    assert 'value="138123456789"' in mobile_input  # what was typed is shown again, whole
    assert 'data-maxlength="11"' in mobile_input and " maxlength=" not in mobile_input
    assert Customer.objects.get(pk=zeng.pk).mobile == before


def test_a_mobile_typed_with_spaces_and_86_is_still_read(bank, login, zeng):
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", _profile_post(zeng, mobile="+86 139 0000 1111"))
    assert response.status_code == 302
    assert Customer.objects.get(pk=zeng.pk).mobile == "13900001111"


def test_a_5000_character_summary_is_refused_with_the_count_and_recorded_nowhere(bank, login, zeng):
    """Before: the page cut it to 500 characters without a word."""
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/contacts/", {
        "channel": "phone", "outcome": "reached", "summary": "客" * 5000}, **HTMX)

    assert "最多 500 字，已输入 5000 字" in response.text
    assert 'data-maxlength="500"' in response.text and 'maxlength="500"' not in response.text.replace(
        'data-maxlength="500"', "")
    assert not Interaction.objects.exists()


def test_a_5000_character_memo_is_refused_on_the_page_and_by_the_api(bank, login, zeng, client):
    """Before: the memo was cut to 500 characters without a word."""
    page = login(bank.rm_a).post(f"/customers/{zeng.pk}/memos/", {"text": "备" * 5000, "due_date": "2026-12-01"},
                                 **HTMX)
    assert "最多 500 字，已输入 5000 字" in page.text
    api = client.post(f"/api/v1/customers/{zeng.pk}/memos", {"text": "备" * 5000, "due_date": "2026-12-01"},
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(bank.rm_a)}")
    assert api.status_code == 422 and "text" in api.json()["error"]["fields"]
    with pytest.raises(ValidationError) as refused:
        memo_create(actor=bank.rm_a, customer=zeng, text="备" * 5000, due_date="2026-12-01")
    assert refused.value.message_dict == {"text": ["最多 500 字，已输入 5000 字"]}
    assert not Memo.objects.exists()


def test_a_meeting_place_or_purpose_too_long_is_refused_not_cut(bank, zeng):
    """Before: a purpose of 300 characters was cut to 200; a long place broke the database."""
    with pytest.raises(ValidationError) as refused:
        appointment_create(actor=bank.rm_a, customer=zeng, at="2026-11-26T10:00", place="城" * 101,
                           purpose="目" * 300)
    assert refused.value.message_dict == {"place": ["最多 100 字，已输入 101 字"],
                                          "purpose": ["最多 200 字，已输入 300 字"]}
    assert not Appointment.objects.exists()


# ------------------------------------------------------------------ a contact needs a result; memos look ahead

def test_a_contact_logged_on_the_file_needs_a_result_but_the_api_does_not(bank, login, zeng, client):
    """Before: a contact without a result was recorded as if nothing was known of it."""
    page = login(bank.rm_a).post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "summary": "聊了几句"},
                                 **HTMX)
    assert "请选择联系结果" in page.text and 'value="聊了几句"' in page.text
    assert not Interaction.objects.exists()

    token = _token(bank.rm_a)
    api = client.post(f"/api/v1/customers/{zeng.pk}/interactions", {"channel": "sms", "summary": "节日问候"},
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 201  # API.md: outcome? stays optional for systems


def test_a_memo_due_in_the_past_is_refused_on_the_page_and_by_the_api(bank, login, zeng, client):
    """Before: a memo due last week was accepted, overdue from the moment it was written."""
    page = login(bank.rm_a).post(f"/customers/{zeng.pk}/memos/", {"text": "回访", "due_date": "2026-11-20"}, **HTMX)
    assert "到期日 2026-11-20 已过" in page.text
    api = client.post(f"/api/v1/customers/{zeng.pk}/memos", {"text": "回访", "due_date": "2026-11-20"},
                      content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(bank.rm_a)}")
    assert api.status_code == 422 and "due_date" in api.json()["error"]["fields"]
    assert not Memo.objects.exists()
    assert memo_create(actor=bank.rm_a, customer=zeng, text="今天回访", due_date=TODAY).due_date == TODAY


def _token(staff) -> str:
    return api_token_issue(staff=staff)


# ------------------------------------------------------------------ a contact on the file completes today's task

def test_a_contact_on_the_file_completes_the_customers_task_of_today(bank, login, zeng):
    """Before: the manager called the customer from the file, and 今日工作 still asked for the call."""
    task = _open_task(bank.rm_a, zeng)
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/contacts/", {
        "channel": "phone", "outcome": "interested", "summary": "对养老理财感兴趣"}, **HTMX)

    assert "今日任务已完成" in response.text
    task.refresh_from_db()
    contact = Interaction.objects.get()  # one contact: the task's is the one logged
    assert (task.status, task.interaction_id, task.closed_by) == (TaskStatus.DONE, contact.pk, bank.rm_a)
    assert (contact.outcome, contact.summary) == ("interested", "对养老理财感兴趣")


def test_a_call_not_answered_leaves_the_task_open(bank, login, zeng):
    task = _open_task(bank.rm_a, zeng)
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone",
                                                                         "outcome": "not_reached"}, **HTMX)
    assert "今日任务已完成" not in response.text
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert Interaction.objects.get().outcome == "not_reached"


def test_without_javascript_the_file_says_the_task_is_done(bank, login, zeng):
    _open_task(bank.rm_a, zeng)
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "visit", "outcome": "reached"},
                           follow=True)
    assert "今日任务已完成" in response.text


def test_a_task_closed_meanwhile_is_not_closed_twice_and_the_contact_is_still_kept(bank, zeng):
    task = _open_task(bank.rm_a, zeng)
    stale = Task.objects.get(pk=task.pk)
    task_complete(actor=bank.rm_a, task=task, outcome="reached")  # on the worklist, a moment before

    contact, completed = contact_log_completing_task(actor=bank.rm_a, customer=zeng, channel="phone",
                                                     outcome="reached", summary="再次确认")
    assert completed is None and contact.summary == "再次确认"
    assert Interaction.objects.count() == 2 and Task.objects.get(pk=stale.pk).interaction_id != contact.pk


def test_yesterdays_task_is_not_completed_by_a_contact_today(bank, zeng):
    task = _open_task(bank.rm_a, zeng, day=TODAY - dt.timedelta(days=1))
    contact_log_completing_task(actor=bank.rm_a, customer=zeng, channel="phone", outcome="reached")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
