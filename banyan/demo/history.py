"""What a relationship manager writes after a contact, a refusal's reason, what was learned, and
the service memos that come back later — in the words a manager would use."""

from __future__ import annotations

from typing import NamedTuple


class Note(NamedTuple):
    purpose: str
    channels: tuple[str, ...]
    outcome: str
    summary: str
    rejection_reason: str = ""
    # What the customer must have: "td", "wm", "fund", "bond", "card", "loan" (a holding of that
    # type, named in the summary), "kids", "elder" (60 or older), "cautious" (C1, C2 or not assessed).
    needs: str = ""
    # A date the note belongs to: "birthday", or a festival ("spring", "dragon_boat",
    # "mid_autumn", "double_ninth"). Notes about a purchase ("sold") are dated on the purchase,
    # maturity notes just before the deposit that followed.
    when: str = ""
    weight: float = 1.0


PHONE = ("phone",)
TALK = ("phone", "wechat")
MEET = ("branch", "visit")

NOTES: list[Note] = [
    # Emotional care (情感关怀)
    Note("care", PHONE, "reached", "生日电话问候，客户很开心，聊了聊最近{interest}的事", when="birthday", weight=3),
    Note("care", ("wechat", "sms"), "reached", "发送生日祝福，客户回复感谢", when="birthday", weight=2),
    Note("care", PHONE, "not_reached", "生日电话未接通，已发短信祝福", when="birthday"),
    Note("care", PHONE, "reached", "中秋节前致电问候，告知网点可领月饼，客户说周末过来", when="mid_autumn", weight=2),
    Note("care", PHONE, "reached", "春节前问候，客户回老家过年，节后回杭再联系", when="spring", weight=2),
    Note("care", PHONE, "reached", "重阳节问候，提醒天气转凉注意身体，客户很感动", needs="elder", when="double_ninth"),
    Note("care", ("wechat",), "reached", "端午节微信问候，客户发来全家出游照片", when="dragon_boat"),
    Note("care", ("visit",), "reached", "上门看望，带了节日礼品，客户聊到{child}", needs="kids", when="spring"),
    Note("care", PHONE, "reached", "客户刚做完手术出院，电话慰问，嘱咐好好休养", weight=0.15),
    Note("care", ("wechat",), "reached", "天气预报有台风，微信提醒客户注意出行安全", weight=0.5),
    # Maturity reminders (到期提醒): dated just before a deposit the customer now holds was
    # placed — the previous one matured on {due} and the money stayed (or partly left).
    Note("maturity", PHONE, "reached", "定期{due}到期，提醒到期安排，客户打算续存{td}", needs="td", weight=2),
    Note("maturity", TALK, "appointment", "客户关心{due}到期的定期怎么安排，想了解大额存单，约下周来网点", needs="td"),
    Note("maturity", PHONE, "interested", "{due}有一笔定期到期，客户对稳享理财180天感兴趣，要求发产品说明书",
         needs="td"),
    Note("maturity", PHONE, "refused", "{due}定期到期，客户说部分资金要转去他行", "他行定期利率更高", needs="td"),
    Note("maturity", PHONE, "not_reached", "到期提醒电话无人接听，已发短信提醒定期{due}到期", needs="td"),
    Note("maturity", MEET, "sold", "原定期{due}到期，客户续存{td}{amt}", needs="td", weight=2),
    Note("maturity", MEET, "sold", "上一期理财{due}到期回款，客户续买{wm}{amt}", needs="wm"),
    # After-sales (产品售后跟踪)
    Note("after_sales", TALK, "reached", "回访{fund}持仓，近期净值回撤，解释市场波动原因，客户同意继续持有",
         needs="fund"),
    Note("after_sales", PHONE, "reached", "告知{fund}本月分红到账，客户选择红利再投资", needs="fund"),
    Note("after_sales", PHONE, "refused", "建议{fund}分批补仓，客户不愿再投入", "对基金亏损有顾虑，不想再买",
         needs="fund"),
    Note("after_sales", PHONE, "interested", "{fund}收益接近客户设定的止盈线，建议部分止盈，客户说考虑两天",
         needs="fund"),
    Note("after_sales", PHONE, "not_reached", "回访{fund}持仓，电话未接通，已发微信留言", needs="fund"),
    Note("after_sales", PHONE, "reached", "{wm}净值稳定，向客户说明收益情况，客户表示满意", needs="wm"),
    Note("after_sales", PHONE, "reached", "提醒信用卡本期账单还款日，客户已设置自动还款", needs="card"),
    Note("after_sales", PHONE, "reached", "贷款还款提醒，客户说本周内存入还款资金", needs="loan"),
    # Product recommendation (产品推荐)
    Note("product", PHONE, "interested", "推荐积存金定投，客户有兴趣，想先了解手续费"),
    Note("product", PHONE, "refused", "推荐增额终身寿，客户觉得锁定期太长", "资金流动性要求高"),
    Note("product", PHONE, "refused", "推荐稳健成长混合基金，客户表示不碰股票类产品", "风险承受能力低，不接受净值波动",
         needs="cautious"),
    Note("product", PHONE, "refused", "推荐新发理财产品，客户说最近没有闲钱", "暂时没有闲置资金"),
    Note("product", PHONE, "refused", "介绍我行年金保险，客户说已经在他行买过类似的", "已在他行购买类似产品"),
    Note("product", PHONE, "refused", "电话介绍理财产品，客户说正在开会，不想谈理财", "不方便接听，对电话推销反感",
         weight=0.5),
    Note("product", PHONE, "not_reached", "电话推荐新发理财产品，未接通", weight=3),
    Note("product", MEET, "sold", "客户认购{wm}{amt}，已做风险揭示并完成双录", needs="wm", weight=2),
    Note("product", MEET, "sold", "客户申购{fund}{amt}，已完成风险测评和双录", needs="fund", weight=2),
    Note("product", ("visit", "branch"), "sold", "做资产配置建议后，客户认购{bond}{amt}", needs="bond", weight=2),
    Note("product", PHONE, "appointment", "介绍大额存单新额度，客户约周五上午来网点办理"),
    Note("product", TALK, "interested", "客户想给孩子准备教育金，介绍年金保险，约下次详谈", needs="kids"),
    # Invitation (邀约)
    Note("invitation", PHONE, "appointment", "邀请参加周六下午的资产配置沙龙，客户答应带爱人一起来"),
    Note("invitation", PHONE, "refused", "邀请参加养老规划讲座，客户周末要带孙子", "时间不方便", needs="elder"),
    Note("invitation", ("event",), "interested", "参加网点理财沙龙，对黄金走势很关注，会后留下咨询"),
    Note("invitation", TALK, "interested", "邀请参加亲子财商课，客户说问问孩子时间", needs="kids"),
    Note("invitation", ("event",), "reached", "参加中秋客户答谢会，和客户聊了聊家里近况", when="mid_autumn"),
    Note("invitation", PHONE, "not_reached", "邀请参加理财沙龙，电话未接通", weight=1.5),
    # Service (服务)
    Note("service", ("branch",), "reached", "客户来网点办理挂失补卡，顺便更新了联系地址"),
    Note("service", ("branch",), "reached", "协助客户开通手机银行，教会转账和购买理财"),
    Note("service", PHONE, "reached", "客户咨询房贷提前还款流程，已说明所需材料", needs="loan"),
    Note("service", PHONE, "reached", "客户询问换汇，下月出国旅游，已预约外币现钞"),
    Note("service", ("branch",), "reached", "客户来网点大额取现，提醒注意防范电信诈骗"),
    Note("service", ("wechat",), "reached", "客户微信咨询社保卡激活，已告知带身份证来网点"),
    Note("complaint", PHONE, "reached", "客户反映ATM吞卡处理太慢，已致歉并协调当天取回"),
    Note("complaint", ("branch",), "reached", "客户对排队时间长有意见，已记录并引导使用预约取号"),
    # Updating the file (完善档案)
    Note("info", PHONE, "reached", "电话核实资料，客户已换工作，更新了工作单位"),
    Note("info", PHONE, "reached", "更新客户资料，了解到{child}", needs="kids"),
    Note("info", ("email",), "reached", "邮件发送月度资产对账单，客户回复已收到"),
    Note("info", ("sms",), "reached", "短信告知本月理财讲座安排"),
    Note("info", PHONE, "not_reached", "电话核实联系方式，无人接听"),
]

NEW_INFO = [
    "客户准备明年换房，可能需要房贷", "孩子明年高考，关注教育金", "客户刚退休，每月养老金约六千元",
    "客户儿子今年结婚，近期用钱较多", "在他行有约{other}万理财，明年到期", "客户打算明年开一家分店",
    "客户爱人在{employer}工作", "客户喜欢{interest}，可以邀请参加相关活动", "客户父母身体不好，关注医疗保障",
    "客户最近在看学区房", "客户公司年底有一笔分红", "客户有出国留学计划，需要换汇",
]

NEXT_STEPS = ["下周再电话跟进", "到期前一周再次提醒", "发送产品说明书", "约客户来网点面谈", "活动前一天再确认",
              "下月初回访", "等新额度发行后通知客户"]

WISHES = ["贵金属", "大额存单", "稳健型理财", "增额寿险", "储蓄国债", "养老理财"]

MEMOS_MATURITY = "{td}{due}到期，客户想了解{wish}"
MEMOS_GENERAL = [
    "客户想给孩子买教育金保险，新产品上线后通知",
    "客户希望办理大额存单，额度不足，下期额度释放后联系",
    "客户想了解养老理财产品，约下月面谈",
    "客户咨询房贷利率调整，LPR公布后告知",
    "客户女儿出国留学需要换汇，下月初联系",
    "客户想把他行到期的定期转过来，到期前一周联系",
    "客户对积存金感兴趣，金价回调时告知",
    "客户信用卡想提额，资料齐了再提交",
    "客户想参加下次资产配置沙龙，活动定了通知",
    "帮客户打印近一年流水用于签证，下周来取",
]

FRIEND_NOTES = ["大学同学", "老同事", "邻居", "球友", "朋友", "战友", "老乡"]
PARTNER_NOTES = ["生意伙伴", "合伙人", "上游供应商", "下游客户"]
