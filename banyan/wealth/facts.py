"""The facts a sales maintenance message states (销售维护, WEA-3): how far a holding stands from its
cost against the customer's own take-profit and stop-loss lines, and its product's latest NAV move,
worded for the customer. A leaf of the wealth app — banyan.messaging fills a maintenance template's
placeholders from here, and banyan.wealth.maintenance, which suggests the messages, builds on both."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import dateformat, translation
from django.utils.translation import gettext as _

from banyan import clock
from banyan.holdings.models import NAV_TYPES, Holding, HoldingStatus, ProductNav

#: The message kinds of sales maintenance: the worklist's reason codes, and the templates' codes.
MAINTENANCE_CODES = ("take_profit", "stop_loss", "nav_move")
#: A NAV move is news for this many days after its date.
NAV_MOVE_DAYS = 7
TENTH = Decimal("0.1")


def _chinese(language: str | None) -> bool:
    lang = language or translation.get_language() or "zh-hans"
    return lang.lower().startswith("zh")


def _day(day: dt.date, language: str | None) -> str:
    return f"{day.month}月{day.day}日" if _chinese(language) else dateformat.format(day, "j M")


def _pct(value: Decimal) -> str:
    return f"{abs(value).quantize(TENTH, rounding=ROUND_HALF_UP)}"


def _line(value) -> str:
    return f"{Decimal(value).normalize():f}"


def limit_change(holding: Holding) -> Decimal | None:
    """The holding's move against its cost (percent), by the latest NAV; None when unknown."""
    p = holding.product
    if p.type not in NAV_TYPES or not holding.cost_price or not p.latest_nav:
        return None
    return (p.latest_nav / holding.cost_price - 1) * 100


def nav_move(product_id: int, today: dt.date) -> tuple[dt.date, Decimal, Decimal] | None:
    """The product's latest NAV move (date, change in percent, NAV), from its last two NAVs."""
    rows = list(ProductNav.objects.filter(product_id=product_id, date__lte=today).order_by("-date")
                .values_list("date", "nav")[:2])
    if len(rows) < 2 or not rows[1][1]:
        return None
    return rows[0][0], (rows[0][1] - rows[1][1]) / rows[1][1] * 100, rows[0][1]


def holding_detail(holding: Holding, code: str, *, today: dt.date | None = None,
                   language: str | None = None) -> str:
    """The facts of the message, in `language` (the active one by default): the move and, for a
    take-profit or stop-loss, the customer's own line. "" when the facts are not known."""
    day = today or clock.today()
    p = holding.product
    with translation.override(language or translation.get_language()):
        if code in ("take_profit", "stop_loss"):
            change = limit_change(holding)
            line = holding.take_profit_pct if code == "take_profit" else holding.stop_loss_pct
            if change is None or line is None:
                return ""
            words = {"date": _day(p.latest_nav_date or day, language), "nav": f"{p.latest_nav:.4f}",
                     "cost": f"{holding.cost_price:.4f}", "pct": _pct(change), "line": _line(line)}
            if code == "take_profit":
                return (_("as of %(date)s its NAV is %(nav)s, up %(pct)s%% on your purchase cost of %(cost)s, "
                          "reaching the take-profit target of %(line)s%% you set when buying") if change >= 0 else
                        _("as of %(date)s its NAV is %(nav)s, down %(pct)s%% on your purchase cost of %(cost)s; "
                          "the take-profit target you set is %(line)s%%")) % words
            return (_("as of %(date)s its NAV is %(nav)s, down %(pct)s%% on your purchase cost of %(cost)s, "
                      "reaching the stop-loss line of %(line)s%% you set when buying") if change <= 0 else
                    _("as of %(date)s its NAV is %(nav)s, up %(pct)s%% on your purchase cost of %(cost)s; the "
                      "stop-loss line you set is %(line)s%%")) % words
        moved = nav_move(p.pk, day)
        if moved is None:
            return ""
        when, change, nav = moved
        words = {"date": _day(when, language), "pct": _pct(change), "nav": f"{nav:.4f}"}
        return (_("its NAV rose %(pct)s%% on %(date)s, to %(nav)s") if change > 0 else
                _("its NAV fell %(pct)s%% on %(date)s, to %(nav)s")) % words


def holding_for(customer, code: str, holding_id=None) -> Holding | None:
    """The holding a maintenance message is about: the one named (of this customer only), else the
    customer's NAV holding that reached the line (take-profit / stop-loss) or moved the most.
    `holding_id` may be the holding itself, already read with its product (the worklist's card)."""
    if isinstance(holding_id, Holding):
        return holding_id if holding_id.customer_id == customer.pk else None
    qs = (Holding.objects.filter(customer_id=customer.pk, status=HoldingStatus.ACTIVE, product__type__in=NAV_TYPES)
          .select_related("product"))
    if holding_id not in (None, ""):
        try:
            return qs.filter(pk=int(holding_id)).first()
        except (TypeError, ValueError):
            return None
    rows = list(qs.filter(Q(cost_price__gt=0) & Q(product__latest_nav__isnull=False)).order_by("pk"))
    if code == "take_profit":
        hits = [h for h in rows if h.take_profit_pct is not None and limit_change(h) >= h.take_profit_pct]
        return max(hits, key=lambda h: limit_change(h), default=None)
    if code == "stop_loss":
        hits = [h for h in rows if h.stop_loss_pct is not None and limit_change(h) <= -h.stop_loss_pct]
        return min(hits, key=lambda h: limit_change(h), default=None)
    today = clock.today()
    moves = [(abs(m[1]), h) for h in qs.order_by("pk")
             if (m := nav_move(h.product_id, today)) is not None and (today - m[0]).days <= NAV_MOVE_DAYS]
    return max(moves, key=lambda x: x[0])[1] if moves else None


def maintenance_values(customer, code: str, *, holding_id=None, language: str | None = None) -> dict[str, str]:
    """The placeholders a maintenance template takes from the file: {product} and {detail} (the
    facts, in the message's language). {} when the customer holds nothing the message could be about."""
    holding = holding_for(customer, code, holding_id)
    if holding is None:
        return {}
    detail = holding_detail(holding, code, language=language)
    return {"product": holding.product.name, "detail": detail} if detail else {"product": holding.product.name}
