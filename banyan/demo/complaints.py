"""The demo bank's complaints (SVC-1, seed 002): one in every state at each branch with a branch
head — received this week, overdue, extended with a reason, waiting on an outside appraisal, and
resolved with the root cause and the customer's satisfaction, decided three days ago so that its
care call is on the manager's 今日工作 on the first morning. Written through the services (a
handful of rows), so that actions, audit and the regulator's clock are as in real use."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from banyan.customers.models import Customer
from banyan.org.models import Role, Staff
from banyan.service.complaints import (
    complaint_act,
    complaint_extend,
    complaint_pause,
    complaint_receive,
    complaint_resolve,
)
from banyan.service.models import Complaint, ComplaintCategory

STORIES = (  # (category, channel, days ago received, what the customer said)
    ("service", "branch", 2, "柜台办理业务排队一个多小时，柜员态度冷淡，询问时不耐烦。"),
    ("fees", "hotline", 20, "信用卡年费未经告知即扣收，客户拨打12378投诉。"),
    ("wealth", "letter", 18, "购买的理财产品到期收益低于宣传材料中的业绩比较基准，要求解释并赔偿。"),
    ("ebanking", "online", 9, "手机银行转账显示成功但对方未到账，资金在途五天。"),
    ("sales", "phone", 12, "客户认为购买基金时未被充分提示风险，风险测评由员工代填。"),
)


def _at(today: dt.date, days_ago: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour)))


def make_complaints(seed: int, today: dt.date) -> str:
    rng = random.Random(f"{seed}-complaints")
    cats = {c.code: c for c in ComplaintCategory.objects.all()}
    made = 0
    for head in Staff.objects.filter(role=Role.BRANCH_HEAD, is_active=True, branch__isnull=False).order_by("pk"):
        customers = list(Customer.objects.filter(branch_id=head.branch_id, rm__isnull=False).order_by("pk")[:400])
        if len(customers) < len(STORIES):
            continue
        picked = rng.sample(customers, len(STORIES))
        done = []
        for (code, channel, ago, text), customer in zip(STORIES, picked, strict=True):
            concerned = [customer.rm] if code in ("service", "sales") else []
            c, _merged = complaint_receive(actor=customer.rm, customer=customer, channel=channel,
                                           category=cats[code], description=text, received_at=_at(today, ago),
                                           staff_concerned=concerned)
            done.append(c)
            made += 1
        received, overdue, extended, paused, resolved = done
        complaint_act(actor=overdue.owner, complaint=overdue, text="已调取扣费记录，待核实开卡时的告知书。")
        complaint_act(actor=extended.owner, complaint=extended, text="已联系产品管理部核对宣传材料版本。")
        complaint_extend(actor=head, complaint=extended, days=15,
                         reason="需产品管理部与托管行核对净值与宣传材料，情况复杂")
        complaint_pause(actor=head, complaint=paused, reason="已提交清算中心核查在途资金（外部鉴定）")
        Complaint.objects.filter(pk=paused.pk).update(paused_since=today - dt.timedelta(days=4))
        complaint_act(actor=resolved.owner, complaint=resolved, text="调取双录视频，约客户到网点面谈。")
        complaint_resolve(actor=head, complaint=resolved,
                          resolution="经核实风险测评确由员工代填，已向客户致歉，协助客户赎回并补偿手续费。",
                          cause="suitability", cause_change="风险测评必须由客户本人在系统中完成，网点每月抽查双录。",
                          cause_owner=head, satisfaction=4, informed_how="visit")
        decided = today - dt.timedelta(days=3)
        Complaint.objects.filter(pk=resolved.pk).update(decided_on=decided, informed_at=_at(today, 3, 16))
    return f"complaints: {made} (received, overdue, extended, waiting on an appraisal, resolved) (SVC-1)"
