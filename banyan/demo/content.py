"""The demo bank's cultivation content (培育维护, seed 000; OUT-7): a dozen approved pieces at 城东
— market notes, financial knowledge, real cases, none promising a return — one draft waiting for
the branch head, one expired market note, and 张敏's plan "every two weeks, to value-oriented
customers with an interest in funds", which ran two weeks ago (its messages in the outbox's
history) and is due again today.

Written through the services, so every step is audited as a real one would be; then the run is
dated into the past."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from banyan import clock
from banyan.messaging.models import Message, MessageStatus
from banyan.org.models import Staff
from banyan.outreach.content import content_piece_approve, content_piece_create, content_plan_create, content_plan_run
from banyan.outreach.content_models import ContentDelivery, ContentPiece, ContentPlan, ContentPlanRun

#: (kind, title, text, SMS text or "", interest tags, orientations)
PIECES = [
    ("market_note", "本周市场观点：债市震荡中的配置思路",
     "近期债券市场收益率上下波动，短期内纯债基金净值可能出现小幅回撤。回看历史，利率波动是常态，"
     "配置时更重要的是期限与流动性的匹配：近期要用的钱放在活期和短期理财，一到三年不用的钱再考虑中长期产品。"
     "市场有风险，投资需谨慎，具体配置欢迎到网点和您的客户经理聊一聊。",
     "债市近期震荡，纯债基金净值可能小幅回撤。配置看期限与流动性匹配：近期要用的钱放短期，1-3年不用的钱再考虑中长期。投资有风险。",
     "基金、债券", ["value"]),
    ("market_note", "四季度股市观察：波动中更要看清自己的风险承受能力",
     "四季度以来权益市场波动加大，板块轮动较快。对大多数家庭而言，与其追逐热点，不如先确认自己的风险承受能力"
     "与投资期限，再决定权益类资产的比例。过往业绩不代表未来表现，市场有风险。", "", "基金、股票", []),
    ("market_note", "存款利率调整后，闲钱怎么放", "近期多家银行调整了存款挂牌利率。对于闲置资金，可以按用途分成三份："
     "日常备用、稳健储蓄、长期增值，分别选择活期、定期或大额存单、以及与风险承受能力相符的理财产品。", "", "", []),
    ("knowledge", "基金定投的“微笑曲线”", "定投是在固定时间投入固定金额。市场下跌时，同样的金额买到更多份额；"
     "市场回升时，这些份额一同受益。定投分散了买入时点，但不能保证盈利，也需要较长的坚持。", "", "基金", ["value"]),
    ("knowledge", "什么是基金的“最大回撤”", "最大回撤是指一段时间内净值从最高点到最低点的最大跌幅，"
     "它告诉我们“最坏的时候会跌多少”。选择基金时，除了看收益，也要看回撤是否在自己能承受的范围内。", "", "基金", []),
    ("knowledge", "养老规划的三件事", "第一，估算退休后每月需要的生活费；第二，看清社保养老金能覆盖多少；"
     "第三，缺口部分尽早开始准备，可以考虑个人养老金账户、年金保险等长期工具。越早开始，每月压力越小。",
     "", "养老、保健养生", []),
    ("knowledge", "孩子教育金怎么准备", "教育金的特点是时间确定、金额刚性、不能延误。距离用钱还有十年以上，"
     "可以适当配置长期投资；三五年内就要用的钱，应以稳健、流动性好的产品为主。", "", "孩子教育", []),
    ("knowledge", "大额存单与定期存款有什么不同", "大额存单起存金额较高，利率通常高于同期限定期存款，"
     "部分可以转让，流动性更好；定期存款起存门槛低、手续简单。可以根据金额和用钱时间来选择。", "", "", ["service"]),
    ("knowledge", "识别非法集资的四个信号", "承诺高额回报、编造虚假项目、以发展下线拉人头、"
     "要求私下转账——遇到其中任何一条都要提高警惕，有疑问可随时到网点咨询。", "", "", []),
    ("case", "真实案例：王先生的家庭资产配置", "王先生经营一家鞋店，早年把闲钱都投在股票上，一度亏损不小，"
     "还影响了家庭和生意。客户经理了解他的资金流动性大、时间少的情况后，帮他把资金分成经营备用、稳健储蓄和长期投资三部分，"
     "并约定每季度一起回顾。半年后，王先生说心里踏实多了。（案例已征得客户同意，隐去个人信息；过往情况不代表未来表现。）",
     "王先生曾把闲钱都投在股票上，亏损影响了生意和家庭。客户经理帮他把资金分成经营备用、稳健储蓄、长期投资三份，每季度一起回顾。",
     "股票、基金", ["value"]),
    ("case", "真实案例：存款提前支取之后", "一位客户看错了到期日，提前两天支取了定期存款，利息损失让他很不开心。"
     "理财经理耐心安抚，并和他一起梳理了家里的存款到期日，设置了到期提醒。此后再没有出现类似情况。",
     "", "", ["service"]),
    ("case", "真实案例：退休教师李阿姨的养老安排", "李阿姨退休后有一笔积蓄，担心被推销不适合的产品。"
     "客户经理先做了风险评估，结果为稳健型，于是只推荐了与其等级相符的存款和低风险理财，并留出一年的生活备用金。",
     "", "养老", ["relationship"]),
]


def make_content(seed: int, today: dt.date) -> str:
    _ = seed  # deterministic: the library is the same for every seed
    head = Staff.objects.get(username="zhoujianguo")
    rm = Staff.objects.get(username="zhangmin")
    planner = Staff.objects.filter(username="chensiyuan").first() or rm
    pieces = []
    for i, (kind, title, body, short, tags, orientations) in enumerate(PIECES):
        author = planner if kind == "knowledge" else rm
        p = content_piece_create(actor=author, kind=kind, title=title, body=body, short=short, interests=tags,
                                 orientations=orientations, valid_until=today + dt.timedelta(days=90 + 10 * i))
        pieces.append(content_piece_approve(actor=head, piece=p))
    content_piece_create(actor=rm, kind="market_note", title="年末理财产品到期，资金如何衔接（草稿）",
                         body="年末不少理财产品集中到期，提前规划资金去向，可以避免资金闲置。",
                         interests="理财", valid_until=today + dt.timedelta(days=45))
    expired = content_piece_create(actor=rm, kind="market_note", title="三季度市场回顾",
                                   body="三季度市场整体震荡，债市先扬后抑，权益市场结构分化。", interests="基金",
                                   valid_until=today)
    content_piece_approve(actor=head, piece=expired)
    ContentPiece.objects.filter(pk=expired.pk).update(valid_until=today - dt.timedelta(days=20),
                                                      created_at=clock.now() - dt.timedelta(days=110))
    fund_pieces = [p for p in pieces if "基金" in p.interests]
    past = today - dt.timedelta(days=14)
    plan = content_plan_create(actor=rm, name="价值型 · 关注基金 · 每两周", filter={"orientation": "value"},
                               every_days=14, channels=["wechat", "sms"], pieces=fund_pieces, first_run_on=past)
    with clock.frozen(past):
        run = content_plan_run(plan=plan, day=past)
    at = timezone.make_aware(dt.datetime.combine(past, dt.time(9, 30)))
    ContentDelivery.objects.filter(run=run).update(at=at)
    sent = Message.objects.filter(pk__in=ContentDelivery.objects.filter(run=run).values("message_id"))
    sent.update(created_at=at, sent_at=at, status=MessageStatus.SENT, gateway_id="demo")
    ContentPlanRun.objects.filter(pk=run.pk).update(ran_at=at)
    ContentPlan.objects.filter(pk=plan.pk).update(next_run_on=today)
    return (f"content library: {len(pieces)} approved pieces, a draft, an expired note; a plan that queued "
            f"{run.queued} messages two weeks ago (left out: {run.excluded})")
