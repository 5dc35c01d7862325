# ruff: noqa: F811 (the capbook fixture, imported, is a test's argument)
"""The capacity page in a real browser (Playwright on Debian's chromium): the branch head finds it
in the menu, sees 张敏 over 100 % in red with the load as a bar, accepts a proposed move, and the
figures follow; the manager sees his or her own row. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.customers.models import Customer
from banyan.staffing.tests.capacity_fixtures import capbook  # noqa: F401 (a fixture)
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_branch_head_sees_the_overloaded_manager_and_accepts_a_move(live_server, capbook, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    bank, c = capbook.bank, capbook.customers
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        head = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}), live_server.url,
                     "zhaolei")
        head.locator("#nav-capacity").click()
        expect(head.locator("h1")).to_contain_text("服务容量测算")
        expect(head.locator("#capacity-month")).to_contain_text("21 个工作日")
        table = head.locator("#capacity-table")
        expect(table.locator("tbody tr")).to_have_count(3)
        zhang = table.locator("tr[data-manager=zhangmin]")
        expect(zhang).to_have_class("table-danger capacity-over")
        expect(zhang.locator(".capacity-needed")).to_have_text("27.7")
        expect(zhang.locator(".capacity-load")).to_have_text("131.9%")
        expect(zhang.locator(".progress-bar.bg-danger")).to_have_count(1)
        expect(table.locator("tr[data-manager=lihua] .capacity-load")).to_have_text("1.9%")
        expect(head.locator("#capacity-over-count")).to_have_text("1 位客户经理超负荷")
        proposals = head.locator(".capacity-proposal")
        expect(proposals).to_have_count(1)
        to_lihua = head.locator(".capacity-proposal[data-proposal=zhangmin-lihua]")
        expect(to_lihua).to_contain_text("7 位客户，每月 19.1 次联系")
        expect(to_lihua).to_contain_text("低低一")
        expect(head.locator("#capacity-proposals")).not_to_contain_text("两高甲")  # a priority customer stays
        head.screenshot(path=SHOTS / "cap1-capacity-branch.png", full_page=True)

        to_lihua.locator("button.capacity-accept").click()
        expect(head.locator(".messages")).to_contain_text("已将 7 位客户从张敏调整给李华")
        expect(zhang.locator(".capacity-needed")).to_have_text("8.6")
        expect(zhang.locator(".capacity-load")).to_have_text("41.0%")
        expect(zhang).not_to_have_class("table-danger capacity-over")
        expect(table.locator("tr[data-manager=lihua] .capacity-load")).to_have_text("92.9%")
        expect(head.locator("#capacity-none-over")).to_have_text("没有客户经理超负荷，无需调整。")
        head.screenshot(path=SHOTS / "cap2-capacity-accepted.png", full_page=True)
        moved = [x.pk for x in c.lowlow] + [c.lh.pk, c.agreed.pk]
        assert set(Customer.objects.filter(pk__in=moved).values_list("rm_id", flat=True)) == {bank.rm_b.pk}

        manager = login(browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800}),
                        live_server.url, "zhangmin")
        expect(manager.locator("#nav-capacity")).to_have_count(0)
        manager.goto(f"{live_server.url}/staffing/capacity/")
        expect(manager.locator("#capacity-table tbody tr")).to_have_count(1)
        expect(manager.locator("#capacity-proposals")).to_have_count(0)
        manager.screenshot(path=SHOTS / "cap3-capacity-mine.png", full_page=True)
