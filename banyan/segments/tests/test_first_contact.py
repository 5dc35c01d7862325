"""SEG-5 (seed 004 流程步骤): customers with no service relationship yet are classified on basic
dimensions (assets × age) and a group becomes an invitation plan — a campaign — in one step."""

from __future__ import annotations

import datetime as dt

from banyan.contacts.services import interaction_log
from banyan.holdings.services import holding_create
from banyan.outreach.models import Campaign


def _book(bank, make_customer):
    young_rich = make_customer(bank.rm_a, name="韩梅", birth=dt.date(1998, 3, 1))
    holding_create(actor=bank.rm_a, customer=young_rich, product=bank.products.deposit, amount="600000",
                   purchase_date="2026-01-05", maturity_date="2029-01-05")
    old_small = make_customer(bank.rm_a, name="钱伯", birth=dt.date(1950, 3, 1))
    contacted = make_customer(bank.rm_a, name="孙悦", birth=dt.date(1998, 3, 1))
    interaction_log(actor=bank.rm_a, customer=contacted, channel="phone", outcome="reached")
    theirs = make_customer(bank.rm_b, name="李雷", birth=dt.date(1998, 3, 1))
    return young_rich, old_small, contacted, theirs


def test_the_never_contacted_are_grouped_by_assets_and_age_richest_first(bank, login, make_customer):
    young_rich, old_small, _contacted, _theirs = _book(bank, make_customer)
    page = login(bank.rm_a).get("/segments/first-contact/").content.decode()
    table = page[page.index('id="first-contact-groups"'):]
    assert table.index("50 万以上") < table.index("5 万以下")  # the richest group first
    assert "30 岁以下" in table and "60 岁及以上" in table and "孙悦" not in page and "李雷" not in page
    assert table.count("生成邀约计划") == 2
    matrix = login(bank.rm_a).get("/segments/").content.decode()
    assert 'id="first-contact-link">2</a>' in matrix  # the segments page counts the same customers


def test_a_group_becomes_a_phone_invitation_campaign_of_its_customers(bank, login, make_customer):
    young_rich, *_rest = _book(bank, make_customer)
    client = login(bank.rm_a)
    response = client.post("/segments/first-contact/", {"group": "0-0"}, follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain[-1][0] == f"/outreach/{campaign.pk}/"
    assert campaign.name == "首次邀约：50 万以上，30 岁以下" and "建立服务关系" in campaign.purpose
    assert list(campaign.entries.values_list("customer_id", flat=True)) == [young_rich.pk]
    assert (campaign.end_date - campaign.start_date).days == 14
    assert "邀约计划已生成：1 位客户待致电" in response.content.decode()


def test_an_unknown_group_changes_nothing_and_the_auditor_gets_404(bank, login, make_customer):
    _book(bank, make_customer)
    response = login(bank.rm_a).post("/segments/first-contact/", {"group": "9-9"}, follow=True)
    assert "该组已没有待邀约的客户" in response.content.decode() and not Campaign.objects.exists()
    assert login(bank.auditor).get("/segments/first-contact/").status_code == 404
