"""The risk assessment on a tablet (1024 × 768, touch), in a real browser (Playwright on Debian's
chromium): the manager opens it from the customer file, the customer taps an answer per question
(large targets), contradicting answers are shown before anything is recorded, confirmed with a
note, and the result says the level, what it means and until when it is valid; then the sale form
shows the verdict for the product chosen before anything is submitted. Screenshots go to
screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.testing.browser import SHOTS, chromium, login
from banyan.wealth.models import RiskAssessment
from banyan.wealth.tests.test_assessment import BALANCED

pytestmark = pytest.mark.browser


def test_a_customer_takes_the_questionnaire_on_a_tablet(live_server, bank, make_customer, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    customer = make_customer(bank.rm_a, name="林晓燕", male=False)
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, has_touch=True,
                                      is_mobile=False)
        page = login(context, live_server.url, "zhangmin")
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.locator("#risk-profile-link").click()
        page.locator("#take-assessment").click()
        expect(page.locator("h1")).to_contain_text("风险承受能力评估")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # no sideways scrolling
        # every answer is a large target to tap
        tile = page.locator("label.answer-tile").first.bounding_box()
        assert tile["height"] >= 48 and tile["width"] >= 200
        page.screenshot(path=SHOTS / "wealth-90-assessment-tablet.png")

        # the customer answers, with "no experience" and "mostly in equities"
        answers = {**BALANCED, "experience": "A", "holdings": "C"}
        for code, option in answers.items():
            page.locator(f"label[for=q-{code}-{option}]").tap()
        expect(page.locator("#q-experience-A")).to_be_checked()
        page.locator("#assessment-submit").click()
        flags = page.locator("#assessment-flags")
        expect(flags).to_contain_text("没有投资经验，却说资产主要在股票")
        assert not RiskAssessment.objects.filter(customer=customer).exists()  # not silently scored
        expect(page.locator("#q-experience-A")).to_be_checked()  # the answers are kept to correct
        flags.scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "wealth-91-assessment-contradictions.png")

        page.locator("#confirm-flags").check()
        page.locator("#flags-note").fill("客户确认：股票账户由配偶操作")
        page.locator("#assessment-submit").click()
        expect(page.locator("#risk-level")).to_have_text("C3 平衡型")
        expect(page.locator("#risk-meaning")).to_contain_text("R3")
        expect(page.locator("#risk-valid-until")).to_contain_text("2027-11-23")
        expect(page.locator("#latest-flags")).to_contain_text("客户确认：股票账户由配偶操作")
        page.screenshot(path=SHOTS / "wealth-92-assessment-result.png", full_page=True)
        assessment = RiskAssessment.objects.get(customer=customer)
        assert assessment.flags == ["no_experience_risky_holdings"] and assessment.level == "C3"

        # the sale form: the verdict follows the product chosen (htmx), before submitting
        page.goto(f"{live_server.url}/customers/{customer.pk}/sales/new/")
        page.select_option("#id_product", str(bank.products.fund.pk))
        expect(page.locator("#verdict-allowed")).to_contain_text("稳健成长混合基金 可以销售给该客户")
        page.select_option("#id_product", str(bank.products.wealth.pk))
        expect(page.locator("#verdict-allowed")).to_contain_text("安心理财180天")
        page.screenshot(path=SHOTS / "wealth-93-sale-verdict-tablet.png")
        assert errors == []
        context.close()
