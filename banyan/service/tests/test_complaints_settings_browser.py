"""In a real browser (Playwright on Debian's chromium) at 1366 px: an administrator opens 设置 ·
投诉分类与分派 from the settings tabs, is refused a duplicate code at the field, adds a category,
deactivates another and routes a category to the lobby manager of the customer's branch. Screenshots
go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.service.models import ComplaintCategory, ComplaintRoute
from banyan.testing.browser import SHOTS, chromium, login


@pytest.fixture(autouse=True)
def _categories(db):
    from banyan.service.complaints import complaint_categories_ensure
    complaint_categories_ensure()  # a transactional test's flush removed the migration's rows


pytestmark = pytest.mark.browser


def test_an_admin_edits_the_complaint_categories_and_routing(live_server, bank):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "admin")
        page.goto(f"{live_server.url}/wealth/settings/")
        page.locator("#tab-complaints").click()
        expect(page.locator("#tab-complaints")).to_have_class("nav-link active")
        expect(page.locator("#category-fees")).to_contain_text("fees")
        # a duplicate code: refused at the field, what was typed kept
        form = page.locator("#category-add-form")
        form.locator("#id_code").fill("fees")
        form.locator("#id_name").fill("养老金融")
        form.locator("#id_name_en").fill("Pension finance")
        form.locator("button[type=submit]").click()
        expect(page.locator("#category-add-form")).to_contain_text("代码 fees 已被其他分类使用。")
        page.screenshot(path=str(SHOTS / "complaint-settings-refused-1366.png"), full_page=True)
        page.locator("#category-add-form #id_code").fill("pension")
        page.locator("#category-add-form button[type=submit]").click()
        expect(page.locator(".alert-success, .alert-info").first).to_contain_text("已添加分类“养老金融”")
        expect(page.locator("#category-pension")).to_be_visible()
        # deactivate 存款
        deposit = ComplaintCategory.objects.get(code="deposit")
        page.locator(f"#id_cat-{deposit.pk}-active").uncheck()
        page.locator(f"#category-form-{deposit.pk} button[value=save]").click()
        expect(page.locator("#category-deposit")).to_contain_text("已停用")
        # service attitude → the lobby manager of the customer's branch, every branch
        route = page.locator("#route-form")
        route.locator("#id_category").select_option(label="服务态度")
        route.locator("#id_owner").select_option("role:lobby")
        route.locator("button[type=submit]").click()
        expect(page.locator("#routes")).to_contain_text("客户所属网点的大堂经理")
        page.screenshot(path=str(SHOTS / "complaint-settings-1366.png"), full_page=True)
        context.close()
    assert ComplaintCategory.objects.get(code="pension").name_en == "Pension finance"
    assert not ComplaintCategory.objects.get(code="deposit").active
    assert ComplaintRoute.objects.get().owner_role == "lobby"
