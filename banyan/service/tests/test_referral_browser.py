"""转介绍 in a real browser (Playwright on Debian's chromium), in Chinese: 张敏 refers a friend of
her customer from the customer's file to 李华 (a wrong mobile refused at the field first), and 李华
accepts it in place on 我收到的转介; on a desktop and on a 1024 × 768 tablet. Screenshots go to
screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.service.models import Referral, ReferralStatus
from banyan.testing.browser import SHOTS, chromium, login, open_menu

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("viewport", "shot"), [({"width": 1366, "height": 900}, "90"),
                                                ({"width": 1024, "height": 768}, "91")])
def test_refer_a_friend_from_the_file_and_the_receiver_accepts(live_server, bank, make_customer, monkeypatch,
                                                               viewport, shot):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    referrer = make_customer(bank.rm_a, name="王建国")
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/customers/{referrer.pk}/")
        page.locator("#referral-link").click()
        expect(page.locator("h1")).to_contain_text("转介绍 · 王建国")
        page.select_option("#id_to", "lihua")
        page.fill("#id_need", "朋友想给父母配置一笔稳健的存款")
        page.fill("#id_prospect_name", "刘芳")
        page.fill("#id_prospect_mobile", "1391234567")  # ten digits
        page.check("#id_consent_phone")
        page.locator("#referral-send").click()
        expect(page.locator("#referral-form .invalid-feedback")).to_contain_text("11")
        assert not Referral.objects.exists()
        page.screenshot(path=SHOTS / f"{shot}-referral-refused.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.fill("#id_prospect_mobile", "139 1234 5678")
        page.locator("#referral-send").click()
        expect(page.locator(".alert-success")).to_contain_text("已转介给 李华")
        page.screenshot(path=SHOTS / f"{shot}-referral-sent.png", full_page=True)

        other = browser.new_context(locale="zh-CN", viewport=viewport)  # a session of its own
        receiver = login(other, live_server.url, "lihua")
        if viewport["width"] < 1200:
            open_menu(receiver)
        receiver.get_by_role("link", name="转介", exact=True).click()
        card = receiver.locator(".referral-card").first
        expect(card).to_contain_text("刘芳")
        expect(card).to_contain_text("由王建国介绍")
        expect(card).to_contain_text("待接收")
        receiver.screenshot(path=SHOTS / f"{shot}-referral-received.png", full_page=True)
        card.get_by_role("button", name="拒绝").click()  # no reason: refused on the card
        expect(receiver.locator(".referral-card .alert-danger")).to_contain_text("请说明拒绝原因")
        receiver.locator(".referral-card").first.get_by_role("button", name="接收").click()
        card = receiver.locator(".referral-card").first
        expect(card).to_have_attribute("data-status", "accepted")
        expect(card.get_by_role("button", name="成交", exact=True)).to_be_visible()
        receiver.screenshot(path=SHOTS / f"{shot}-referral-accepted.png", full_page=True)
        assert receiver.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.ACCEPTED and referral.customer.rm == bank.rm_b


def test_the_branch_head_reads_the_referral_board(live_server, bank, make_customer, monkeypatch):
    """转介绍看板 at a tablet's 1024 px: the top referrer and the staff who passed on and converted."""
    from playwright.sync_api import expect, sync_playwright

    from banyan.service.referral_services import referral_accept, referral_create, referral_outcome

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    top = make_customer(bank.rm_a, name="王建国")
    for i, to in enumerate(("lihua", "lihua", "zhangmin")):
        r = referral_create(actor=bank.rm_a, to=to, need=f"朋友{i}的理财需求", referrer_customer=top,
                            prospect={"name": f"朋友{i}", "mobile": f"1391234567{i}", "consent_phone": True})
        if to == "lihua" and i == 0:
            referral_accept(actor=bank.rm_b, referral=r)
            referral_outcome(actor=bank.rm_b, referral=r, outcome="won", note="买了理财")
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
        page = login(context, live_server.url, "zhaolei")
        page.goto(f"{live_server.url}/service/referrals/board/")
        expect(page.locator("h1")).to_contain_text("转介绍看板")
        expect(page.locator("#board-total")).to_have_text("3")
        expect(page.locator("#board-converted")).to_have_text("1")
        expect(page.locator("#board-referrers")).to_contain_text("王建国")
        expect(page.locator("#board-staff")).to_contain_text("李华")
        page.screenshot(path=SHOTS / "92-referral-board.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
