"""Booking a meeting from 今日工作 in a real browser (Playwright on Debian's chromium): "已约见" on a
task card asks for the meeting's time, place and purpose, books it, closes the task, and the
meeting is on 我的约见. Before, "已约见" closed the task and booked nothing. Screenshots (desktop
and a 1024 × 768 tablet) go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.contacts.models import Appointment
from banyan.customers.identity import make_resident_id
from banyan.testing.browser import SHOTS, chromium, login
from banyan.worklists.models import Task, TaskStatus

pytestmark = pytest.mark.browser


@pytest.fixture
def birthdays(bank, make_customer):
    """Two of zhangmin's customers turn 60 today: one for the desktop, one for the tablet."""
    return [make_customer(bank.rm_a, name=name, male=male,
                          id_number=make_resident_id("330106", dt.date(1966, 11, 23), seq))
            for name, male, seq in (("王建国", True, 3), ("陈静怡", False, 4))]


@pytest.mark.parametrize(("viewport", "shot"), [({"width": 1366, "height": 900}, "63"),
                                                ({"width": 1024, "height": 768}, "64")])
def test_a_meeting_booked_from_todays_list_is_in_my_appointments(live_server, bank, birthdays, monkeypatch,
                                                                  viewport, shot):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    wang, _chen = birthdays
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = login(context, live_server.url, "zhangmin")
        expect(page.locator("h1")).to_have_text("今日工作")
        page.wait_for_load_state()  # the page's scripts have run: the first "已约见" opens the fields
        task = Task.objects.get(customer=wang, date=TODAY)
        card = page.locator(f"#task-{task.pk}")

        card.locator("input[name=summary]").fill("祝六十大寿，客户想来网点聊聊养老规划")
        card.get_by_role("button", name="已约见", exact=True).click()
        meeting = card.locator(f"#task-{task.pk}-meeting")
        expect(meeting).to_have_attribute("open", "")
        assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN  # nothing sent yet: it asked first
        expect(meeting.locator("input[name=place]")).to_have_value("城东支行")
        meeting.locator("input[name=at]").fill("2026-11-26T10:00")
        meeting.locator("input[name=purpose]").fill("养老规划")
        card.screenshot(path=SHOTS / f"{shot}-worklist-meeting-asked.png")
        card.get_by_role("button", name="已约见", exact=True).click()

        done = page.locator(f"#task-{task.pk}.task-closed")
        expect(done).to_contain_text("已约见：2026-11-26 10:00，城东支行")
        done.screenshot(path=SHOTS / f"{shot}-worklist-meeting-booked.png")
        done.get_by_role("link", name="我的约见").click()
        expect(page.locator("h1")).to_contain_text("我的约见")
        expect(page.locator("#upcoming")).to_contain_text("王先生")
        expect(page.locator("#upcoming")).to_contain_text("养老规划")
        page.screenshot(path=SHOTS / f"{shot}-my-appointments.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert Appointment.objects.get(customer=wang).place == "城东支行"
