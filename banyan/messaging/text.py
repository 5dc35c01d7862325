"""Pure text helpers for messages: placeholders, Chinese dates, SMS units."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from banyan.customers.identity import mask_mobile

#: The placeholders a template may use.
PLACEHOLDERS = ("title", "name", "manager", "manager_mobile", "branch", "date", "product", "detail")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


#: Words a message to a customer about an investment may not use (《商业银行理财业务监督管理办法》: no
#: promised principal or return, no "risk-free"; 《金融机构产品适当性管理办法》: nothing misleading) —
#: checked in the templates and in every sales-maintenance message written (services.message_compose).
PROMISING_WORDS = ("保本", "保息", "保收益", "保证收益", "保证本金", "承诺收益", "稳赚", "稳赚不赔", "包赚", "必赚",
                   "一定赚", "只赚不赔", "零风险", "无风险", "没有风险", "刚性兑付", "刚兑", "保值增值", "收益有保障",
                   "建议赎回", "建议卖出", "建议买入", "建议加仓", "建议补仓", "赶紧", "抓紧买", "抄底",
                   "guaranteed return", "guaranteed profit", "guaranteed income", "risk-free", "no risk", "sure win",
                   "can't lose", "cannot lose")


def promising_words(text: str) -> list[str]:
    """The promising words in a text (case-insensitive for English), longest first, each once."""
    lower = (text or "").lower()
    found = [w for w in sorted(PROMISING_WORDS, key=len, reverse=True) if w.lower() in lower]
    return [w for w in found if not any(w != other and w in other for other in found)]


def cn_date(day: dt.date | dt.datetime) -> str:
    """11月28日 — how a message names a day; with a time, 11月28日上午10:00 / 下午3:30."""
    text = f"{day.month}月{day.day}日"
    if isinstance(day, dt.datetime):
        if timezone.is_aware(day):
            day = timezone.localtime(day)
        part = "上午" if day.hour < 12 else ("中午" if day.hour == 12 else "下午")
        text += f"{part}{day.hour if day.hour <= 12 else day.hour - 12}:{day.minute:02d}"
    return text


#: A clause kept only when every placeholder in it has a value: "[[，我的手机{manager_mobile}]]"
#: says nothing when the manager has no work mobile, rather than "我的手机" and a gap.
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


def _fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def _optional(match: re.Match, values: dict[str, str]) -> str:
    names = _PLACEHOLDER.findall(match.group(1))
    return _fill(match.group(1), values) if all(str(values.get(n) or "").strip() for n in names) else ""


def render(text: str, values: dict[str, str]) -> str:
    """Fill the {placeholders} this module knows; anything else in braces stays as written. A
    clause in [[…]] stays (without the brackets) only when all its placeholders have a value."""
    return _fill(_OPTIONAL.sub(lambda m: _optional(m, values), text or ""), values)


def sms_units(text: str) -> int:
    """How many SMS a text costs: up to 70 characters is one; a longer text goes as a concatenated
    SMS of 67-character parts (each part gives 3 characters to the joining header)."""
    n = len(text or "")
    if n == 0:
        return 0
    return 1 if n <= 70 else -(-n // 67)


def mask_email(address: str) -> str:
    """w***@example.com — the first letter and the domain stay."""
    if not address:
        return ""
    local, at, domain = address.partition("@")
    if not at:
        return "*" * len(address)
    return f"{local[:1]}***@{domain}"


def mask_address(channel: str, address: str) -> str:
    """The address of a message as every page and API answer shows it."""
    return mask_email(address) if channel == "email" else mask_mobile(address)
