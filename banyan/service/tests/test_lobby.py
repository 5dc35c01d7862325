"""The lobby's walk-in desk (大堂经理, issue 16 §1, seed 003): a branch-wide look-up that shows the
limited card only, while every customer endpoint still answers 404 to the lobby outside its own
book; a walk-in need becomes a referral on the right manager's (or planner's) worklist, once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from banyan import clock
from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.conftest import PASSWORD
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer, Source
from banyan.org.models import Role
from banyan.org.services import api_token_issue, staff_create
from banyan.service.lobby import CARD_KEYS, walk_in_log
from banyan.service.models import Referral, ReferralKind
from banyan.transitions import Conflict
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import worklists_build

pytestmark = pytest.mark.django_db

ID_NUMBER = make_resident_id("110101", dt.date(1980, 5, 17), 777)
MOBILE = "13912345678"


@pytest.fixture
def lobby(bank):
    return staff_create(actor=None, username="zhulin", password=PASSWORD, role=Role.LOBBY, branch=bank.b1,
                        full_name="朱琳", check_password=False)


@pytest.fixture
def planner(bank):
    return staff_create(actor=None, username="liping", password=PASSWORD, role=Role.PLANNER, branch=bank.b1,
                        full_name="李萍", check_password=False)


@pytest.fixture
def wang(bank, make_customer):
    """王建国, 李华's customer in B01 (not the lobby's), with a deposit maturing today on his list."""
    c = make_customer(bank.rm_b, name="王建国", id_number=ID_NUMBER, mobile=MOBILE)
    task = Task.objects.create(manager=bank.rm_b, date=clock.today(), customer=c, rank=1, priority=1,
                               suggested_channel="phone")
    TaskReason.objects.create(task=task, customer_id=c.pk, code="deposit_maturity", detail="定期今日到期",
                              due_date=clock.today())
    # the customer's money troubles are the manager's: never on the lobby's card
    TaskReason.objects.create(task=task, customer_id=c.pk, code="loan_overdue", detail="贷款逾期12天",
                              due_date=clock.today())
    return c


def _api(client, method, path, user, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {api_token_issue(staff=user)}"}
    if body is not None:
        return client.generic(method, f"/api/v1{path}", json.dumps(body), content_type="application/json", **kwargs)
    return client.generic(method, f"/api/v1{path}", **kwargs)


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# ------------------------------------------------------------------ the look-up


@pytest.mark.parametrize("q", ["王建国", "wangjianguo", "wjg", MOBILE[-4:], ID_NUMBER[-4:]])
def test_the_lobby_finds_any_customer_of_the_branch_and_sees_only_the_limited_card(client, bank, lobby, wang, q):
    r = _api(client, "GET", f"/lobby/customers?q={q}", lobby)
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [i["customer_id"] for i in items] == [wang.pk]
    card = items[0]
    assert set(card) == set(CARD_KEYS)
    assert card == {"customer_id": wang.pk, "display_name": "王先生", "segment": None, "is_priority": False,
                    "rm": "李华", "open_reasons": ["deposit_maturity"]}
    body = r.content.decode()
    for secret in (MOBILE, ID_NUMBER, "王建国", "aum", "holdings"):
        assert secret not in body


def test_the_page_shows_the_card_and_nothing_of_the_file(client, bank, lobby, wang):
    r = _login(client, lobby).get(reverse("lobby_desk"), {"q": "wjg"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "王先生" in html and "李华" in html and f"?customer={wang.pk}" in html
    for secret in (MOBILE, MOBILE[-4:] + "</", ID_NUMBER, "王建国", f"/customers/{wang.pk}/"):
        assert secret not in html
    assert "138****" not in html and "139****" not in html  # not even a masked mobile


def test_another_branchs_customer_is_not_found(client, bank, lobby, make_customer):
    other = make_customer(bank.rm_c, name="王建国", mobile="13700001111")
    r = _api(client, "GET", "/lobby/customers?q=王建国", lobby)
    assert r.status_code == 200 and r.json()["items"] == []
    assert _api(client, "GET", "/lobby/customers?q=1111", lobby).json()["items"] == []
    # the other branch's staff find theirs, not ours
    assert [i["customer_id"] for i in _api(client, "GET", "/lobby/customers?q=wjg", bank.rm_c).json()["items"]] \
        == [other.pk]


def test_the_file_and_every_customer_endpoint_still_answer_404_to_the_lobby(client, bank, lobby, wang):
    assert _api(client, "GET", "/lobby/customers?q=wjg", lobby).status_code == 200
    for path in (f"/customers/{wang.pk}", f"/customers/{wang.pk}/segment", f"/customers/{wang.pk}/holdings",
                 f"/customers/{wang.pk}/interactions", f"/customers/{wang.pk}/memos"):
        assert _api(client, "GET", path, lobby).status_code == 404, path
    assert [c["id"] for c in _api(client, "GET", "/customers?q=wjg", lobby).json()["items"]] == []
    _login(client, lobby)
    assert client.get(reverse("customer_detail", args=[wang.pk])).status_code == 404
    assert client.get(reverse("customer_refer", args=[wang.pk])).status_code == 404


@pytest.mark.parametrize("q,status", [("", 422), ("王", 422), ("123", 422), ("wj", 200), ("5678", 200)])
def test_short_queries_are_refused_with_a_clear_message(client, bank, lobby, wang, q, status):
    r = _api(client, "GET", f"/lobby/customers?q={q}", lobby)
    assert r.status_code == status
    if status == 422:
        assert r.json()["error"]["fields"]["q"]
        assert not AuditEvent.objects.filter(action="customer.listed").exists()


def test_the_page_refuses_a_short_query_at_the_box(client, bank, lobby):
    r = _login(client, lobby).get(reverse("lobby_desk"), {"q": "王"})
    assert r.status_code == 400
    assert 'id="lobby-q-error"' in r.content.decode()


def test_each_lookup_is_audited_once(client, bank, lobby, wang):
    token = api_token_issue(staff=lobby)
    _login(client, lobby)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    client.get("/api/v1/lobby/customers?q=wjg", HTTP_AUTHORIZATION=f"Bearer {token}")
    events = list(AuditEvent.objects.filter(pk__gt=before))
    assert [(e.action, e.data["via"], e.data["filter"]) for e in events] == [("customer.listed", "api_lobby",
                                                                               {"q": "wjg"})]
    assert list(AuditEventCustomer.objects.filter(event=events[0]).values_list("customer_id", flat=True)) == [wang.pk]
    client.get(reverse("lobby_desk"), {"q": "nobody"})
    events = list(AuditEvent.objects.filter(pk__gt=events[0].pk))
    assert [(e.action, e.data["via"], e.data["count"]) for e in events] == [("customer.listed", "lobby", 0)]


def test_the_branchs_staff_have_the_desk_the_auditor_and_other_roles_do_not(client, bank, lobby, wang):
    for user in (bank.rm_a, bank.assistant, bank.head, bank.admin):
        assert [i["customer_id"] for i in _api(client, "GET", "/lobby/customers?q=wjg", user).json()["items"]] \
            == [wang.pk], user.role
    assert _api(client, "GET", "/lobby/customers?q=wjg", bank.auditor).status_code == 403
    _login(client, bank.auditor)
    assert client.get(reverse("lobby_desk")).status_code == 404


# ------------------------------------------------------------------ a walk-in need


def test_a_walk_in_need_lands_on_the_customers_managers_worklist(client, bank, lobby, wang):
    r = _api(client, "POST", "/lobby/walk-ins", lobby, {"customer_id": wang.pk, "need": "想了解大额存单",
                                                         "product_type": "time_deposit"})
    assert r.status_code == 201, r.content
    assert r.json()["to"] == "lihua"
    referral = Referral.objects.get(pk=r.json()["referral_id"])
    assert (referral.kind, referral.sender, referral.receiver, referral.product_type) == \
        (ReferralKind.WALK_IN, lobby, bank.rm_b, "time_deposit")
    Task.objects.filter(customer=wang).delete()  # the list is built afresh today
    worklists_build(day=clock.today(), manager_ids=[bank.rm_b.pk])
    reason = TaskReason.objects.get(task__manager=bank.rm_b, task__date=clock.today(), code="referral")
    assert reason.customer_id == wang.pk and "朱琳" in reason.args and "想了解大额存单" in reason.args


def test_a_prospects_need_lands_on_the_planners_worklist(client, bank, lobby, planner):
    r = _api(client, "POST", "/lobby/walk-ins", lobby, {
        "prospect": {"name": "刘芳", "mobile": "13912340000", "consent_phone": True}, "need": "咨询养老理财"})
    assert r.status_code == 201, r.content
    assert r.json()["to"] == "liping"
    prospect = Customer.objects.get(mobile="13912340000")
    assert (prospect.rm, prospect.branch, prospect.source) == (planner, bank.b1, Source.WALK_IN)
    worklists_build(day=clock.today(), manager_ids=[planner.pk])
    assert TaskReason.objects.filter(task__manager=planner, customer_id=prospect.pk, code="referral").exists()


def test_without_a_planner_a_prospect_goes_to_a_relationship_manager(client, bank, lobby):
    r = _api(client, "POST", "/lobby/walk-ins", lobby, {
        "prospect": {"name": "刘芳", "mobile": "13912340000", "consent_phone": True}, "need": "咨询养老理财"})
    assert r.status_code == 201 and r.json()["to"] in ("zhangmin", "lihua")


def test_another_branchs_customer_is_404_for_a_walk_in(client, bank, lobby, make_customer):
    other = make_customer(bank.rm_c)
    for cid in (other.pk, 2_000_000_000):
        r = _api(client, "POST", "/lobby/walk-ins", lobby, {"customer_id": cid, "need": "开户"})
        assert r.status_code == 404
    _login(client, lobby)
    assert client.get(reverse("lobby_need"), {"customer": other.pk}).status_code == 404
    assert client.post(reverse("lobby_need"), {"customer": other.pk, "need": "开户"}).status_code == 404
    assert not Referral.objects.exists()


def test_a_double_submit_writes_one_referral(client, bank, lobby, wang, planner):
    body = {"customer_id": wang.pk, "need": "想了解大额存单"}
    assert _api(client, "POST", "/lobby/walk-ins", lobby, body).status_code == 201
    assert _api(client, "POST", "/lobby/walk-ins", lobby, body).status_code == 409
    visitor = {"prospect": {"name": "刘芳", "mobile": "13912340000", "consent_phone": True}, "need": "咨询"}
    assert _api(client, "POST", "/lobby/walk-ins", lobby, visitor).status_code == 201
    assert _api(client, "POST", "/lobby/walk-ins", lobby, visitor).status_code == 409
    assert Referral.objects.count() == 2 and Customer.objects.filter(mobile="13912340000").count() == 1
    # the page: the second post says it was logged, writes nothing
    _login(client, lobby)
    r = client.post(reverse("lobby_need"), {"customer": wang.pk, "need": "想了解大额存单"}, follow=True)
    assert r.status_code == 200 and Referral.objects.count() == 2
    with pytest.raises(Conflict):
        walk_in_log(actor=lobby, customer=wang, need="想了解大额存单")


@pytest.mark.parametrize("form,field", [
    ({"name": "刘芳", "mobile": "1391234", "consent_phone": "on", "need": "咨询"}, "mobile"),
    ({"name": "刘芳", "mobile": "23912340000", "consent_phone": "on", "need": "咨询"}, "mobile"),
    ({"name": "刘芳", "mobile": "13912340000", "consent_phone": "on", "need": ""}, "need"),
    ({"name": "刘芳", "mobile": "13912340000", "need": "咨询"}, "consent_phone"),
    ({"name": "", "mobile": "13912340000", "consent_phone": "on", "need": "咨询"}, "name"),
])
def test_bad_visitor_input_is_refused_at_the_field_and_nothing_written(client, bank, lobby, planner, form, field):
    r = _login(client, lobby).post(reverse("lobby_visitor"), form)
    assert r.status_code == 400
    assert r.context["form"].errors.get(field), r.context["form"].errors
    assert "invalid-feedback" in r.content.decode() and "is-invalid" in r.content.decode()
    assert not Referral.objects.exists() and not Customer.objects.exists()


def test_the_need_form_refuses_an_empty_need_and_passes_a_good_one(client, bank, lobby, wang):
    _login(client, lobby)
    r = client.get(reverse("lobby_need"), {"customer": wang.pk})
    assert r.status_code == 200 and "王先生" in r.content.decode() and MOBILE not in r.content.decode()
    r = client.post(reverse("lobby_need"), {"customer": wang.pk, "need": "  "})
    assert r.status_code == 400 and r.context["form"].errors.get("need")
    assert not Referral.objects.exists()
    r = client.post(reverse("lobby_need"), {"customer": wang.pk, "need": "挂失银行卡后补办", "product_type": ""})
    assert r.status_code == 302 and r.url == reverse("lobby_desk")
    assert Referral.objects.get().receiver == bank.rm_b
    assert "李华" in client.get(r.url).content.decode()  # the confirmation names who takes it


def test_the_lobby_starts_at_the_desk(client, bank, lobby):
    r = _login(client, lobby).get(reverse("home"))
    assert r.status_code == 302 and r.url == reverse("lobby_desk")
    assert 'id="nav-lobby"' in client.get(r.url).content.decode()
    _login(client, bank.rm_a)
    assert 'id="nav-lobby"' not in client.get(reverse("lobby_desk")).content.decode()
