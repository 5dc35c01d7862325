"""The manager's morning in a real browser (Playwright on Debian's chromium): log in, land on
今日工作, complete the birthday call with one click and a line of text, watch it leave the list,
and find the contact on the customer's timeline. Screenshots of the worklist (desktop and tablet),
the branch head's view and the segment matrix go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banyan import clock
from banyan.conftest import TODAY
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create, nav_record
from banyan.segments.services import segments_recompute
from banyan.testing.browser import SHOTS, chromium, login
from banyan.worklists.services import worklists_build

pytestmark = pytest.mark.browser



def _born(day: dt.date, seq: int, male: bool = True) -> str:
    return make_resident_id("330106", day, seq * 2 + (1 if male else 0))


def _at(days_ago: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(10, 0)))


@pytest.fixture
def morning(bank, make_customer):
    """zhangmin's Monday: a 60th birthday, a maturing deposit, a fund through its stop-loss, a memo,
    a customer left out by the call cap, one left out by do-not-disturb, yesterday's unfinished
    call, and a dozen regular contacts. lihua has a smaller day."""
    rm = bank.rm_a
    wang = make_customer(rm, name="王建国", id_number=_born(dt.date(1966, 11, 23), 1), preferred_channel="phone",
                         preferred_time="上午", occupation="企业主", other_bank_assets="800000",
                         orientation="relationship")
    holding_create(actor=None, customer=wang, product=bank.products.wealth, amount="1200000",
                   purchase_date="2026-08-01", maturity_date="2027-01-28")
    chen = make_customer(rm, name="陈静怡", male=False, id_number=_born(dt.date(1975, 3, 2), 2, male=False),
                         preferred_channel="wechat", consent_wechat=True)
    holding_create(actor=None, customer=chen, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-25", maturity_date="2026-11-25")
    liu = make_customer(rm, name="刘洋", id_number=_born(dt.date(1982, 6, 9), 3))
    nav_record(actor=None, product=bank.products.fund, date="2026-06-01", nav="1.0000")
    holding_create(actor=None, customer=liu, product=bank.products.fund, amount="200000", cost_price="1.0000",
                   purchase_date="2026-06-01", stop_loss_pct="10", take_profit_pct="20")
    nav_record(actor=None, product=bank.products.fund, date="2026-11-20", nav="0.8800")
    zheng = make_customer(rm, name="郑华", id_number=_born(dt.date(1970, 1, 15), 4))
    memo_create(actor=rm, customer=zheng, text="客户想了解积存金，到货后通知", due_date=TODAY)
    zhao = make_customer(rm, name="赵强", id_number=_born(dt.date(1960, 11, 23), 5), consent_wechat=False)
    holding_create(actor=None, customer=zhao, product=bank.products.deposit, amount="250000",
                   purchase_date="2025-01-01")
    for days_ago in (20, 13, 6):
        interaction_log(actor=rm, customer=zhao, channel="phone", outcome="reached", occurred_at=_at(days_ago))
    make_customer(rm, name="周敏", male=False, do_not_disturb=True, id_number=_born(dt.date(1988, 11, 23), 6, False))
    feng = make_customer(rm, name="冯雪", male=False, id_number=_born(dt.date(1985, 11, 22), 7, False))
    names = ["黄磊", "周婷", "吴刚", "徐丽", "孙浩", "胡军", "朱琳", "高峰", "郭佳", "马超", "罗兰", "梁晨"]
    for i, name in enumerate(names):
        c = make_customer(rm, name=name, id_number=_born(dt.date(1962 + 2 * i, 1 + i % 12, 3 + i), 10 + i, i % 2 == 0))
        holding_create(actor=None, customer=c, product=bank.products.deposit, amount=str(20000 * (i + 1) ** 2),
                       purchase_date="2025-01-01", maturity_date="2027-06-01")
        if i % 3:
            interaction_log(actor=rm, customer=c, channel="phone", outcome="reached", occurred_at=_at(40 + 9 * i))
    make_customer(rm, name="林芳", male=False, id_number=_born(dt.date(1979, 11, 26), 30, False))  # Thursday
    for i, name in enumerate(["曾小梅", "杜鹃", "邱林", "蒋勇"]):
        c = make_customer(bank.rm_b, name=name, id_number=_born(dt.date(1970 + i, 5, 5 + i), 40 + i))
        holding_create(actor=None, customer=c, product=bank.products.deposit, amount=str(150000 * (i + 1)),
                       purchase_date="2025-01-01")
    Customer.objects.filter(name="赵强").update(last_contact_at=None)  # regular contact due: a 4th call
    segments_recompute()
    yesterday = TODAY - dt.timedelta(days=1)
    with clock.frozen(yesterday):
        worklists_build(day=yesterday, manager_ids=[rm.pk])  # 冯雪's birthday call, not made
    return wang, feng


def test_a_manager_completes_the_birthday_call_and_finds_it_on_the_timeline(live_server, morning, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the test's frozen clock
    wang, feng = morning
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        expect(page).to_have_url(f"{live_server.url}/work/")
        expect(page.locator("h1")).to_have_text("今日工作")
        card = page.locator("#open-tasks .task-card", has_text="王建国")
        expect(card).to_contain_text("11月23日生日，60 岁（整寿）")
        expect(card.locator(".talking")).to_contain_text("王先生您好，我是榕树银行的客户经理张敏")
        expect(card.locator(".talking")).to_contain_text("今天是您的60岁生日，我代表银行祝您生日快乐")
        expect(card.locator(".talking-notes")).to_contain_text("以祝福为主，不谈产品。")
        expect(page.locator("#suppressed")).to_contain_text("赵强")
        expect(page.locator("#suppressed")).to_contain_text("本月已致电 3 次")
        expect(page.locator("#overdue")).to_contain_text("冯雪")
        expect(page.locator("#wl-preview")).to_contain_text("按今天的数据预排")
        page.locator("#wl-preview").screenshot(path=SHOTS / "10a-coming-week-closed.png")
        page.locator("#wl-preview").get_by_role("link", name="查看未来安排").click()
        expect(page.locator("#wl-preview")).to_contain_text("预览，每天早上生成正式清单")
        page.screenshot(path=SHOTS / "10-worklist.png", full_page=True)
        page.screenshot(path=SHOTS / "11-worklist-top.png")
        open_before = int(page.locator("#wl-counts .wl-count-open .n").inner_text())

        task_id = wang.tasks.get(date=TODAY).pk  # read before the click: the server is writing after it
        card.locator("input[name=summary]").fill("祝六十大寿，客户约下周来网点")
        card.get_by_role("button", name="接通", exact=True).click()
        done = page.locator(f"#task-{task_id}.task-closed")
        expect(done).to_contain_text("接通")
        expect(page.locator("#open-tasks .task-card", has_text="王建国")).to_have_count(0)
        expect(page.locator("#wl-counts .wl-count-open .n")).to_have_text(str(open_before - 1))
        done.screenshot(path=SHOTS / "12-worklist-done.png")

        page.reload()
        expect(page.locator("#open-tasks")).not_to_contain_text("王建国")
        expect(page.locator("#closed-tasks")).to_contain_text("王建国")

        # 冯雪's overdue card: "跳过" loads its form as it opens (not written with the page)
        late = page.locator("#overdue .task-card", has_text="冯雪")
        expect(late.locator("select[name=reason]")).to_have_count(0)
        late.locator("details.task-skip summary").click()
        late.locator("select[name=reason]").select_option(label="客户出差/出国")
        late.locator("input[name=note]").fill("下周回国")
        late.screenshot(path=SHOTS / "12b-worklist-skip-opened.png")
        late.get_by_role("button", name="确认跳过").click()
        expect(page.locator("#overdue")).to_contain_text("客户出差/出国：下周回国")

        page.locator("#closed-tasks a", has_text="王建国").first.click()
        expect(page).to_have_url(f"{live_server.url}/customers/{wang.pk}/")
        entry = page.locator("#timeline li", has_text="祝六十大寿，客户约下周来网点")
        expect(entry).to_be_visible()
        expect(entry).to_contain_text("接通")
        expect(page.locator("#segment-card")).to_contain_text("高资产高潜力")
        page.locator("#segment-card").screenshot(path=SHOTS / "13-segment-card.png")

        tablet = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
        tablet_page = login(tablet, live_server.url, "zhangmin")
        expect(tablet_page.locator("#open-tasks .task-card").first).to_be_visible()
        tablet_page.screenshot(path=SHOTS / "14-tablet-worklist.png", full_page=True)
        tablet_page.screenshot(path=SHOTS / "14b-tablet-worklist-top.png")
        assert tablet_page.evaluate("document.documentElement.scrollWidth") <= 768

        head = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        head_page = login(head, live_server.url, "zhaolei")
        head_page.goto(f"{live_server.url}/work/branch/")
        expect(head_page.locator("#branch-worklists")).to_contain_text("张敏")
        expect(head_page.locator("#branch-worklist-chart svg, #branch-worklist-chart canvas").first).to_be_visible()
        head_page.screenshot(path=SHOTS / "15-branch-work.png", full_page=True)
        head_page.goto(f"{live_server.url}/segments/")
        expect(head_page.locator("#segment-matrix")).to_contain_text("高资产高潜力")
        expect(head_page.locator("#segment-chart svg, #segment-chart canvas").first).to_be_visible()
        head_page.screenshot(path=SHOTS / "16-segments.png", full_page=True)
