"""The wealth diagnosis on a tablet (1024 × 768, touch) and in English on a laptop, in a real
browser (Playwright on Debian's chromium): from the customer file to 财富诊断, the charts drawn, no
sideways scrolling, the monthly spending recorded, and the PDF downloaded for the customer.
Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.testing.browser import SHOTS, chromium, login
from banyan.wealth.tests.test_diagnosis import shelf, wang  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_the_diagnosis_on_a_tablet_and_its_pdf(live_server, bank, wang, monkeypatch):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, has_touch=True,
                                      accept_downloads=True)
        page = login(context, live_server.url, "zhangmin")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        page.goto(f"{live_server.url}/customers/{wang.pk}/")
        page.locator("#diagnosis-link").click()
        expect(page.locator("h1")).to_contain_text("财富诊断")
        for chart in ("#chart-classes", "#chart-risks", "#chart-ladder"):
            expect(page.locator(f"{chart} svg")).to_be_visible()  # ECharts drew it
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # no sideways scrolling
        expect(page.locator("[data-code=spending_unknown]")).to_be_visible()
        page.screenshot(path=SHOTS / "wealth-95-diagnosis-tablet.png", full_page=True)

        page.locator("#id_monthly").fill("25000")
        page.locator("#spending-form button[type=submit]").tap()
        expect(page.locator("#months-covered")).to_have_text("3.2")
        expect(page.locator("[data-code=spending_unknown]")).to_have_count(0)

        with page.expect_download() as download:
            page.locator("#diagnosis-pdf").click()
        path = download.value.path()
        assert download.value.suggested_filename == f"财富诊断-{wang.external_id}-{TODAY}.pdf"
        with open(path, "rb") as f:
            assert f.read(5) == b"%PDF-"
        assert errors == []


def test_the_diagnosis_in_english(live_server, bank, wang, monkeypatch):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.locator(".lang-switch button").click()  # the language switch: Chinese is the default
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/wealth/customers/{wang.pk}/diagnosis/")
        expect(page.locator("h1")).to_contain_text("Wealth diagnosis")
        expect(page.locator("#diagnosis-allocation")).to_contain_text("Wealth management products")
        expect(page.locator("#kpi-level")).to_have_text("C3 · Balanced")  # the model's English name
        expect(page.locator("#diagnosis-findings")).to_contain_text("Monthly spending not recorded")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        page.screenshot(path=SHOTS / "wealth-96-diagnosis-english.png", full_page=True)
