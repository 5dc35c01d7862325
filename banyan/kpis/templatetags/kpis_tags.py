"""How a review figure is written: counts with separators, money in 万 (full amount on hover),
rates as percent, completeness points signed; "—" where nothing could be counted."""

from decimal import Decimal

from django import template

from banyan.web.templatetags.banyan_tags import money, wan

register = template.Library()


@register.filter
def figure(cell: dict) -> str:
    value, kind = cell.get("value"), cell.get("kind")
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100 * value:.1f}%"
    if kind == "money":
        return wan(value)
    if kind == "points":
        return f"{value:+.1f}"
    return f"{value:,}"


@register.filter
def figure_full(cell: dict) -> str:
    """The exact value (a tooltip, the print)."""
    value, kind = cell.get("value"), cell.get("kind")
    if kind == "money" and value is not None:
        return money(Decimal(value))
    return figure(cell)


@register.filter
def sort_value(cell: dict) -> str:
    """The number the table sorts by (empty sorts last)."""
    value = cell.get("value")
    return "" if value is None else str(value)


@register.filter
def quadrant(code: str | None) -> str:
    from banyan.segments.models import Quadrant

    if not code:
        return ""
    return str(Quadrant(code).label) if code in Quadrant.values else code
