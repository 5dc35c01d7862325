"""Nothing typed is lost without a word, in a real browser (Playwright on Debian's chromium): a
12-digit mobile on the profile form, a 5,000-character contact summary, and a meeting time already
passed on the file's 约见 card. Before, the browser cut the first two silently (and the mobile was
saved as another number); the third gave a red "操作未成功（400）" banner and a console error.
Screenshots go to screenshots/."""

from __future__ import annotations

import re

import pytest

from banyan.conftest import TODAY
from banyan.contacts.models import Appointment, Interaction
from banyan.customers.models import Customer
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_a_manager_is_told_at_the_field_and_nothing_is_cut_or_saved(live_server, bank, zeng, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    mobile_before = zeng.mobile
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        # 1. The profile: a 12-digit mobile is neither cut nor saved; the counter says 12/11 in red.
        page.goto(f"{live_server.url}/customers/{zeng.pk}/edit/")
        page.wait_for_load_state()  # the counter's script has run
        mobile = page.locator("#id_mobile")
        mobile.fill("138123456789")
        expect(mobile).to_have_value("138123456789")  # nothing cut while typing
        counter = page.locator("#id_mobile-count")
        expect(counter).to_have_text("12/11")
        expect(counter).to_have_class(re.compile(r"\btext-danger\b"))  # red: past the limit
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator(".alert-danger")).to_contain_text("未保存")
        field = page.locator("#id_mobile").locator("xpath=..")
        expect(field).to_contain_text("手机号应为 11 位，已输入 12 位")
        expect(page.locator("#id_mobile")).to_have_value("138123456789")
        expect(page.locator("#id_mobile-count")).to_have_text("12/11")
        page.locator("#id_mobile").scroll_into_view_if_needed()
        page.screenshot(path=SHOTS / "60-profile-12-digit-mobile.png")
        assert Customer.objects.get(pk=zeng.pk).mobile == mobile_before

        # 2. The quick log: 5,000 characters are refused with the count, and kept to shorten.
        page.goto(f"{live_server.url}/customers/{zeng.pk}/")
        page.wait_for_load_state()
        page.locator("label[for=qc-out-reached]").click()
        page.locator("#qc-summary").fill("客" * 5000)
        expect(page.locator("#qc-summary-count")).to_have_text("5000/500")
        page.locator("#quick-log button[type=submit]").click()
        expect(page.locator("#quick-log")).to_contain_text("最多 500 字，已输入 5000 字")
        expect(page.locator("#qc-summary")).to_have_value("客" * 5000)
        expect(page.locator("#qc-summary-count")).to_have_text("5000/500")
        page.locator("#quick-log").screenshot(path=SHOTS / "61-quick-log-5000-characters.png")
        assert not Interaction.objects.filter(customer=zeng).exists()

        # 3. The 约见 card: a time already passed comes back on the card, at the field — no banner.
        card = page.locator("#appointments-card")
        expect(card.locator("input[name=at]")).to_be_visible()
        card.locator("input[name=at]").fill("2026-11-20T10:00")
        card.locator("input[name=place]").fill("城东支行")
        card.locator("input[name=purpose]").fill("续存方案")
        card.get_by_role("button", name="预约见面").click()
        expect(card).to_contain_text("约见时间已过")
        expect(card.locator("input[name=purpose]")).to_have_value("续存方案")
        expect(page.locator("#main .alert-danger", has_text="操作未成功")).to_have_count(0)
        card.screenshot(path=SHOTS / "62-file-meeting-time-passed.png")
        assert not Appointment.objects.exists()
        # the browser itself reports the 400 it received; nothing else (no htmx error, no script error)
        assert [e for e in errors if "status of 400" not in e] == []
