"""The column layout of each feed: field name, its Chinese header, other accepted headers,
whether it is required, its format and an example. The README's tables are written from this."""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    field: str
    label: str  # the Chinese header, also the field's name in a rejection reason
    required: bool
    format: str
    example: str
    aliases: tuple[str, ...] = ()


_YN = "Y/N、1/0、是/否、true/false；空＝不变"
_DATE = "YYYY-MM-DD（也接受 YYYY/MM/DD、YYYYMMDD）"

CUSTOMER_COLUMNS: list[Column] = [
    Column("external_id", "客户号", True, "核心系统客户号，唯一", "C00012345", ("客户编号", "客户号码")),
    Column("name", "姓名", True, "文本", "王建华", ("客户姓名",)),
    Column("id_type", "证件类型", False, "resident/passport/hk_macau/taiwan/foreign_pr/other 或 身份证/护照…", "身份证",
           ()),
    Column("id_number", "证件号码", False, "居民身份证 18 位（校验位核对）", "110101198005170031",
           ("身份证号", "证件号")),
    Column("birth_date", "出生日期", False, _DATE + "；身份证号可推出", "1980-05-17", ("生日",)),
    Column("gender", "性别", False, "M/F 或 男/女；身份证号可推出", "男", ()),
    Column("mobile", "手机号", False, "11 位手机号", "13800138000", ("手机", "手机号码")),
    Column("email", "电子邮箱", False, "邮箱地址", "wang@example.com", ("邮箱",)),
    Column("address", "地址", False, "文本", "杭州市西湖区文三路 90 号", ("联系地址", "住址")),
    Column("employer", "工作单位", False, "文本", "浙江大学", ("单位",)),
    Column("occupation", "职业", False, "文本", "教师", ()),
    Column("education", "学历", False, "below_hs/high_school/college/bachelor/master/doctor 或 本科/硕士…", "本科", ()),
    Column("marital_status", "婚姻状况", False, "single/married/divorced/widowed 或 未婚/已婚/离异/丧偶", "已婚",
           ("婚姻",)),
    Column("rm", "客户经理", False, "员工用户名（先建好员工）；与网点至少填一个", "zhangmin", ("客户经理用户名",)),
    Column("branch", "网点", False, "网点代码（无客户经理时：客户归网点，未分配）", "001", ("网点代码", "机构号")),
    Column("risk_level", "风险等级", False, "C1–C5", "C3", ("风险承受能力",)),
    Column("risk_assessed_on", "风险测评日期", False, _DATE, "2026-03-01", ("测评日期",)),
    Column("other_bank_assets", "他行资产", False, "金额（元）", "500000.00", ()),
    Column("account_opened_on", "开户日期", False, _DATE, "2015-06-01", ()),
    Column("source", "客户来源", False,
           "walk_in/referral/new_card/payroll/campaign/other 或 自然到店/转介绍/新办卡/代发工资…", "代发工资",
           ("来源",)),
    Column("consent_sms", "同意短信", False, _YN, "Y", ()),
    Column("consent_phone", "同意电话", False, _YN, "Y", ()),
    Column("consent_email", "同意邮件", False, _YN, "N", ()),
    Column("consent_wechat", "同意微信", False, _YN, "N", ()),
    Column("do_not_disturb", "免打扰", False, _YN, "N", ()),
]

#: New debit/credit-card customers: a customers file, with the card date as the opening date.
NEW_CARD_COLUMNS: list[Column] = [
    c for c in CUSTOMER_COLUMNS if c.field not in ("account_opened_on", "source")
] + [Column("account_opened_on", "开卡日期", True, _DATE, "2026-11-20", ("card_date", "开户日期", "办卡日期"))]

HOLDING_COLUMNS: list[Column] = [
    Column("external_id", "持仓编号", True, "核心系统账户/持仓号，唯一", "H0000012345", ("持仓号",)),
    Column("customer", "客户号", True, "客户的 客户号（先导入客户）", "C00012345", ("客户编号",)),
    Column("product", "产品代码", True, "产品目录中的代码", "TD-3Y", ("产品编号",)),
    Column("account_no", "账号", False, "文本", "6222020200112233", ("账户", "卡号")),
    Column("amount", "金额", True, "本金或余额（元）；贷款为剩余本金", "200000.00", ("余额", "本金")),
    Column("purchase_date", "购买日期", True, _DATE, "2024-12-01", ("起息日", "开户日期")),
    Column("maturity_date", "到期日", False, _DATE, "2027-12-01", ("到期日期",)),
    Column("cost_price", "成本单价", False, "每份成本（净值型产品）", "1.2345", ()),
    Column("units", "份额", False, "持有份额", "80000.00", ()),
    Column("take_profit_pct", "止盈比例", False, "百分数，15 即 15%", "15", ("止盈",)),
    Column("stop_loss_pct", "止损比例", False, "百分数，10 即 10%", "10", ("止损",)),
    Column("auto_rollover", "自动转存", False, _YN, "N", ()),
    Column("overdue_days", "逾期天数", False, "整数（贷款）", "0", ()),
    Column("credit_limit", "信用额度", False, "金额（信用卡）", "50000.00", ("额度",)),
    Column("statement_date", "账单日", False, _DATE + "（信用卡）", "2026-11-05", ()),
    Column("payment_due_date", "到期还款日", False, _DATE + "（信用卡）", "2026-11-25", ("还款日",)),
    Column("minimum_payment", "最低还款额", False, "金额（信用卡）", "800.00", ()),
    Column("status", "状态", False, "active/matured/closed 或 持有/已到期/已结清；空＝持有", "active", ()),
]

TRANSACTION_COLUMNS: list[Column] = [
    Column("external_id", "流水号", True, "核心系统交易流水号，唯一", "T202611230001", ("交易流水号",)),
    Column("customer", "客户号", True, "客户的 客户号", "C00012345", ("客户编号",)),
    Column("account_no", "账号", False, "文本", "6222020200112233", ("卡号",)),
    Column("date", "交易日期", True, _DATE, "2026-11-22", ("日期",)),
    Column("amount", "金额", True, "带符号金额（元）：转入为正，转出为负", "-300000.00", ("交易金额",)),
    Column("counterparty", "对手方", False, "文本", "某某证券资金账户", ("交易对手",)),
    Column("description", "摘要", False, "文本", "转账", ("备注",)),
]

NAV_COLUMNS: list[Column] = [
    Column("product", "产品代码", True, "产品目录中的代码", "FD-300", ("产品编号",)),
    Column("date", "净值日期", True, _DATE, "2026-11-20", ("日期",)),
    Column("nav", "单位净值", True, "每份净值（正数）", "1.7321", ("净值",)),
    Column("dividend", "每份分红", False, "每份分红（元）", "0.0200", ("分红",)),
]

PRODUCT_COLUMNS: list[Column] = [
    Column("code", "产品代码", True, "产品代码，唯一（持仓、净值文件用它）", "FD-300", ("产品编号",)),
    Column("name", "产品名称", True, "文本", "沪深300指数增强A", ("名称",)),
    Column("type", "产品类型", True, "demand_deposit/time_deposit/wealth/fund/insurance/bond/precious_metal/loan/"
           "credit_card 或 活期存款/定期存款/理财产品/基金…", "基金", ("类型",)),
    Column("risk_level", "风险等级", True, "R1–R5", "R4", ("产品风险等级",)),
    Column("term_days", "期限天数", False, "整数（天）", "365", ("期限",)),
    Column("expected_yield", "预期收益率", False, "百分数（3.5 即 3.5%）", "3.50", ("业绩比较基准",)),
    Column("issuer", "发行机构", False, "文本", "某某基金管理有限公司", ("管理人",)),
    Column("is_active", "在售", False, _YN + "；N＝停售（已有持仓不变）", "Y", ("是否在售",)),
]

#: Risk assessments taken in core banking (风险测评, WEA-1): the customer's level follows the latest.
RISK_ASSESSMENT_COLUMNS: list[Column] = [
    Column("external_id", "测评编号", True, "核心系统测评流水号，唯一", "RA202611230001", ("测评流水号",)),
    Column("customer", "客户号", True, "客户的 客户号（先导入客户）", "C00012345", ("客户编号",)),
    Column("level", "风险等级", True, "C1–C5", "C3", ("风险承受能力", "测评结果")),
    Column("assessed_on", "测评日期", True, _DATE + "（不晚于今天）", "2026-11-20", ("评估日期",)),
    Column("score", "测评得分", False, "整数", "56", ("得分", "分数")),
    Column("expires_on", "有效期至", False, _DATE + "；空＝按本行问卷的有效期（默认一年）", "2027-11-19",
           ("到期日", "有效期")),
]

KINDS: dict[str, list[Column]] = {
    "products": PRODUCT_COLUMNS,
    "customers": CUSTOMER_COLUMNS,
    "holdings": HOLDING_COLUMNS,
    "transactions": TRANSACTION_COLUMNS,
    "navs": NAV_COLUMNS,
    "new_cards": NEW_CARD_COLUMNS,
    "risk_assessments": RISK_ASSESSMENT_COLUMNS,
}

#: The columns that identify a row (a file without them cannot be read).
KEYS: dict[str, tuple[str, ...]] = {
    "products": ("code",), "customers": ("external_id",), "holdings": ("external_id",),
    "transactions": ("external_id",), "navs": ("product", "date"), "new_cards": ("external_id",),
    "risk_assessments": ("external_id",),
}


def _norm(header: str) -> str:
    return header.replace("\ufeff", "").strip().lower().replace(" ", "").replace("_", "").replace("（", "(")


def header_map(kind: str) -> dict[str, str]:
    """Normalised header text → field, for the English name, the Chinese header and the aliases."""
    out: dict[str, str] = {}
    for c in KINDS[kind]:
        for name in (c.field, c.label, *c.aliases):
            out.setdefault(_norm(name), c.field)
    return out


def map_headers(kind: str, headers: list[str]) -> list[str | None]:
    """The field of each header cell (None for a column the feed does not know)."""
    known = header_map(kind)
    return [known.get(_norm(h or "")) for h in headers]


def label_of(kind: str, field: str) -> str:
    for c in KINDS[kind]:
        if c.field == field:
            return c.label
    return field
