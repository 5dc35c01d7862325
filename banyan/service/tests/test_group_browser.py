"""In a real browser (Playwright on Debian's chromium), at 1366 px and on a 1024 px tablet: a manager
creates a customer group (客户群), finds a customer from the group's page, reads the consent wording
and records the consent; the customer's file shows the card 所在客户群 with the consent date; the
customer withdraws and the group keeps him in its record. Screenshots go to screenshots/."""

from __future__ import annotations

import pytest

from banyan.conftest import TODAY
from banyan.service.models.groups import GroupMembership
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 1024])
def test_create_a_group_add_a_member_with_consent_see_the_card_and_withdraw(live_server, bank, make_customer,
                                                                             monkeypatch, width):
    from playwright.sync_api import expect, sync_playwright

    wang = make_customer(bank.rm_a, name="王建国")
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.goto(f"{live_server.url}/service/groups/")
        expect(page.locator("h1")).to_have_text("客户群")
        page.locator("#id_name").fill("张敏的理财交流群")
        page.locator("#id_kind").select_option("wechat")
        page.locator("#id_purpose").fill("金融知识与网点活动通知")
        page.locator("#create-group").click()
        expect(page.locator("#group-name")).to_have_text("张敏的理财交流群")

        page.locator("#member-q").fill("王建国")
        page.locator("#add-member button").click()
        page.locator("#candidates").get_by_text("征得同意后加入").click()
        wording = page.locator("#consent-wording")
        expect(wording).to_contain_text("张敏的理财交流群")
        expect(wording).to_contain_text("随时")
        expect(page.locator("body")).to_contain_text("未同意接收银行的微信营销信息")  # the warning
        page.get_by_label("微信").check()
        page.locator("#id_read_out").check()
        page.screenshot(path=str(SHOTS / f"group-consent-{width}.png"), full_page=True)
        page.locator("#record-consent").click()
        expect(page.locator(".messages")).to_contain_text("王建国已入群")
        expect(page.locator(f"#member-{wang.pk}")).to_contain_text("微信")

        page.locator("#id_text").fill("本周六上午十点网点有家庭资产配置小讲堂，欢迎报名。")
        page.locator("#share-form button[type=submit]").click()
        expect(page.locator("#shares")).to_contain_text("触达 1 位成员")
        page.screenshot(path=str(SHOTS / f"group-page-{width}.png"), full_page=True)

        page.goto(f"{live_server.url}/customers/{wang.pk}/")
        card = page.locator("#groups-card")
        expect(card.locator(".card-header")).to_contain_text("所在客户群")
        expect(card).to_contain_text("张敏的理财交流群")
        expect(card).to_contain_text(f"{TODAY.isoformat()} 同意（微信）")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / f"group-card-{width}.png"))

        card.get_by_role("link", name="张敏的理财交流群").click()
        page.locator(f"#member-{wang.pk}").get_by_role("link", name="退出").click()
        page.get_by_label("电话").check()
        page.locator("#id_note").fill("客户来电要求退群")
        page.locator("#confirm-withdraw").click()
        expect(page.locator(".messages")).to_contain_text("王建国已退群")
        expect(page.locator("#left")).to_contain_text("王建国")
        expect(page.locator("#members")).to_contain_text("还没有成员")
        page.screenshot(path=str(SHOTS / f"group-withdrawn-{width}.png"), full_page=True)
    m = GroupMembership.objects.get(customer=wang)
    assert m.consent_channel == "wechat" and m.withdrawn_channel == "phone" and m.withdrawn_note == "客户来电要求退群"
