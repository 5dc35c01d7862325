"""The gift pages (issue 16 §6): the gift as one optional group of the customer file's contact form,
the spend page with its approvals, the administrator's catalogue and budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Interaction
from banyan.gifts.models import Gift, GiftBudget, GiftItem, GiftStatus
from banyan.gifts.services import gift_give, gift_item_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(bank):
    return {"flowers": gift_item_save(actor=bank.admin, name="鲜花花篮", unit_cost=Decimal("388.00")),
            "calendar": gift_item_save(actor=bank.admin, name="定制台历", unit_cost=Decimal("35.00"))}


def _contact(**extra):
    return {"channel": "visit", "outcome": "reached", "summary": "新店开业，送花篮", **extra}


def test_the_contact_form_records_a_gift_in_the_same_step(bank, make_customer, items, login):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="gift-item"' in page and "鲜花花篮 · ¥388.00" in page  # the optional group, on the file
    response = client.post(f"/customers/{customer.pk}/contacts/", _contact(**{
        "gift-item": items["flowers"].pk, "gift-quantity": "2", "gift-delivered_by": bank.assistant.pk,
        "gift-delivery": "in_person"}), headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content.decode()[:500]
    gift = Gift.objects.get()
    contact = Interaction.objects.get(customer=customer)
    assert (gift.interaction, gift.total_cost, gift.status, gift.delivered_by) == (
        contact, Decimal("776.00"), GiftStatus.PENDING, bank.assistant)
    # the manager sees the status on the fresh form
    assert "待行长审批" in response.content.decode() and "¥776.00" in response.content.decode()


def test_a_contact_without_a_gift_is_as_before(bank, make_customer, items, login):
    customer = make_customer(bank.rm_a)
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/contacts/", _contact(**{"gift-quantity": "1"}))
    assert response.status_code == 302
    assert Interaction.objects.filter(customer=customer).count() == 1 and not Gift.objects.exists()


@pytest.mark.parametrize("gift, field_error", [
    ({"gift-item": "999999", "gift-quantity": "1"}, "选择一个有效的选项"),
    ({"gift-quantity": "0"}, "数量须在 1 到 99 之间"),
    ({"gift-quantity": "-3"}, "数量须在 1 到 99 之间"),
    ({"gift-quantity": ""}, "数量须在 1 到 99 之间"),
])
def test_a_bad_gift_is_named_at_its_field_and_neither_contact_nor_gift_is_saved(bank, make_customer, items, login,
                                                                                  gift, field_error):
    customer = make_customer(bank.rm_a)
    gift = {"gift-item": str(items["calendar"].pk), **gift}
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/contacts/", _contact(**gift))
    assert response.status_code == 400
    page = response.content.decode()
    assert field_error in page and 'id="qc-gift" open' in page
    assert not Interaction.objects.filter(customer=customer).exists() and not Gift.objects.exists()


def test_the_branch_head_sees_the_spend_and_approves_once(bank, make_customer, items, login):
    GiftBudget.objects.create(branch=bank.b1, tier="none", monthly_amount=Decimal("2000.00"))
    customer = make_customer(bank.rm_a)
    gift_give(actor=bank.rm_a, customer=customer, item=items["calendar"], quantity=2)  # 70, approved
    big = gift_give(actor=bank.rm_a, customer=customer, item=items["flowers"], quantity=2)  # pending
    gift_give(actor=bank.rm_c, customer=make_customer(bank.rm_c, name="外行客户"), item=items["flowers"], quantity=1)
    head = login(bank.head)
    page = head.get("/gifts/").content.decode()
    assert 'id="nav-gifts"' in page and f'id="pending-{big.pk}"' in page
    assert "¥70.00" in page and "¥776.00" in page and "¥2,000.00" in page and "外行客户" not in page
    response = head.post(f"/gifts/{big.pk}/decide/", {"decision": "approve", "month": "2026-11"})
    assert response.status_code == 302
    big.refresh_from_db()
    assert big.status == GiftStatus.APPROVED and big.decided_by == bank.head
    again = head.post(f"/gifts/{big.pk}/decide/", {"decision": "reject"}, follow=True).content.decode()
    assert "该赠礼已审批过" in again
    big.refresh_from_db()
    assert big.status == GiftStatus.APPROVED
    assert AuditEvent.objects.filter(action__in=["gift.approved", "gift.rejected"]).count() == 1


def test_a_manager_sees_only_own_gifts_and_cannot_decide(bank, make_customer, items, login):
    mine = gift_give(actor=bank.rm_a, customer=make_customer(bank.rm_a, name="本人客户"), item=items["flowers"],
                     quantity=2)
    theirs = gift_give(actor=bank.rm_b, customer=make_customer(bank.rm_b, name="同事客户"), item=items["flowers"],
                       quantity=2)
    rm = login(bank.rm_a)
    page = rm.get("/gifts/").content.decode()
    assert "本人客户" in page and "同事客户" not in page and 'name="decision"' not in page
    assert rm.post(f"/gifts/{mine.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert rm.post(f"/gifts/{theirs.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert login(bank.rm_c).post(f"/gifts/{mine.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert set(Gift.objects.values_list("status", flat=True)) == {GiftStatus.PENDING}


def test_the_admin_keeps_the_catalogue_and_budgets(bank, login):
    admin = login(bank.admin)
    assert admin.post("/gifts/catalogue/", {"what": "item", "name": "茶叶礼盒", "unit_cost": "268"}).status_code == 302
    refused = admin.post("/gifts/catalogue/", {"what": "item", "name": "坏礼品", "unit_cost": "-5"})
    assert refused.status_code == 400 and not GiftItem.objects.filter(name="坏礼品").exists()
    assert admin.post("/gifts/catalogue/", {"what": "budgets", "branch": "B01", "budget-B01-high_high": "3000",
                                            "budget-B01-low_low": "500"}).status_code == 302
    assert dict(GiftBudget.objects.filter(branch=bank.b1).values_list("tier", "monthly_amount"))["high_high"] == \
        Decimal("3000.00")
    assert login(bank.head).post("/gifts/catalogue/", {"what": "item", "name": "x", "unit_cost": "1"}).status_code \
        == 403
    assert GiftItem.objects.count() == 1
    assert 'id="budget-B02-low_low"' in admin.get("/gifts/catalogue/").content.decode()
    read = login(bank.rm_a).get("/gifts/catalogue/").content.decode()  # a manager reads the catalogue
    assert "茶叶礼盒" in read and "¥268.00" in read and 'name="unit_cost"' not in read and "gift-budgets" not in read


def test_the_auditor_has_no_gift_page_and_the_admin_picks_a_branch(bank, make_customer, items, login):
    gift_give(actor=bank.rm_c, customer=make_customer(bank.rm_c, name="城西客户"), item=items["calendar"], quantity=1)
    assert login(bank.auditor).get("/gifts/").status_code == 404
    admin = login(bank.admin)
    assert "城西客户" in admin.get("/gifts/").content.decode()  # the bank
    assert "城西客户" not in admin.get("/gifts/?branch=B01").content.decode()
    assert admin.get("/gifts/?branch=NOPE").status_code == 404
    assert "城西客户" not in login(bank.head).get("/gifts/?branch=B02").content.decode()  # ignored: own branch
