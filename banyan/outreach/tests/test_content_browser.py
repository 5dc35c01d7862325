"""In a real browser (Playwright on Debian's chromium), at 1366 px and on a 1024 px tablet: a
manager writes a piece for the content library (内容库), the branch head approves it in his name,
the manager sends it to a customer from the customer's file (培育内容 card) and finds it in the
outbox. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.messaging.models import Message
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _gateways(tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(tmp_path / "wechat.jsonl"))


@pytest.mark.parametrize("width", [1366, 1024])
def test_write_approve_send_from_the_file_and_see_it_in_the_outbox(live_server, bank, make_customer, monkeypatch,
                                                                    width):
    from playwright.sync_api import expect, sync_playwright

    wang = make_customer(bank.rm_a, name="王建国", interests="基金、喝茶", consent_sms=True)
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/outreach/content/")
        expect(page.locator("h1")).to_have_text("内容库")
        page.locator("#content-new").click()
        page.locator("#id_kind").select_option("knowledge")
        page.locator("#id_title").fill("基金定投的微笑曲线")
        page.locator("#id_body").fill("定投是在固定时间投入固定金额，稳赚不赔。")
        page.locator("#id_interests").fill("基金")
        page.locator("#id_valid_until").fill("2026-12-31")
        page.locator("#content-save").click()
        expect(page.locator("[data-field=body]")).to_contain_text("稳赚不赔")  # refused at the field
        page.screenshot(path=str(SHOTS / f"content-refused-{width}.png"), full_page=True)
        page.locator("#id_body").fill("定投是在固定时间投入固定金额，分散了买入时点。投资有风险，定投不能保证盈利。")
        page.locator("#content-save").click()
        expect(page.locator("#piece-status")).to_have_text("草稿")
        piece_url = page.url

        head = login(browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}),
                     live_server.url, "zhaolei")
        head.goto(piece_url)
        head.locator("#piece-approve").click()
        expect(head.locator("#piece-status")).to_have_text("已审批")
        expect(head.locator("#piece-approver")).to_contain_text("赵磊")
        head.screenshot(path=str(SHOTS / f"content-approved-{width}.png"), full_page=True)

        page.goto(f"{live_server.url}/customers/{wang.pk}/")
        card = page.locator("#content-card")
        expect(card).to_contain_text("基金定投的微笑曲线")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / f"content-card-{width}.png"))
        card.get_by_role("link", name="发送").first.click()
        expect(page.locator("#send-preview")).to_contain_text("王先生您好")
        page.screenshot(path=str(SHOTS / f"content-send-{width}.png"), full_page=True)
        page.locator("#send-piece").click()
        expect(page.locator("body")).to_contain_text("已发送")
        page.goto(f"{live_server.url}/messages/")
        expect(page.locator("body")).to_contain_text("王建国")
        page.screenshot(path=str(SHOTS / f"content-outbox-{width}.png"), full_page=True)
    message = Message.objects.get(customer=wang)
    assert "基金定投的微笑曲线" in message.body and message.status == "sent"
