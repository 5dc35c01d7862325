"""OUT-8 visits (seed 001 登门拜访): a one-page brief before (holdings, products not opened, habits,
interests, friends, open needs, the meeting's purpose as the goal), a review after (goal reached or
not, and why) that becomes the visit's contact and brings the next step back. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Interaction
from banyan.contacts.services import appointment_create, memo_create
from banyan.customers.services import relation_add
from banyan.holdings.services import holding_create


def test_the_brief_holds_what_a_visit_needs_and_its_goal_is_the_meetings_purpose(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国", interests="钓鱼、书法", transaction_habits="每月初到网点")
    friend = make_customer(bank.rm_a, name="赵强")
    relation_add(actor=bank.rm_a, customer=wang, other=friend, kind="friend", note="钓友")
    holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-30", maturity_date="2026-11-30")
    memo_create(actor=bank.rm_a, customer=wang, text="想了解孙子的教育金", due_date=dt.date(2026, 11, 30))
    appointment_create(actor=bank.rm_a, customer=wang, at="2026-11-25 10:00", place="客户家中", purpose="到期转存方案")
    # reached before: a stranger's brief names no product (issue 16 §9, test_familiar_before_selling.py)
    type(wang).objects.filter(pk=wang.pk).update(last_contact_at="2026-10-01T10:00+08:00")
    client = login(bank.rm_a)
    assert f"/customers/{wang.pk}/visit/" in client.get(f"/customers/{wang.pk}/").content.decode()
    page = client.get(f"/customers/{wang.pk}/visit/").content.decode()
    for text in ("三年期整存整取", "基金", "钓鱼、书法", "每月初到网点", "赵强", "钓友", "想了解孙子的教育金",
                 "客户家中", "到期转存方案"):
        assert text in page, text
    not_held = page[page.index('id="brief-not-held"'):][:400]
    assert "基金" in not_held and "定期存款" not in not_held
    assert AuditEvent.objects.filter(action="customer.viewed", customer_id=wang.pk, detail="visit_brief").exists()


def test_the_review_becomes_the_visits_contact_and_its_next_step_comes_back(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    response = login(bank.rm_a).post(f"/customers/{wang.pk}/visit/", {
        "goal": "到期转存方案", "reached": "no", "why": "客户想等年终奖一起存", "next_step": "年终奖到账后再约",
        "next_contact_on": "2027-01-20"})
    assert response.status_code == 302
    visit = Interaction.objects.get(customer=wang)
    assert visit.channel == "visit" and visit.outcome == "reached" and visit.next_contact_on == dt.date(2027, 1, 20)
    assert "到期转存方案" in visit.summary and "目标未达成" in visit.summary and "年终奖" in visit.summary
    wang.refresh_from_db()
    assert wang.last_contact_at is not None


def test_a_goal_not_reached_needs_its_reason_and_nothing_is_recorded_without(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    response = login(bank.rm_a).post(f"/customers/{wang.pk}/visit/", {"goal": "到期转存方案", "reached": "no"})
    assert response.status_code == 400 and "请说明目标未达成的原因" in response.content.decode()
    assert not Interaction.objects.filter(customer=wang).exists()


def test_another_manager_and_the_auditor_get_404(bank, login, make_customer):
    wang = make_customer(bank.rm_a, name="王建国")
    for who in (bank.rm_b, bank.auditor):
        client = login(who)
        assert client.get(f"/customers/{wang.pk}/visit/").status_code == 404
        assert client.post(f"/customers/{wang.pk}/visit/", {"goal": "x", "reached": "yes"}).status_code == 404
    assert not Interaction.objects.exists()
