"""The customer's topics on the worklist card in a real browser (issue 16 §3) and a stranger's card
with the introduction and no product (§9); the manager's own number page (§2). Screenshots go to
screenshots/ (20-worklist-topics.png, 20b-worklist-stranger.png, 20c-my-work-number.png)."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.contacts.opportunities import opportunity_create
from banyan.contacts.services import interaction_log, memo_create
from banyan.holdings.services import holding_create
from banyan.segments.services import segments_recompute
from banyan.testing.browser import SHOTS, chromium, login
from banyan.worklists.services import worklists_build

pytestmark = pytest.mark.browser


@pytest.fixture
def day(bank, make_customer):
    liu = make_customer(bank.rm_a, name="刘芳", male=False, interests="高尔夫、养了一只布偶猫",
                        children="儿子小学三年级，明年考虑出国读初中", preferred_channel="phone",
                        preferred_time="工作日晚上")
    interaction_log(actor=bank.rm_a, customer=liu, channel="phone", outcome="reached",
                    occurred_at="2026-10-08T10:00", new_info="刚换了新房，在装修")
    holding_create(actor=None, customer=liu, product=bank.products.deposit, amount="500000",
                   purchase_date="2023-11-27", maturity_date="2026-11-27")
    memo_create(actor=bank.rm_a, customer=liu, text="留学资金规划，年底前给方案", due_date="2026-12-20")
    opportunity_create(actor=bank.rm_a, customer=liu, need="基金定投计划", due_date="2026-12-30")
    wu = make_customer(bank.rm_a, name="吴强")  # never reached: a stranger, nothing known
    holding_create(actor=None, customer=wu, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-27", maturity_date="2026-11-27")
    segments_recompute()
    worklists_build(day=TODAY)


def test_the_card_shows_the_topics_and_a_stranger_gets_the_introduction(live_server, day, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        card = page.locator("#open-tasks .task-card", has_text="刘芳")
        topics = card.locator("[data-topics]")
        expect(topics).to_contain_text("高尔夫、养了一只布偶猫")
        expect(topics).to_contain_text("刚换了新房，在装修")
        expect(topics).to_contain_text("基金定投计划")
        expect(card.locator(".talking")).to_contain_text("到期后是继续转存")  # reached before: the offer
        card.screenshot(path=SHOTS / "20-worklist-topics.png")
        stranger = page.locator("#open-tasks .task-card", has_text="吴强")
        expect(stranger.locator("[data-topics]")).to_contain_text("下次可以了解")
        expect(stranger.locator(".talking")).to_contain_text("以后由我作为您的专属客户经理为您服务")
        expect(stranger.locator(".talking")).not_to_contain_text("到期后是继续转存")
        stranger.screenshot(path=SHOTS / "20b-worklist-stranger.png")
        page.goto(f"{live_server.url}/branch/me/")
        page.fill("input[name=work_mobile]", "138 0000 1111")
        page.fill("input[name=work_wechat]", "zhangmin_cd")
        page.click("main button[type=submit]")
        expect(page.locator("input[name=work_mobile]")).to_have_value("13800001111")
        page.screenshot(path=SHOTS / "20c-my-work-number.png")
