"""我的客户 and the visit brief in English and in Chinese (issue 10, §7). Before: the book's table
ran past a tablet's 1024 px in English (gender and age, mobile and risk before the columns a
manager picks a customer by; the completeness column cut and scrolled sideways), and the visit
brief joined the products not opened yet with "、" in English too ("Fund、Insurance、…")."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from banyan.holdings.services import holding_create


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _headers(page: str) -> list[tuple[str, str]]:
    """The book table's column headers: (class, text without tags)."""
    head = page[page.index('<table class="table table-hover table-sm table-book'):page.index("</thead>")]
    return [(cls, re.sub(r"<[^>]+>|[▲▼]", "", text).strip())
            for cls, text in re.findall(r'<th scope="col"(?: class="([^"]*)")?>(.*?)</th>', head, re.S)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_book_puts_the_columns_that_matter_first_and_folds_the_rest_on_a_tablet(
        bank, login, make_customer, language):
    make_customer(bank.rm_a, name="徐丽", male=False)
    client = login(bank.rm_a)
    if language == "en":
        _english(client)
    page = client.get("/customers/").content.decode()
    headers = _headers(page)
    words = {"en": ["Name", "AUM", "Segment", "Last contact", "Days since", "Completeness"],
             "zh-hans": ["姓名", "管户资产", "分群", "最近联系", "未联系天数", "完整度"]}[language]
    always = [text for cls, text in headers if "d-none" not in cls]
    assert always == words, headers  # in sight at every width, in this order
    folded = {text: cls for cls, text in headers if "d-none" in cls}
    gender, mobile, risk = {"en": ("Gender / age", "Mobile", "Risk"),
                            "zh-hans": ("性别 / 年龄", "手机", "风险")}[language]
    assert "d-xl-table-cell" in folded[gender] and "d-xl-table-cell" in folded[mobile]  # from 1200 px
    assert "d-lg-table-cell" in folded[risk]  # from 992 px
    # below 1200 px gender and age show under the name, which wraps
    row = page[page.index("<tbody>"):page.index("</tr>", page.index("<tbody>"))]
    under = re.search(r'<div class="small text-secondary text-nowrap d-xl-none">(.*?)</div>', row, re.S)
    assert under and ("Female / 46 yrs" if language == "en" else "女 / 46岁") in re.sub(r"\s+", " ", under[1]), row
    assert 'class="text-wrap book-name"' in row


def test_the_visit_brief_joins_the_products_not_opened_in_the_readers_language(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-30", maturity_date="2026-11-30")
    # reached before: a stranger's brief names no product (issue 16 §9)
    type(wang).objects.filter(pk=wang.pk).update(last_contact_at="2026-10-01T10:00+08:00")

    def not_held(client) -> str:
        page = client.get(f"/customers/{wang.pk}/visit/").content.decode()
        start = page.index('id="brief-not-held"')
        return page[start:page.index("</div>", start)]

    english = not_held(_english(login(bank.rm_a)))
    assert "Fund, Insurance" in english and "、" not in english, english
    chinese = not_held(login(bank.rm_a))
    assert "基金、保险" in chinese, chinese
