"""The auditor's page in a real browser at tablet width (1024 × 768): long changes wrap inside a
column wide enough to read, instead of squeezing a column to one character a line; the page does
not scroll sideways. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.customers.services import customer_update, customer_viewed, customers_listed
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def long_log(bank, make_customer):
    wang = make_customer(bank.rm_a, name="王小明")
    customer_viewed(actor=bank.rm_a, customer=wang, via="visit_brief")
    customer_update(actor=bank.rm_a, customer=wang, notes="客户偏好稳健型理财，" * 20, address="浙江省杭州市西湖区" * 6,
                    interests="高尔夫、书法、茶艺、collecting-very-long-english-words-without-spaces-" * 2)
    customers_listed(actor=bank.head, customer_ids=[wang.pk], via="book",
                     params={"band": "50w-600w", "sort": "-last_contact", "idle": "90", "page": "3"}, matched=1832)
    return wang


def test_long_changes_wrap_in_a_readable_column_at_tablet_width(live_server, bank, long_log, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
        page = login(context, live_server.url, bank.auditor.username)
        page.goto(f"{live_server.url}/audit/")
        expect(page.locator("#audit-events")).to_contain_text("走访简报")
        expect(page.locator("#audit-events")).to_contain_text("我的客户列表")
        page.screenshot(path=SHOTS / "70-audit-log-1024.png", full_page=True)
        # every column keeps a readable width (before: the changes column was a letter wide)
        widths = page.eval_on_selector_all("#audit-events thead th",
                                           "ths => ths.map(t => t.getBoundingClientRect().width)")
        assert min(widths) >= 80, widths
        changes = page.locator("#audit-events tbody tr", has_text="修改档案").locator("td").nth(5)
        assert changes.bounding_box()["width"] >= 200
        # the long values wrap inside it: the row grows taller, the table no wider than the page
        assert changes.bounding_box()["height"] > 60
        overflow = page.evaluate("""() => { const t = document.querySelector('.table-responsive');
                                            return t.scrollWidth - t.clientWidth; }""")
        assert overflow <= 1, overflow
