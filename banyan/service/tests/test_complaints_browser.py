"""In a real browser (Playwright on Debian's chromium), at 1366 px and on a 1024 px tablet: a
manager registers a complaint from the customer's file (登记投诉); the branch head, its owner, works
it — an action, then the decision without a root cause (refused at the field), then with it — and
sees it in the branch's statistics (root causes' Pareto chart). Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.service.models import Complaint
from banyan.testing.browser import SHOTS, chromium, login


@pytest.fixture(autouse=True)
def _categories(db):
    from banyan.service.complaints import complaint_categories_ensure
    complaint_categories_ensure()  # a transactional test's flush removed the migration's rows


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 1024])
def test_log_a_complaint_from_the_file_resolve_it_with_a_root_cause_and_see_the_statistics(
        live_server, bank, make_customer, monkeypatch, width):
    from playwright.sync_api import expect, sync_playwright

    wang = make_customer(bank.rm_a, name="王建国")
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/customers/{wang.pk}/")
        page.locator("#complaint-link").click()
        expect(page.locator("h1")).to_have_text("登记投诉")
        page.locator("#id_channel").select_option("hotline")
        page.locator("#id_category").select_option(label="收费")
        page.locator("#id_description").fill("信用卡年费未经告知即扣收，客户拨打12378投诉。")
        page.get_by_label("李华").check()
        page.screenshot(path=str(SHOTS / f"complaint-new-{width}.png"), full_page=True)
        page.locator("#complaint-form button[type=submit]").click()
        expect(page.locator("#complaint-due")).to_contain_text("2026-12-08")
        complaint = Complaint.objects.get(customer=wang)
        assert complaint.owner == bank.head
        page.locator("input[name=text]").first.fill("已调取扣费记录")
        page.get_by_role("button", name="添加").click()
        expect(page.locator("#complaint-actions")).to_contain_text("已调取扣费记录")
        context.close()

        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = login(context, live_server.url, "zhaolei")
        page.goto(f"{live_server.url}/service/complaints/{complaint.pk}/")
        page.locator("#id_resolution").fill("退还年费并致歉")
        page.locator("#id_informed_how").select_option("phone")
        page.locator("#id_satisfaction").select_option("5")
        page.locator("#resolve-form button[type=submit]").click()
        expect(page.locator("#resolve-form")).to_contain_text("没有根因分析不能办结")
        page.screenshot(path=str(SHOTS / f"complaint-refused-{width}.png"), full_page=True)
        page.locator("#id_root_cause").select_option("disclosure")
        page.locator("#id_root_cause_change").fill("开卡时书面告知年费并由客户签字确认")
        page.locator("#resolve-form button[type=submit]").click()
        expect(page.locator("#complaint-status")).to_contain_text("已办结")
        expect(page.locator("#complaint-resolution")).to_contain_text("信息披露或解释不到位")
        page.screenshot(path=str(SHOTS / f"complaint-resolved-{width}.png"), full_page=True)

        nav = page.locator('a.nav-link[href="/service/complaints/"]')
        expect(nav).to_have_text("投诉")  # in the navigation (collapsed on a tablet)
        page.goto(f"{live_server.url}/service/complaints/")
        page.get_by_role("link", name="支行统计").click()
        expect(page.locator("#fig-resolved")).to_have_text("1")
        expect(page.locator("#pareto-table")).to_contain_text("信息披露或解释不到位")
        page.screenshot(path=str(SHOTS / f"complaint-branch-{width}.png"), full_page=True)
        context.close()
