"""In a real browser (Playwright on Debian's chromium): the branch head opens 价值提升计划 for
November, sets 张敏's plan from her row, names two of her low-assets / high-potential customers,
and reads the progress (the figures of the hand-computed bank of test_plans) and the effect once
one of them has moved up; then the month's table with its progress bars. Screenshots go to
screenshots/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banyan.conftest import TODAY
from banyan.customers.models import Customer
from banyan.kpis.models import PlanCustomer, PlanStatus, UpliftPlan
from banyan.kpis.tests.test_plans import _segment, tiny  # noqa: F401 (a fixture)
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_the_branch_head_sets_a_plan_names_customers_and_sees_progress(live_server, bank, tiny, monkeypatch):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhaolei")
        page.goto(f"{live_server.url}/review/plans/?month=2026-11")
        expect(page.locator("h1")).to_contain_text("价值提升计划")
        row = page.locator(f"#no-plan-{bank.rm_a.pk}")
        expect(row).to_contain_text("本月尚未制定计划")
        row.get_by_role("link", name="制定计划").click()

        expect(page.locator("#form-title")).to_have_text("制定价值提升计划")
        expect(page.locator("#id_manager")).to_have_value(str(bank.rm_a.pk))
        expect(page.locator("#id_start")).to_have_value("2026-11-01")
        page.locator("#id_target_contact_rate").fill("80")
        page.locator("#id_target_new_aum").fill("400000")
        page.locator("#id_target_opportunities").fill("5")
        page.locator("#id_target_sales_count").fill("2")
        page.locator("#id_target_sales_amount").fill("300000")
        page.locator("#id_note").fill("提升低资产高潜力客户，月底检视效果")
        page.locator("#save-plan").click()

        expect(page.locator(".messages")).to_contain_text("计划已制定并生效")
        expect(page.locator("#plan-title")).to_contain_text("张敏")
        table = page.locator("#progress-table")
        expect(table.locator("tr[data-target=contact_rate] .actual").first).to_have_text("60.0%")
        expect(table.locator("tr[data-target=sales_count]")).to_contain_text("已达成")
        expect(table.locator("tr[data-target=sales_amount]")).to_contain_text("落后")
        expect(table.locator("tr[data-target=opportunities]")).to_contain_text("进度正常")

        page.locator(f"#pick-{tiny.c1.pk}").check()
        page.locator(f"#pick-{tiny.c2.pk}").check()
        page.locator("#add-customers").click()
        expect(page.locator(".messages")).to_contain_text("已将 2 位客户列入计划")
        plan = UpliftPlan.objects.get(manager=bank.rm_a)
        assert plan.status == PlanStatus.APPROVED and plan.target_contact_rate == Decimal("0.8000")
        assert PlanCustomer.objects.filter(plan=plan).count() == 2

        # 林小燕 bought and moved up a quadrant since she was named
        Customer.objects.filter(pk=tiny.c1.pk).update(aum=Decimal("300000.00"))
        _segment(tiny.c1, "high_high")
        page.reload()
        expect(page.locator(f"#listed-{tiny.c1.pk}")).to_contain_text("已上移")
        expect(page.locator(f"#listed-{tiny.c2.pk}")).to_contain_text("尚未上移")
        expect(page.locator("#effect-summary")).to_contain_text("2 位中 1 位已上移象限")
        page.screenshot(path=str(SHOTS / "plan-detail.png"), full_page=True)

        page.locator("#comment-form textarea").fill("进度落后：销售金额只完成一半，下旬重点跟进林小燕的定投机会")
        page.locator("#comment-form button").click()
        expect(page.locator("#comments")).to_contain_text("下旬重点跟进")

        page.get_by_role("link", name="价值提升计划").first.click()
        plan_row = page.locator(f"#plan-{plan.pk}")
        expect(plan_row.locator("[data-target=sales_count]")).to_contain_text("已达成")
        expect(plan_row.locator("[data-effect]")).to_have_text("1 / 2")
        expect(page.locator(f"#no-plan-{bank.rm_b.pk}")).to_contain_text("制定计划")
        page.screenshot(path=str(SHOTS / "plan-list.png"), full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=str(SHOTS / "plan-list-print.png"), full_page=True)
