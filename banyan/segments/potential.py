"""Potential score (SEG-3): a number 0–100 with the reasons that produced it, so a manager can see
*why* a customer is worth more time ("他行资产约 80 万", "企业主"). Pure functions over one row.

A reason is stored as its code and values (`["other_bank_assets", {"amount": "800000"}]`) and put
in words when shown (`reason_text`), in the reader's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language, gettext, ngettext

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


def about_amount(amount) -> str:
    """A rough amount in the reader's words: "80 万" in Chinese, "800k" / "1.25M" in English."""
    from banyan.web.templatetags.banyan_tags import compact_amount

    amount = Decimal(str(amount))
    if (get_language() or "zh-hans").startswith("zh"):
        return f"{wan(amount)} 万"
    return compact_amount(amount.quantize(Decimal("10000")))


def _reason_words(code: str, v: dict) -> str:
    if code == "other_bank_assets":
        return gettext("Assets at other banks about %(amount)s") % {"amount": about_amount(v["amount"])}
    if code == "business_owner":
        return gettext("Business owner")
    if code == "runs_business":
        return gettext("Runs a business: %(occupation)s") % v
    if code == "stable_occupation":
        return gettext("Stable occupation: %(occupation)s") % v
    if code == "good_employer":
        return gettext("Strong employer: %(employer)s") % v
    if code == "building_wealth":
        return gettext("Building wealth (aged %(age)s)") % v
    if code == "near_retirement":
        return gettext("Near retirement, with a pension to plan (aged %(age)s)") % v
    if code == "postgraduate":
        return gettext("Postgraduate degree (master's or above)")
    if code == "few_products":
        return ngettext("Holds %(n)s kind of product: much room to cross-sell",
                        "Holds %(n)s kinds of product: much room to cross-sell", v["n"]) % v
    if code == "two_products":
        return gettext("Holds 2 kinds of product: still room to build the portfolio")
    if code == "like_core":
        return gettext("Resembles the bank's core customers")
    if code == "inferred_value":
        return gettext("Holds several wealth or fund products and looks at returns (inferred: value-oriented)")
    if code == "inferred_service":
        return gettext("Mostly everyday banking (inferred: service-oriented)")
    if code == "inferred_relationship":
        return gettext("Values the relationship with the manager (inferred: relationship-oriented)")
    return code


def reason_text(reason) -> str:
    """One stored reason in words. A reason stored as words (before reasons had codes) stays as
    it is until the next recompute."""
    if isinstance(reason, str):
        return reason
    code, values = reason[0], (reason[1] if len(reason) > 1 else {})
    return _reason_words(code, values or {})


def potential(row: Row, core: CoreProfile, today: dt.date) -> tuple[int, list[list]]:
    """The score and its reasons (as `[code, values]`: see reason_text)."""
    score, reasons = 0, []
    other = row.other_bank_assets or Decimal(0)
    if other >= 1_000_000:
        score += 35
    elif other >= 300_000:
        score += 25
    elif other >= 50_000:
        score += 12
    if other >= 50_000:
        reasons.append(["other_bank_assets", {"amount": str(other)}])
    occupation = row.occupation or ""
    if any(w in occupation for w in BUSINESS_OWNER_WORDS):
        score += 20
        reasons.append(["business_owner", {}] if "企业主" in occupation
                       else ["runs_business", {"occupation": occupation}])
    elif any(w in occupation for w in PROFESSIONAL_WORDS):
        score += 10
        reasons.append(["stable_occupation", {"occupation": occupation}])
    if row.employer and any(w in row.employer for w in GOOD_EMPLOYER_WORDS):
        score += 10
        reasons.append(["good_employer", {"employer": row.employer}])
    age = age_on(row.birth_date, today)
    if age is not None and 30 <= age <= 55:
        score += 10
        reasons.append(["building_wealth", {"age": age}])
    elif age is not None and 56 <= age <= 65:
        score += 5
        reasons.append(["near_retirement", {"age": age}])
    if row.education in ("master", "doctor"):
        score += 8
        reasons.append(["postgraduate", {}])
    elif row.education == "bachelor":
        score += 4
    if row.product_types <= 1:
        score += 10
        reasons.append(["few_products", {"n": row.product_types}])
    elif row.product_types == 2:
        score += 5
        reasons.append(["two_products", {}])
    if (occupation and occupation in core.occupations and age is not None
            and core.age_low <= age <= core.age_high):
        score += 10
        reasons.append(["like_core", {}])
    return min(score, 100), reasons
