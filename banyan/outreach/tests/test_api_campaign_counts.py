"""`GET /api/v1/campaigns/{id}` and `…/funnel` count only what the caller may see, as the campaign
page does. Before: a manager on a branch campaign read the whole campaign's counts, the other
managers' customers and calls included."""

from __future__ import annotations

import pytest

from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.outreach.models import CallEntry
from banyan.outreach.services import call_outcome_record, campaign_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_campaign(bank, make_customer):
    """The branch head's campaign over two of zhangmin's customers and three of lihua's (one of
    whom asked not to be disturbed); lihua has called two of hers, one of them interested."""
    mine = [make_customer(bank.rm_a, name=n) for n in ("王一", "王二")]
    hers = [make_customer(bank.rm_b, name=n) for n in ("李一", "李二")]
    quiet = make_customer(bank.rm_b, name="李静", do_not_disturb=True)
    campaign = campaign_create(actor=bank.head, name="年末资产检视", purpose="检视", start_date="2026-11-23",
                               end_date="2026-12-20", customer_ids=[c.pk for c in [*mine, *hers, quiet]])
    for customer, outcome in zip(hers, ("interested", "not_reached"), strict=True):
        call_outcome_record(actor=bank.rm_b, entry=CallEntry.objects.get(campaign=campaign, customer=customer),
                            outcome=outcome)
    return campaign


def test_a_manager_counts_only_their_own_customers_and_calls(client, bank, branch_campaign):
    cid = branch_campaign.pk
    me = ApiCaller(client, bank.rm_a)
    # when zhangmin reads the branch's campaign
    campaign = me.get(f"/campaigns/{cid}").json()
    funnel = me.get(f"/campaigns/{cid}/funnel").json()
    # then she counts her two customers, none left out, and no calls (lihua's are not hers)
    assert (campaign["listed"], campaign["excluded"]) == (2, 0)
    assert funnel == {"listed": 2, "called": 0, "reached": 0, "interested": 0, "appointment": 0, "visited": 0,
                      "sold": 0}


def test_the_other_manager_and_the_branch_head_count_what_they_see(client, bank, branch_campaign):
    cid = branch_campaign.pk
    lihua, head = ApiCaller(client, bank.rm_b), ApiCaller(client, bank.head)
    assert (lihua.get(f"/campaigns/{cid}").json()["listed"], lihua.get(f"/campaigns/{cid}").json()["excluded"]) == \
        (2, 1)
    assert lihua.get(f"/campaigns/{cid}/funnel").json()["called"] == 2
    assert lihua.get(f"/campaigns/{cid}/funnel").json()["interested"] == 1
    # the branch head sees the whole branch's campaign
    assert (head.get(f"/campaigns/{cid}").json()["listed"], head.get(f"/campaigns/{cid}").json()["excluded"]) == \
        (4, 1)
    assert head.get(f"/campaigns/{cid}/funnel").json()["called"] == 2


def test_the_api_counts_match_the_campaign_page(client, bank, branch_campaign):
    from banyan.outreach.selectors import visible_funnel

    for who in (bank.rm_a, bank.rm_b, bank.head):
        answer = ApiCaller(client, who).get(f"/campaigns/{branch_campaign.pk}/funnel").json()
        assert answer == visible_funnel(who, branch_campaign)


def test_another_branchs_manager_gets_404_on_the_campaign_and_its_funnel(client, bank, branch_campaign):
    stranger = ApiCaller(client, bank.rm_c)
    assert_error(stranger.get(f"/campaigns/{branch_campaign.pk}"), 404, "not_found")
    assert_error(stranger.get(f"/campaigns/{branch_campaign.pk}/funnel"), 404, "not_found")
