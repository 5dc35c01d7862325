"""The demo bank's referrals and hand-offs (转介绍 / 内部转介, SVC-2; seeds 001 and 002). At 城东
one of 张敏's richest customers is the top referrer: a friend who opened an account (thanked on
张敏's list), a friend 李华 won, a friend still waiting for 李华's answer; a customer of 李华 refers
a relative she has not called yet (a first contact on her list). Inside the team: a need 张敏
handed to the planner was declined with a reason, one 李华 handed him was never answered (timed
out, back to her), and 刘洋 handed a need to 张敏, the branch's senior manager, who accepted it.

Deterministic (its own `random.Random` from the demo's seed); written through the services, so
every step is audited as a real one would be, then dated into the past."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from banyan.customers.models import Customer
from banyan.org.models import Role, Staff
from banyan.service.models import Referral
from banyan.service.referral_services import (
    referral_accept,
    referral_account_opened,
    referral_create,
    referral_decline,
    referral_outcome,
    referrals_time_out,
)

FRIENDS = (("刘芳", "想给父母配置一笔稳健的存款"), ("陈立新", "公司代发工资想转到我行"), ("周晓雯", "想了解定投基金"),
           ("吴海燕", "孩子明年出国留学，想了解换汇和留学贷款"))


def _at(today: dt.date, days_ago: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, 0)))


def _free_mobile(rng: random.Random) -> str:
    for _i in range(100):
        mobile = f"199{rng.randrange(10**8):08d}"
        if not Customer.objects.filter(mobile=mobile).exists():
            return mobile
    raise RuntimeError("no free demo mobile")  # pragma: no cover


def _dated(referral: Referral, today: dt.date, days_ago: int, **moments: int | None) -> None:
    """Move a referral into the past: sent `days_ago`, its other moments that many days ago."""
    changes = {"created_at": _at(today, days_ago, 9),
               "answer_by": _at(today, days_ago - 2, 23) if days_ago >= 2 else referral.answer_by}
    for name, ago in moments.items():
        if ago is not None:
            changes[name] = _at(today, ago, 15)
    Referral.objects.filter(pk=referral.pk).update(**changes)


def make_referrals(seed: int, today: dt.date) -> str:
    """Create the demo referrals; return the line the builder logs."""
    rng = random.Random(seed + 13)
    staff = {s.username: s for s in Staff.objects.filter(username__in=["zhangmin", "lihua", "liuyang", "chensiyuan"])}
    if len(staff) < 4:
        return "referrals: none (not the demo's 城东 team)"
    zhang, li, liu, planner = staff["zhangmin"], staff["lihua"], staff["liuyang"], staff["chensiyuan"]
    if planner.role != Role.PLANNER:
        return "referrals: none (no planner at 城东)"

    top = Customer.objects.filter(rm=zhang, do_not_disturb=False).order_by("-aum", "pk").first()
    li_customer = Customer.objects.filter(rm=li, do_not_disturb=False).order_by("-aum", "pk")[3:4].first()
    if top is None or li_customer is None:
        return "referrals: none (empty books)"

    def prospect(i: int) -> dict:
        return {"name": FRIENDS[i][0], "mobile": _free_mobile(rng), "consent_phone": True,
                "consent_channel": "phone" if i % 2 else "branch"}

    # the top referrer: a friend who opened an account with 张敏 (converted three days ago: thanks due)
    opened = referral_create(actor=zhang, to=zhang, need=FRIENDS[0][1], referrer_customer=top, prospect=prospect(0),
                             product_type="time_deposit")
    referral_account_opened(actor=zhang, referral=opened, opened_on=today - dt.timedelta(days=3))
    _dated(opened, today, 12, answered_at=12, converted_at=3)
    # … a friend 李华 won (payroll moved)
    won = referral_create(actor=zhang, to=li, need=FRIENDS[1][1], referrer_customer=top, prospect=prospect(1))
    referral_accept(actor=li, referral=won)
    referral_outcome(actor=li, referral=won, outcome="won", note="代发工资已签约，42 名员工开户")
    _dated(won, today, 9, answered_at=8, closed_at=2, converted_at=2)
    # … a friend still waiting for 李华's answer (sent this morning)
    waiting = referral_create(actor=zhang, to=li, need=FRIENDS[2][1], referrer_customer=top, prospect=prospect(2),
                              product_type="fund")
    # 李华's customer refers a relative to her; not called yet: a first contact on her list
    relative = referral_create(actor=li, to=li, need=FRIENDS[3][1], referrer_customer=li_customer,
                               prospect=prospect(3))
    _dated(relative, today, 1, answered_at=1)

    # hand-offs inside the team (of the managers' customers, not the prospects just written; a
    # small demo bank's books are short: the nearest customer there is)
    def book(rm: Staff):
        return Customer.objects.filter(rm=rm).exclude(referrals__prospect=True).order_by("pk")

    zhangs = list(book(zhang)[20:60]) or list(book(zhang)[:20])
    declined = referral_create(actor=zhang, to=planner, need="客户想做子女教育金规划", customer=rng.choice(zhangs),
                               product_type="insurance")
    referral_decline(actor=planner, referral=declined, reason="客户已在他行购买教育年金，本月暂不需要，建议明年再联系")
    _dated(declined, today, 6, answered_at=5, closed_at=5)
    unanswered = referral_create(actor=li, to=planner, need="客户想了解养老规划",
                                 customer=book(li)[10:11].first() or book(li).last())
    _dated(unanswered, today, 6)
    referrals_time_out()  # past its two working days: back to 李华
    liu_top = book(liu).order_by("-aum", "pk").first()
    if liu_top is not None:
        senior = referral_create(actor=liu, to=zhang, need="客户继承了一笔资产，想了解家族信托和私人银行服务",
                                 customer=liu_top)
        referral_accept(actor=zhang, referral=senior)
        _dated(senior, today, 2, answered_at=1)
    walk_ins = _walk_ins(today)
    return (f"referrals: {Referral.objects.count()} — 2 converted ({top.name} the top referrer), "
            f"{Referral.objects.filter(pk=waiting.pk).count()} waiting, a hand-off declined, one timed out, "
            f"{walk_ins} walk-ins from the lobby")


def _walk_ins(today: dt.date) -> int:
    """朱琳 at 003's lobby (seed 003's 大堂经理) passed two walk-ins' needs on through her desk
    (banyan.service.lobby): this morning a customer of 徐静's asking about his maturing deposit — a
    first contact on 徐静's list today —, and four days ago one of 曾帆's, who accepted it."""
    from banyan.service.lobby import walk_in_log

    lobby = Staff.objects.filter(username="zhulin", role=Role.LOBBY).first()
    managers = {s.username: s for s in Staff.objects.filter(username__in=["xujing", "zengfan"])}
    if lobby is None or len(managers) < 2:
        return 0

    def walk_in(rm: Staff) -> Customer | None:
        return (Customer.objects.filter(rm=rm, branch_id=lobby.branch_id, do_not_disturb=False)
                .exclude(referrals__isnull=False).order_by("-aum", "pk")[2:3].first())

    done = 0
    older = walk_in(managers["zengfan"])
    if older is not None:
        r = walk_in_log(actor=lobby, customer=older, need="来网点办挂失，顺便问孩子的教育金怎么存",
                        product_type="insurance")
        referral_accept(actor=managers["zengfan"], referral=r)
        _dated(r, today, 4, answered_at=4)
        done += 1
    fresh = walk_in(managers["xujing"])
    if fresh is not None:
        walk_in_log(actor=lobby, customer=fresh, need="定期下周到期，想了解续存和大额存单", product_type="time_deposit")
        done += 1
    return done
