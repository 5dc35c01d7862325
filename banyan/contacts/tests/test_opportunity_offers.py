"""Where opportunities come from (issue 11 §5): a contact where the customer was interested —
"有意向" on 今日工作's card, on the calling screen, on the customer file's quick log — opens one in
one step (need, product, amount, due date)."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.conftest import TODAY
from banyan.contacts.models import Interaction, Opportunity
from banyan.contacts.services import memo_create
from banyan.outreach.models import CallEntry, CallStatus
from banyan.outreach.tests.test_views import _text, book, campaign, client_for  # noqa: F401 (fixtures)
from banyan.worklists.models import Task
from banyan.worklists.services import worklists_build

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
SOON = (TODAY + dt.timedelta(days=5)).isoformat()


def test_interested_on_the_task_card_offers_the_opportunity_and_opens_it_linked_to_the_call(bank, make_customer,
                                                                                           login):
    customer = make_customer(bank.rm_a, name="钱多多")
    memo_create(actor=bank.rm_a, customer=customer, text="回访理财需求", due_date=TODAY)
    worklists_build(day=TODAY, manager_ids=[bank.rm_a.pk])
    task = Task.objects.get(manager=bank.rm_a, customer=customer, date=TODAY)
    client = login(bank.rm_a)
    line = _text(client.post(f"/work/tasks/{task.pk}/complete/", {"outcome": "interested", "channel": "phone",
                                                               "summary": "对安心理财感兴趣，要说明书"}, **HX))
    assert "客户有意向：开立一个销售机会？" in line
    assert 'name="opp-need"' in line and "对安心理财感兴趣，要说明书" in line  # the need: what was said
    interaction = Task.objects.get(pk=task.pk).interaction
    opened = _text(client.post(f"/opportunities/customers/{customer.pk}/", {
        "back": "offer", "interaction": interaction.pk, "opp-need": "对安心理财感兴趣",
        "opp-product": bank.products.wealth.pk, "opp-expected_amount": "200000", "opp-due_date": SOON}, **HX))
    assert "已开立：对安心理财感兴趣" in opened
    opp = Opportunity.objects.get()
    assert (opp.source, opp.interaction, opp.product, opp.owner) == ("call", interaction, bank.products.wealth,
                                                                      bank.rm_a)
    # the day's page lists the closed task without asking again
    assert "客户有意向：开立一个销售机会？" not in client.get("/work/").content.decode()


def test_a_refused_offer_comes_back_with_the_error_and_what_was_typed(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    answer = login(bank.rm_a).post(f"/opportunities/customers/{customer.pk}/", {
        "back": "offer", "opp-need": "外币兑换", "opp-due_date": "2026-11-01"}, **HX)
    text = _text(answer)
    assert answer.status_code == 400 and "已过" in text and 'value="外币兑换"' in text
    assert text.startswith('<details class="opportunity-offer')
    assert not Opportunity.objects.exists()


def test_interested_on_the_calling_screen_opens_the_opportunity_with_the_call(bank, campaign, book):  # noqa: F811
    client = client_for(bank.rm_a)
    screen = _text(client.get(f"/outreach/{campaign.pk}/call/?customer={book['li'].pk}"))
    assert 'data-for="interested"' in screen and 'name="opp-need"' in screen
    refused = client.post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "interested", "note": "想了解大额存单", "opp-need": "大额存单",
        "opp-due_date": "2026-11-01"})
    assert refused.status_code == 400 and "已过" in _text(refused)
    assert not Interaction.objects.filter(customer=book["li"]).exists() and not Opportunity.objects.exists()  # neither
    saved = client.post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "interested", "note": "想了解大额存单", "opp-need": "大额存单",
        "opp-expected_amount": "500000", "opp-due_date": SOON})
    assert saved.status_code == 302
    opp = Opportunity.objects.get()
    assert opp.source == "call" and opp.interaction == Interaction.objects.get(customer=book["li"])
    assert CallEntry.objects.get(customer=book["li"]).status == CallStatus.INTERESTED
    # interested without a need typed: the call alone, as before
    client.post(f"/outreach/{campaign.pk}/call/", {"customer": book["wang"].pk, "outcome": "interested"})
    assert Opportunity.objects.count() == 1


def test_interested_on_the_quick_log_offers_the_opportunity(bank, zeng, login):
    client = login(bank.rm_a)
    answer = _text(client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "branch", "outcome": "interested",
                                                                    "summary": "想给孩子存教育金"}, **HX))
    assert "客户有意向：开立一个销售机会？" in answer and "想给孩子存教育金" in answer
    reached = _text(client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "outcome": "reached"}, **HX))
    assert "开立一个销售机会" not in reached
    contact = Interaction.objects.filter(customer=zeng, outcome="interested").get()
    client.post(f"/opportunities/customers/{zeng.pk}/", {"back": "offer", "interaction": contact.pk,
                                                        "opp-need": "教育金"}, **HX)
    assert Opportunity.objects.get().source == "walk_in"  # met at the branch
