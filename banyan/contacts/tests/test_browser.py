"""The 销售机会 pipeline in a real browser (Playwright on Debian's chromium): the manager's board by
stage with its sums, a move in place (htmx) that updates them, a refusal shown on the card, the
branch head's table per manager, and "有意向" on 今日工作 opening an opportunity in one step.
Screenshots (desktop and a 1024 × 768 tablet) go to screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan import clock
from banyan.conftest import TODAY
from banyan.contacts.models import Opportunity
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.contacts.services import memo_create
from banyan.holdings.services import holding_create
from banyan.testing.browser import SHOTS, chromium, login, open_menu
from banyan.worklists.models import Task

pytestmark = pytest.mark.browser


@pytest.fixture
def book(bank, make_customer):
    wang, li, zhao, qian = (make_customer(bank.rm_a, name=n) for n in ("王建国", "李秀英", "赵丽", "钱多多"))

    def opened(customer, need, amount, due=None, **fields):
        return opportunity_create(actor=bank.rm_a, customer=customer, need=need, source=fields.pop("source", "call"),
                                  expected_amount=amount, due_date=due, **fields)

    with clock.frozen(TODAY - dt.timedelta(days=20)):
        late = opened(wang, "定期到期资金续作，想比较大额存单", "500000", TODAY - dt.timedelta(days=5),
                      product_code="TD3Y")
        opened(make_customer(bank.rm_b, name="孙立"), "房贷提前还款后的闲钱", "300000", TODAY - dt.timedelta(days=2))
    fresh = opened(li, "孩子明年出国，准备教育金", "200000", TODAY + dt.timedelta(days=2), product_code="W180")
    opened(zhao, "关注黄金，想了解积存金", "30000", TODAY + dt.timedelta(days=12), source="walk_in")
    proposed = opened(qian, "基金定投", "50000", TODAY + dt.timedelta(days=6), product_code="F001")
    opportunity_stage(actor=bank.rm_a, opportunity=proposed, stage="proposed")
    won = opened(wang, "大额存单", "1000000")
    sale = holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="1000000.00",
                          purchase_date=TODAY)
    opportunity_stage(actor=bank.rm_a, opportunity=won, stage="won", holding_id=sale.pk)
    lost = opened(li, "黄金积存", "50000")
    opportunity_stage(actor=bank.rm_a, opportunity=lost, stage="lost", reason="客户觉得金价太高")
    return {"late": late, "fresh": fresh, "wang": wang}


@pytest.mark.parametrize(("viewport", "shot"), [({"width": 1366, "height": 900}, "80"),
                                                ({"width": 1024, "height": 768}, "81")])
def test_the_manager_moves_an_opportunity_on_the_board_and_the_sums_follow(live_server, bank, book, monkeypatch,
                                                                            viewport, shot):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = login(context, live_server.url, "zhangmin")
        if viewport["width"] < 1200:
            open_menu(page)
        page.get_by_role("link", name="销售机会", exact=True).click()
        expect(page.locator("h1")).to_contain_text("销售机会")
        board = page.locator("#pipeline-board")
        expect(board.locator("#stage-open .pl-sum")).to_have_text("73.00万")  # 50 + 20 + 3
        expect(board.locator("#stage-won")).to_contain_text("三年期整存整取")
        late = board.locator(f"#opportunity-{book['late'].pk}")
        expect(late).to_have_class("pl-card pl-overdue")
        expect(late).to_contain_text("逾期 5 天")
        expect(board).not_to_contain_text("孙立")  # another manager's
        page.screenshot(path=SHOTS / f"{shot}-pipeline.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        card = board.locator(f"#opportunity-{book['fresh'].pk}")
        card.locator("summary").click()
        card.get_by_role("button", name="流失").click()  # no reason: refused on the card
        card = page.locator(f"#opportunity-{book['fresh'].pk}")
        expect(card.locator(".alert-danger")).to_contain_text("请写明流失原因")
        card.get_by_role("button", name="已联系").click()
        contacted = page.locator("#stage-contacted")
        expect(contacted).to_contain_text("李秀英")
        expect(contacted.locator(".pl-sum")).to_have_text("20.00万")
        expect(page.locator("#stage-open .pl-sum")).to_have_text("53.00万")
        page.locator("#pipeline-columns").screenshot(path=SHOTS / f"{shot}-pipeline-moved.png")
    assert Opportunity.objects.get(pk=book["fresh"].pk).stage == "contacted"


def test_the_branch_head_sees_each_managers_pipeline(live_server, bank, book, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhaolei")
        page.goto(f"{live_server.url}/opportunities/")
        table = page.locator("#pipeline-managers")
        expect(table).to_contain_text("张敏")
        expect(table).to_contain_text("李华")
        expect(page.locator("#pipeline-board")).to_contain_text("孙立")
        page.screenshot(path=SHOTS / "82-pipeline-branch.png", full_page=True)
        table.get_by_role("link", name="李华").click()
        expect(page.locator("#pipeline-board")).not_to_contain_text("王建国")


def test_interested_on_todays_list_opens_an_opportunity_in_one_step(live_server, bank, make_customer, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    customer = make_customer(bank.rm_a, name="周晓梅", male=False)
    memo_create(actor=bank.rm_a, customer=customer, text="回访理财需求", due_date=TODAY)
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhangmin")
        page.wait_for_load_state()
        task = Task.objects.get(customer=customer, date=TODAY)
        card = page.locator(f"#task-{task.pk}")
        card.locator("input[name=summary]").fill("对安心理财180天感兴趣，要产品说明书")
        card.get_by_role("button", name="有意向", exact=True).click()
        offer = page.locator(f"#opportunity-offer-{customer.pk}")
        expect(offer).to_contain_text("客户有意向：开立一个销售机会？")
        expect(offer.locator("input[name=opp-need]")).to_have_value("对安心理财180天感兴趣，要产品说明书")
        offer.locator("select[name=opp-product]").select_option(label="安心理财180天 · 理财产品 · R2")
        offer.locator("input[name=opp-expected_amount]").fill("200000")
        offer.locator("input[name=opp-due_date]").fill((TODAY + dt.timedelta(days=3)).isoformat())
        page.locator(f"#task-{task.pk}").screenshot(path=SHOTS / "83-worklist-opportunity-offer.png")
        offer.get_by_role("button", name="开立").click()
        expect(page.locator(f"#opportunity-offer-{customer.pk}")).to_contain_text("已开立")
        page.locator(f"#task-{task.pk}").screenshot(path=SHOTS / "84-worklist-opportunity-opened.png")
    opened = Opportunity.objects.get(customer=customer)
    assert (opened.product, opened.expected_amount, opened.source) == (bank.products.wealth, 200000, "call")
