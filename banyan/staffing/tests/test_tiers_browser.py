"""Staffing by tier in a real browser (Playwright on Debian's chromium, issue 16 §7): the branch head
goes from the branch overview to 分层配置人员, sees the private-banking customer kept by a manager
who is no private banker, chooses him, moves him to the private banker, and the list follows.
Screenshots t1 (before), t2 (after)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banyan.conftest import PASSWORD, TODAY
from banyan.customers.models import Customer
from banyan.org.models import Role, Staff
from banyan.org.services import staff_create
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


def test_the_branch_head_moves_an_out_of_place_customer_to_the_private_banker(live_server, bank, make_customer,
                                                                             monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    from banyan.seeding import reseed

    reseed()  # the tiers (a flush before a live-server test empties them)
    Staff.objects.filter(pk=bank.rm_b.pk).update(is_senior=True)
    pb = staff_create(actor=None, username="qianpb", password=PASSWORD, role=Role.RM, branch=bank.b1,
                      full_name="钱私行", is_private_banker=True, check_password=False)
    for name, rm, aum in [("大客户甲", bank.rm_a, "8000000"), ("贵宾乙", bank.rm_a, "1200000"),
                          ("稳健丁", bank.rm_b, "900000"), ("私行戊", pb, "7000000"), ("小客户丙", bank.rm_b, "80000")]:
        c = make_customer(rm, name=name)
        Customer.objects.filter(pk=c.pk).update(aum=Decimal(aum))
    big = Customer.objects.get(name="大客户甲")

    with sync_playwright() as p, chromium(p) as browser:
        head = login(browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}), live_server.url,
                     "zhaolei")
        head.goto(f"{live_server.url}/branch/")
        head.locator("#link-tiers").click()
        expect(head.locator("h1")).to_contain_text("分层配置人员")
        expect(head.locator("#out-of-place-count")).to_have_text("3")
        rows = head.locator("#out-of-place-list tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.first).to_contain_text("大客户甲")  # the largest first
        expect(rows.first).to_contain_text("应由私人银行家维护")
        expect(head.locator("#tier-counts")).to_contain_text("钱私行")
        head.screenshot(path=SHOTS / "t1-tiers-out-of-place.png", full_page=True)

        head.locator(f"#pick-{big.pk}").check()
        head.select_option("select[name=to_rm]", str(pb.pk))
        head.fill("input[name=reason]", "私行客户由私人银行家维护")
        head.locator("#fix-submit").click()
        expect(head.locator(".alert-success")).to_contain_text("已将 1 位客户调给钱私行")
        expect(head.locator("#out-of-place-count")).to_have_text("2")
        expect(head.locator("#out-of-place-list")).not_to_contain_text("大客户甲")
        head.screenshot(path=SHOTS / "t2-tiers-moved.png", full_page=True)
    assert Customer.objects.get(pk=big.pk).rm_id == pb.pk
