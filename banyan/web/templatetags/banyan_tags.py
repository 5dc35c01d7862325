"""The bank's display conventions, in one place: money as ¥1,234,567.89 (and 123.46万 where
space is short), dates as 2026-11-23, numbers masked as 138****5678."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone

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


@register.filter
def wan(value) -> str:
    """123.46万 — amounts in units of 10,000 yuan, the way a branch talks about AUM."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return f"{(amount / 10000).quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}万"


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
