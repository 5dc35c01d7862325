"""The customer's topics on every call (issue 16 §3, seeds 001 and 004: 投其所好): interests (pets
among them), children's schooling, the last new information and its day, the open needs (memos,
opportunities) and the preferred time on the worklist card, the calling screen and the visit
brief — with the completeness prompt for what is still unknown; the day's cards load them
set-based (no query per card). Today is 2026-11-23."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banyan.conftest import TODAY
from banyan.contacts.opportunities import opportunity_create
from banyan.contacts.services import interaction_log, memo_create
from banyan.outreach.services import campaign_create
from banyan.segments.services import segments_recompute
from banyan.worklists.selectors import day_tasks
from banyan.worklists.services import worklists_build
from banyan.worklists.talking import TalkSettings
from banyan.worklists.views import decorate


def _card(page: str, name: str) -> str:
    cards = [c for c in page.split("<article")[1:] if f">{name}</a>" in c]
    assert len(cards) == 1, name
    return cards[0][:cards[0].index("</article>")]


def _topics(html: str) -> str:
    start = html.index("data-topics")
    return html[start:html.index("</div>\n", html.index("</ul>", start))]


@pytest.fixture
def known(bank, make_customer):
    """刘芳: plays golf and keeps a cat; her son is in Grade 3; last time she said she is moving house;
    she wants to save for the son's studies abroad (a memo) and asked about a fund plan (an opportunity)."""
    customer = make_customer(bank.rm_a, name="刘芳", male=False, interests="高尔夫、养猫", children="儿子小学三年级",
                             preferred_time="工作日晚上")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-09-01T10:00", new_info="打算明年换房")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-10-08T10:00", new_info="儿子准备出国读书")
    interaction_log(actor=bank.rm_a, customer=customer, channel="sms", occurred_at="2026-10-20T10:00")
    memo_create(actor=bank.rm_a, customer=customer, text="留学资金规划", due_date="2026-12-20")
    opportunity_create(actor=bank.rm_a, customer=customer, need="基金定投计划", due_date="2026-12-30")
    return customer


@pytest.fixture
def unknown(bank, make_customer):
    """何平: nothing known about him yet."""
    return make_customer(bank.rm_a, name="何平")


def _build():
    segments_recompute()
    worklists_build(day=TODAY)


def test_the_card_shows_the_topics_and_the_prompt_for_what_is_unknown(bank, login, known, unknown):
    from banyan.customers.models import Customer
    # 刘芳 comes up today (her regular contact is due: her last call was in October)
    Customer.objects.filter(pk=known.pk).update(last_contact_at="2026-06-01T10:00+08:00")
    _build()
    page = login(bank.rm_a).get("/work/").content.decode()
    topics = _topics(_card(page, "刘芳"))
    assert "高尔夫、养猫" in topics and "儿子小学三年级" in topics
    assert "儿子准备出国读书" in topics and "10/8" in topics and "打算明年换房" not in topics  # the latest only
    assert "基金定投计划" in topics and "留学资金规划" in topics
    nothing = _topics(_card(page, "何平"))
    assert "下次可以了解" in nothing and "兴趣爱好" in nothing and "子女及就学" in nothing


def test_the_visit_brief_and_the_calling_screen_show_the_topics(bank, login, known, unknown):
    client = login(bank.rm_a)
    brief = client.get(f"/customers/{known.pk}/visit/").content.decode()
    topics = _topics(brief[brief.index('id="brief-topics"'):])
    assert "高尔夫、养猫" in topics and "儿子准备出国读书" in topics and "基金定投计划" in topics
    assert "工作日晚上" in topics
    campaign = campaign_create(actor=bank.rm_a, name="关怀回访", purpose="问候", start_date="2026-11-23",
                               end_date="2026-12-20", customer_ids=[known.pk, unknown.pk])
    call = client.get(f"/outreach/{campaign.pk}/call/?customer={known.pk}").content.decode()
    assert "高尔夫、养猫" in _topics(call) and "儿子准备出国读书" in _topics(call)
    call = client.get(f"/outreach/{campaign.pk}/call/?customer={unknown.pk}").content.decode()
    assert "下次可以了解" in _topics(call)


def test_the_days_cards_load_their_topics_without_a_query_per_card(bank, make_customer, django_assert_max_num_queries):
    for n in range(20):
        customer = make_customer(bank.rm_a, name=f"客户{n:02d}", interests="钓鱼")
        interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                        occurred_at="2026-05-01T10:00", new_info=f"消息{n}")
        memo_create(actor=bank.rm_a, customer=customer, text=f"需求{n}", due_date="2026-12-20")
        opportunity_create(actor=bank.rm_a, customer=customer, need=f"机会{n}", due_date="2026-12-30")
    _build()
    talk = TalkSettings.load()

    def cards():
        with CaptureQueriesContext(connection) as queries:
            tasks = [decorate(t, TODAY, talk=talk, manager=bank.rm_a) for t in day_tasks(bank.rm_a, TODAY)]
            shown = [(t.topics.new_info, t.topics.needs, t.topics.interests) for t in tasks]
        return shown, len(queries)

    shown, n_queries = cards()
    assert len(shown) == 20
    assert all(info.startswith("消息") and len(needs) == 2 and interests == "钓鱼" for info, needs, interests in shown)
    with django_assert_max_num_queries(6):
        cards()
    assert n_queries <= 6
