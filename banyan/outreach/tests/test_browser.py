"""A calling session in a real browser (Playwright on Debian's chromium): open the campaign, call
three customers one after the other — not reached, interested, a meeting — and watch the funnel
and the day's calling progress move. Screenshots of the calling screen, the campaign page with
its funnel and the progress page go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.contacts.models import Appointment, Interaction
from banyan.contacts.services import interaction_log
from banyan.holdings.services import holding_create
from banyan.outreach.models import Script
from banyan.outreach.services import campaign_create
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser


@pytest.fixture
def session(bank, make_customer):
    rm = bank.rm_a
    people = [("王建国", True, "800000", "上午"), ("李秀英", False, "500000", "下午三点后"),
              ("陈志强", True, "300000", ""), ("刘芳", False, "150000", "")]
    customers = []
    for i, (name, male, amount, when) in enumerate(people):
        c = make_customer(rm, name=name, male=male, preferred_time=when, birth=dt.date(1960 + 5 * i, 3, 8))
        holding_create(actor=rm, customer=c, product=bank.products.deposit, amount=amount,
                       purchase_date="2023-12-01", maturity_date=f"2026-12-0{i + 2}")
        customers.append(c)
    interaction_log(actor=rm, customer=customers[0], channel="phone", summary="客户说定期到期后再商量",
                    occurred_at="2026-10-30T10:00")
    quiet = make_customer(rm, name="周敏", male=False, do_not_disturb=True)
    holding_create(actor=rm, customer=quiet, product=bank.products.deposit, amount="900000",
                   purchase_date="2023-12-01", maturity_date="2026-12-08")
    opening = Script.objects.get(title="开场白：账户到期提醒")
    campaign = campaign_create(actor=rm, name="年末定期到期邀约", purpose="邀请定期到期客户来网点做资产检视",
                               goal="约见 10 位", start_date=TODAY, end_date=TODAY + dt.timedelta(days=27),
                               filter={"holds": "time_deposit", "maturity_within_days": 30}, opening=opening)
    return campaign, customers


def test_a_manager_calls_through_three_customers_and_sees_the_funnel_and_the_day_move(live_server, session,
                                                                                      monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    campaign, (wang, li, chen, _liu) = session
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.get_by_role("link", name="电话邀约").first.click()
        page.get_by_role("link", name="年末定期到期邀约").click()
        expect(page.locator("#left-out")).to_contain_text("客户设置了免打扰")
        expect(page.locator('#funnel [data-step="called"] .fs-5')).to_have_text("0")
        page.locator("#start-calling").click()

        # 1. 王先生: not reached
        expect(page.locator(".ot-name")).to_have_text("王先生")
        expect(page.locator("#opening")).to_contain_text("有一些账户上的事情要通知您")
        expect(page.locator("#customer-facts")).to_contain_text("客户说定期到期后再商量")
        page.get_by_role("tab", name="我不需要").click()
        expect(page.locator("#pane-not_interested")).to_contain_text("可以谈谈是什么原因吗")
        page.screenshot(path=SHOTS / "40-calling-screen.png", full_page=True)
        page.screenshot(path=SHOTS / "40b-calling-screen-top.png")
        page.locator("label[for=outcome-not_reached]").click()
        expect(page.locator("fieldset[data-for=appointment]")).to_be_hidden()
        page.fill("input[name=minutes]", "1")
        page.locator("#save-next").click()

        # 2. 李女士: interested, after the "我考虑考虑" objection
        expect(page.locator(".ot-name")).to_have_text("李女士")
        expect(page.locator(".alert-success")).to_contain_text("王先生 — 未接通")
        page.locator("label[for=outcome-interested]").click()
        page.select_option("select[name=objection]", "delay")
        page.fill("textarea[name=note]", "对R2理财感兴趣，下午再详谈")
        page.fill("input[name=minutes]", "6")
        page.locator("#save-next").click()

        # 3. 陈先生: a meeting — the page warns that one contact is not much
        expect(page.locator(".ot-name")).to_have_text("陈先生")
        page.locator("label[for=outcome-appointment]").click()
        expect(page.locator("fieldset[data-for=appointment]")).to_be_visible()
        expect(page.locator("fieldset[data-for=refused]")).to_be_hidden()
        page.fill("input[name=at]", "2026-11-26T10:00")
        page.fill("input[name=place]", "城东支行二楼理财室")
        page.fill("input[name=minutes]", "8")
        page.screenshot(path=SHOTS / "41-calling-appointment.png")
        page.locator("#save-next").click()
        expect(page.locator(".alert-warning")).to_contain_text("约见成功起码要有 2 次以上的联系")
        expect(page.locator(".ot-name")).to_have_text("刘女士")
        page.wait_for_load_state("networkidle")  # no request of the page still writing (SQLite locks)

        assert list(Interaction.objects.filter(customer__in=[wang, li, chen], occurred_at__date=TODAY)
                    .order_by("customer__name").values_list("customer__name", "outcome")) == [
            ("李秀英", "interested"), ("王建国", "not_reached"), ("陈志强", "appointment")]
        assert Appointment.objects.get(customer=chen).place == "城东支行二楼理财室"

        page.goto(f"{live_server.url}/outreach/{campaign.pk}/")
        expect(page.locator('#funnel [data-step="called"] .fs-5')).to_have_text("3")
        expect(page.locator('#funnel [data-step="interested"] .fs-5')).to_have_text("2")
        expect(page.locator('#funnel [data-step="appointment"] .fs-5')).to_have_text("1")
        expect(page.locator("#funnel-chart canvas, #funnel-chart svg").first).to_be_visible()
        page.screenshot(path=SHOTS / "42-campaign-funnel.png", full_page=True)

        page.goto(f"{live_server.url}/outreach/progress/")
        expect(page.locator("#today-progress .calls-figure")).to_have_text("3 / 20")
        expect(page.locator("#today-progress .minutes-figure")).to_have_text("15 / 120 分钟")
        expect(page.locator("#today-calls")).to_contain_text("陈先生")
        expect(page.locator("#progress-chart canvas, #progress-chart svg").first).to_be_visible()
        page.screenshot(path=SHOTS / "43-calling-progress.png", full_page=True)

        page.goto(f"{live_server.url}/outreach/appointments/")
        expect(page.locator("#upcoming")).to_contain_text("陈先生")
        page.screenshot(path=SHOTS / "44-appointments.png", full_page=True)
