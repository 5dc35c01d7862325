""""已约见" on 今日工作 books the meeting (issue 10 §1), with the one appointment form the customer
file and the calling screen use; a refusal comes back on the card, in place, with what was typed."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.contacts.models import Appointment, Interaction
from banyan.customers.identity import make_resident_id
from banyan.worklists.models import Task, TaskStatus

HTMX = {"HTTP_HX_REQUEST": "true"}
MEETING_FIELDS = ('name="at"', 'name="place"', 'name="purpose"')


@pytest.fixture
def task(bank, login, make_customer):
    """王建国 turns 60 today: his task is on zhangmin's list."""
    customer = make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", dt.date(1966, 11, 23), 3))
    login(bank.rm_a).get("/work/")
    return Task.objects.get(customer=customer, date=TODAY)


def _complete(client, task, **fields):
    return client.post(f"/work/tasks/{task.pk}/complete/", {"page": TODAY.isoformat(), "channel": "phone",
                                                             "outcome": "appointment", **fields}, **HTMX)


def test_the_card_asks_for_the_meetings_time_place_and_purpose(bank, login, task):
    client = login(bank.rm_a)
    page = client.get("/work/").text
    card = page[page.index(f'id="task-{task.pk}"'):]
    card = card[:card.index("</article>")]
    assert f'data-opens="task-{task.pk}-meeting"' in card  # the "已约见" button opens them first
    assert f'/work/tasks/{task.pk}/part/?part=meeting' in card  # and they load as they open
    fields = client.get(f"/work/tasks/{task.pk}/part/", {"part": "meeting", "page": TODAY.isoformat()}, **HTMX).text
    assert all(f in fields for f in MEETING_FIELDS) and 'class="appointment-fields"' in fields
    assert 'value="城东支行"' in fields  # the branch as the place, to change if need be


def test_a_meeting_without_a_time_is_asked_for_on_the_card_and_the_task_stays_open(bank, login, task):
    """Before: "已约见" closed the task and booked nothing."""
    response = _complete(login(bank.rm_a), task, summary="客户答应下周来", place="城东支行")

    assert response.status_code == 200
    card = response.text
    assert f'id="task-{task.pk}-meeting" open' in card and "约见需要填写时间" in card
    assert 'value="客户答应下周来"' in card  # the line typed is kept
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert not Interaction.objects.exists() and not Appointment.objects.exists()


def test_a_meeting_booked_from_the_card_closes_the_task_and_is_in_my_appointments(bank, login, task):
    client = login(bank.rm_a)
    response = _complete(client, task, summary="约好面谈养老规划", at="2026-11-26T10:00", place="城东支行二楼",
                         purpose="养老规划")

    assert response.status_code == 200 and "task-closed" in response.text
    assert "已约见：2026-11-26 10:00，城东支行二楼" in response.text
    meeting = Appointment.objects.get(customer=task.customer)
    assert (meeting.place, meeting.purpose, meeting.staff) == ("城东支行二楼", "养老规划", bank.rm_a)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.interaction.outcome == "appointment"
    assert "王" in client.get("/outreach/appointments/").text.split('id="upcoming"', 1)[1][:3000]


def test_a_meeting_time_already_passed_is_refused_at_the_field_and_nothing_is_recorded(bank, login, task):
    response = _complete(login(bank.rm_a), task, at="2026-11-20T10:00", place="城东支行", purpose="养老规划")

    card = response.text
    assert "约见时间已过" in card
    assert 'value="2026-11-20T10:00"' in card and 'value="养老规划"' in card
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN  # both or neither
    assert not Interaction.objects.exists() and not Appointment.objects.exists()


def test_without_javascript_a_meeting_is_booked_and_the_page_says_so(bank, login, task):
    response = login(bank.rm_a).post(f"/work/tasks/{task.pk}/complete/", {
        "page": TODAY.isoformat(), "outcome": "appointment", "at": "2026-11-27T15:00", "place": "客户家中",
        "purpose": "上门送生日礼物"}, follow=True)
    assert "王建国：已约见，2026-11-27 15:00" in response.text
    assert Appointment.objects.get().place == "客户家中"


def test_a_summary_too_long_is_refused_under_the_field_not_cut(bank, login, task):
    """Before: the card cut the line to 500 characters without a word."""
    response = login(bank.rm_a).post(f"/work/tasks/{task.pk}/complete/", {
        "page": TODAY.isoformat(), "outcome": "reached", "summary": "话" * 5000}, **HTMX)
    assert "最多 500 字，已输入 5000 字" in response.text
    assert f'value="{"话" * 5000}"' in response.text  # the card is back, open, with the line to shorten
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN and not Interaction.objects.exists()


def test_a_skip_note_too_long_is_refused_not_cut(bank, login, task):
    response = login(bank.rm_a).post(f"/work/tasks/{task.pk}/skip/", {
        "page": TODAY.isoformat(), "reason": "其他", "note": "因" * 151}, **HTMX)
    assert "最多 150 字，已输入 151 字" in response.text
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
