"""The bank's display conventions, in one place: money as ¥1,234,567.89 (and 123.46万 where
space is short — 1.23M in English), dates as 2026-11-23 (a day in words: 12月4日 星期五 /
Dec 4, Friday), numbers masked as 138****5678."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, pgettext

from banyan.customers import identity

register = template.Library()

_CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value) -> str:
    """¥1,234,567.89 (negative: -¥1,234.00); blank for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def _trimmed(number: Decimal, places: int) -> str:
    text = f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def compact_amount(value) -> str:
    """An amount the way an English reader takes it in at a glance: 1.25M, 796.6k, 850."""
    amount = _decimal(value)
    if amount is None:
        return ""
    sign, amount = ("-" if amount < 0 else ""), abs(amount)
    if amount >= 1_000_000:
        return f"{sign}{_trimmed(amount / 1_000_000, 2)}M"
    if amount >= 1_000:
        return f"{sign}{_trimmed(amount / 1_000, 1)}k"
    return f"{sign}{_trimmed(amount, 0)}"


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


@register.filter
def wan(value) -> str:
    """123.46万 — amounts in units of 10,000 yuan, the way a branch talks about AUM; in English
    the same amount as 1.23M (compact_amount), since 万 is no unit an English reader counts in."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if not _chinese():
        return compact_amount(amount)
    return f"{(amount / 10000).quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}万"


@register.filter
def day_weekday(value) -> str:
    """A day in words with its weekday: 12月4日 星期五 in Chinese, Dec 4, Friday in English."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    # Translators: a Django date format (https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date)
    return date_format(value, pgettext("date format: day and weekday", "M j, l"))


@register.filter
def mask_mobile(value) -> str:
    return identity.mask_mobile(value or "")


@register.filter
def mask_id(value) -> str:
    return identity.mask_id_number(value or "")


@register.filter
def ymd(value) -> str:
    """2026-11-23 for a date or (local) datetime; blank for none."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.isoformat()


@register.filter
def ymdhm(value) -> str:
    """2026-11-23 14:05 in local time."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


@register.filter
def pct(value, places: int = 2) -> str:
    """12.34% for a number of percent; blank for none."""
    number = _decimal(value)
    if number is None:
        return ""
    q = Decimal(1).scaleb(-int(places))
    return f"{number.quantize(q, rounding=ROUND_HALF_UP)}%"


@register.filter
def signed_pct(value) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    return ("+" if number > 0 else "") + pct(number)


@register.filter
def short_pct(value) -> str:
    """15% or 12.5% — a percentage without trailing zeros (the customer's own thresholds)."""
    number = _decimal(value)
    if number is None:
        return ""
    text = f"{number.quantize(_CENT, rounding=ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return f"{text}%"
