"""Triggers: each one set-based query over the whole book that yields the reasons a customer
should be contacted within a date window (DESIGN.md "The worklist engine"). A trigger never loops
over customers issuing queries; at most it loops over the days of the window or a few products.

Every trigger returns `Reason`s whose date lies in [window.first - grace, window.last + lead], so
that the planner can place each on a day of the window (or see it was missed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet
from django.db.models.expressions import BaseExpression
from django.db.models.functions import ExtractDay, ExtractMonth, Round, TruncDate
from django.utils import timezone

from banyan.calendars.festivals import festivals_between
from banyan.calendars.lunar import lunar_key_label, lunar_keys_by_date, solar_keys_by_date
from banyan.contacts.models import (
    OPEN_STAGES,
    Appointment,
    AppointmentStatus,
    Interaction,
    Memo,
    MemoStatus,
    Opportunity,
)
from banyan.customers.models import Customer
from banyan.holdings.models import Holding, HoldingStatus, Product, ProductNav, ProductType, Transaction
from banyan.segments.models import Quadrant, SegmentPolicy, greeted_by_call
from banyan.segments.potential import wan
from banyan.wealth.models import Questionnaire, QuestionnaireStatus, RiskAssessment
from banyan.wealth.suitability import INVESTMENT_TYPES
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.reasons import ReasonDefaults


class Reason(NamedTuple):
    """One reason to contact a customer. Immutable; a tuple because a bank-wide build makes
    hundreds of thousands of them (four times cheaper to create than a frozen dataclass)."""

    customer_id: int
    code: str
    detail: str  # in Chinese, as stored (the bank's language, whoever's request built the list)
    due: dt.date
    ref: str = ""
    args: tuple = ()  # the detail's facts as data (banyan.worklists.talking.ARGS): texts in any language
    # Addressed to this staff member rather than to the customer's manager (a complaint's owner, a
    # branch head it is escalated to): the build plans it on that person's list (services._plan_window).
    staff_id: int | None = None


@dataclass(frozen=True)
class Window:
    first: dt.date
    last: dt.date
    rules: dict[str, ReasonDefaults]
    policy: SegmentPolicy
    manager_ids: tuple[int, ...] | None  # None: every manager of the bank

    def span(self, code: str) -> tuple[dt.date, dt.date]:
        rule = self.rules[code]
        return self.first - dt.timedelta(days=rule.grace_days), self.last + dt.timedelta(days=rule.lead_days)

    def customers(self) -> QuerySet[Customer]:
        qs = Customer.objects.filter(rm__isnull=False)
        return qs if self.manager_ids is None else qs.filter(self.of_managers("rm_id"))

    def holdings(self) -> QuerySet[Holding]:
        """Active holdings of the managers' customers. Over the whole bank, of every customer: the
        join to the customers only to leave out the few without a manager would cost a pass over
        the customers per trigger; the planner leaves them out (they have no facts). In a set
        order (product, holding): a customer's reasons of equal weight keep the order they come
        in, and a group of managers is read by another plan than the whole bank — its rows came
        in another order, and two stop-losses of one customer on his list in the other order."""
        qs = Holding.objects.filter(status=HoldingStatus.ACTIVE).order_by("product_id", "pk")
        return qs if self.manager_ids is None else qs.filter(self.of_customers("customer_id"))

    def mine(self, qs: QuerySet) -> QuerySet:
        """Rows of the managers' customers (of every customer over the whole bank, as `holdings`):
        joined to the customer, whose row is probed for each of the window's rows — few, for the
        tables `mine` serves, fewer than a list of the managers' customers would cost to send. In
        the rows' order (as `holdings`: a group is read by another plan than the whole bank)."""
        qs = qs.order_by("pk")
        return qs if self.manager_ids is None else qs.filter(self.of_managers("customer__rm_id"))

    def of_managers(self, field: str) -> Q:
        """`field` (a staff member's id, e.g. "rm_id") is one of the window's managers. On
        PostgreSQL one array parameter, `= ANY(%s)`: the plan PostgreSQL makes of an IN list, but a
        group of a split build names hundreds of managers, and a placeholder each cost more to
        prepare and send than the small triggers' queries take to run (issue 15 §2)."""
        if connection.vendor == "postgresql" and len(self.manager_ids) > 8:
            return Q(AnyOf(field, self._manager_array))
        return Q(**{f"{field}__in": self.manager_ids})

    def of_customers(self, field: str) -> Q:
        """`field` (a customer's id, e.g. "customer_id") is one of the managers' customers. On
        PostgreSQL their ids, read once for the window (`customer_ids`), as one array parameter:
        the rows of a date window are kept by a lookup in a hashed list instead of a probe of the
        customer's row each (a group of a split build read the whole bank's window so), and where
        the managers' customers are fewer than the window's rows PostgreSQL reads only theirs (the
        holdings' index by customer, ANDed with the window's). Elsewhere joined to the customer."""
        if connection.vendor == "postgresql":
            return Q(AnyOf(field, self.customer_ids))
        return Q(**{f"{field.removesuffix('_id')}__rm_id__in": self.manager_ids})

    @cached_property
    def _manager_array(self) -> str:
        return int_array(self.manager_ids)

    @cached_property
    def customer_ids(self) -> str:
        """The ids of the managers' customers as the text of an array (one query, by the index
        on the manager)."""
        return int_array(sorted(self.customers().values_list("pk", flat=True)))


class AnyOf(Func):
    """`column = ANY(%s)` with the ids as one array parameter (PostgreSQL), sent as the text of
    an array: psycopg would check each element of a list on every query."""

    output_field = BooleanField()

    def __init__(self, field: str, ids):
        super().__init__(F(field))
        self.ids = ids if isinstance(ids, str) else int_array(ids)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", [*params, self.ids]


def int_array(ids) -> str:
    """Integer ids as the text of a PostgreSQL array."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def fetch_rows(qs: QuerySet) -> list[tuple]:
    """All rows of a values_list() query. On PostgreSQL fetched in one go with the database cursor:
    the bank-wide queries return up to a million rows, and Django's per-row work (iterator,
    converters) costs more than the query. The columns come in the values_list's order (Django
    5.2 selects them in that order) and need no conversion on PostgreSQL (numbers, strings,
    booleans, dates, aware datetimes). Elsewhere the queryset itself."""
    if connection.vendor != "postgresql":
        return list(qs)
    query = values_sql(qs)
    if query is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return cursor.fetchall()


def values_sql(qs: QuerySet) -> tuple[str, list] | None:
    """The SQL and parameters of a values_list() query, its columns in the values_list's order;
    None for a filter no row can meet (e.g. `__in` an empty list), as the queryset answers."""
    if list(qs.query.selected or ())[:len(qs._fields)] != list(qs._fields):  # then its annotations, if any
        raise ValueError("needs a values_list() query")
    try:
        sql, params = qs.query.sql_with_params()
    except EmptyResultSet:
        return None
    return sql, list(params)


def _days(first: dt.date, last: dt.date):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def _md(day: dt.date) -> str:
    """"11月05日": what f"{day:%m月%d日}" writes, without strftime (a bank-wide build writes it often)."""
    return f"{day.month:02d}月{day.day:02d}日"


def _money(amount: Decimal) -> str:
    return f"{wan(amount)} 万" if abs(amount) >= 10000 else f"{amount:,.2f} 元"


# --- emotional care (WL-1) -------------------------------------------------------------------------

def birthdays(w: Window) -> list[Reason]:
    first, last = w.span(C.BIRTHDAY)
    solar = solar_keys_by_date(first, last)
    lunar = lunar_keys_by_date(first, last)
    solar_days: dict[int, list[dt.date]] = defaultdict(list)
    for day, keys in solar.items():
        for key in keys:
            solar_days[key].append(day)
    lunar_days: dict[int, list[dt.date]] = defaultdict(list)
    for day, keys in lunar.items():
        for month, dom, _leap in keys:
            if day not in lunar_days[month * 100 + dom]:
                lunar_days[month * 100 + dom].append(day)
    rows = w.customers().filter(
        Q(lunar_birthday=False, birthday_mmdd__in=list(solar_days))
        | Q(lunar_birthday=True, lunar_birthday_key__in=list(lunar_days))
    ).values_list("pk", "birth_date", "lunar_birthday", "birthday_mmdd", "lunar_birthday_key")
    out = []
    for pk, birth, is_lunar, solar_key, lunar_key in rows:
        for day in (lunar_days[lunar_key] if is_lunar else solar_days[solar_key]):
            age = day.year - birth.year
            label = f"农历{lunar_key_label(lunar_key // 100, lunar_key % 100)}生日" if is_lunar else "生日"
            milestone = "（整寿）" if age % 10 == 0 else ""
            out.append(Reason(pk, C.BIRTHDAY, f"{_md(day)}{label}，{age} 岁{milestone}", day, "",
                              (age, lunar_key if is_lunar else 0)))
    return out


def festivals(w: Window) -> list[Reason]:
    """Festival greetings by call for the customers whose segment asks for frequent contact and
    for priority customers; everyone else gets the festival SMS, not a call."""
    first, last = w.span(C.FESTIVAL)
    found = festivals_between(first, last)
    if not found:
        return []
    frequent = w.customers().filter(greeted_by_call())
    out = []
    for festival in found:
        audience = frequent
        if festival.audience == "female":
            audience = audience.filter(gender="F")
        elif festival.audience == "teacher":
            audience = w.customers().filter(occupation__contains="教师")
        elif festival.audience == "seniors":
            audience = audience.filter(birth_date__lte=festival.date.replace(year=festival.date.year - 60))
        elif festival.audience == "parents":
            gender = "F" if festival.code == "mothers_day" else "M"
            audience = audience.filter(gender=gender).exclude(children="")
        for pk in audience.values_list("pk", flat=True):
            out.append(Reason(pk, C.FESTIVAL, festival.name_zh, festival.date, f"festival:{festival.code}",
                              (festival.code,)))
    return out


def anniversaries(w: Window) -> list[Reason]:
    """One query for the three dates (wedding, business opened, account opened): the customers one
    of whose dates falls on a day of the window, in an earlier year."""
    first, last = w.span(C.ANNIVERSARY)
    fields = (("wedding_anniversary", "结婚纪念日"), ("business_opened_on", "开业纪念日"),
              ("account_opened_on", "开户纪念日"))
    days = list(_days(first, last))
    # month × 100 + day of each date against the window's, one IN per date (not an OR per day).
    keys = sorted({day.month * 100 + day.day for day in days})
    any_field, mmdd = Q(), {}
    for field, _label in fields:
        mmdd[f"{field}_mmdd"] = ExtractMonth(field) * 100 + ExtractDay(field)
        any_field |= Q(**{f"{field}_mmdd__in": keys, f"{field}__lt": first})
    rows = (w.customers().alias(**mmdd).filter(any_field)
            .values_list("pk", *(field for field, _label in fields)))
    by_mmdd: dict[tuple[int, int], list[dt.date]] = defaultdict(list)  # the window's days by month and day
    for day in days:
        by_mmdd[day.month, day.day].append(day)
    out = []
    for pk, *dates in fetch_rows(rows):
        for (field, label), since in zip(fields, dates, strict=True):
            if since is None or since >= first:
                continue
            for day in by_mmdd.get((since.month, since.day), ()):
                years = day.year - since.year
                # Account anniversaries only at milestones, or they would drown the list.
                if field == "account_opened_on" and years not in (1, 3, 5, 8, 10, 15, 20, 25, 30):
                    continue
                out.append(Reason(pk, C.ANNIVERSARY, f"{label}（{years} 周年）", day, field, (field, years)))
    return out


# --- after-sales tracking (WL-2) -------------------------------------------------------------------

_MATURITY = (
    (C.DEPOSIT_MATURITY, (ProductType.TIME_DEPOSIT,)),
    (C.PRODUCT_MATURITY, (ProductType.WEALTH, ProductType.BOND, ProductType.INSURANCE)),
    (C.LOAN_MATURITY, (ProductType.LOAN,)),
)


#: The product types whose maturity is a reason to call (the capacity plan counts them too).
MATURITY_TYPES = tuple(t for _code, types in _MATURITY for t in types)


class _Written(dict):
    """A value's words, written once per distinct value: a bank-wide build meets the same few
    thousand amounts and few dozen days again and again (hundreds of thousands of holdings)."""

    def __init__(self, write: Callable):
        super().__init__()
        self.write = write

    def __missing__(self, key):
        value = self[key] = self.write(key)
        return value


def maturities(w: Window) -> list[Reason]:
    out = []
    add, new, Re = out.append, tuple.__new__, Reason  # new: see cadence()
    # by the amount's text (equal amounts written otherwise, 5E+2 and 500, are not the same words)
    money, md = _Written(lambda text: _money(Decimal(text))), _Written(_md)
    for code, types in _MATURITY:
        first, last = w.span(code)
        rows = (w.holdings().filter(product__type__in=types, maturity_date__gte=first, maturity_date__lte=last)
                .values_list("pk", "customer_id", "maturity_date", "amount", "auto_rollover", "product__name"))
        verb = "到期，待还" if code == C.LOAN_MATURITY else "到期"
        for pk, cid, due, amount, rollover, name in fetch_rows(rows):
            note = "（已设自动转存）" if rollover else ""
            text = str(amount)
            add(new(Re, (cid, code, f"{name} {money[text]} 于 {md[due]}{verb}{note}", due, f"holding:{pk}",
                         (name, text, bool(rollover)), None)))
    return out


def card_repayments(w: Window) -> list[Reason]:
    first, last = w.span(C.CARD_REPAYMENT)
    rows = (w.holdings().filter(product__type=ProductType.CREDIT_CARD, payment_due_date__gte=first,
                                payment_due_date__lte=last, minimum_payment__gt=0)
            .values_list("pk", "customer_id", "payment_due_date", "minimum_payment"))
    # A bank's cards fall due on a few days with a few hundred distinct minimum payments: each
    # (day, amount)'s words written once (a Decimal's formatting is most of a reason's cost).
    said: dict[tuple, tuple[str, tuple]] = {}
    out = []
    add, code, new, Re = out.append, C.CARD_REPAYMENT.value, tuple.__new__, Reason  # new: see cadence()
    for pk, cid, due, m in fetch_rows(rows):
        words = said.get((due, m))
        if words is None:
            words = said[due, m] = (f"信用卡 {_md(due)} 到期还款，最低还款 {m:,.2f} 元", (str(m),))
        add(new(Re, (cid, code, words[0], due, f"holding:{pk}", words[1], None)))
    return out


def loans_overdue(w: Window) -> list[Reason]:
    """An overdue loan comes up on the day it is seen; its date is the first day overdue, so one
    episode is planned once (and again after the cool-off if still overdue)."""
    rows = (w.holdings().filter(product__type=ProductType.LOAN, overdue_days__gt=0)
            .values_list("pk", "customer_id", "overdue_days", "amount", "product__name"))
    return [Reason(cid, C.LOAN_OVERDUE, f"贷款已逾期 {days} 天，余额 {_money(amount)}", w.first, f"holding:{pk}",
                   (name, days, str(amount)))
            for pk, cid, days, amount, name in rows]


def _recent_navs(w: Window) -> dict[int, list[tuple[dt.date, Decimal, Decimal | None]]]:
    """The last two NAVs of every product whose latest NAV was published in the window's look-back
    (a NAV published after the close on day X brings customers up on X+1)."""
    first = w.first - dt.timedelta(days=4)
    products = list(Product.objects.filter(latest_nav_date__gte=first, latest_nav_date__lt=w.last)
                    .values_list("pk", flat=True))
    navs: dict[int, list] = defaultdict(list)
    recent = (ProductNav.objects.filter(product_id__in=products, date__gte=first - dt.timedelta(days=10))
              .order_by("product_id", "-date").values_list("product_id", "date", "nav", "dividend"))
    for pid, day, nav, dividend in recent:
        if len(navs[pid]) < 2:
            navs[pid].append((day, nav, dividend))
    return navs


def nav_moves_and_dividends(w: Window) -> list[Reason]:
    out = []
    threshold = w.policy.nav_move_pct
    moved, paid = {}, {}
    for pid, rows in _recent_navs(w).items():
        day, nav, dividend = rows[0]
        if dividend:
            paid[pid] = (day, dividend)
        if len(rows) == 2 and rows[1][1]:
            change = (nav - rows[1][1]) / rows[1][1] * 100
            if abs(change) >= threshold:
                moved[pid] = (day, change)
    if moved or paid:
        rows = (w.holdings().filter(product_id__in=set(moved) | set(paid))
                .values_list("pk", "customer_id", "product_id", "product__name", "units"))
        for pk, cid, pid, name, units in fetch_rows(rows):
            if pid in moved:
                day, change = moved[pid]
                verb = "上涨" if change > 0 else "下跌"
                out.append(Reason(cid, C.NAV_MOVE, f"{name} {_md(day)}净值{verb} {abs(change):.1f}%",
                                  day + dt.timedelta(days=1), f"holding:{pk}",
                                  (name, f"{change:+.1f}", day.isoformat())))
            if pid in paid:
                day, dividend = paid[pid]
                amount = f"，约 {units * dividend:,.2f} 元" if units else ""
                out.append(Reason(cid, C.DIVIDEND, f"{name} 每份分红 {dividend} 元{amount}",
                                  day + dt.timedelta(days=1), f"holding:{pk}",
                                  (name, str(dividend), f"{units * dividend:,.2f}" if units else "")))
    return out


def profit_and_loss_limits(w: Window) -> list[Reason]:
    """Take-profit and stop-loss against the customer's own percentages, set at the sale (seed 000):
    the latest NAV compared with the holding's cost, in SQL."""
    # Compared as nav × 100 against cost × (100 ± pct): no division, so no integer division on
    # SQLite, where a whole-number decimal is stored as an integer; rounded, so that reaching the
    # target exactly counts although SQLite computes in binary floating point.
    base = (w.holdings().filter(cost_price__gt=0, product__latest_nav__isnull=False,
                                product__latest_nav_date__lt=w.last)
            .alias(nav100=Round(F("product__latest_nav") * 100, 6)))
    stop = Q(stop_loss_pct__isnull=False, nav100__lte=Round(F("cost_price") * (100 - F("stop_loss_pct")), 6))
    take = Q(take_profit_pct__isnull=False, nav100__gte=Round(F("cost_price") * (100 + F("take_profit_pct")), 6))
    rows = (base.filter(stop | take)  # one pass over the holdings for both limits
            .annotate(is_stop=ExpressionWrapper(stop, output_field=BooleanField()),
                      is_take=ExpressionWrapper(take, output_field=BooleanField()))
            .values_list("pk", "customer_id", "product__name", "cost_price", "product__latest_nav",
                         "product__latest_nav_date", "stop_loss_pct", "take_profit_pct", "is_stop", "is_take"))
    found: dict[str, list[Reason]] = {C.STOP_LOSS: [], C.TAKE_PROFIT: []}
    for pk, cid, name, cost, nav, nav_day, stop_pct, take_pct, is_stop, is_take in rows:
        change = (nav - cost) / cost * 100
        due = max(nav_day + dt.timedelta(days=1), w.first)
        for code, hit, line, pct in ((C.STOP_LOSS, is_stop, "止损线", stop_pct),
                                     (C.TAKE_PROFIT, is_take, "止盈目标", take_pct)):
            if hit:
                facts = (name, f"{cost:.4f}", f"{nav:.4f}", f"{change:+.1f}", f"{pct.normalize():f}")
                detail = f"{name} 成本 {facts[1]}，最新净值 {facts[2]}（{facts[3]}%），{line} {facts[4]}%"
                found[code].append(Reason(cid, code, detail, due, f"holding:{pk}", facts))
    return found[C.STOP_LOSS] + found[C.TAKE_PROFIT]


def large_flows(w: Window) -> list[Reason]:
    threshold = w.policy.large_flow_amount
    first = w.first - dt.timedelta(days=3)
    qs = Transaction.objects.filter(occurred_on__gte=first, occurred_on__lt=w.last).filter(
        Q(amount__gte=threshold) | Q(amount__lte=-threshold)).order_by("pk")  # (Window.mine)
    if w.manager_ids is not None:
        qs = qs.filter(w.of_managers("customer__rm_id"))
    out = []
    for pk, cid, day, amount, counterparty in qs.values_list("pk", "customer_id", "occurred_on", "amount",
                                                             "counterparty"):
        code = C.LARGE_INFLOW if amount > 0 else C.LARGE_OUTFLOW
        verb = "转入" if amount > 0 else "转出"
        other = f"（{counterparty}）" if counterparty else ""
        out.append(Reason(cid, code, f"{_md(day)} {verb} {_money(abs(amount))}{other}", day + dt.timedelta(days=1),
                          f"transaction:{pk}", (str(abs(amount)), counterparty or "", day.isoformat())))
    return out


class _DateOf(TruncDate):
    """TruncDate without its per-row Python converter, which only turns a datetime into a date:
    PostgreSQL returns a date already; on SQLite the backend's own date converter still runs.
    Saves a function call per customer in the bank-wide cadence query."""

    convert_value = BaseExpression.__dict__["_convert_value_noop"]


# --- cadence, memos, follow-ups, new customers, risk profile (WL-3, WL-7, WL-8) -------------------

def agreed_days_in_use() -> list[int]:
    """The contact frequencies agreed with customers, each once (a handful: 7, 30, 90…), read off
    the partial index on Customer.agreed_contact_days."""
    return sorted(Customer.objects.filter(agreed_contact_days__isnull=False)
                  .values_list("agreed_contact_days", flat=True).distinct().order_by())


def cadence_days(policy: SegmentPolicy, *, quadrant: str | None, agreed_days: int | None,
                 maturities_only: bool) -> int | None:
    """A customer's regular contact frequency in days — the rule `cadence_late` writes as
    conditions, for one customer (or a group of alike customers: the capacity plan): the frequency
    agreed with the customer, else the one the customer's quadrant sets. None: no regular contact
    (agreed to be contacted only before maturities, or neither a segment nor an agreed frequency)."""
    if maturities_only:
        return None
    if agreed_days:
        return agreed_days
    return policy.frequency_days(quadrant) if quadrant else None


def cadence_late(policy: SegmentPolicy, cutoff: Callable[[int], dt.datetime], *, inclusive: bool) -> Q:
    """The customers whose regular contact is late: the last real contact at or before (`inclusive`)
    or before `cutoff(days)`, where `days` is the frequency agreed with the customer (issue 16 §5,
    seed 003) or else the one the customer's quadrant sets — or no contact ever (with a segment or
    an agreed frequency). Never the customers who agreed to be contacted only before maturities.
    One condition per quadrant and per agreed frequency in use: the cadence trigger and the
    overdue counts share it."""
    op = "lte" if inclusive else "lt"
    late = Q()
    for quadrant in Quadrant:
        late |= Q(agreed_contact_days__isnull=True, segment__quadrant=quadrant,
                  **{f"last_contact_at__{op}": cutoff(policy.frequency_days(quadrant))})
    for days in agreed_days_in_use():
        late |= Q(agreed_contact_days=days, **{f"last_contact_at__{op}": cutoff(days)})
    never = Q(last_contact_at__isnull=True) & (Q(segment__isnull=False) | Q(agreed_contact_days__isnull=False))
    return (late | never) & Q(contact_maturities_only=False)


def cadence(w: Window) -> list[Reason]:
    """Customers whose last real contact is older than their frequency by the last day of the
    window — the one agreed with the customer, else the segment's (cadence_late). Their "date" is
    the day they fell due (never contacted: the first day)."""
    return cadence_reasons(cadence_kinds(w))


def cadence_reasons(kinds: list[tuple[tuple[str, dt.date, tuple], list[int]]]) -> list[Reason]:
    """cadence_kinds' reasons, one per customer."""
    out = []
    add = out.append
    code = C.CADENCE_DUE.value
    # each of up to a million reasons made as the tuple it is, every field given (half the cost of
    # the named tuple's constructor, which sorts out arguments and defaults)
    new, Re = tuple.__new__, Reason
    with gc_paused():
        for (words, due, facts), ids in kinds:
            for pk in ids:
                add(new(Re, (pk, code, words, due, "", facts, None)))
    return out


def cadence_kinds(w: Window) -> list[tuple[tuple[str, dt.date, tuple], list[int]]]:
    """cadence's reasons before they are made one per customer: ((detail, due day, facts), the
    customers' ids) per kind. Most of the bank's customers, in a few thousand alike kinds: each
    kind's detail, due day and facts written once and shared by its customers (they are immutable).
    A one-day build makes a reason only of the customers it plans (planner.RegularContacts)."""
    never = "尚未建立联系：建议首次邀约，了解客户需求"
    out = []
    for (last, segment_days, orientation, agreed), ids in _cadence_kinds(w):
        days = agreed or segment_days
        if last is None:
            out.append(((never, w.first, (None, days, orientation or "")), ids))
            continue
        since = (w.first - last).days
        rule = f"与客户约定每 {days} 天联系一次" if agreed else f"应每 {days} 天联系一次"
        words, due = f"已 {since} 天未联系（{rule}）", last + dt.timedelta(days=days)
        out.append(((words, due, (since, days, orientation or "")), ids))
    return out


def _cadence_kinds(w: Window) -> list[tuple[tuple, list[int]]]:
    """The customers whose regular contact is late, by kind — (the UTC date of the last contact,
    the segment's frequency, the orientation, the agreed frequency) — with their ids. On PostgreSQL
    grouped by the server: a few thousand rows of ids instead of a row per customer to send and
    turn into Python (most of what the trigger cost over the server's own work)."""
    late = cadence_late(w.policy, lambda days: dt.datetime.combine(w.last - dt.timedelta(days=days), dt.time.max,
                                                                   tzinfo=dt.UTC), inclusive=True)
    # The UTC date of the last contact, read as a date (cheaper than a datetime per customer).
    kind = (_DateOf("last_contact_at", tzinfo=dt.UTC), "segment__frequency_days", "segment__orientation",
            "agreed_contact_days")
    customers = w.customers().filter(late)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import ArrayAgg

        rows = customers.values_list(*kind).annotate(ids=ArrayAgg("pk")).order_by()
        return [(tuple(k), ids) for *k, ids in fetch_rows(rows)]
    kinds: dict[tuple, list[int]] = defaultdict(list)
    for pk, *k in customers.values_list("pk", *kind):
        kinds[tuple(k)].append(pk)
    return list(kinds.items())


def memos(w: Window) -> list[Reason]:
    first, last = w.span(C.MEMO_DUE)
    qs = w.mine(Memo.objects.filter(status=MemoStatus.OPEN, due_date__gte=first, due_date__lte=last))
    return [Reason(cid, C.MEMO_DUE, text, due, f"memo:{pk}")
            for pk, cid, text, due in qs.values_list("pk", "customer_id", "text", "due_date")]


def follow_ups(w: Window) -> list[Reason]:
    first, last = w.span(C.FOLLOW_UP)
    qs = w.mine(Interaction.objects.filter(next_contact_on__gte=first, next_contact_on__lte=last))
    return [Reason(cid, C.FOLLOW_UP, step or summary or "约定回访", due, f"interaction:{pk}")
            for pk, cid, step, summary, due in qs.values_list("pk", "customer_id", "next_step", "summary",
                                                              "next_contact_on")]


def appointments(w: Window) -> list[Reason]:
    """Meetings booked (OUT-4) come back on their day, with a confirmation call the day before."""
    first, last = w.span(C.APPOINTMENT)
    # the days as a range of instants (local midnights), not `at::date`: the index on `at` serves it
    # (a manager's page: 32–84 ms → under 1 ms among 16,000 appointments)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    qs = w.mine(Appointment.objects.filter(status=AppointmentStatus.SCHEDULED, at__gte=since, at__lt=until))
    out = []
    for pk, cid, at, place, purpose in qs.values_list("pk", "customer_id", "at", "place", "purpose"):
        local = timezone.localtime(at)
        out.append(Reason(cid, C.APPOINTMENT, f"{local:%m月%d日 %H:%M} 在{place}：{purpose}", local.date(),
                          f"appointment:{pk}", (f"{local:%H:%M}", place, purpose)))
    return out


def new_customers(w: Window) -> list[Reason]:
    """New debit/credit-card customers not contacted yet: a first-contact list (WL-8)."""
    first = w.first - dt.timedelta(days=w.rules[C.NEW_CUSTOMER].lead_days)
    rows = (w.customers().filter(account_opened_on__gte=first, account_opened_on__lte=w.last,
                                 last_contact_at__isnull=True)
            .values_list("pk", "account_opened_on", "source"))
    source = {"new_card": "新办卡客户", "payroll": "新代发工资客户", "referral": "转介绍新客户"}
    lead = dt.timedelta(days=w.rules[C.NEW_CUSTOMER].lead_days)
    return [Reason(pk, C.NEW_CUSTOMER, f"{source.get(src, '新开户客户')}（{_md(opened)}开户）", opened + lead, "",
                   (src or "", opened.isoformat()))
            for pk, opened, src in rows]


def risk_assessments(w: Window) -> list[Reason]:
    """A risk assessment about to expire (风险测评到期), by its own expiry date (the questionnaire's
    validity when it was taken). A level without an assessment row (typed on the profile, fed with
    the customer) expires the current questionnaire's validity after its date. Two queries: the
    assessments expiring in the window that are the customer's current one, and the customers whose
    level has no assessment behind it."""
    first, last = w.span(C.RISK_ASSESSMENT_EXPIRY)
    current = w.mine(RiskAssessment.objects.filter(expires_on__gte=first, expires_on__lte=last,
                                                   customer__rm__isnull=False,
                                                   assessed_on=F("customer__risk_assessed_on"),
                                                   level=F("customer__risk_level")))
    out: dict[int, Reason] = {}
    for pk, expires, level in fetch_rows(current.values_list("customer_id", "expires_on", "level")):
        out[pk] = Reason(pk, C.RISK_ASSESSMENT_EXPIRY, f"风险测评（{level}）{expires.isoformat()} 到期", expires, "",
                         (level,))
    days = dt.timedelta(days=_valid_days())
    behind = RiskAssessment.objects.filter(customer=OuterRef("pk"), assessed_on=OuterRef("risk_assessed_on"),
                                           level=OuterRef("risk_level"))
    bare = (w.customers().filter(risk_assessed_on__gte=first - days, risk_assessed_on__lte=last - days)
            .exclude(risk_level="").filter(~Exists(behind)).values_list("pk", "risk_assessed_on", "risk_level"))
    for pk, assessed, level in fetch_rows(bare):
        expires = assessed + days
        out.setdefault(pk, Reason(pk, C.RISK_ASSESSMENT_EXPIRY, f"风险测评（{level}）{expires.isoformat()} 到期",
                                  expires, "", (level,)))
    return list(out.values())


def _valid_days() -> int:
    days = (Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED)
            .values_list("valid_days", flat=True).first())
    return days or 365


def suitability_drift(w: Window) -> list[Reason]:
    """适当性: a customer assessed in the window now holds investment products above the new level
    (a lower re-assessment, or holdings core banking recorded above it): one reason on the
    assessment's date with the holdings named. One query: the customers assessed in the window
    (by their index) joined to their active holdings whose product risk is above the level."""
    first, last = w.span(C.SUITABILITY_DRIFT)
    above = Q()
    for n in range(1, 5):
        above |= Q(customer__risk_level=f"C{n}", product__risk_level__in=[f"R{k}" for k in range(n + 1, 6)])
    # (the customers assessed in the window are few and joined anyway: kept by their manager)
    holdings = Holding.objects.filter(status=HoldingStatus.ACTIVE)
    if w.manager_ids is not None:
        holdings = holdings.filter(w.of_managers("customer__rm_id"))
    rows = (holdings.filter(above, product__type__in=INVESTMENT_TYPES, customer__rm__isnull=False,
                            customer__risk_assessed_on__gte=first, customer__risk_assessed_on__lte=last)
            .order_by("customer_id", "-product__risk_level", "product__name")
            .values_list("customer_id", "customer__risk_level", "customer__risk_assessed_on", "product__name"))
    held: dict[int, tuple[str, dt.date, list[str]]] = {}
    for cid, level, assessed, product in fetch_rows(rows):
        held.setdefault(cid, (level, assessed, []))[2].append(product)
    out = []
    for cid, (level, assessed, products) in held.items():
        names = list(dict.fromkeys(products))
        detail = f"风险测评为{level}（{_md(assessed)}），{len(names)} 个持仓高于该等级：{'、'.join(names)}"
        out.append(Reason(cid, C.SUITABILITY_DRIFT, detail[:300], assessed, f"assessed:{assessed.isoformat()}",
                          (level, tuple(names))))
    return out


def opportunities(w: Window) -> list[Reason]:
    """Open sales opportunities (销售机会) come back on their follow-up date, a few days ahead. One
    whose date has passed beyond the grace comes back on the window's first day, and again after
    its cool-off while it stays open — until it is won, lost or given a new date (memo_due's shape;
    an overdue one is a state, as an overdue loan)."""
    first, last = w.span(C.OPPORTUNITY_DUE)
    qs = w.mine(Opportunity.objects.filter(stage__in=OPEN_STAGES, due_date__lte=last))
    out = []
    for pk, cid, need, due, stage, amount, product in fetch_rows(qs.values_list(
            "pk", "customer_id", "need", "due_date", "stage", "expected_amount", "product__name")):
        label = _OPPORTUNITY_STAGE_ZH.get(stage, stage)
        what = f"{need}（{product}）" if product else need
        money = f"，预计 {_money(amount)}" if amount else ""
        detail = f"销售机会（{label}）：{what}{money}，{_md(due)}应跟进"
        out.append(Reason(cid, C.OPPORTUNITY_DUE, detail, due if due >= first else w.first, f"opportunity:{pk}",
                          (need, product or "", str(amount) if amount is not None else "", stage, due.isoformat())))
    return out


def wanted_products(w: Window) -> list[Reason]:
    """wanted_product (issue 16 §4, seed 002: "we don't have it" is not "the customer doesn't
    need it"): a product of a type a customer asked for and the bank could not offer went on sale
    (added on sale, or put back on sale: Product.on_sale_since) — the customer comes back on the
    manager's list on that day (and within the grace), with the product named. Who asked: an open
    memo naming the product type, or an opportunity lost for want of such a product (no_product),
    written on or before the day it went on sale. Three queries over the whole bank: the products
    gone on sale in the window (a handful), the memos and the opportunities of their types (by
    their partial indexes); none per customer. One reason per customer and product."""
    first, last = w.span(C.WANTED_PRODUCT)
    launched = list(Product.objects.filter(is_active=True, on_sale_since__gte=first, on_sale_since__lte=last)
                    .order_by("on_sale_since", "pk").values_list("pk", "name", "type", "on_sale_since"))
    if not launched:
        return []
    types = sorted({t for _pk, _name, t, _day in launched})
    asked: dict[tuple[int, str], dt.date] = {}  # (customer, type) → the first day it was asked
    memo_rows = w.mine(Memo.objects.filter(status=MemoStatus.OPEN, product_type__in=types)).values_list(
        "customer_id", "product_type", "created_at")
    lost_rows = w.mine(Opportunity.objects.filter(no_product=True, product_type__in=types)).values_list(
        "customer_id", "product_type", "lost_at")
    for rows in (memo_rows, lost_rows):
        for cid, kind, at in rows:
            day = timezone.localdate(at) if at is not None else first
            if (cid, kind) not in asked or day < asked[(cid, kind)]:
                asked[(cid, kind)] = day
    by_type: dict[str, list[tuple[int, dt.date]]] = defaultdict(list)
    for (cid, kind), day in asked.items():
        by_type[kind].append((cid, day))
    label = _product_type_zh()
    out = []
    for pk, name, kind, since in launched:
        for cid, day in by_type.get(kind, ()):
            if day > since:  # asked after it was on sale: not a need the bank could not meet
                continue
            detail = f"客户曾于{_md(day)}问过{label.get(kind, kind)}（当时我行暂无）：现已上线“{name}”"
            out.append(Reason(cid, C.WANTED_PRODUCT, detail, since, f"product:{pk}", (name, kind, day.isoformat())))
    return out


def _product_type_zh() -> dict[str, str]:
    """The product types in the bank's Chinese, for the stored detail."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return {code: str(label) for code, label in ProductType.choices}


# --- complaints (SVC-1) -----------------------------------------------------------------------------

#: The branch head is told of a complaint this many days before its decision is due (and when overdue).
COMPLAINT_ESCALATE_DAYS = 3
#: The care call after a complaint is decided comes this many days after the decision (seed 002).
COMPLAINT_CARE_AFTER_DAYS = 3


def complaints_due(w: Window) -> list[Reason]:
    """complaint_due on the complaint OWNER's list (addressed: the owner usually keeps no book of
    this customer), a few days before the regulator's deadline and every day once it has passed;
    and, from COMPLAINT_ESCALATE_DAYS before the deadline or overdue, on the list of the branch head
    of the customer's branch (escalated, with the owner named) unless the head is the owner or one
    of the staff concerned. A complaint waiting on an appraisal is not due (its clock stands still).
    Open complaints are few: three queries over them, none per complaint."""
    from banyan.org.models import Role, Staff
    from banyan.service.models import Complaint, ComplaintStatus

    first, last = w.span(C.COMPLAINT_DUE)
    rows = list(Complaint.objects.filter(status=ComplaintStatus.OPEN, due_date__lte=last).values_list(
        "pk", "customer_id", "owner_id", "branch_id", "due_date", "category__name", "received_at", "owner__full_name"))
    if not rows:
        return []
    wanted = None if w.manager_ids is None else set(w.manager_ids)
    heads: dict[int, list[int]] = defaultdict(list)
    for pk, branch in Staff.objects.filter(role=Role.BRANCH_HEAD, is_active=True).values_list("pk", "branch_id"):
        heads[branch].append(pk)
    near = [r for r in rows if (r[4] - w.first).days <= COMPLAINT_ESCALATE_DAYS]
    concerned = set(Complaint.staff_concerned.through.objects.filter(complaint_id__in=[r[0] for r in near])
                    .values_list("complaint_id", "staff_id")) if near else set()
    out = []
    for pk, cid, owner, branch, due, category, received, owner_name in rows:
        day = due if due >= w.first else w.first  # overdue: due again every day until decided
        got = timezone.localdate(received)
        detail = f"投诉（{category}）{_md(got)}受理，{_md(due)}前须作出处理决定"
        if wanted is None or owner in wanted:
            out.append(Reason(cid, C.COMPLAINT_DUE, detail, day, f"complaint:{pk}",
                              (category, got.isoformat(), ""), owner))
        if (due - w.first).days > COMPLAINT_ESCALATE_DAYS:
            continue
        for head in heads.get(branch, ()):
            if head != owner and (pk, head) not in concerned and (wanted is None or head in wanted):
                out.append(Reason(cid, C.COMPLAINT_DUE, f"{detail}；由{owner_name}处理——已升级至您", day,
                                  f"complaint:{pk}:head", (category, got.isoformat(), owner_name), head))
    return out


def complaints_care(w: Window) -> list[Reason]:
    """complaint_care: a few days after a complaint is decided, a care call on the list of the
    customer's manager (seed 002: the complaint handled well makes a loyal customer) — a service
    call, sensitive: no marketing in it (reasons.SENSITIVE)."""
    from banyan.service.models import Complaint, ComplaintStatus

    first, last = w.span(C.COMPLAINT_CARE)
    after = dt.timedelta(days=COMPLAINT_CARE_AFTER_DAYS)
    qs = w.mine(Complaint.objects.filter(status=ComplaintStatus.RESOLVED, decided_on__gte=first - after,
                                         decided_on__lte=last - after))
    out = []
    for pk, cid, decided, category in qs.values_list("pk", "customer_id", "decided_on", "category__name"):
        detail = f"投诉（{category}）已于{_md(decided)}处理完毕，回访关怀"
        out.append(Reason(cid, C.COMPLAINT_CARE, detail, decided + after, f"complaint:{pk}:care",
                          (category, decided.isoformat())))
    return out


#: The stages in the stored (Chinese) detail; the reader's language is written from the facts.
_OPPORTUNITY_STAGE_ZH = {"open": "待跟进", "contacted": "已联系", "proposed": "已提方案"}


# --- referrals (SVC-2) ------------------------------------------------------------------------------


def referrals(w: Window) -> list[Reason]:
    """referral: a person referred to the customer's own manager (a prospect written into the
    receiver's book, a customer on file, a walk-in passed to the manager) and not contacted since —
    the first contact, on the receiver's list from the day it was sent until the grace runs out or
    the referral is declined, timed out or closed. A hand-off to a colleague who does not keep the
    customer is on that colleague's 我收到的转介, not on a worklist. One query."""
    from banyan.service.models import OPEN_REFERRAL_STATUSES, Referral

    first, last = w.span(C.REFERRAL)
    qs = w.mine(Referral.objects.filter(status__in=OPEN_REFERRAL_STATUSES, receiver_id=F("customer__rm_id"),
                                        created_at__date__gte=first, created_at__date__lte=last)
                .filter(Q(customer__last_contact_at__isnull=True) | Q(customer__last_contact_at__lt=F("created_at"))))
    out = []
    for pk, cid, created, need, referrer, sender_name, sender in qs.values_list(
            "pk", "customer_id", "created_at", "need", "referrer_customer__name", "sender__full_name",
            "sender__username"):
        day = timezone.localdate(created)
        who = referrer or sender_name or sender
        out.append(Reason(cid, C.REFERRAL, f"{who}转介绍：{need}", day if day >= w.first else w.first,
                          f"referral:{pk}", (who, need)))
    return out


#: A conversion as the thanks' facts name it (banyan.worklists.talking's referral outcomes).
_REFERRAL_OUTCOME = {"account": "customer", "sale": "sale"}
_REFERRAL_OUTCOME_ZH = {"account": "已开户", "sale": "已成交"}


def referral_thanks(w: Window) -> list[Reason]:
    """referral_thanks: the customer who referred, on their own manager's list, when the referral
    converted (the referred opened an account or bought) — until the referrer is contacted after
    it or the grace runs out. One query."""
    from banyan.service.models import Referral

    first, last = w.span(C.REFERRAL_THANKS)
    qs = Referral.objects.order_by("pk").filter(referrer_customer__rm__isnull=False, converted_at__date__gte=first,
                                                converted_at__date__lte=last).filter(
        Q(referrer_customer__last_contact_at__isnull=True)
        | Q(referrer_customer__last_contact_at__lt=F("converted_at")))
    if w.manager_ids is not None:
        qs = qs.filter(w.of_managers("referrer_customer__rm_id"))
    out = []
    for pk, referrer, converted, referred, conversion in qs.values_list(
            "pk", "referrer_customer_id", "converted_at", "customer__name", "conversion"):
        day = timezone.localdate(converted)
        out.append(Reason(referrer, C.REFERRAL_THANKS,
                          f"感谢转介绍{referred}（{_REFERRAL_OUTCOME_ZH.get(conversion, '已转化')}）",
                          day if day >= w.first else w.first, f"referral:{pk}:thanks",
                          (referred, _REFERRAL_OUTCOME.get(conversion, "won"))))
    return out


# --- client events (EVT-3, EVT-4) -----------------------------------------------------------------


def event_invitations(w: Window) -> list[Reason]:
    """event_invitation: a guest invited to an event still open and not yet answered (or who said
    maybe), on the inviting manager's list ahead of the reminder day — the day before the event —
    and never after the event has started. One query."""
    from banyan.events.models import INVITING, Answer, Invitation

    first, last = w.span(C.EVENT_INVITATION)
    qs = Invitation.objects.order_by("pk").filter(  # (Window.mine)
        event__status__in=INVITING, answer__in=(Answer.INVITED, Answer.MAYBE),
        event__starts_at__date__gte=first + dt.timedelta(days=1),
        event__starts_at__date__lte=last + dt.timedelta(days=1))
    if w.manager_ids is not None:
        qs = qs.filter(w.of_managers("manager_id"))
    out = []
    for pk, cid, manager, rm, name, kind, starts, place in qs.values_list(
            "pk", "customer_id", "manager_id", "customer__rm_id", "event__name", "event__type", "event__starts_at",
            "event__place"):
        local = timezone.localtime(starts)
        day = local.date() - dt.timedelta(days=1)
        detail = f"活动邀约：{name}，{_md(local.date())} {local:%H:%M}，{place}，尚未答复"
        out.append(Reason(cid, C.EVENT_INVITATION, detail, day if day >= w.first else w.first, f"event:{pk}:invitation",
                          (name, kind, local.date().isoformat(), f"{local:%H:%M}", place),
                          None if manager == rm else manager))
    return out


def event_follow_ups(w: Window) -> list[Reason]:
    """event_follow_up: every guest who came to an event now held, and every one who said yes and
    did not come, on the inviting manager's list by the event's follow-up day (the event's
    follow_up_days after it) — until the guest is contacted after the event (the attendance
    itself does not count) or the grace runs out. One query."""
    from banyan.events.models import Answer, EventStatus, Invitation

    first, last = w.span(C.EVENT_FOLLOW_UP)
    contacted = Interaction.objects.filter(customer_id=OuterRef("customer_id"),
                                           occurred_at__gt=OuterRef("event__ends_at")).exclude(channel="event")
    qs = (Invitation.objects.order_by("pk")
          .filter(event__status__in=(EventStatus.HELD, EventStatus.REVIEWED),
                  event__starts_at__date__gte=first - dt.timedelta(days=30), event__starts_at__date__lte=last)
          .filter(Q(checked_in_at__isnull=False) | Q(answer=Answer.ACCEPTED))
          .filter(~Exists(contacted)))
    if w.manager_ids is not None:
        qs = qs.filter(w.of_managers("manager_id"))
    out = []
    for pk, cid, manager, rm, name, kind, theme, starts, days, came in qs.values_list(
            "pk", "customer_id", "manager_id", "customer__rm_id", "event__name", "event__type", "event__theme",
            "event__starts_at", "event__follow_up_days", "checked_in_at"):
        due = timezone.localdate(starts) + dt.timedelta(days=days)
        if not first <= due <= last:
            continue
        attended = came is not None
        detail = f"活动后跟进：{'参加了' if attended else '报名未到'}“{name}”，主题：{theme or name}"
        out.append(Reason(cid, C.EVENT_FOLLOW_UP, detail, due if due >= w.first else w.first, f"event:{pk}:follow_up",
                          (name, kind, theme or name, attended), None if manager == rm else manager))
    return out


TRIGGERS: tuple[Callable[[Window], list[Reason]], ...] = (
    birthdays, festivals, anniversaries, maturities, card_repayments, loans_overdue, nav_moves_and_dividends,
    profit_and_loss_limits, large_flows, cadence, memos, follow_ups, appointments, new_customers, risk_assessments,
    opportunities, wanted_products, suitability_drift, complaints_due, complaints_care, referrals, referral_thanks,
    event_invitations, event_follow_ups,
)


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector for a bank-wide build: it makes hundreds of thousands
    of small objects (reasons, facts, planned tasks) that all live until the build ends, and the
    collector would walk them again and again for nothing — none of them is in a cycle. A quarter
    of a 200,000-customer build's time. Restored afterwards, also when nested."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def collect(w: Window) -> list[Reason]:
    """Every trigger's reasons, of the reason codes the bank has not turned off."""
    before, kinds, after = collect_by_kind(w)
    return [*before, *cadence_reasons(kinds), *after]


def collect_by_kind(w: Window) -> tuple[list[Reason], list, list[Reason]]:
    """collect's reasons, with cadence's by kind (cadence_kinds; none when the bank turned regular
    contacts off): (the reasons of the triggers before cadence, its kinds, those after) — in
    collect's order once cadence's reasons are made and put between."""
    enabled = {code for code, rule in w.rules.items() if rule.weight > 0}
    at = TRIGGERS.index(cadence)
    with gc_paused():
        before = [r for trigger in TRIGGERS[:at] for r in trigger(w) if r.code in enabled]
        kinds = cadence_kinds(w) if C.CADENCE_DUE in enabled else []
        after = [r for trigger in TRIGGERS[at + 1:] for r in trigger(w) if r.code in enabled]
    return before, kinds, after
