"""The segment matrix page, the book's quadrant filter and the file's segment card."""

from __future__ import annotations

import re

import pytest

from banyan.holdings.services import holding_create
from banyan.segments.models import CustomerSegment
from banyan.segments.selectors import quadrant_matrix
from banyan.segments.services import segments_recompute


@pytest.fixture
def book(bank, make_customer):
    """zhangmin: a rich business owner, a rich pensioner, two small savers; lihua and wangfang one each."""
    rich_owner = make_customer(bank.rm_a, name="赵富", occupation="企业主", other_bank_assets="2000000")
    rich_quiet = make_customer(bank.rm_a, name="钱稳", occupation="退休")
    small = [make_customer(bank.rm_a, name=f"孙{i}", occupation="退休") for i in range(2)]
    for customer, amount in ((rich_owner, "900000"), (rich_quiet, "800000"), (small[0], "20000"), (small[1], "8000")):
        holding_create(actor=None, customer=customer, product=bank.products.deposit, amount=amount,
                       purchase_date="2025-01-01")
    for rm in (bank.rm_b, bank.rm_c):
        other = make_customer(rm, name="周外", occupation="退休")
        holding_create(actor=None, customer=other, product=bank.products.deposit, amount="700000",
                       purchase_date="2025-01-01")
    segments_recompute()
    return rich_owner, rich_quiet, small


def _cells(html: str) -> dict[str, int]:
    """quadrant code → the count shown in its cell of the matrix."""
    found = re.findall(r'data-quadrant="(\w+)">.*?<span class="n">(\d+)</span>', html, re.S)
    return {code: int(n) for code, n in found}


def test_the_matrix_shows_the_counts_of_the_managers_own_book(bank, login, book):
    response = login(bank.rm_a).get("/segments/")
    assert response.status_code == 200
    cells = _cells(response.content.decode())
    expected = {c["quadrant"]: c["count"] for c in quadrant_matrix(bank.rm_a)}
    assert cells == expected
    assert sum(cells.values()) == 4  # lihua's and wangfang's customers are not counted
    assert cells["high_high"] == 1 and cells["high_low"] == 1
    text = response.content.decode()
    assert "高资产高潜力" in text and "每 7 天联系一次" in text and "每 90 天联系一次" in text
    assert "/customers/?quadrant=high_high" in text
    assert "重新计算分群" not in text  # no recompute button for a manager


def test_the_branch_head_sees_the_branch_and_one_managers_book(bank, login, book):
    client = login(bank.head)
    cells = _cells(client.get("/segments/").content.decode())
    assert sum(cells.values()) == 5  # the branch: zhangmin's four and lihua's one, not wangfang's
    one = client.get(f"/segments/?rm={bank.rm_b.pk}").content.decode()
    assert sum(_cells(one).values()) == 1 and f"rm={bank.rm_b.pk}" in one
    assert client.get(f"/segments/?rm={bank.rm_c.pk}").status_code == 404  # another branch's manager
    assert login(bank.rm_a).get(f"/segments/?rm={bank.rm_b.pk}").status_code == 404


def test_the_policy_thresholds_are_shown(bank, login, book):
    text = login(bank.rm_a).get("/segments/").content.decode()
    assert "管户资产 50.00万 及以上" in text and "潜力分 40 分及以上" in text


def test_recompute_is_refused_for_a_manager_and_done_for_the_branch_head(bank, login, book, make_customer):
    newcomer = make_customer(bank.rm_a, name="吴新")
    assert login(bank.rm_a).post("/segments/recompute/").status_code == 404
    assert not CustomerSegment.objects.filter(customer=newcomer).exists()
    client = login(bank.head)
    assert "1 位客户尚未分群" in client.get("/segments/").content.decode()
    response = client.post("/segments/recompute/", follow=True)
    assert response.status_code == 200 and "已重新计算" in response.content.decode()
    assert CustomerSegment.objects.filter(customer=newcomer).exists()
    assert client.get("/segments/recompute/").status_code == 405


def test_a_quadrant_opens_its_customers_in_the_book(bank, login, book):
    rich_owner, rich_quiet, small = book
    text = login(bank.rm_a).get("/customers/?quadrant=high_high").content.decode()
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "赵富" in body and "钱稳" not in body and "孙0" not in body
    assert "高资产高潜力" in text and 'name="quadrant" value="high_high"' in text  # kept by the filter form
    everyone = login(bank.rm_a).get("/customers/?quadrant=bogus").content.decode()
    assert "赵富" in everyone and "孙0" in everyone  # an unknown quadrant filters nothing
    other = login(bank.rm_b).get("/customers/?quadrant=high_high").content.decode()
    assert "赵富" not in other


def test_the_customer_file_shows_the_segment_card(bank, login, book):
    rich_owner = book[0]
    text = login(bank.rm_a).get(f"/customers/{rich_owner.pk}/").content.decode()
    card = text[text.index('id="segment-card"'):]
    card = card[:card.index("</div>\n</div>")]
    assert "高资产高潜力" in card and "每 7 天一次" in card
    assert "他行资产约 200 万" in card and "企业主" in card
    assert "优先客户" in card
    assert login(bank.rm_b).get(f"/customers/{rich_owner.pk}/").status_code == 404
