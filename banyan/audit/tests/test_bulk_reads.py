"""Every bulk read and export of customers is ONE audit event with what was asked, how many
customers it showed and which (ARC-8) — and "who saw customer X" still finds it.

Before: the book page, the search page, the header's suggestions, `GET /api/v1/customers` (and its
search) and the API reads of a customer's holdings, contacts, memos and messages wrote nothing (a
branch head pulled 732 full customer records in four API calls with no trace), while one CSV
export of 1,832 customers wrote 1,832 events (18 of the log's 20 pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.audit.selectors import events_about_customer
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers import views as book_views
from banyan.customers.services import customer_create
from banyan.holdings.services import holding_create
from banyan.messaging.services import message_compose
from banyan.org.tests.test_api_auth import ApiCaller

pytestmark = pytest.mark.django_db


def _reads(action: str = "customer.listed", **filters):
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def _ids(event: AuditEvent) -> set[int]:
    return set(event.customers.values_list("customer_id", flat=True))


@pytest.fixture
def wangs(bank, make_customer):
    """Three of zhangmin's customers named 王…, and one of lihua's."""
    mine = [make_customer(bank.rm_a, name=n) for n in ("王小明", "王小红", "王大力")]
    hers = make_customer(bank.rm_b, name="王芳芳")
    return mine, hers


# --- the pages -----------------------------------------------------------------------------------


def test_a_page_of_the_book_is_one_event_with_its_filter_count_and_customers(client, bank, make_customer,
                                                                             monkeypatch):
    # given zhangmin's book of five, shown two a page
    monkeypatch.setattr(book_views, "PAGE_SIZE", 2)
    for i in range(5):
        make_customer(bank.rm_a, name=f"客户{i}")
    client.force_login(bank.rm_a)
    # when she opens the second page, sorted by name
    response = client.get(reverse("customer_list"), {"sort": "name", "page": "2"})
    # then one event says what she asked, that 2 of 5 were shown, and which two
    shown = {c.pk for c in response.context["page"].object_list}
    [event] = _reads()
    assert event.actor == bank.rm_a
    assert event.data == {"via": "book", "count": 2, "matched": 5, "filter": {"sort": "name", "page": "2"}}
    assert _ids(event) == shown and len(shown) == 2


def test_a_search_is_one_event_and_a_search_that_finds_nobody_is_recorded_too(client, bank, wangs):
    mine, hers = wangs
    client.force_login(bank.rm_a)
    # when zhangmin searches 王: her three, never lihua's
    client.get(reverse("customer_search"), {"q": "王"})
    # and then a number nobody has
    client.get(reverse("customer_search"), {"q": "13999999999"})
    found, nobody = _reads()
    assert found.data == {"via": "search", "count": 3, "filter": {"q": "王"}}
    assert _ids(found) == {c.pk for c in mine} and hers.pk not in _ids(found)
    assert nobody.data == {"via": "search", "count": 0, "filter": {"q": "13999999999"}}


def test_the_suggest_box_records_each_customer_it_reveals_not_each_key_typed(client, bank, wangs, make_customer):
    mine, _hers = wangs
    client.force_login(bank.rm_a)
    url = reverse("customer_search_suggest")
    # when zhangmin types 王, 王小, 王小 again (the dropdown follows each key)
    client.get(url, {"q": "王"})
    client.get(url, {"q": "王小"})
    client.get(url, {"q": "王小"})
    # then one event: the first showed the three; the others showed nobody new
    [first] = _reads()
    assert first.data == {"via": "suggest", "count": 3, "matched": 3, "filter": {"q": "王"}}
    assert _ids(first) == {c.pk for c in mine}
    # when a customer she was not shown yet comes up, that one is recorded, alone
    newcomer = make_customer(bank.rm_a, name="王小刚")
    client.get(url, {"q": "王小"})
    second = _reads()[-1]
    assert second.customer_id is None and _ids(second) == {newcomer.pk}
    assert second.data["filter"] == {"q": "王小"} and second.data["count"] == 1
    # and the relation picker of the customer file is recorded the same way
    client.get(url, {"q": "王大", "mode": "pick", "exclude": mine[0].pk})
    assert _reads()[-1].data["via"] == "pick"


def test_an_export_of_many_customers_is_one_event_not_one_per_customer(client, bank, make_customer):
    # given a book of 30
    ids = {make_customer(bank.rm_a, name=f"客户{i}").pk for i in range(30)}
    client.force_login(bank.rm_a)
    # when the book is exported, filtered by risk level and sorted
    response = client.get(reverse("customer_export"), {"sort": "-aum"})
    assert response.status_code == 200
    # then the log has one event for the file (before: 30), with the filter, the count and the ids
    [event] = _reads("customer.exported")
    assert event.data == {"via": "book_csv", "count": 30, "filter": {"sort": "-aum"}}
    assert _ids(event) == ids
    assert AuditEvent.objects.filter(action="customer.exported").count() == 1
    assert AuditEventCustomer.objects.filter(event=event).count() == 30


def test_who_saw_a_customer_finds_the_bulk_reads_and_exports_that_included_them(client, bank, wangs):
    mine, hers = wangs
    x = mine[0]
    # given zhangmin's book page and the branch head's export both showed 王小明; lihua's page did not
    for who, url in ((bank.rm_a, "customer_list"), (bank.head, "customer_export"), (bank.rm_b, "customer_list")):
        client.force_login(who)
        client.get(reverse(url))
    # then "who saw 王小明" finds the two reads that included him, and not lihua's
    seen = {(e.actor, e.action) for e in events_about_customer(x.pk)}
    assert {(bank.rm_a, "customer.listed"), (bank.head, "customer.exported")} <= seen
    assert (bank.rm_b, "customer.listed") not in seen
    # and so does the auditor's page, filtered by the customer number people see
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"customer": x.external_id})
    rows = {(r.event.actor, r.event.action) for r in response.context["rows"]}
    assert {(bank.rm_a, "customer.listed"), (bank.head, "customer.exported"), (None, "customer.created")} <= rows
    assert (bank.rm_b, "customer.listed") not in rows
    # lihua's page is found under her customer
    response = client.get(reverse("audit_log"), {"customer": hers.external_id})
    assert (bank.rm_b, "customer.listed") in {(r.event.actor, r.event.action) for r in response.context["rows"]}


# --- the API -------------------------------------------------------------------------------------


def test_the_api_list_and_its_search_are_one_event_each_with_the_customers_sent(client, bank, wangs):
    mine, hers = wangs
    head = ApiCaller(client, bank.head)
    # when the branch head pulls the branch, a page at a time, and searches
    page = head.get("/customers", limit=3, offset=0).json()
    rest = head.get("/customers", limit=3, offset=3).json()
    found = head.get("/customers", q="王小").json()
    # then three events, each with what was asked and exactly the customers it sent
    first, second, search = _reads(actor=bank.head)
    assert first.data == {"via": "api_customers", "count": 3, "matched": 4, "filter": {"limit": "3", "offset": "0"}}
    assert _ids(first) == {c["id"] for c in page["items"]}
    assert _ids(second) == {c["id"] for c in rest["items"]} and second.data["count"] == 1
    assert _ids(first) | _ids(second) == {c.pk for c in [*mine, hers]}
    assert search.data["filter"] == {"q": "王小", "limit": "50", "offset": "0"}
    assert _ids(search) == {c["id"] for c in found["items"]} == {mine[0].pk, mine[1].pk}


@pytest.fixture
def records(bank, wangs):
    """王小明 with a holding, a contact, a memo and a message."""
    wang = wangs[0][0]
    holding_create(actor=None, customer=wang, product=bank.products.deposit, amount="100000",
                   purchase_date="2025-01-10")
    interaction_log(actor=bank.rm_a, customer=wang, channel="phone", summary="问候")
    memo_create(actor=bank.rm_a, customer=wang, text="下周回电", due_date="2026-12-01")
    message_compose(actor=bank.rm_a, customer=wang, channel="sms", body="您好")
    return wang


@pytest.mark.parametrize("part", ["holdings", "interactions", "memos", "messages"])
def test_the_api_reads_of_a_customers_records_are_audited_and_out_of_reach_for_another_manager(
        client, bank, records, part):
    wang = records
    # when zhangmin reads 王小明's records through the API
    response = ApiCaller(client, bank.rm_a).get(f"/customers/{wang.pk}/{part}")
    assert response.status_code == 200
    # then one event on the customer says which records and how many
    [event] = _reads("customer.viewed", actor=bank.rm_a)
    assert event.customer_id == wang.pk
    assert event.data == {"via": f"api_{part}", "count": 1, "records": len(response.json()["items"])}
    assert event.data["records"] >= 1
    # and another manager gets 404, and no read of him is recorded
    other = ApiCaller(client, bank.rm_b).get(f"/customers/{wang.pk}/{part}")
    assert other.status_code == 404
    assert not AuditEvent.objects.filter(action="customer.viewed", actor=bank.rm_b).exists()


# --- other pages that list customers by name ---------------------------------------------------


def test_the_branch_overview_audits_the_unassigned_customers_it_lists(client, bank):
    waiting = customer_create(actor=None, external_id="U001", name="待分配甲", rm=None, branch=bank.b1)
    client.force_login(bank.head)
    assert client.get(reverse("branch_overview")).status_code == 200
    [event] = _reads(actor=bank.head)
    assert event.data["via"] == "branch_unassigned" and _ids(event) == {waiting.pk}


def test_the_campaign_page_audits_the_call_list_it_shows(client, bank, wangs):
    from banyan.outreach.services import campaign_create

    mine, _hers = wangs
    campaign = campaign_create(actor=bank.rm_a, name="到期邀约", purpose="转存", start_date="2026-11-23",
                               end_date="2026-12-10", customer_ids=[c.pk for c in mine])
    client.force_login(bank.rm_a)
    assert client.get(reverse("outreach_campaign", args=[campaign.pk])).status_code == 200
    [event] = _reads(actor=bank.rm_a)
    assert event.data == {"via": "campaign", "count": 3, "filter": {"campaign": str(campaign.pk)}}
    assert _ids(event) == {c.pk for c in mine}
    # another branch's manager gets 404, and nothing is recorded for her
    client.force_login(bank.rm_c)
    assert client.get(reverse("outreach_campaign", args=[campaign.pk])).status_code == 404
    assert not _reads(actor=bank.rm_c)


def test_a_branch_head_reading_a_managers_worklist_is_audited(client, bank, make_customer):
    from banyan import clock
    from banyan.customers.identity import make_resident_id
    from banyan.worklists.services import worklists_build

    today = clock.today()
    birthday = make_customer(bank.rm_a, name="寿星", id_number=make_resident_id("330106", today.replace(year=1966), 11))
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])
    client.force_login(bank.head)
    assert client.get(reverse("worklist_branch_manager", args=[bank.rm_a.pk])).status_code == 200
    [event] = _reads(actor=bank.head)
    assert event.data["via"] == "branch_worklist" and birthday.pk in _ids(event)
    assert event.data["filter"] == {"manager": str(bank.rm_a.pk), "date": today.isoformat()}
    # a manager of the other branch cannot read it (and nothing is recorded)
    client.force_login(bank.rm_c)
    assert client.get(reverse("worklist_branch_manager", args=[bank.rm_a.pk])).status_code == 404
    assert not _reads(actor=bank.rm_c)
