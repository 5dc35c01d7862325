"""The demo bank's client events (客户活动, EVT): a salon held a month ago with its review filled in
(guests who came and did not, a walk-in, what was learned, opportunities, a follow-up call, a sale
after it, the cost), a banquet two months ago (held, its cost not recorded yet: the review counts
the budget), an investment lecture next week with invitations in every state (not answered,
coming, waiting list, maybe, not coming; by phone, SMS with the link in the outbox, hand delivery),
and a manager's draft waiting for the branch head's approval.

Written through the services, as the managers would, at the dates they would (clock.frozen), so
that the contacts, the audit and the review are what the pages show a real branch."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from banyan import clock
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.demo.sales import demo_sale, may_buy
from banyan.events import services
from banyan.events.models import Answer, Invitation
from banyan.holdings.models import Product
from banyan.org.models import Staff

LEARNED = ("女儿明年出国读研，关注换汇与留学资金", "刚卖掉一套房，有一笔资金待安排", "对养老规划很感兴趣，想了解年金险",
           "公司准备上市，关注股权激励后的资金管理", "孙子刚出生，想存一笔教育金")
NEEDS = (("教育金规划", "300000"), ("大额资金稳健配置", "1000000"))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _guests(rm: Staff, n: int, skip: set[int]) -> list[Customer]:
    """The manager's customers an event would invite: the larger books first, none twice."""
    qs = Customer.objects.filter(rm=rm, do_not_disturb=False).exclude(pk__in=skip).order_by("-aum", "pk")
    return list(qs[:n])


def make_events(seed: int, today: dt.date) -> str:
    rng = random.Random(seed * 13 + 3)
    head = Staff.objects.get(username="zhoujianguo")
    rm = Staff.objects.get(username="zhangmin")
    lihua = Staff.objects.filter(username="lihua").first()
    lobby = Staff.objects.filter(username="zhaoqian").first()

    # ---- a salon held a month ago, reviewed ---------------------------------------------------
    held_day = today - dt.timedelta(days=30)
    planned = held_day - dt.timedelta(days=14)
    with clock.frozen(planned):
        past = services.event_create(
            actor=rm, name="四季度市场展望理财沙龙", type="salon", theme="四季度市场展望与资产配置",
            starts_at=_at(held_day, 14, 30), ends_at=_at(held_day, 16, 30), place="城东支行三楼贵宾厅",
            capacity=30, budget="6000", method="讲座+问答，茶歇交流",
            budget_per_group={"私行客户": "500", "财富客户": "200"},
            follow_up_days=3, review_days=30)
        services.event_approve(actor=head, event=past)
        if lobby is not None:
            services.event_staff_add(actor=rm, event=past, staff=lobby, role="checkin")
        for i in range(len(past.checklist)):
            services.event_checklist_tick(actor=rm, event=past, index=i, done=True)
        invited, _excluded = services.invitations_send(actor=rm, event=past, channel="phone",
                                                       customer_ids=[c.pk for c in _guests(rm, 16, set())])
    inv = list(Invitation.objects.filter(event=past).select_related("customer").order_by("pk"))
    with clock.frozen(planned + dt.timedelta(days=3)):
        for i, row in enumerate(inv):
            answer = "no" if i % 7 == 6 else "maybe" if i % 7 == 5 else "yes"
            services.invitation_call_record(actor=rm, invitation=row, reached=True, answer=answer,
                                            guests=1 if i % 4 == 0 and answer == "yes" else 0, minutes=3)
    with clock.frozen(held_day):
        past.refresh_from_db()
        came = []
        # in a fixed order: each guest draws from the seeded random in turn (PostgreSQL returns
        # rows updated by the calls above in no set order, and the same seed must build the same bank)
        for row in (Invitation.objects.filter(event=past, answer=Answer.ACCEPTED)
                    .select_related("customer", "manager").order_by("pk")):
            if rng.random() < 0.75:
                services.checkin(actor=lobby or rm, event=past, invitation=row)
                came.append(row.customer_id)
        walk = _guests(rm, 1, {i.customer_id for i in inv})
        if walk:
            services.walk_in(actor=lobby or rm, event=past, customer=walk[0])
        Invitation.objects.filter(event=past, checked_in_at__isnull=False).update(
            checked_in_at=_at(held_day, 14, 20))
    with clock.frozen(held_day + dt.timedelta(days=1)):  # closed the next morning, what was learned noted
        services.event_close(actor=rm, event=past)
        attendees = list(Invitation.objects.filter(event=past, checked_in_at__isnull=False)
                         .select_related("customer", "interaction", "event").order_by("pk"))
        for row, text in zip(attendees, LEARNED, strict=False):
            services.learned_record(actor=rm, invitation=row, new_info=text)
        for row, (need, amount) in zip(attendees[1:], NEEDS, strict=False):
            services.learned_record(actor=rm, invitation=row, need=need, expected_amount=amount)
    for k, row in enumerate(attendees[: max(1, len(attendees) * 2 // 3)]):
        with clock.frozen(held_day + dt.timedelta(days=1 + k % 3)):
            interaction_log(actor=rm, customer=row.customer, channel="phone", outcome="reached", purpose="care",
                            summary="沙龙后回访：感谢参加，聊了聊四季度的配置想法", minutes=6)
    # a sale after it, to a guest suitability lets buy (as the builder's holdings: NAV, units, history)
    sold_on = held_day + dt.timedelta(days=6)
    product = Product.objects.filter(type="wealth", is_active=True, is_private=False).order_by("code").first()
    buyer = next((row.customer for row in [*attendees[1:], *attendees[:1]]
                  if product is not None and may_buy(row.customer, product, sold_on)), None)
    if buyer is not None:
        demo_sale(rng=rng, actor=rm, customer=buyer, product=product, amount="500000", day=sold_on)
    with clock.frozen(held_day + dt.timedelta(days=7)):
        services.event_review_complete(actor=rm, event=past, actual_cost="5280",
                                       note="到场率不错；茶歇准备偏多。下次提前一周电话确认，伴手礼按到场人数准备。")

    # ---- a banquet two months ago: held, its cost not recorded yet (the review counts the budget) --
    banquet_day = today - dt.timedelta(days=60)
    with clock.frozen(banquet_day - dt.timedelta(days=10)):
        banquet = services.event_create(
            actor=head, name="中秋答谢宴", type="banquet", theme="感谢老客户的一路相伴",
            starts_at=_at(banquet_day, 18, 0), ends_at=_at(banquet_day, 20, 30), place="江南春酒楼",
            capacity=20, budget="12000", method="晚宴，行长致辞")
        host = lihua or rm  # 李华's customers: 张敏's book has the salon's and the lecture's guests
        services.event_staff_add(actor=head, event=banquet, staff=host, role="inviter")
        guests = _guests(host, 10, set(Invitation.objects.values_list("customer_id", flat=True)))
        if guests:
            services.invitations_send(actor=host, event=banquet, channel="hand", customer_ids=[c.pk for c in guests])
        for i, row in enumerate(Invitation.objects.filter(event=banquet).order_by("pk")):
            services.rsvp_record(invitation=row, answer="yes" if i < 8 else "no", guests=1 if i % 3 == 0 else 0,
                                 actor=host, via="staff")
    with clock.frozen(banquet_day):
        for i, row in enumerate(Invitation.objects.filter(event=banquet, answer=Answer.ACCEPTED).order_by("pk")):
            if i < 7:
                services.checkin(actor=host, event=banquet, invitation=row)
    with clock.frozen(banquet_day + dt.timedelta(days=1)):
        services.event_close(actor=head, event=banquet)

    # ---- an investment lecture next week, invitations in every state ----------------------------
    # planned and its phone list called on the last working day (the demo bank opens on a morning:
    # no contact is dated today); the SMS invitations go out this morning
    called_on = today - dt.timedelta(days=1)
    while called_on.weekday() >= 5:
        called_on -= dt.timedelta(days=1)
    with clock.frozen(called_on):
        lecture = services.event_create(
            actor=rm, name="2027年投资策略讲座", type="lecture", theme="明年的利率与资产配置",
            starts_at=_at(today + dt.timedelta(days=7), 14, 30), ends_at=_at(today + dt.timedelta(days=7), 16, 0),
            place="城东支行三楼多功能厅", capacity=7, budget="4000", method="讲座+现场问答", follow_up_days=3)
        services.event_approve(actor=head, event=lecture)
        if lobby is not None:
            services.event_staff_add(actor=rm, event=lecture, staff=lobby, role="checkin")
        services.event_checklist_tick(actor=rm, event=lecture, index=0, done=True)
        taken = set(Invitation.objects.filter(event__in=(past, banquet)).values_list("customer_id", flat=True))
        phone = _guests(rm, 8, taken)
        if phone:  # a tiny demo bank (the feed samples' 30 customers) may have nobody left to invite
            services.invitations_send(actor=rm, event=lecture, channel="phone", customer_ids=[c.pk for c in phone])
        rows = list(Invitation.objects.filter(event=lecture, channel="phone").select_related("customer")
                    .order_by("pk"))
        plan = ["yes", "yes", "yes", "yes", "maybe", "no"]  # 3 × (1 + 1 guest) = 6 of 7 seats: the 4th waits
        for row, answer in zip(rows, plan, strict=False):
            services.invitation_call_record(actor=rm, invitation=row, reached=True, answer=answer,
                                            guests=1 if answer == "yes" else 0, minutes=2)
        for row in rows[len(plan):len(plan) + 1]:
            services.invitation_call_record(actor=rm, invitation=row, reached=False)  # not reached: still to answer
    sms = list(Customer.objects.filter(rm=rm, consent_sms=True, do_not_disturb=False).exclude(
        pk__in=taken | {c.pk for c in phone}).order_by("-aum")[:3])
    if sms:
        services.invitations_send(actor=rm, event=lecture, channel="sms", customer_ids=[c.pk for c in sms],
                                  base_url="http://127.0.0.1:8000/")

    # ---- a manager's draft, waiting for the branch head ------------------------------------------
    if lihua is not None:
        services.event_create(actor=lihua, name="春节答谢宴", type="banquet", theme="感谢一年来的信任",
                              starts_at=_at(today + dt.timedelta(days=40), 18, 0), place="江南春酒楼",
                              capacity=40, budget="20000")
    return (f"client events: a salon held and reviewed ({len(invited)} invited), a banquet held, a lecture next week "
            f"({Invitation.objects.filter(event=lecture).count()} invited), a draft")
