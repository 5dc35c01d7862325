"""Messages in a real browser (Playwright on Debian's chromium): from the customer's file to the
compose page, a template filled in and edited with a live count, sent; a second message blocked
by the customer's consent; both in the outbox. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.holdings.services import holding_create
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def customers(bank, make_customer):
    wang = make_customer(bank.rm_a, name="王建国", mobile="13812345678", consent_sms=True, preferred_channel="sms")
    holding_create(actor=None, customer=wang, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-12-15", maturity_date="2026-12-15")
    chen = make_customer(bank.rm_a, name="陈静怡", male=False, email="cjy@example.com", consent_email=False)
    return wang, chen


def test_a_manager_confirms_an_appointment_by_sms_and_a_refused_email_is_blocked(live_server, customers, gateways,
                                                                                  monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the test's frozen clock
    wang, chen = customers
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/customers/{wang.pk}/")
        page.locator("#send-message").click()
        expect(page).to_have_url(f"{live_server.url}/messages/new/?customer={wang.pk}")
        expect(page.locator("#reachability")).to_contain_text("138****5678")

        page.locator("#templates a", has_text="预约确认").click()
        expect(page.locator("#missing")).to_contain_text("日期和时间")
        page.fill("#fill-date", "11月28日上午10:00")
        page.get_by_role("button", name="更新正文").click()
        body = page.locator("#id_body")
        expect(body).to_have_value("王先生您好，已为您预约11月28日上午10:00在城东支行面谈，届时恭候。如有变动请随时联系我。"
                                   "客户经理张敏")
        expect(page.locator("#count [data-units]")).to_have_text("1")
        page.wait_for_load_state()  # the counter listens once compose.js has run, after the page shows
        body.fill(body.input_value() + "地址：城东路88号，停车请走东门，网点有专属车位可供使用。")
        expect(page.locator("#count [data-units]")).to_have_text("2")  # over 70 characters: two SMS
        expect(page.locator("#count [data-over]")).to_be_visible()
        page.screenshot(path=SHOTS / "40-message-compose.png", full_page=True)
        page.get_by_role("button", name="发送", exact=True).click()
        expect(page.locator(".alert-success")).to_contain_text("已发送至 138****5678")
        expect(page.locator("#message-status")).to_have_text("已发送")
        page.screenshot(path=SHOTS / "40b-message-sent.png", full_page=True)
        assert len(gateways.sms.lines()) == 1 and gateways.sms.lines()[0]["to"] == "13812345678"

        page.goto(f"{live_server.url}/messages/new/?customer={chen.pk}&channel=email&template=maturity")
        expect(page.locator("#will-block")).to_contain_text("客户未同意接收邮件")
        page.fill("#fill-product", "安心理财180天")
        page.fill("#fill-date", "12月1日")
        page.get_by_role("button", name="更新正文").click()
        expect(page.locator("#id_subject")).to_have_value("到期提醒：您的安心理财180天将于12月1日到期")
        page.screenshot(path=SHOTS / "41-message-compose-email-blocked.png", full_page=True)
        page.get_by_role("button", name="发送", exact=True).click()
        expect(page.locator(".alert-warning").first).to_contain_text("未发送：客户未同意接收邮件")
        expect(page.locator("#message-status")).to_have_text("已拦截")
        page.screenshot(path=SHOTS / "41b-message-blocked.png", full_page=True)

        page.locator("nav a.nav-link", has_text="消息").click()
        rows = page.locator("#outbox tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("已拦截")
        expect(rows.nth(0)).to_contain_text("c***@example.com")
        expect(rows.nth(1)).to_contain_text("已发送")
        page.screenshot(path=SHOTS / "42-message-outbox.png", full_page=True)
        page.select_option("#id_status", "blocked")
        page.get_by_role("button", name="筛选").click()
        expect(rows).to_have_count(1)

        tablet = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
        tablet_page = login(tablet, live_server.url, "zhangmin")
        tablet_page.goto(f"{live_server.url}/messages/new/?customer={wang.pk}&template=birthday")
        expect(tablet_page.locator("#id_body")).to_have_value(
            "王先生您好！今天是您的生日，城东支行客户经理张敏祝您生日快乐、身体健康、万事如意！")
        tablet_page.screenshot(path=SHOTS / "43-message-compose-tablet.png", full_page=True)
        assert tablet_page.evaluate("document.documentElement.scrollWidth") <= 768
