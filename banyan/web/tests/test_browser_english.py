"""English mode at a desktop's 1366 px and a tablet's 1024 × 768, in a real browser (Playwright on
Debian's chromium): the manager's main pages — 今日工作, 我的客户, the customer file, search, segments,
the coming days and the progress page — read as English where they used to show Chinese (amounts in
万, the potential score's reasons, days as 12月4日, "Seed 004"), the header's search box and user stay
whole in sight, and the customer file's maturity and due dates and the whole of 我的客户's table show
without a sideways scroll.

Screenshots of every page at both sizes go to $BANYAN_SHOTS_DIR (default screenshots/english/)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from banyan.conftest import TODAY
from banyan.contacts.services import interaction_log
from banyan.holdings.services import holding_create, product_create
from banyan.segments.services import segments_recompute
from banyan.testing.browser import SHOTS, chromium, login

pytestmark = pytest.mark.browser

HAN = re.compile(r"[\u3400-\u9fff]")
SIZES = ((1366, 768), (1024, 768))


def _shots() -> Path:
    path = Path(os.environ.get("BANYAN_SHOTS_DIR") or SHOTS / "english")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def book(bank, make_customer):
    """zhangmin's book: 曾晓明 with deposits and wealth maturing, a fund, a loan and a credit card, a
    business owner with money at other banks; and a dozen others, some due a call today."""
    owner = make_customer(bank.rm_a, name="曾晓明", birth=dt.date(1980, 5, 17), occupation="私营企业主",
                          employer="城东机械有限公司", other_bank_assets="2000000", consent_sms=True)
    card = product_create(actor=None, code="CC-PLAT", name="白金信用卡", type="credit_card", risk_level="R1")
    for product, amount, bought, matures in ((bank.products.deposit, "1250000.00", "2024-01-10", "2026-12-20"),
                                              (bank.products.wealth, "300000.00", "2026-08-01", "2027-01-28"),
                                              (bank.products.fund, "200000.00", "2025-06-01", None),
                                              (bank.products.loan, "420000.00", "2019-05-01", "2039-05-01")):
        holding_create(actor=None, customer=owner, product=product, amount=amount, purchase_date=bought,
                       maturity_date=matures, account_no="6217850000112237445" if product.code == "TD3Y" else "")
    holding_create(actor=None, customer=owner, product=card, amount="32000.00", purchase_date="2022-03-01",
                   account_no="6258100000000840", credit_limit="200000.00", statement_date="2026-11-20",
                   payment_due_date="2026-12-10", minimum_payment="3200.00")
    for i, name in enumerate(["王小明", "李娜", "刘洋", "陈静怡", "杨帆", "赵敏", "黄磊", "周婷", "吴刚", "徐丽"]):
        c = make_customer(bank.rm_a, name=name, birth=dt.date(1960 + i * 3, 1 + i, 2 + i), male=i % 2 == 0)
        holding_create(actor=None, customer=c, product=bank.products.deposit, amount=str(40000 * (i + 1) ** 2),
                       purchase_date="2025-01-01", maturity_date="2027-01-01")
        if i % 3:
            interaction_log(actor=bank.rm_a, customer=c, channel="phone", outcome="reached", occurred_at=(
                timezone.make_aware(dt.datetime.combine(TODAY - dt.timedelta(days=20 * i), dt.time(9, 0)))))
    make_customer(bank.rm_b, name="曾小梅")  # lihua's: found by nobody here
    segments_recompute()
    return owner


def _header_in_sight(page, width: int) -> None:
    """The search box and the user badge whole inside the viewport, side by side, and nothing of
    the page wider than the window."""
    boxes = page.evaluate("""() => ['#header-search', '.user-badge', '.lang-switch'].map(s => {
        const r = document.querySelector(s).getBoundingClientRect();
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; })""")
    search, badge, language = boxes
    for box in boxes:
        assert 0 <= box["left"] and box["right"] <= width and box["top"] >= 0, boxes
    assert search["width"] >= 150, search  # room to type a name and see it
    assert search["right"] <= badge["left"] and badge["right"] <= language["left"], boxes  # no overlap
    clipped = page.evaluate("(() => { const b = document.querySelector('.user-badge');"
                            " return b.scrollWidth > b.clientWidth; })()")
    assert not clipped  # the manager's name is whole
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_main_pages_read_as_english_with_the_header_whole_at_desktop_and_tablet_width(
        live_server, book, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the test's frozen clock
    owner = book
    shots = _shots()
    pages = [("today", "/work/"), ("book", "/customers/"), ("file", f"/customers/{owner.pk}/"),
             ("search", "/customers/search/?q=wang"), ("segments", "/segments/"), ("week", "/work/week/"),
             ("progress", "/outreach/progress/")]
    with sync_playwright() as p, chromium(p) as browser:
        for width, height in SIZES:
            context = browser.new_context(locale="en-US", viewport={"width": width, "height": height})
            page = login(context, live_server.url, "zhangmin")
            page.locator(".lang-switch button").click()  # the language switch: Chinese is the default
            page.wait_for_load_state("networkidle")
            expect(page.locator("html")).to_have_attribute("lang", "en")

            for name, url in pages:
                page.goto(f"{live_server.url}{url}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=shots / f"{name}-{width}.png", full_page=True)
                _header_in_sight(page, width)
                expect(page.locator("#header-search")).to_have_attribute("placeholder", re.compile("customer no."))

                if name == "today":
                    facts = page.locator(".task-card .task-facts")
                    expect(facts.first).to_contain_text("AUM")
                    for text in facts.all_inner_texts():
                        assert "万" not in text, text
                elif name == "book":
                    _book_fits(page, width)
                elif name == "file":
                    reasons = page.locator(".segment-reasons").inner_text()
                    assert "Assets at other banks about 2M" in reasons and "Business owner" in reasons
                    assert not HAN.search(reasons), reasons
                    axis = page.locator("#aum-chart svg text").all_inner_texts()
                    assert not any("万" in t for t in axis), axis
                    _dates_in_sight(page, width)
                elif name == "segments":
                    main = page.locator("main").inner_text()
                    assert "万" not in main and re.search(r"AUM \d[\d.,]*[Mk]\b", main), main
                elif name == "week":
                    expect(page.locator("#wl-preview summary span").first).to_have_text(
                        re.compile(r"^(Nov|Dec) \d+, (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$"))
                    assert "月" not in page.locator("#wl-preview").inner_text()
                elif name == "progress":
                    footer = page.locator("#today-progress .card-footer").inner_text()
                    assert "Seed" not in footer and "bank's guidance" in footer

            # the search box finds by the customer number and a card's tail, at both widths
            box = page.locator("#header-search")
            box.fill("")
            box.press_sequentially("c" + owner.external_id[1:].lstrip("0"), delay=40)
            expect(page.locator("#search-suggest a", has_text="曾晓明")).to_be_visible()
            box.fill("")
            box.press_sequentially("7445", delay=40)
            expect(page.locator("#search-suggest a", has_text="曾晓明")).to_be_visible()
            page.screenshot(path=shots / f"search-box-{width}.png")
            context.close()

        # the branch head's book has a column more (the manager): it fits too at a tablet's width
        context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 768})
        page = login(context, live_server.url, "zhaolei")
        page.locator(".lang-switch button").click()
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/customers/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=shots / "book-branch-1024.png", full_page=True)
        _book_fits(page, 1024)
        context.close()


def _book_fits(page, width: int) -> None:
    """我的客户 without a sideways scroll (before, at 1024 px in English the table ran past the
    card's edge, the completeness column cut and scrolled): the table within its card, and the
    name, AUM and days since the last contact of every row in sight."""
    overflowing = page.evaluate("[...document.querySelectorAll('main .table-responsive')]"
                                ".filter(e => e.scrollWidth > e.clientWidth).length")
    assert overflowing == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    table = page.locator("table.table-book").bounding_box()
    assert table is not None and table["x"] >= 0 and table["x"] + table["width"] <= width, table
    headers = page.locator("table.table-book thead th:visible").all_inner_texts()
    shown = [h.split("\n")[0].rstrip(" ▲▼") for h in headers]
    assert {"Name", "AUM", "Segment", "Last contact", "Days since"} <= set(shown), headers
    right = page.evaluate("Math.max(...[...document.querySelectorAll('table.table-book td, table.table-book th')]"
                          ".map(e => e.getBoundingClientRect().right))")
    assert right <= width, right  # the last visible column too, on every row


def _dates_in_sight(page, width: int) -> None:
    """Every maturity and payment due date of the file's holdings whole on screen, no table of the
    holdings card scrolled sideways (before, at 1024 they sat past the card's edge)."""
    page.locator("#holdings").screenshot(path=_shots() / f"holdings-{width}.png")
    overflowing = page.evaluate("[...document.querySelectorAll('#holdings .table-responsive')]"
                                ".filter(e => e.scrollWidth > e.clientWidth).length")
    assert overflowing == 0
    dates = page.locator("#holdings td.maturity .date, #holdings td.payment-due .date")
    assert dates.count() == 4  # deposit and wealth maturities, the loan's, the card's due date
    for i in range(dates.count()):
        box = dates.nth(i).bounding_box()
        card = page.locator("#holdings").bounding_box()
        assert box is not None and card is not None
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"] <= width, \
            (dates.nth(i).inner_text(), box, card)
