"""Client events in a real browser (Playwright on Debian's chromium): a manager plans a salon, the
branch head approves it, the manager invites by WeChat (a customer without consent is left out with
the rule), the customer answers on the public page from the personal link (a phone, no login), a
guest is checked in at the door on a 390 × 844 phone, the event is closed and the review shows.
Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.events.models import Answer, Event, Invitation
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_plan_approve_invite_answer_check_in_close_and_review(live_server, bank, make_customer, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    wang = make_customer(bank.rm_a, name="王建国", mobile="13800001234", consent_wechat=True)
    li = make_customer(bank.rm_a, name="李秀英", male=False)  # no WeChat consent
    with sync_playwright() as p, chromium(p) as browser:
        desk = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(desk, live_server.url, "zhangmin")
        page.get_by_role("link", name="客户活动", exact=True).click()
        expect(page.locator("h1")).to_have_text("客户活动")
        page.click("#plan-event")
        page.fill("#f-name", "四季度市场展望理财沙龙")
        page.select_option("#f-type", "salon")
        page.fill("#f-theme", "四季度市场展望与资产配置")
        page.fill("#f-date", TODAY.isoformat())
        page.fill("#f-time", "00:00")
        page.fill("#f-end", "23:59")
        page.fill("#f-place", "城东支行三楼贵宾厅")
        page.fill("#f-capacity", "20")
        page.fill("#f-budget", "3000")
        page.screenshot(path=SHOTS / "e1-event-plan.png", full_page=True)
        page.click("#save-event")
        expect(page.locator("#event-status")).to_have_text("草稿")
        event = Event.objects.get(name="四季度市场展望理财沙龙")

        head = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}), live_server.url,
                     "zhaolei")
        head.goto(f"{live_server.url}/events/{event.pk}/")
        head.click("#approve")
        expect(head.locator("#event-status")).to_have_text("已审批")

        page.reload()
        page.select_option("#i-channel", "wechat")
        page.fill("#i-ids", f"{wang.pk}, {li.pk}")
        page.click("#send-invitations")
        expect(page.locator("#excluded")).to_contain_text("客户未同意接收微信")
        expect(page.locator("#guests")).to_contain_text("王建国")
        page.screenshot(path=SHOTS / "e2-event-invited.png", full_page=True)
        link = page.locator(f"#guests tr[data-customer='{wang.pk}'] a.rsvp-link").get_attribute("href")

        customer = browser.new_context(locale="zh-CN", viewport=PHONE)  # the customer's phone: no login
        rsvp = customer.new_page()
        rsvp.goto(link)
        expect(rsvp.locator("#rsvp-greeting")).to_contain_text("王先生")
        expect(rsvp.locator("body")).not_to_contain_text("王建国")
        rsvp.get_by_text("参加", exact=True).click()
        rsvp.fill("#rsvp-guests", "1")
        rsvp.click("#rsvp-submit")
        expect(rsvp.locator("#rsvp-saved")).to_contain_text("已为您保留座位")
        expect(rsvp.locator("#rsvp-qr img")).to_be_visible()
        rsvp.screenshot(path=SHOTS / "e3-event-rsvp-phone.png", full_page=True)
        assert Invitation.objects.get(event=event, customer=wang).answer == Answer.ACCEPTED

        door = login(browser.new_context(locale="zh-CN", viewport=PHONE), live_server.url, "zhangmin")
        door.goto(f"{live_server.url}/events/{event.pk}/checkin/")
        door.fill("#door-q", "1234")
        door.click("#door-find")
        expect(door.locator("#door-found")).to_contain_text("王先生")
        door.locator(".checkin-btn").first.click()
        expect(door.locator(".alert-success")).to_contain_text("王先生已签到")
        door.fill("#door-q", "1234")
        door.click("#door-find")
        expect(door.locator("#door-found")).to_contain_text("✓")
        door.screenshot(path=SHOTS / "e4-event-checkin-phone.png", full_page=True)

        page.goto(f"{live_server.url}/events/{event.pk}/")
        page.click("#close-event")
        expect(page.locator("#event-status")).to_have_text("已举办")
        page.click("#review")
        expect(page.locator("[data-figure='attended']")).to_have_text("1")
        expect(page.locator("[data-figure='invited']")).to_have_text("1")
        expect(page.locator("#ev-funnel svg")).to_be_visible()
        page.screenshot(path=SHOTS / "e5-event-review.png", full_page=True)
