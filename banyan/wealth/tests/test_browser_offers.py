"""In a real browser (Playwright on Debian's chromium): the customer file loads its 为您推荐 card
after the page, with the reasons and 表7-1; the fund at the customer's take-profit line offers its
message, which the manager edits on the compose page and sends once; back on the file the card says
it was written. Screenshots go to screenshots/."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from banyan.conftest import TODAY
from banyan.contacts.services import memo_create
from banyan.holdings.services import holding_create, nav_record, product_create
from banyan.messaging.models import Message
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def li(bank, make_customer):
    customer = make_customer(bank.rm_a, name="李秀英", male=False, mobile="13912345678", consent_sms=True,
                             risk_level="C3", risk_assessed_on=dt.date(2026, 3, 1), orientation="value")
    product_create(actor=None, code="BDSAV", name="储蓄国债三年期", type="bond", risk_level="R1", term_days=1095)
    holding_create(actor=None, customer=customer, product=bank.products.fund, amount="100000.00",
                   purchase_date="2025-06-01", cost_price="1.2500", units="80000", take_profit_pct="15")
    nav_record(actor=None, product=bank.products.fund, date="2026-11-20", nav="1.4500")
    memo_create(actor=bank.rm_a, customer=customer, text="客户想了解储蓄国债，下期发行时通知", due_date=TODAY)
    return customer


def test_the_file_shows_the_offers_and_sends_the_suggested_message_once(live_server, li, monkeypatch, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    outbox = tmp_path / "sms.jsonl"
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(outbox))
    monkeypatch.delenv("BANYAN_SMS_GATEWAY", raising=False)
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/customers/{li.pk}/")
        card = page.locator("#offers-card")
        expect(card.locator(".card-header")).to_contain_text("为您推荐 · 下一步最佳产品")
        first = card.locator(".offer").first
        expect(first).to_contain_text("储蓄国债三年期")
        expect(first).to_contain_text("客户提过：“客户想了解储蓄国债”")
        expect(card.locator(".table71-wanted")).to_contain_text("可以提供")
        expect(card.locator(".maintenance-text")).to_contain_text("已达到您购买时设定的止盈目标15%")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / "offers-card.png"))

        card.locator(".maintenance-compose").click()
        body = page.locator("#id_body")
        expect(body).to_contain_text("较您的买入成本1.2500上涨16.0%")
        body.fill("李女士您好！您持有的稳健成长混合基金已达到您设定的止盈目标15%，是否调整由您决定，方便时我给您"
                  "打个电话？投资有风险，过往业绩不代表未来表现。张敏")
        page.screenshot(path=str(SHOTS / "maintenance-compose.png"))
        page.locator("#send-form button[type=submit]").click()
        expect(page.locator("body")).to_contain_text("已发送至 139****5678")

        page.goto(f"{live_server.url}/customers/{li.pk}/")
        expect(page.locator("#offers-card .maintenance-sent")).to_contain_text("已写过一条（短信，已发送）")
    assert Message.objects.filter(customer=li, template_code="take_profit", status="sent").count() == 1
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) == 1 and "止盈目标15%" in lines[0]["body"]
