"""The branch head's review in a real browser (Playwright on Debian's chromium): the comparison of
managers for a period over a month end, sorted by a column, the weekly trend drawn, a number
drilled down to the contacts behind it and on to the customer's file; the manager's own review;
English. Screenshots go to screenshots/."""

from __future__ import annotations

import re

import pytest

from banyan.conftest import TODAY
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser

QUERY = "from=2026-10-15&to=2026-11-14"


def test_branch_head_compares_managers_and_drills_down_to_a_customer(live_server, small, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        head = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}), live_server.url,
                     "zhaolei")
        head.get_by_role("link", name="检视", exact=True).click()
        expect(head.locator("h1")).to_contain_text("总结与检视")
        head.goto(f"{live_server.url}/review/?{QUERY}")
        expect(head.locator("#review-period")).to_have_text("2026-10-15 – 2026-11-14")
        table = head.locator("#review-table")
        expect(table.locator("tbody tr")).to_have_count(3)  # 张敏, 李华 and 周杰 (his days here)
        row = table.locator("tbody tr", has_text="张敏")
        expect(row.locator("td").nth(3)).to_have_text("50.0%")  # reached 2 of 4 planned
        expect(head.locator("#review-trend-chart canvas")).to_have_count(1)
        # sort by contact achievement rate, highest first: 周杰 (1 of 1) above 张敏 (2 of 4)
        table.locator("thead th", has_text="联系达成率").click()
        expect(table.locator("tbody tr").first).to_contain_text("周杰")
        expect(head.locator("#review-matrix")).to_contain_text("低资产高潜力")
        head.screenshot(path=SHOTS / "k1-review-branch.png", full_page=True)

        row.locator("td").nth(4).locator("a").click()  # 张敏's new information: 2 contacts
        expect(head.locator("#drill-title")).to_contain_text("新获信息")
        expect(head.locator("#drill-count")).to_have_text("2")
        expect(head.locator("#drill-table")).to_contain_text("孩子明年高考")
        head.screenshot(path=SHOTS / "k2-review-drill.png", full_page=True)
        head.locator("#drill-table a", has_text="钱一").first.click()
        expect(head).to_have_title(re.compile("钱一"))  # the customer's file

        manager = login(browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900}),
                        live_server.url, "zhangmin")
        manager.goto(f"{live_server.url}/review/?{QUERY}")
        expect(manager.locator("#review-scope")).to_have_text("我的检视")
        expect(manager.locator("#review-table tbody tr")).to_have_count(1)
        manager.screenshot(path=SHOTS / "k3-review-mine.png", full_page=True)

        english = login(browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900}),
                        live_server.url, "zhaolei")
        english.goto(f"{live_server.url}/review/?{QUERY}")
        english.locator(".lang-switch button").click()  # Chinese is the default
        expect(english.locator("h1")).to_contain_text("Review")
        expect(english.locator("#review-table thead")).to_contain_text("Contact achievement rate")
        english.screenshot(path=SHOTS / "k4-review-english.png", full_page=True)
