"""修改计划 in a real browser: the organiser opens the plan of an event with guests invited, is
refused a capacity below the seats accepted (at the field, in Chinese), moves the event to another
room and sees 时间地点已变更 with the guests to tell. Screenshots go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banyan.conftest import TODAY
from banyan.events import services
from banyan.events.models import Invitation
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_the_organiser_edits_the_plan_and_the_guests_to_tell_are_shown(live_server, bank, make_customer,
                                                                         monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    start = timezone.make_aware(dt.datetime.combine(TODAY + dt.timedelta(days=7), dt.time(14, 30)))
    event = services.event_create(actor=bank.rm_a, name="养老规划理财沙龙", type="salon", place="城东支行三楼",
                                  starts_at=start, theme="养老金融与资产配置", capacity=30, budget="3000",
                                  method="讲座+问答，茶歇交流", budget_per_group={"私行客户": "300"})
    event = services.event_approve(actor=bank.head, event=event)
    people = [make_customer(bank.rm_a, name=n) for n in ("王建国", "李秀英", "陈志强")]
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand", customer_ids=[p.pk for p in people])
    for inv in Invitation.objects.filter(event=event).exclude(customer=people[2]):
        services.rsvp_record(invitation=inv, answer="yes", guests=1, actor=bank.rm_a)

    with sync_playwright() as p, chromium(p) as browser:
        page = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 1000}),
                     live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/events/{event.pk}/")
        page.click("#edit-plan")
        expect(page.locator("h1, .breadcrumb-item.active").first).to_contain_text("修改计划")
        expect(page.locator("#invited-note")).to_contain_text("已邀请 3 位客户")
        expect(page.locator("#approval-note")).to_contain_text("提高预算需重新审批")
        page.fill("#f-capacity", "3")
        page.click("#save-plan")
        expect(page.locator("#f-capacity + .invalid-feedback")).to_contain_text("容量不能低于")
        page.screenshot(path=str(SHOTS / "event_edit.png"), full_page=True)

        page.fill("#f-capacity", "40")
        page.fill("#f-place", "城东支行二楼贵宾室")
        page.click("#save-plan")
        expect(page.locator("#event-moved")).to_contain_text("时间地点已变更")
        expect(page.locator("#event-moved")).to_contain_text("您还有 3 位客户待告知")
        expect(page.locator("[data-reinform]")).to_have_count(3)
        page.screenshot(path=str(SHOTS / "event_edit_moved.png"), full_page=True)
        page.locator(f'tr[data-customer="{people[0].pk}"] .reinformed').click()
        expect(page.locator("[data-reinform]")).to_have_count(2)
    event.refresh_from_db()
    assert event.place == "城东支行二楼贵宾室" and event.capacity == 40 and event.status == "open"
