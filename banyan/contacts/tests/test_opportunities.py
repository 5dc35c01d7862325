"""Sales opportunities (销售机会, issue 11 §5): their stages, the worklist reason that brings an open
one back, and the API (201 / 404 / 409 / 422)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.contacts.models import Opportunity, OpportunityStage
from banyan.contacts.opportunities import DEFAULT_FOLLOW_UP_DAYS, opportunity_create, opportunity_stage
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create
from banyan.org.services import api_token_issue
from banyan.transitions import Conflict
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import task_complete, worklists_build
from banyan.worklists.talking import detail_text, task_talk

pytestmark = pytest.mark.django_db


def _open(bank, customer, **fields):
    fields.setdefault("need", "孩子明年出国留学，想准备一笔教育金")
    fields.setdefault("source", "call")
    return opportunity_create(actor=bank.rm_a, customer=customer, **fields)


def _sale(bank, customer, amount="300000.00"):
    return holding_create(actor=bank.rm_a, customer=customer, product=bank.products.wealth, amount=amount,
                          purchase_date=TODAY)


# ------------------------------------------------------------------ stages


def test_an_opportunity_opens_for_the_customers_manager_and_comes_back_in_two_weeks_by_default(bank, make_customer):
    customer = make_customer(bank.rm_a)
    opp = opportunity_create(actor=bank.assistant, customer=customer, need="想了解定投", source="walk_in",
                             product_code="F001", expected_amount="50000")
    assert opp.stage == OpportunityStage.OPEN
    assert opp.owner == bank.rm_a and opp.created_by == bank.assistant  # the assistant opened it for the manager
    assert opp.product == bank.products.fund and opp.product_type == "fund"
    assert opp.expected_amount == Decimal("50000")
    assert opp.due_date == TODAY + dt.timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
    assert AuditEvent.objects.filter(action="opportunity.opened", customer_id=customer.pk).count() == 1


def test_an_opportunity_needs_a_need_a_product_on_sale_and_a_date_to_come(bank, make_customer):
    customer = make_customer(bank.rm_a)
    with pytest.raises(ValidationError) as refused:
        opportunity_create(actor=bank.rm_a, customer=customer, need="  ", source="call", product_code="NOPE",
                           due_date=TODAY - dt.timedelta(days=1), event_id=5)
    assert set(refused.value.message_dict) == {"need", "product_code", "due_date", "event_id"}
    assert not Opportunity.objects.exists()


def test_an_opportunity_moves_forward_and_each_stage_keeps_its_moment(bank, make_customer):
    customer = make_customer(bank.rm_a)
    opp = _open(bank, customer)
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="contacted")
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="proposed")
    sale = _sale(bank, customer)
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="won", holding_id=sale.pk)
    opp.refresh_from_db()
    assert opp.stage == "won" and opp.holding == sale
    assert opp.contacted_at and opp.proposed_at and opp.won_at and opp.lost_at is None
    assert AuditEvent.objects.filter(action="opportunity.stage_changed", customer_id=customer.pk).count() == 3


def test_lost_needs_a_reason(bank, make_customer):
    opp = _open(bank, make_customer(bank.rm_a))
    with pytest.raises(ValidationError) as refused:
        opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="lost", reason=" ")
    assert "reason" in refused.value.message_dict
    opp.refresh_from_db()
    assert opp.stage == "open"
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="lost", reason="客户选择了他行的产品")
    opp.refresh_from_db()
    assert (opp.stage, opp.lost_reason) == ("lost", "客户选择了他行的产品") and opp.lost_at


def test_won_links_only_a_sale_of_the_same_customer_and_only_once(bank, make_customer):
    customer, other = make_customer(bank.rm_a), make_customer(bank.rm_a, name="李娜")
    opp, second = _open(bank, customer), _open(bank, customer, need="换汇")
    with pytest.raises(ValidationError) as refused:
        opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="won", holding_id=_sale(bank, other).pk)
    assert "holding_id" in refused.value.message_dict
    sale = _sale(bank, customer)
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="won", holding_id=sale.pk)
    with pytest.raises(ValidationError) as refused:
        opportunity_stage(actor=bank.rm_a, opportunity=second, stage="won", holding_id=sale.pk)
    assert "holding_id" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        opportunity_stage(actor=bank.rm_a, opportunity=second, stage="contacted", holding_id=sale.pk)
    assert "holding_id" in refused.value.message_dict  # a sale belongs to a won one only
    opportunity_stage(actor=bank.rm_a, opportunity=second, stage="won")  # won without naming the sale
    assert Opportunity.objects.get(pk=second.pk).holding is None


def test_no_way_back_and_a_closed_one_stays_closed(bank, make_customer):
    opp = _open(bank, make_customer(bank.rm_a))
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="proposed")
    with pytest.raises(ValidationError) as refused:
        opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="contacted")
    assert "stage" in refused.value.message_dict
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="lost", reason="预算不够")
    with pytest.raises(Conflict):
        opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="won")


def test_two_moves_of_the_same_opportunity_count_once(bank, make_customer):
    """Two tabs showed the opportunity open; both clicked 'won': the second is refused and writes nothing."""
    opp = _open(bank, make_customer(bank.rm_a))
    first, second = Opportunity.objects.get(pk=opp.pk), Opportunity.objects.get(pk=opp.pk)
    opportunity_stage(actor=bank.rm_a, opportunity=first, stage="won")
    with pytest.raises(Conflict):
        opportunity_stage(actor=bank.rm_a, opportunity=second, stage="lost", reason="重复点击")
    opp.refresh_from_db()
    assert opp.stage == "won" and opp.lost_reason == ""
    assert AuditEvent.objects.filter(action="opportunity.stage_changed").count() == 1


# ------------------------------------------------------------------ the worklist


def _list(day, manager):
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[manager.pk])
    return {t.customer_id: t for t in Task.objects.filter(manager=manager, date=day).prefetch_related("reasons")}


def test_an_open_opportunity_comes_back_on_its_due_date_and_a_won_one_does_not(bank, make_customer):
    customer, closed = make_customer(bank.rm_a), make_customer(bank.rm_a, name="李娜")
    # the need came up on a call: the customer is no stranger (a stranger is offered no product, §9)
    Customer.objects.filter(pk=customer.pk).update(last_contact_at=timezone.now() - dt.timedelta(days=7))
    due = TODAY + dt.timedelta(days=10)
    opp = _open(bank, customer, product_code="W180", expected_amount="300000", due_date=due)
    won = _open(bank, closed, due_date=due)
    opportunity_stage(actor=bank.rm_a, opportunity=won, stage="won")
    assert customer.pk not in _list(due - dt.timedelta(days=5), bank.rm_a)
    task = _list(due, bank.rm_a)[customer.pk]
    reason = task.reasons.get()
    assert reason.code == "opportunity_due" and reason.ref == f"opportunity:{opp.pk}"
    assert reason.detail == ("销售机会（待跟进）：孩子明年出国留学，想准备一笔教育金（安心理财180天），"
                             "预计 30 万，12月03日应跟进")
    assert closed.pk not in _list(due, bank.rm_a)
    with translation.override("en"):
        assert detail_text(reason) == ("Sales opportunity (open): 孩子明年出国留学，想准备一笔教育金 (安心理财180天), "
                                       "expected CNY 300,000, follow up by 3 Dec")
    with clock.frozen(due):
        script = task_talk(task).script
    assert "关于您上次感兴趣的安心理财180天，我帮您把详细情况整理好了" in script[1]
    assert "教育金" not in "".join(script)  # the manager's own notes on the need are not read out


def test_an_overdue_opportunity_comes_back_today_and_again_a_week_later_while_open(bank, make_customer):
    customer = make_customer(bank.rm_a)
    with clock.frozen(TODAY - dt.timedelta(days=40)):
        opp = _open(bank, customer, due_date=TODAY - dt.timedelta(days=30))
    task = _list(TODAY, bank.rm_a)[customer.pk]
    assert [r.code for r in task.reasons.all()] == ["opportunity_due"]
    with clock.frozen(TODAY):
        task_complete(actor=bank.rm_a, task=task, outcome="reached")
    assert customer.pk not in _list(TODAY + dt.timedelta(days=1), bank.rm_a)  # its cool-off
    assert customer.pk in _list(TODAY + dt.timedelta(days=7), bank.rm_a)
    opportunity_stage(actor=bank.rm_a, opportunity=opp, stage="lost", reason="客户已在他行购买")
    assert customer.pk not in _list(TODAY + dt.timedelta(days=14), bank.rm_a)
    assert TaskReason.objects.filter(code="opportunity_due").count() == 2


# ------------------------------------------------------------------ the API


@pytest.fixture
def api(bank):
    def _client(staff) -> Client:
        return Client(headers={"Authorization": f"Bearer {api_token_issue(staff=staff)}"})

    return _client


def _post(client, path, body):
    response = client.post(path, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_the_api_opens_an_opportunity_and_moves_it(bank, make_customer, api):
    customer = make_customer(bank.rm_a)
    manager = api(bank.rm_a)
    status, body = _post(manager, f"/api/v1/customers/{customer.pk}/opportunities",
                         {"need": "大额存单", "source": "event", "event_id": 12, "product_code": "TD3Y",
                          "expected_amount": "1000000.00", "due_date": "2026-12-01"})
    assert status == 201
    assert (body["stage"], body["owner"], body["product_code"], body["expected_amount"], body["event_id"]) == \
        ("open", "zhangmin", "TD3Y", "1000000.00", 12)
    sale = holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="1000000.00",
                          purchase_date=TODAY)
    status, moved = _post(manager, f"/api/v1/opportunities/{body['id']}/stage", {"stage": "won",
                                                                                "holding_id": sale.pk})
    assert status == 200 and moved["stage"] == "won" and moved["holding_id"] == sale.pk and moved["won_at"]
    status, again = _post(manager, f"/api/v1/opportunities/{body['id']}/stage", {"stage": "won"})
    assert status == 409 and again["error"]["code"] == "conflict"
    listed = manager.get(f"/api/v1/customers/{customer.pk}/opportunities").json()
    assert [o["id"] for o in listed["items"]] == [body["id"]]


def test_the_api_names_the_fields_it_refuses(bank, make_customer, api):
    customer, other = make_customer(bank.rm_a), make_customer(bank.rm_b, name="李娜")
    manager = api(bank.rm_a)
    status, body = _post(manager, f"/api/v1/customers/{customer.pk}/opportunities",
                         {"need": "理财", "source": "call", "product_code": "NOPE", "event_id": 3})
    assert status == 422 and set(body["error"]["fields"]) == {"product_code", "event_id"}
    status, body = _post(manager, f"/api/v1/customers/{customer.pk}/opportunities", {"need": "理财"})
    assert status == 422 and "source" in body["error"]["fields"]
    opp = _open(bank, customer)
    status, body = _post(manager, f"/api/v1/opportunities/{opp.pk}/stage", {"stage": "lost"})
    assert status == 422 and "reason" in body["error"]["fields"]
    foreign_sale = holding_create(actor=bank.rm_b, customer=other, product=bank.products.deposit, amount="1000.00",
                                  purchase_date=TODAY)
    status, body = _post(manager, f"/api/v1/opportunities/{opp.pk}/stage",
                         {"stage": "won", "holding_id": foreign_sale.pk})
    assert status == 422 and "holding_id" in body["error"]["fields"]
    assert Opportunity.objects.get(pk=opp.pk).stage == "open"


def test_another_manager_gets_404_on_every_opportunity_endpoint(bank, make_customer, api):
    customer = make_customer(bank.rm_a)
    opp = _open(bank, customer)
    for staff in (bank.rm_b, bank.rm_c):
        other = api(staff)
        status, _body = _post(other, f"/api/v1/customers/{customer.pk}/opportunities", {"need": "x", "source": "call"})
        assert status == 404
        status, _body = _post(other, f"/api/v1/opportunities/{opp.pk}/stage", {"stage": "lost", "reason": "x"})
        assert status == 404
        assert other.get(f"/api/v1/customers/{customer.pk}/opportunities").status_code == 404
    assert Opportunity.objects.get(pk=opp.pk).stage == "open" and Opportunity.objects.count() == 1
    # the branch head reaches the branch
    status, _body = _post(api(bank.head), f"/api/v1/opportunities/{opp.pk}/stage", {"stage": "contacted"})
    assert status == 200
