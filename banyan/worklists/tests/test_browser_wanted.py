"""Needs that come back and the agreed frequency, in a real browser (issue 16 §4, §5): the manager
notes on the file that the customer asked for gold the bank does not sell, agrees a monthly call,
and the day a gold product goes on sale the customer is on the list with the product named.
Screenshots go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan import clock
from banyan.conftest import TODAY
from banyan.customers.models import Customer
from banyan.holdings.services import product_create
from banyan.testing.browser import SHOTS, chromium, login
from banyan.worklists.models import Task

pytestmark = pytest.mark.browser

TOMORROW = TODAY + dt.timedelta(days=1)


def test_a_need_noted_on_the_file_comes_back_when_the_product_goes_on_sale(live_server, bank, make_customer,
                                                                            monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    customer = make_customer(bank.rm_a, name="王建国")
    Customer.objects.filter(pk=customer.pk).update(last_contact_at=dt.datetime(2026, 11, 20, 2, tzinfo=dt.UTC))
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # the file: a memo naming the product type the bank could not offer
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        memos = page.locator("#memos")
        memos.locator("#memo-text").fill("客户想买黄金，我行暂无贵金属业务")
        memos.locator("#memo-due").fill("2026-12-31")
        memos.locator("#memo-product-type").select_option(label="想要：贵金属")
        memos.get_by_role("button", name="添加备忘").click()
        expect(page.locator("#memos")).to_contain_text("想要 贵金属")
        page.locator("#memos").screenshot(path=SHOTS / "16-4-memo-wanted-product.png")

        # the profile: a monthly call agreed with the customer, shown on the file
        page.goto(f"{live_server.url}/customers/{customer.pk}/edit/")
        page.locator("#id_agreed_contact_days").fill("30")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#contact-frequency")).to_contain_text("与客户约定")
        page.locator("#contact-frequency").scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "16-5-agreed-frequency-file.png")
        assert Customer.objects.get(pk=customer.pk).agreed_contact_days == 30

        # tomorrow a gold product goes on sale: the customer is on the list with the product named
        with clock.frozen(TOMORROW):
            product_create(actor=bank.admin, code="AU-01", name="如意积存金", type="precious_metal", risk_level="R2")
        monkeypatch.setenv("BANYAN_TODAY", TOMORROW.isoformat())
        page.goto(f"{live_server.url}/work/")
        task = Task.objects.get(customer=customer, date=TOMORROW)
        card = page.locator(f"#task-{task.pk}")
        expect(card).to_contain_text("如意积存金")
        expect(card).to_contain_text("您之前问过的贵金属产品，我行现在上线了如意积存金")
        card.screenshot(path=SHOTS / "16-4-worklist-wanted-product.png")
        assert not errors
