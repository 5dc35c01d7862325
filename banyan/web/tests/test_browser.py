"""The manager's day in a real browser (Playwright on Debian's chromium): log in, find a customer
by pinyin initials in the header, open the file, log a contact with the quick form and see it on
the timeline; another manager gets 404 on the same URL. Screenshots go to screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from banyan.conftest import PASSWORD, TODAY
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers.services import relation_add
from banyan.holdings.models import AumSnapshot
from banyan.holdings.services import holding_create, nav_record
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser



@pytest.fixture
def demo_book(bank, make_customer):
    """zhangmin's book: 曾晓明 with a full file, and a couple of dozen others."""
    zeng = make_customer(bank.rm_a, name="曾晓明", birth=dt.date(1978, 3, 9), lunar_birthday=True, risk_level="C3",
                         risk_assessed_on=dt.date(2025, 9, 1), occupation="中学教师", employer="城东中学",
                         marital_status="married", interests="钓鱼、书法", preferred_channel="phone",
                         preferred_time="工作日晚上", orientation="relationship", other_bank_assets="1500000",
                         consent_sms=True)
    nav_record(actor=None, product=bank.products.fund, date="2026-11-20", nav="1.3800")
    holding_create(actor=None, customer=zeng, product=bank.products.deposit, amount="800000.00",
                   purchase_date="2023-12-20", maturity_date="2026-12-20", auto_rollover=True)
    holding_create(actor=None, customer=zeng, product=bank.products.fund, amount="200000.00",
                   purchase_date="2025-06-01", cost_price="1.2000", take_profit_pct="15", stop_loss_pct="10")
    holding_create(actor=None, customer=zeng, product=bank.products.wealth, amount="300000.00",
                   purchase_date="2026-08-01", maturity_date="2027-01-28", expected_return_pct="3.10")
    holding_create(actor=None, customer=zeng, product=bank.products.loan, amount="420000.00",
                   purchase_date="2019-05-01", maturity_date="2039-05-01")
    AumSnapshot.objects.bulk_create([
        AumSnapshot(customer=zeng, date=dt.date(2025, 12, 31) + dt.timedelta(days=31 * i),
                    aum=Decimal(1_050_000 + 25_000 * i + (i % 3) * 8_000)) for i in range(11)
    ])
    spouse = make_customer(bank.rm_a, name="林秀英", birth=dt.date(1980, 7, 2), male=False)
    relation_add(actor=None, customer=zeng, other=spouse, kind="family", note="配偶")
    for days_ago, channel, outcome, summary in [(75, "phone", "reached", "提醒定期12月到期，客户考虑续存"),
                                                (40, "visit", "interested", "网点面谈，对稳健型基金有兴趣")]:
        interaction_log(actor=bank.rm_a, customer=zeng, channel=channel, outcome=outcome, summary=summary,
                        occurred_at=timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago),
                                                                            dt.time(10, 30))))
    memo_create(actor=bank.rm_a, customer=zeng, text="定期到期前一周电话沟通续存方案", due_date="2026-12-13")
    names = ["王小明", "李娜", "刘洋", "陈静怡", "杨帆", "赵敏", "黄磊", "周婷", "吴刚", "徐丽", "孙浩", "胡军",
             "朱琳", "高峰", "郭佳", "马超", "罗兰", "梁晨", "宋雨", "郑凯"]
    for i, name in enumerate(names):
        c = make_customer(bank.rm_a, name=name, birth=dt.date(1960 + i * 2, 1 + i % 12, 1 + i), male=i % 2 == 0,
                          risk_level=f"C{1 + i % 5}")
        holding_create(actor=None, customer=c, product=bank.products.deposit, amount=str(3000 * (i + 1) ** 3),
                       purchase_date="2025-01-01", maturity_date="2027-01-01")
        if i % 3:
            interaction_log(actor=bank.rm_a, customer=c, channel="phone", occurred_at=timezone.make_aware(
                dt.datetime.combine(TODAY - dt.timedelta(days=7 * i), dt.time(9, 0))))
    make_customer(bank.rm_b, name="曾小梅")  # zxm too, but lihua's: never offered to zhangmin
    return zeng


def test_a_manager_finds_a_customer_logs_a_contact_and_another_manager_gets_404(live_server, demo_book, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the test's frozen clock
    zeng = demo_book
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        expect(page.locator("h1")).to_have_text("登录")
        page.screenshot(path=SHOTS / "01-login.png")

        page.fill("input[name=username]", "zhangmin")
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.locator("#main-nav").get_by_role("link", name="我的客户").click()
        expect(page).to_have_url(f"{live_server.url}/customers/")
        expect(page.locator("h1")).to_contain_text("我的客户")
        page.wait_for_load_state()  # the header search is htmx: type once the page's scripts have run
        page.screenshot(path=SHOTS / "02-book.png", full_page=True)

        search = page.locator("#header-search")
        search.click()
        search.press_sequentially("zxm", delay=80)
        hit = page.locator("#search-suggest a", has_text="曾晓明")
        expect(hit).to_be_visible()
        expect(page.locator("#search-suggest")).not_to_contain_text("曾小梅")
        page.screenshot(path=SHOTS / "03-search.png")
        hit.click()

        expect(page).to_have_url(f"{live_server.url}/customers/{zeng.pk}/")
        expect(page.locator(".file-header .name")).to_have_text("曾晓明")
        page.wait_for_load_state()  # the quick contact form posts by htmx once the page's scripts have run
        expect(page.locator("#aum-chart svg")).to_be_visible()
        page.screenshot(path=SHOTS / "04-file.png", full_page=True)

        page.locator("#quick-log").get_by_text("电话", exact=True).click()
        page.locator("#quick-log").get_by_text("接通", exact=True).click()
        page.fill("#qc-summary", "客户确认下周来网点")
        page.locator("#quick-log button[type=submit]").click()

        entry = page.locator("#timeline li", has_text="客户确认下周来网点")
        expect(entry).to_be_visible()
        expect(entry).to_contain_text("电话")
        expect(entry).to_contain_text("接通")
        expect(page.locator("#qc-summary")).to_have_value("")  # the form was reset in place
        expect(page.locator("#last-contact")).to_contain_text("2026-11-23")
        page.locator("#timeline").screenshot(path=SHOTS / "05-timeline.png")

        page.locator("#secret-mobile button").click()
        expect(page.locator("#secret-mobile")).to_contain_text(zeng.mobile)

        # An expired session does not fail silently: the quick form leads back to the login page.
        context.clear_cookies(name="sessionid")  # the CSRF cookie outlives the session
        page.fill("#qc-summary", "会话过期后提交")
        page.locator("#quick-log button[type=submit]").click()
        expect(page).to_have_url(f"{live_server.url}/login/?next=/customers/{zeng.pk}/")

        other = browser.new_context(locale="zh-CN")
        other_page = login(other, live_server.url, "lihua")
        response = other_page.goto(f"{live_server.url}/customers/{zeng.pk}/")
        assert response is not None and response.status == 404

        tablet = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
        tablet_page = login(tablet, live_server.url, "zhangmin")
        tablet_page.goto(f"{live_server.url}/customers/")
        tablet_page.screenshot(path=SHOTS / "06-tablet-book.png", full_page=True)
        tablet_page.goto(f"{live_server.url}/customers/{zeng.pk}/")
        expect(tablet_page.locator("#quick-log")).to_be_visible()
        tablet_page.screenshot(path=SHOTS / "07-tablet-file.png", full_page=True)
        tablet_page.locator("#holdings").screenshot(path=SHOTS / "08-tablet-holdings.png")
        # Nothing spills sideways on a tablet, not even the holdings table inside its card.
        assert tablet_page.evaluate("document.documentElement.scrollWidth") <= 768
        assert tablet_page.evaluate("[...document.querySelectorAll('#holdings .table-responsive')]"
                                    ".every(e => e.scrollWidth <= e.clientWidth)")
