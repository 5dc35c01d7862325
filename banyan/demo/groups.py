"""The demo bank's customer groups (客户群, SVC-3; seed 001): 张敏 runs a WeChat group of her
customers and the branch head of 城东 a salon club of the branch's priority customers. Members
joined with consents given on every channel (in person, by phone, on WeChat, on a paper form), one
of them has withdrawn, and the groups' share logs hold what was shared — so that `make run` shows
the pages, the card on the customer file and a withdrawal kept in the history.

Deterministic: its own `random.Random` seeded from the demo's seed; written through the services
(a few dozen rows), so every consent is audited as a real one would be."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from banyan.customers.models import Customer
from banyan.org.models import Role, Staff
from banyan.service.group_services import group_create, group_member_add, group_member_withdraw, group_share_record

CHANNELS = ("in_person", "phone", "wechat", "paper")

WECHAT_SHARES = (
    (40, "【金融知识】银行工作人员不会要求您把钱转到所谓“安全账户”，接到此类电话请直接挂断并致电网点核实。"),
    (26, "本月理财市场回顾：债券类产品净值小幅波动属正常现象。理财非存款，产品有风险，投资须谨慎。"),
    (12, "本周六上午十点网点有“家庭资产配置”小讲堂，名额有限，感兴趣的客户可以私信我报名。"),
    (3, "天气转凉，提醒各位注意添衣保暖。年底网点营业时间不变，有需要随时联系我。"),
)
SALON_SHARES = (
    (30, "11月沙龙《养老规划从现在开始》已结束，讲义已整理好，需要的客户可到网点领取。"),
    (8, "12月沙龙预告：《子女教育金怎么准备》，时间地点确定后在群里通知。"),
)


def _at(today: dt.date, days_ago: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour, 0)))


def make_groups(seed: int, today: dt.date) -> str:
    """Create the demo groups; return the line the builder logs."""
    rng = random.Random(seed + 12)
    manager = Staff.objects.filter(username="zhangmin").first()
    if manager is None:
        return "customer groups: none (no 张敏 in this bank)"
    head = Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=manager.branch_id).order_by("pk").first()

    wechat = group_create(actor=manager, name="张敏的理财交流群", kind="wechat",
                          purpose="金融知识、反诈提醒与网点活动通知，不推荐具体产品")
    book = list(Customer.objects.filter(rm=manager, do_not_disturb=False).order_by("-aum", "pk")[:40])
    chosen = rng.sample(book, min(12, len(book)))
    added = 0
    for i, c in enumerate(chosen):
        group_member_add(actor=manager, group=wechat, customer=c, consent_channel=CHANNELS[i % len(CHANNELS)],
                         consent_on=today - dt.timedelta(days=rng.randint(45, 90)))
        added += 1
    withdrawn = 0
    if chosen:  # one member left by phone; kept in the history, reached by no later share
        group_member_withdraw(actor=manager, group=wechat, customer_id=chosen[-1].pk, channel="phone",
                              on=today - dt.timedelta(days=20), note="客户来电表示微信消息太多，退出客户群")
        withdrawn += 1
    shares = 0
    for days_ago, text in WECHAT_SHARES:
        group_share_record(actor=manager, group=wechat, text=text, shared_at=_at(today, days_ago, 10))
        shares += 1

    if head is not None:
        salon = group_create(actor=head, name="城东支行财富沙龙俱乐部", kind="salon",
                             purpose="每月一期的财富沙龙，面向支行的贵宾客户")
        branch_top = list(Customer.objects.filter(branch_id=head.branch_id, do_not_disturb=False)
                          .order_by("-aum", "pk")[:30])
        for i, c in enumerate(rng.sample(branch_top, min(8, len(branch_top)))):
            group_member_add(actor=head, group=salon, customer=c, consent_channel=("paper", "in_person")[i % 2],
                             consent_on=today - dt.timedelta(days=rng.randint(35, 60)))
            added += 1
        for days_ago, text in SALON_SHARES:
            group_share_record(actor=head, group=salon, text=text, shared_at=_at(today, days_ago, 15))
            shares += 1
    return f"customer groups: {2 if head else 1}, {added} consents recorded ({withdrawn} withdrawn), {shares} shares"
