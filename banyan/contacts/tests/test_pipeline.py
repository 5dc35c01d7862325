"""The pipeline page (销售机会) and the customer file's opportunities card: the stages' sums, the
overdue marked, a move in place, the branch head's view per manager, and 404 out of reach."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.contacts.models import Opportunity
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.holdings.services import holding_create

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _open(actor, customer, need, amount=None, due=None, **fields):
    return opportunity_create(actor=actor, customer=customer, need=need, source=fields.pop("source", "call"),
                              expected_amount=amount, due_date=due, **fields)


@pytest.fixture
def book(bank, make_customer):
    """zhangmin: two open (one overdue), one proposed, one won, one lost; lihua (same branch): one
    open; wangfang (another branch): one open."""
    wang, li, zhao = (make_customer(bank.rm_a, name=n) for n in ("王建国", "李秀英", "赵丽"))
    with clock.frozen(TODAY - dt.timedelta(days=20)):
        late = _open(bank.rm_a, wang, "定期到期后续存", "500000", TODAY - dt.timedelta(days=5))
    fresh = _open(bank.rm_a, li, "孩子教育金", "200000", TODAY + dt.timedelta(days=2), product_code="W180")
    proposed = _open(bank.rm_a, zhao, "基金定投", "30000")
    opportunity_stage(actor=bank.rm_a, opportunity=proposed, stage="proposed")
    won = _open(bank.rm_a, wang, "大额存单", "1000000")
    sale = holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="1000000.00",
                          purchase_date=TODAY)
    opportunity_stage(actor=bank.rm_a, opportunity=won, stage="won", holding_id=sale.pk)
    lost = _open(bank.rm_a, li, "黄金积存", "50000")
    opportunity_stage(actor=bank.rm_a, opportunity=lost, stage="lost", reason="客户觉得金价太高")
    other = _open(bank.rm_b, make_customer(bank.rm_b, name="孙立"), "房贷提前还款", "300000")
    far = _open(bank.rm_c, make_customer(bank.rm_c, name="周华"), "外币理财", "80000")
    return {"late": late, "fresh": fresh, "proposed": proposed, "won": won, "lost": lost, "other": other, "far": far,
            "wang": wang}


def _column(html: str, stage: str) -> str:
    start = html.index(f'id="stage-{stage}"')
    end = html.find('<div class="pl-col ', start)
    return html[start:end if end > 0 else len(html)]


def _card(html: str, pk: int) -> str:
    """One opportunity's card on the board, whole."""
    at = html.index(f'id="opportunity-{pk}"')
    start = html.rindex("<article", 0, at)
    return html[start:html.index("</article>", at)]


def _sum(html: str, stage: str) -> str:
    return re.search(r'class="pl-sum"[^>]*>([^<]*)<', _column(html, stage)).group(1)


def test_the_manager_sees_his_opportunities_by_stage_with_each_stages_sum(bank, login, book):
    html = login(bank.rm_a).get("/opportunities/").content.decode()
    assert "王建国" in _column(html, "open") and "李秀英" in _column(html, "open")
    assert _sum(html, "open") == "70.00万"  # 50 万 + 20 万
    assert _sum(html, "proposed") == "3.00万"
    assert _sum(html, "won") == "100.00万" and "三年期整存整取" in _column(html, "won")  # the sale that closed it
    assert "客户觉得金价太高" in _column(html, "lost")
    assert "孙立" not in html and "周华" not in html  # other managers' customers
    late, fresh = _card(html, book["late"].pk), _card(html, book["fresh"].pk)
    assert "pl-overdue" in late and "逾期 5 天" in late
    assert "pl-soon" in fresh and "即将到期" in fresh and "逾期" not in fresh
    event = AuditEvent.objects.get(action="customer.listed", data__via="pipeline")
    assert event.actor == bank.rm_a


def test_the_filters_narrow_the_board_and_its_sums(bank, login, book):
    client = login(bank.rm_a)
    html = client.get("/opportunities/?overdue=1").content.decode()
    assert _sum(html, "open") == "50.00万" and "李秀英" not in _column(html, "open")
    assert "大额存单" not in html  # won ones are not overdue
    html = client.get("/opportunities/?type=wealth").content.decode()
    assert _sum(html, "open") == "20.00万" and "王建国" not in html


def test_a_move_in_place_answers_the_board_with_the_sums_updated(bank, login, book):
    client = login(bank.rm_a)
    fresh = book["fresh"]
    answer = client.post(f"/opportunities/{fresh.pk}/stage/", {"stage": "contacted", "back": "board"}, **HX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert html.startswith('<section id="pipeline-board"')
    assert "李秀英" in _column(html, "contacted") and _sum(html, "contacted") == "20.00万"
    assert _sum(html, "open") == "50.00万"
    refused = client.post(f"/opportunities/{fresh.pk}/stage/", {"stage": "lost", "reason": "", "back": "board"}, **HX)
    assert refused.status_code == 400
    assert "请写明流失原因" in _card(refused.content.decode(), fresh.pk)
    assert Opportunity.objects.get(pk=fresh.pk).stage == "contacted"
    # without JavaScript: back to the board with the filters
    plain = client.post(f"/opportunities/{fresh.pk}/stage/", {"stage": "proposed", "type": "wealth"})
    assert plain.status_code == 302 and plain["Location"] == "/opportunities/?type=wealth"


def test_a_second_tab_moving_a_closed_opportunity_sees_it_closed(bank, login, book):
    """The board of another tab still showed 'won' as open: the click says it is closed, writes nothing."""
    answer = login(bank.rm_a).post(f"/opportunities/{book['won'].pk}/stage/",
                                   {"stage": "lost", "reason": "x", "back": "board"}, **HX)
    assert answer.status_code == 400 and "该销售机会已结束" in answer.content.decode()
    assert Opportunity.objects.get(pk=book["won"].pk).stage == "won"


def test_the_branch_head_sees_the_branch_per_manager_and_not_another_branch(bank, login, book):
    client = login(bank.head)
    html = client.get("/opportunities/").content.decode()
    table = html[html.index('id="pipeline-managers"'):html.index('id="pipeline-board"')]
    assert "张敏" in table and "李华" in table and "王芳" not in table
    assert "孙立" in html and "周华" not in html
    only = client.get(f"/opportunities/?manager={bank.rm_b.pk}").content.decode()
    board = only[only.index('id="pipeline-board"'):]
    assert "孙立" in board and "王建国" not in board
    assert client.get(f"/opportunities/?manager={bank.rm_c.pk}").status_code == 404  # another branch's manager


def test_another_manager_gets_404_on_every_opportunity_page(bank, login, book):
    for staff in (bank.rm_b, bank.rm_c):
        client = login(staff)
        mine = book["fresh"]
        assert client.post(f"/opportunities/{mine.pk}/stage/", {"stage": "contacted"}).status_code == 404
        assert client.post(f"/opportunities/{mine.pk}/stage/", {"stage": "contacted"}, **HX).status_code == 404
        assert client.get(f"/opportunities/customers/{mine.customer_id}/").status_code == 404
        assert client.post(f"/opportunities/customers/{mine.customer_id}/",
                           {"opp-need": "x", "opp-source": "call"}).status_code == 404
    assert Opportunity.objects.get(pk=book["fresh"].pk).stage == "open"
    assert login(bank.auditor).get("/opportunities/").status_code == 404


def test_the_customer_file_shows_the_open_opportunities_and_opens_one(bank, login, book):
    client = login(bank.rm_a)
    wang = book["wang"]
    card = client.get(f"/opportunities/customers/{wang.pk}/", **HX).content.decode()
    assert card.startswith('<section class="card mb-3" id="opportunities-card"')
    assert "定期到期后续存" in card and "逾期" in card
    assert "大额存单" in card  # recently closed, in one line
    answer = client.post(f"/opportunities/customers/{wang.pk}/", {
        "opp-need": "想给父母配一份重疾险", "opp-product": "", "opp-expected_amount": "20000",
        "opp-due_date": (TODAY + dt.timedelta(days=3)).isoformat(), "opp-source": "walk_in"}, **HX)
    assert answer.status_code == 200 and "想给父母配一份重疾险" in answer.content.decode()
    opened = Opportunity.objects.get(need="想给父母配一份重疾险")
    assert (opened.source, opened.owner, opened.due_date) == ("walk_in", bank.rm_a, TODAY + dt.timedelta(days=3))
    refused = client.post(f"/opportunities/customers/{wang.pk}/", {"opp-need": "", "opp-source": "call",
                                                                    "opp-due_date": "2020-01-01"}, **HX)
    assert refused.status_code == 400
    assert "请写明客户的需求" in refused.content.decode() and "已过" in refused.content.decode()
    page = client.get(f"/customers/{wang.pk}/").content.decode()
    assert f'hx-get="/opportunities/customers/{wang.pk}/"' in page
