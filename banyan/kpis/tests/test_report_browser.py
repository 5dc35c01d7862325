"""The monthly reports' page in a real browser: the branch head finds last month's report, downloads
the workbook (opened with openpyxl) and the PDF; the auditor then reads both downloads in the audit
log in words. Screenshots go to screenshots/."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from banyan.conftest import TODAY
from banyan.kpis.report import monthly_reports_build
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_the_head_downloads_last_months_report(live_server, bank, october, monkeypatch):
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    monkeypatch.setenv("BANYAN_SMTP_PORT", "9")  # nobody listens: the head has no address anyway
    result = monthly_reports_build(month=dt.date(2026, 10, 1))
    assert result["built"] == ["B01"]
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}, accept_downloads=True)
        page = login(context, live_server.url, bank.head.username)
        page.goto(f"{live_server.url}/review/reports/")
        row = page.locator("#reports-table tbody tr").first
        expect(row).to_contain_text("2026-10")
        expect(row).to_contain_text("城东支行")
        expect(row).to_contain_text("尚未发送")
        page.screenshot(path=SHOTS / "80-review-monthly-reports.png", full_page=True)
        with page.expect_download() as info:
            row.locator("a[data-kind=xlsx]").click()
        download = info.value
        assert download.suggested_filename == "经营检视月报-B01-2026-10.xlsx"
        wb = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
        assert wb.sheetnames[0] == "人员" and wb["人员"]["A1"].value == "榕树银行"
        if row.locator("a[data-kind=pdf]").count():
            with page.expect_download() as info:
                row.locator("a[data-kind=pdf]").click()
            assert info.value.suggested_filename == "经营检视月报-B01-2026-10.pdf"
        auditor = login(browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}), live_server.url,
                        bank.auditor.username)
        auditor.goto(f"{live_server.url}/audit/?action=kpis.exported")
        expect(auditor.locator("#audit-events")).to_contain_text("导出经营检视（Excel 或 PDF）")
        expect(auditor.locator("#audit-events")).to_contain_text("经营检视月报：Excel · B01 · 2026-10")
        auditor.screenshot(path=SHOTS / "81-review-report-downloads-audited.png", full_page=True)
