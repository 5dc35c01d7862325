"""Gifts in a real browser (Playwright on Debian's chromium): a manager logs a visit on the customer
file with the flowers handed over (one optional group of the contact form) — above the limit, so
it waits; the branch head opens 客户赠礼, sees it against the month's budget and approves it once.
Screenshots go to screenshots/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banyan.conftest import TODAY
from banyan.gifts.models import Gift, GiftBudget, GiftStatus
from banyan.gifts.services import gift_item_save
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_a_gift_logged_on_a_visit_and_approved_by_the_branch_head(live_server, bank, make_customer, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    gift_item_save(actor=bank.admin, name="鲜花花篮", unit_cost=Decimal("388.00"))
    gift_item_save(actor=bank.admin, name="定制台历", unit_cost=Decimal("35.00"))
    GiftBudget.objects.create(branch=bank.b1, tier="none", monthly_amount=Decimal("1000.00"))
    customer = make_customer(bank.rm_a, name="周丽华", male=False)
    with sync_playwright() as p, chromium(p) as browser:
        rm = login(browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}), live_server.url,
                   "zhangmin")
        rm.goto(f"{live_server.url}/customers/{customer.pk}/")
        form = rm.locator("#quick-log")
        form.locator("label[for=qc-ch-visit]").click()
        form.locator("label[for=qc-out-reached]").click()
        form.locator("#qc-summary").fill("客户新店开业，上门送花篮道贺")
        form.locator("#qc-gift summary").click()
        form.locator("select[name=gift-item]").select_option(label="鲜花花篮 · ¥388.00")
        form.locator("input[name=gift-quantity]").fill("2")
        form.locator("select[name=gift-delivered_by]").select_option(label="陈静")
        rm.screenshot(path=SHOTS / "g1-contact-with-gift.png", full_page=True)
        form.get_by_role("button", name="保存联系记录").click()
        window = rm.locator("#qc-gift-window")
        expect(window).to_contain_text("¥776.00")
        expect(window.locator(".gift-recent").first).to_contain_text("待行长审批")
        gift = Gift.objects.get()
        assert (gift.status, gift.delivered_by, gift.interaction.summary) == (GiftStatus.PENDING, bank.assistant,
                                                                              "客户新店开业，上门送花篮道贺")
        rm.locator("#qc-gift summary").click()
        rm.screenshot(path=SHOTS / "g2-gift-pending-on-file.png", full_page=True)

        head = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}), live_server.url,
                     "zhaolei")
        head.locator("#nav-gifts").click()
        expect(head.locator("h1")).to_contain_text("客户赠礼")
        pending = head.locator(f"#pending-{gift.pk}")
        expect(pending).to_contain_text("周丽华")
        expect(pending).to_contain_text("¥776.00")
        expect(head.locator("#gift-by-tier tr[data-tier=none]")).to_contain_text("¥1,000.00")
        head.screenshot(path=SHOTS / "g3-gifts-pending.png", full_page=True)
        pending.locator("input[name=note]").fill("开业贺礼，符合规定")
        pending.get_by_role("button", name="审批通过").click()
        expect(head.locator(".messages")).to_contain_text("已批准")
        expect(head.locator(f"#pending-{gift.pk}")).to_have_count(0)
        expect(head.locator("#gift-total")).to_contain_text("¥776.00")
        expect(head.locator(f"#gift-{gift.pk}")).to_contain_text("开业贺礼，符合规定")
        head.screenshot(path=SHOTS / "g4-gift-approved.png", full_page=True)
    gift.refresh_from_db()
    assert gift.status == GiftStatus.APPROVED and gift.decided_by == bank.head
