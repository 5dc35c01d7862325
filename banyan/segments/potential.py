"""Potential score (SEG-3): a number 0–100 with the reasons that produced it, so a manager can see
*why* a customer is worth more time ("他行资产约 80 万", "企业主"). Pure functions over one row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

BUSINESS_OWNER_WORDS = ("企业主", "私营", "个体", "老板", "董事", "总经理", "创始人", "合伙人")
PROFESSIONAL_WORDS = ("医生", "律师", "教师", "教授", "工程师", "公务员", "高管", "经理", "会计", "设计师", "研究员")
GOOD_EMPLOYER_WORDS = ("银行", "大学", "医院", "政府", "局", "国企", "集团", "研究院", "证券", "保险", "电力",
                       "烟草", "石化", "石油", "移动", "电信", "法院", "检察院", "中学", "小学", "学院")
WEALTH_TYPES = ("wealth", "fund", "insurance", "bond", "precious_metal")


@dataclass(frozen=True)
class CoreProfile:
    """What the bank's core (priority) customers look like, for "likeness" (seed 004)."""

    occupations: frozenset[str]
    age_low: int
    age_high: int


@dataclass(frozen=True)
class Row:
    aum: Decimal
    other_bank_assets: Decimal | None
    occupation: str
    employer: str
    birth_date: dt.date | None
    education: str
    product_types: int


def age_on(birth: dt.date | None, today: dt.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def wan(amount: Decimal) -> str:
    """800000 → "80" (万 yuan), 1250000 → "125"."""
    value = (amount / Decimal(10000)).quantize(Decimal("1"))
    return f"{value:,}"


def potential(row: Row, core: CoreProfile, today: dt.date) -> tuple[int, list[str]]:
    score, reasons = 0, []
    other = row.other_bank_assets or Decimal(0)
    if other >= 1_000_000:
        score += 35
    elif other >= 300_000:
        score += 25
    elif other >= 50_000:
        score += 12
    if other >= 50_000:
        reasons.append(f"他行资产约 {wan(other)} 万")
    occupation = row.occupation or ""
    if any(w in occupation for w in BUSINESS_OWNER_WORDS):
        score += 20
        reasons.append("企业主" if "企业主" in occupation else f"经营者：{occupation}")
    elif any(w in occupation for w in PROFESSIONAL_WORDS):
        score += 10
        reasons.append(f"职业稳定：{occupation}")
    if row.employer and any(w in row.employer for w in GOOD_EMPLOYER_WORDS):
        score += 10
        reasons.append(f"单位优质：{row.employer}")
    age = age_on(row.birth_date, today)
    if age is not None and 30 <= age <= 55:
        score += 10
        reasons.append(f"处于财富积累期（{age} 岁）")
    elif age is not None and 56 <= age <= 65:
        score += 5
        reasons.append(f"临近退休，有养老规划需求（{age} 岁）")
    if row.education in ("master", "doctor"):
        score += 8
        reasons.append("高学历（硕士及以上）")
    elif row.education == "bachelor":
        score += 4
    if row.product_types <= 1:
        score += 10
        reasons.append(f"仅持有 {row.product_types} 类产品，交叉销售空间大")
    elif row.product_types == 2:
        score += 5
        reasons.append("持有 2 类产品，仍有配置空间")
    if (occupation and occupation in core.occupations and age is not None
            and core.age_low <= age <= core.age_high):
        score += 10
        reasons.append("与核心客户特征相似")
    return min(score, 100), reasons
