"""Gifts (issue 16 §6): the catalogue, a gift recorded on a contact at the catalogue's cost (frozen),
the per-customer limit over a rolling twelve months, the branch head's approval exactly once, the
month's spend by manager and by tier against the budget, and what another branch or manager gets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.contacts.services import interaction_log
from banyan.gifts.models import Gift, GiftBudget, GiftItem, GiftStatus
from banyan.gifts.selectors import spend, visible_gifts
from banyan.gifts.services import gift_budgets_set, gift_decide, gift_give, gift_item_save
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.segments.models import CustomerSegment
from banyan.transitions import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(bank):
    return {
        "flowers": gift_item_save(actor=bank.admin, name="鲜花花篮", unit_cost=Decimal("388.00")),
        "calendar": gift_item_save(actor=bank.admin, name="定制台历", unit_cost=Decimal("35.00")),
        "tea": gift_item_save(actor=bank.admin, name="茶叶礼盒", unit_cost=Decimal("268.00")),
    }


def _segment(customer, quadrant):
    CustomerSegment.objects.create(customer=customer, quadrant=quadrant, frequency_days=30, orientation="balanced",
                                   potential_score=50, value_rank=1, computed_at=clock.now())


def test_the_catalogue_lists_active_gifts_and_is_kept_by_the_admin(bank, items, client):
    gift_item_save(actor=bank.admin, item=items["tea"], name="茶叶礼盒", unit_cost="268.00", is_active=False)
    answer = ApiCaller(client, bank.rm_a).get("/gifts/catalogue").json()
    assert [(i["name"], i["unit_cost"]) for i in answer["items"]] == [("定制台历", "35.00"), ("鲜花花篮", "388.00")]
    assert answer["limit_per_customer"] == "500.00"
    with pytest.raises(PermissionDenied):
        gift_item_save(actor=bank.head, name="月饼礼盒", unit_cost="120")
    with pytest.raises(ValidationError) as refused:
        gift_item_save(actor=bank.admin, name="坏价格", unit_cost="-1")
    assert "unit_cost" in refused.value.message_dict
    assert AuditEvent.objects.filter(action="gift.catalogue_changed").count() == 4


def test_a_gift_is_recorded_on_the_contact_at_the_catalogue_cost_frozen(bank, make_customer, items):
    customer = make_customer(bank.rm_a)
    _segment(customer, "high_high")
    contact = interaction_log(actor=bank.rm_a, customer=customer, channel="visit", outcome="reached",
                              summary="新店开业，送花篮")
    gift = gift_give(actor=bank.rm_a, customer=customer, item=items["calendar"].pk, quantity=2, interaction=contact,
                     delivered_by=bank.assistant.username, delivery="in_person")
    assert (gift.unit_cost, gift.total_cost, gift.status) == (Decimal("35.00"), Decimal("70.00"), GiftStatus.APPROVED)
    assert (gift.interaction, gift.delivered_by, gift.tier, gift.branch) == (contact, bank.assistant, "high_high",
                                                                             bank.b1)
    gift_item_save(actor=bank.admin, item=items["calendar"], name="定制台历", unit_cost="50.00")
    gift.refresh_from_db()
    assert (gift.unit_cost, gift.total_cost) == (Decimal("35.00"), Decimal("70.00"))  # frozen
    later = gift_give(actor=bank.rm_a, customer=customer, item=items["calendar"], quantity=1)
    assert later.unit_cost == Decimal("50.00") and later.delivered_by == bank.rm_a  # default: the manager logging
    assert AuditEvent.objects.filter(action="gift.given", customer_id=customer.pk).count() == 2


@pytest.mark.parametrize("fields, field", [
    ({"item": 999999, "quantity": 1}, "item_id"),
    ({"item": "鲜花", "quantity": 1}, "item_id"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -2}, "quantity"),
    ({"quantity": "两"}, "quantity"),
    ({"quantity": 1, "delivery": "courier"}, "delivery"),
    ({"quantity": 1, "delivered_by": "wangfang"}, "delivered_by"),  # another branch's manager
    ({"quantity": 1, "given_on": "2026-12-01"}, "given_on"),  # the future
])
def test_bad_input_is_named_at_the_field_and_nothing_is_written(bank, make_customer, items, fields, field):
    customer = make_customer(bank.rm_a)
    fields = {"item": items["flowers"].pk, **fields}
    with pytest.raises(ValidationError) as refused:
        gift_give(actor=bank.rm_a, customer=customer, **fields)
    assert field in refused.value.message_dict
    assert not Gift.objects.exists() and not AuditEvent.objects.filter(action="gift.given").exists()


def test_an_inactive_gift_cannot_be_given(bank, make_customer, items):
    gift_item_save(actor=bank.admin, item=items["tea"], name="茶叶礼盒", unit_cost="268.00", is_active=False)
    with pytest.raises(ValidationError) as refused:
        gift_give(actor=bank.rm_a, customer=make_customer(bank.rm_a), item=items["tea"], quantity=1)
    assert "item_id" in refused.value.message_dict


def test_above_the_limit_in_twelve_months_the_gift_waits_and_the_head_approves_once(bank, make_customer, items):
    customer = make_customer(bank.rm_a)
    # 388 last December (within twelve months) + 35 now = 423 ≤ 500: approved
    old = gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=1, given_on="2025-12-01")
    # 365 days ago: out of the window
    gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=1, given_on="2025-11-23")
    small = gift_give(actor=bank.rm_a, customer=customer, item=items["calendar"], quantity=1)
    assert old.status == small.status == GiftStatus.APPROVED
    # + 268 → 691 > 500: pending
    tea = gift_give(actor=bank.rm_a, customer=customer, item=items["tea"], quantity=1)
    assert tea.status == GiftStatus.PENDING
    with pytest.raises(PermissionDenied):  # the manager cannot approve it, nor a head of another branch
        gift_decide(actor=bank.rm_a, gift=tea, approve=True)
    gift_decide(actor=bank.head, gift=tea, approve=True, note="开业贺礼，合规")
    tea.refresh_from_db()
    assert (tea.status, tea.decided_by, tea.decision_note) == (GiftStatus.APPROVED, bank.head, "开业贺礼，合规")
    with pytest.raises(Conflict):
        gift_decide(actor=bank.head, gift=Gift.objects.get(pk=tea.pk), approve=False)
    tea.refresh_from_db()
    assert tea.status == GiftStatus.APPROVED
    assert AuditEvent.objects.filter(action="gift.approved", object_id=str(tea.pk)).count() == 1
    assert not AuditEvent.objects.filter(action="gift.rejected").exists()


def test_a_rejected_gift_does_not_count_towards_the_limit_nor_the_spend(bank, make_customer, items):
    customer = make_customer(bank.rm_a)
    big = gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=2)  # 776 > 500
    assert big.status == GiftStatus.PENDING
    gift_decide(actor=bank.head, gift=big, approve=False, note="超出标准")
    assert AuditEvent.objects.filter(action="gift.rejected", object_id=str(big.pk)).count() == 1
    again = gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=1)  # 388 ≤ 500
    assert again.status == GiftStatus.APPROVED
    s = spend(Gift.objects.filter(branch=bank.b1), dt.date(2026, 11, 1), branch_ids=[bank.b1.pk])
    assert (s.total.spent, s.total.pending, s.total.count) == (Decimal("388.00"), Decimal("0.00"), 1)


def test_a_branch_head_does_not_approve_a_gift_of_their_own(bank, make_customer, items):
    customer = make_customer(bank.rm_a)
    gift = gift_give(actor=bank.head, customer=customer, item=items["flowers"], quantity=2)
    with pytest.raises(PermissionDenied):
        gift_decide(actor=bank.head, gift=gift, approve=True)
    gift_decide(actor=bank.admin, gift=gift, approve=True)


def test_the_months_spend_by_manager_and_tier_against_the_budget(bank, make_customer, items):
    gift_budgets_set(actor=bank.admin, branch=bank.b1, amounts={"high_high": "1000.00", "low_low": "200.00"})
    rich, plain, fresh = (make_customer(bank.rm_a), make_customer(bank.rm_b), make_customer(bank.rm_a))
    _segment(rich, "high_high")
    _segment(plain, "low_low")
    gift_give(actor=bank.rm_a, customer=rich, item=items["flowers"], quantity=1)  # 388 hh, approved
    gift_give(actor=bank.rm_a, customer=rich, item=items["tea"], quantity=1)  # 268 hh → 656 > 500: pending
    gift_give(actor=bank.rm_b, customer=plain, item=items["calendar"], quantity=3)  # 105 ll
    gift_give(actor=bank.rm_a, customer=fresh, item=items["calendar"], quantity=1)  # 35, not segmented
    gift_give(actor=bank.rm_b, customer=plain, item=items["tea"], quantity=1, given_on="2026-10-31")  # last month
    gift_give(actor=bank.rm_c, customer=make_customer(bank.rm_c), item=items["tea"], quantity=1)  # B02

    s = spend(Gift.objects.filter(branch=bank.b1), dt.date(2026, 11, 1), branch_ids=[bank.b1.pk])
    tiers = {r.key: (r.spent, r.pending, r.budget, r.left) for r in s.by_tier}
    assert tiers == {
        "high_high": (Decimal("388.00"), Decimal("268.00"), Decimal("1000.00"), Decimal("612.00")),
        "low_low": (Decimal("105.00"), Decimal("0.00"), Decimal("200.00"), Decimal("95.00")),
        "none": (Decimal("35.00"), Decimal("0.00"), Decimal("0.00"), Decimal("-35.00")),
    }
    managers = {r.key: (r.spent, r.pending, r.count) for r in s.by_manager}
    assert managers == {"zhangmin": (Decimal("423.00"), Decimal("268.00"), 3),
                        "lihua": (Decimal("105.00"), Decimal("0.00"), 1)}
    assert (s.total.spent, s.total.pending, s.total.budget) == (Decimal("528.00"), Decimal("268.00"),
                                                                Decimal("1200.00"))
    october = spend(Gift.objects.filter(branch=bank.b1), dt.date(2026, 10, 1), branch_ids=[bank.b1.pk])
    assert october.total.spent == Decimal("268.00") and october.by_manager[0].key == "lihua"


def test_who_sees_which_gifts(bank, make_customer, items):
    mine = gift_give(actor=bank.rm_a, customer=make_customer(bank.rm_a), item=items["calendar"], quantity=1)
    theirs = gift_give(actor=bank.rm_b, customer=make_customer(bank.rm_b), item=items["calendar"], quantity=1)
    far = gift_give(actor=bank.rm_c, customer=make_customer(bank.rm_c), item=items["calendar"], quantity=1)
    assert set(visible_gifts(bank.rm_a)) == {mine}
    assert set(visible_gifts(bank.assistant)) == {mine}
    assert set(visible_gifts(bank.head)) == {mine, theirs}
    assert set(visible_gifts(bank.admin)) == {mine, theirs, far}
    assert not visible_gifts(bank.auditor).exists()


# ------------------------------------------------------------------ the API


def test_api_gives_a_gift_on_a_contact_and_the_head_approves_it_once(bank, make_customer, items, client):
    customer = make_customer(bank.rm_a)
    rm, head = ApiCaller(client, bank.rm_a), None
    contact = rm.post(f"/customers/{customer.pk}/interactions", {"channel": "visit", "outcome": "reached"}).json()
    given = rm.post(f"/customers/{customer.pk}/gifts", {"item_id": items["flowers"].pk, "quantity": 2,
                                                        "interaction_id": contact["id"], "delivery": "in_person"})
    assert given.status_code == 201, given.content
    body = given.json()
    assert (body["status"], body["total_cost"], body["unit_cost"], body["delivered_by"], body["interaction_id"]) == (
        "pending", "776.00", "388.00", "zhangmin", contact["id"])
    assert_error(rm.post(f"/gifts/{body['id']}/approve", {}), 403, "forbidden")
    listed = rm.get("/gifts?status=pending&month=2026-11").json()
    assert [g["id"] for g in listed["items"]] == [body["id"]]  # the manager sees the status
    head = ApiCaller(client, bank.head)
    assert head.post(f"/gifts/{body['id']}/approve", {"note": "开业"}).json()["status"] == "approved"
    assert_error(head.post(f"/gifts/{body['id']}/approve", {}), 409, "conflict")
    assert_error(head.post(f"/gifts/{body['id']}/reject", {}), 409, "conflict")
    spent = head.get("/gifts/spend?month=2026-11").json()
    assert (spent["total"]["spent"], spent["pending_count"], spent["branch"]) == ("776.00", 0, "B01")


def test_api_refuses_bad_input_at_the_field_and_writes_nothing(bank, make_customer, items, client):
    customer = make_customer(bank.rm_a)
    rm = ApiCaller(client, bank.rm_a)
    for body, field in (({"item_id": 999999, "quantity": 1}, "item_id"), ({"item_id": items["tea"].pk, "quantity": 0},
                                                                          "quantity"),
                        ({"item_id": items["tea"].pk, "quantity": -1}, "quantity"),
                        ({"item_id": items["tea"].pk}, "quantity")):
        error = assert_error(rm.post(f"/customers/{customer.pk}/gifts", body), 422, "invalid")
        assert field in error["fields"], (body, error)
    assert not Gift.objects.exists()


def test_api_another_manager_or_branch_gets_404(bank, make_customer, items, client):
    customer = make_customer(bank.rm_a)
    gift = gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=2)
    other_branch_head_like = ApiCaller(client, bank.rm_c)
    assert_error(other_branch_head_like.post(f"/customers/{customer.pk}/gifts",
                                             {"item_id": items["tea"].pk, "quantity": 1}), 404, "not_found")
    assert_error(other_branch_head_like.post(f"/gifts/{gift.pk}/approve", {}), 404, "not_found")
    assert_error(ApiCaller(client, bank.rm_b).post(f"/gifts/{gift.pk}/reject", {}), 404, "not_found")
    assert ApiCaller(client, bank.rm_b).get("/gifts").json()["count"] == 0
    assert Gift.objects.get(pk=gift.pk).status == GiftStatus.PENDING
    assert Gift.objects.count() == 1 and not GiftBudget.objects.exists() and GiftItem.objects.count() == 3


def test_api_lists_filter_and_the_spend_by_role(bank, make_customer, items, client):
    mine = gift_give(actor=bank.rm_a, customer=make_customer(bank.rm_a), item=items["calendar"], quantity=1)
    gift_give(actor=bank.rm_b, customer=make_customer(bank.rm_b), item=items["tea"], quantity=1,
              given_on="2026-10-05")
    head = ApiCaller(client, bank.head)
    assert [g["id"] for g in head.get("/gifts", manager="zhangmin").json()["items"]] == [mine.pk]
    assert head.get("/gifts", month="2026-10").json()["count"] == 1
    assert_error(head.get("/gifts", month="2026-13"), 422, "invalid")
    assert AuditEvent.objects.filter(action="customer.listed", data__via="api_gifts").exists()
    own = ApiCaller(client, bank.rm_a).get("/gifts/spend").json()  # a manager: own gifts, no budget
    assert (own["total"]["spent"], own["total"]["budget"], own["branch"]) == ("35.00", None, None)
    assert_error(ApiCaller(client, bank.auditor).get("/gifts/spend"), 403, "forbidden")
    assert ApiCaller(client, bank.auditor).get("/gifts").json()["count"] == 0
    admin = ApiCaller(client, bank.admin)
    assert admin.get("/gifts/spend", branch="B02").json()["total"]["spent"] == "0.00"
    assert admin.get("/gifts/spend", month="2026-10").json()["total"]["spent"] == "268.00"
    assert_error(admin.get("/gifts/spend", branch="NOPE"), 404, "not_found")
