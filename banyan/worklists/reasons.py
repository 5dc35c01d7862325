"""What each reason means to the planner: how many days ahead it surfaces, how much it weighs,
whether it is pinned to its date, whether it is a service message (allowed without marketing
consent), and the default opening line a manager can say (editable as TalkingPoint rows)."""

from __future__ import annotations

from dataclasses import dataclass

from banyan.worklists.models import ReasonCode as C


@dataclass(frozen=True)
class ReasonDefaults:
    lead_days: int  # surfaces this many days before its date
    weight: int  # 0-100: how urgent / valuable
    grace_days: int = 3  # still comes up this many days after its date when it was missed
    service: bool = False  # a service notice, not marketing: allowed without marketing consent


DEFAULTS: dict[str, ReasonDefaults] = {
    C.APPOINTMENT: ReasonDefaults(1, 95, grace_days=0, service=True),  # a confirmation call the day before
    C.STOP_LOSS: ReasonDefaults(0, 90, service=True),
    C.LOAN_OVERDUE: ReasonDefaults(0, 85, service=True),
    C.DEPOSIT_MATURITY: ReasonDefaults(7, 80, grace_days=5, service=True),
    C.PRODUCT_MATURITY: ReasonDefaults(7, 75, grace_days=5, service=True),
    C.LARGE_OUTFLOW: ReasonDefaults(0, 75, service=True),
    C.TAKE_PROFIT: ReasonDefaults(0, 70, service=True),
    C.MEMO_DUE: ReasonDefaults(0, 65, grace_days=14, service=True),
    C.BIRTHDAY: ReasonDefaults(0, 60, grace_days=2),
    C.CARD_REPAYMENT: ReasonDefaults(3, 60, grace_days=0, service=True),
    C.FOLLOW_UP: ReasonDefaults(0, 60, grace_days=7, service=True),
    C.LOAN_MATURITY: ReasonDefaults(30, 55, service=True),
    C.NAV_MOVE: ReasonDefaults(0, 50, grace_days=2, service=True),
    C.LARGE_INFLOW: ReasonDefaults(0, 50),
    C.NEW_CUSTOMER: ReasonDefaults(7, 45, grace_days=7),
    C.ANNIVERSARY: ReasonDefaults(2, 40, grace_days=0),
    C.RISK_ASSESSMENT_EXPIRY: ReasonDefaults(30, 40, grace_days=30, service=True),
    C.DIVIDEND: ReasonDefaults(0, 35, grace_days=3, service=True),
    C.FESTIVAL: ReasonDefaults(3, 30, grace_days=0),
    C.CADENCE_DUE: ReasonDefaults(0, 20, grace_days=0),
}

#: Reasons that are not about one date: they come back after a cool-off unless the state ends.
#: A cadence contact planned but not done stays on the overdue list for this long instead of
#: coming back every day and crowding out the rest of the book.
COOL_OFF_DAYS: dict[str, int] = {C.STOP_LOSS: 30, C.TAKE_PROFIT: 30, C.LOAN_OVERDUE: 7, C.NAV_MOVE: 7,
                                 C.RISK_ASSESSMENT_EXPIRY: 30, C.CADENCE_DUE: 7}

#: The purpose a completed task records in the contact history (ARC-4).
PURPOSE: dict[str, str] = {
    C.BIRTHDAY: "care", C.FESTIVAL: "care", C.ANNIVERSARY: "care", C.DEPOSIT_MATURITY: "maturity",
    C.PRODUCT_MATURITY: "maturity", C.LOAN_MATURITY: "maturity", C.CARD_REPAYMENT: "service",
    C.LOAN_OVERDUE: "service", C.NAV_MOVE: "after_sales", C.DIVIDEND: "after_sales", C.TAKE_PROFIT: "after_sales",
    C.STOP_LOSS: "after_sales", C.LARGE_OUTFLOW: "after_sales", C.LARGE_INFLOW: "product",
    C.CADENCE_DUE: "care", C.MEMO_DUE: "service", C.FOLLOW_UP: "service", C.APPOINTMENT: "invitation",
    C.NEW_CUSTOMER: "invitation", C.RISK_ASSESSMENT_EXPIRY: "service",
}

#: Default opening lines, from the seeds' own cases. (code, orientation) → text; "" = any.
TALKING_POINTS: dict[tuple[str, str], str] = {
    (C.BIRTHDAY, ""): "{title}，今天是您的生日，{manager}代表银行祝您生日快乐、身体健康！{detail}。"
                      "最近有什么需要我帮您安排的吗？",
    (C.FESTIVAL, ""): "{title}，{detail}快到了，提前祝您和家人节日快乐！节日期间网点营业安排有变化，需要的话我帮您提前办理。",
    (C.ANNIVERSARY, ""): "{title}，{detail}，祝贺您！感谢您一直以来对我们的信任。",
    (C.DEPOSIT_MATURITY, ""): "{title}，提醒您：{detail}。到期后是继续转存，还是了解一下其他稳健的安排？我可以帮您先做个对比。",
    (C.PRODUCT_MATURITY, ""): "{title}，{detail}。到期资金怎么安排，我给您准备了几个方案，您看什么时候方便聊一下？",
    (C.LOAN_MATURITY, ""): "{title}，{detail}，提前和您确认还款或续贷的安排，避免影响征信。",
    (C.LOAN_OVERDUE, ""): "{title}，{detail}。是不是最近资金周转上有困难？我们一起看看怎么处理，尽量不影响您的征信记录。",
    (C.CARD_REPAYMENT, ""): "{title}，温馨提醒：{detail}。需要的话可以设置自动还款，以后就不用操心了。",
    (C.NAV_MOVE, ""): "{title}，{detail}。市场波动比较大，我跟您说一下原因和我们的看法，您不用着急做决定。",
    (C.DIVIDEND, ""): "{title}，{detail}，分红已到账。这笔钱是继续投资还是留作备用，我帮您参谋一下。",
    (C.TAKE_PROFIT, ""): "{title}，{detail}，已经达到您买入时定的止盈目标。要不要按当初的计划落袋为安？",
    (C.STOP_LOSS, ""): "{title}，{detail}，已经触及您买入时约定的止损线。我先把情况跟您讲清楚，再一起决定是止损还是继续持有。",
    (C.LARGE_OUTFLOW, ""): "{title}，看到{detail}。是有什么大的用款安排吗？如果有需要我们帮忙的地方，随时告诉我。",
    (C.LARGE_INFLOW, ""): "{title}，{detail}。这笔资金近期有使用计划吗？如果暂时不用，我帮您做个短期的稳健安排。",
    (C.CADENCE_DUE, ""): "{title}，好久没联系了，最近一切都好吧？{detail}",
    (C.CADENCE_DUE, "relationship"): "{title}，好久没联系了，最近身体和家里都好吧？{detail}（情感关怀：问候家人、兴趣，不急于谈产品）",
    (C.CADENCE_DUE, "value"): "{title}，您的资产配置有一段时间没检视了，我帮您做个财富诊断，看看收益和风险是否还合适。{detail}",
    (C.CADENCE_DUE, "service"): "{title}，最近办理业务还顺利吗？我们近期有客户活动，想邀请您参加。{detail}",
    (C.MEMO_DUE, ""): "{title}，上次您提到：{detail}。我这边已经帮您准备好了，您看什么时候方便？",
    (C.FOLLOW_UP, ""): "{title}，上次我们约好今天再联系：{detail}。",
    (C.APPOINTMENT, ""): "{title}，跟您确认一下今天的约见：{detail}。",
    (C.NEW_CUSTOMER, ""): "{title}您好，我是您的专属客户经理{manager}，感谢您选择我们。{detail}。"
                          "以后有任何业务需要都可以直接找我，方便的话邀请您来网点坐坐。",
    (C.RISK_ASSESSMENT_EXPIRY, ""): "{title}，{detail}。按监管要求需要重新做一次风险测评，几分钟就好，可以在手机银行或来网点完成。",
}
