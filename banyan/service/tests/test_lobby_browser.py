"""The lobby's walk-in desk in a real browser on a phone (390 × 844), in Chinese: 朱琳 of the lobby
looks up 王建国 — 李华's customer, not hers — by his pinyin initials and sees the limited card only
(王先生, his manager, today's maturing deposit), logs his need (an empty need refused first), then
a new visitor with a wrong mobile refused at the field. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan import clock
from banyan.conftest import PASSWORD, TODAY
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.service.models import Referral
from banyan.testing.browser import SHOTS, chromium, login, open_menu
from banyan.worklists.models import Task, TaskReason

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_look_up_a_walk_in_and_log_a_need_on_a_phone(live_server, bank, make_customer, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    staff_create(actor=None, username="zhulin", password=PASSWORD, role=Role.LOBBY, branch=bank.b1,
                 full_name="朱琳", check_password=False)
    staff_create(actor=None, username="liping", password=PASSWORD, role=Role.PLANNER, branch=bank.b1,
                 full_name="李萍", check_password=False)
    wang = make_customer(bank.rm_b, name="王建国", mobile="13912345678")
    task = Task.objects.create(manager=bank.rm_b, date=clock.today(), customer=wang, rank=1, priority=1,
                               suggested_channel="phone")
    TaskReason.objects.create(task=task, customer_id=wang.pk, code="deposit_maturity", detail="定期今日到期",
                              due_date=clock.today())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
        page = login(context, live_server.url, "zhulin")
        open_menu(page)
        page.locator("#nav-lobby").click()
        expect(page.locator("h1")).to_contain_text("大堂接待")
        page.fill("#lobby-q", "王")
        page.locator("#lobby-search-go").click()
        expect(page.locator("#lobby-q-error")).to_contain_text("至少输入 2 个字")
        page.fill("#lobby-q", "wjg")
        page.locator("#lobby-search-go").click()
        card = page.locator(".lobby-card").first
        expect(card).to_contain_text("王先生")
        expect(card).to_contain_text("客户经理：李华")
        html = page.content()
        assert "王建国" not in html and "13912345678" not in html and wang.id_number not in html
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=SHOTS / "160-lobby-lookup.png", full_page=True)

        card.click()
        expect(page.locator("#lobby-need-card")).to_contain_text("王先生")
        page.locator("#lobby-need-send").click()  # no need typed
        expect(page.locator("#lobby-need-form .invalid-feedback")).to_be_visible()
        assert not Referral.objects.exists()
        page.screenshot(path=SHOTS / "161-lobby-need-refused.png", full_page=True)
        page.fill("#id_need", "定期到期想续存，顺便问大额存单")
        page.select_option("#id_product_type", "time_deposit")
        page.locator("#lobby-need-send").click()
        expect(page.locator(".alert-success")).to_contain_text("李华")
        referral = Referral.objects.get()
        assert (referral.sender.username, referral.receiver_id, referral.customer_id) == ("zhulin", bank.rm_b.pk,
                                                                                        wang.pk)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=SHOTS / "162-lobby-need-sent.png", full_page=True)

        page.locator("#lobby-new-visitor").click()
        page.fill("#id_name", "刘芳")
        page.fill("#id_mobile", "1391234000")  # ten digits
        page.check("#id_consent_phone")
        page.fill("#id_need", "咨询养老理财")
        page.locator("#lobby-visitor-send").click()
        expect(page.locator("#lobby-visitor-form .invalid-feedback")).to_contain_text("11")
        assert Referral.objects.count() == 1
        page.screenshot(path=SHOTS / "163-lobby-visitor-refused.png", full_page=True)
        page.fill("#id_mobile", "13912340000")
        page.locator("#lobby-visitor-send").click()
        expect(page.locator(".alert-success")).to_contain_text("李萍")
        assert Referral.objects.count() == 2
