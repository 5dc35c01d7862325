"""A demo customer's holdings: consistent with the target AUM, the risk level (适当性), the age and
the work; with the details a sale records (seed 000 销售维护)."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from banyan.customers.models import Customer
from banyan.demo.people import TIER_AFFLUENT, TIER_GOLD, TIER_SAVER, TIER_WEALTHY, Person, Registry, add_years
from banyan.holdings.models import NAV_TYPES, Holding, Product, account_search_key

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")


@dataclass
class Market:
    """The catalogue as created, with its NAV history (business days, NAV per product per day)."""

    products: dict[str, Product]
    days: list[dt.date]
    navs: dict[str, list[Decimal]]
    today: dt.date
    fell_from: dict[str, dt.date]  # funds that fell lately: the day the fall began

    def nav_on(self, code: str, day: dt.date) -> Decimal:
        """The NAV published on `day` or the last business day before it."""
        k = bisect.bisect_right(self.days, day) - 1
        return self.navs[code][max(k, 0)]

    def trade_day(self, rng: random.Random, earliest: dt.date, until: dt.date | None = None) -> dt.date:
        """A random NAV business day from `earliest` (the last one at the latest) to `until`."""
        last = len(self.days) - 1 if until is None else max(0, bisect.bisect_right(self.days, until) - 1)
        first = min(bisect.bisect_left(self.days, earliest), last)
        return self.days[rng.randint(first, last)]


def level_of(risk: str) -> int:
    return int(risk[1]) if risk else 0


def _round(value: float, step: int, minimum: int) -> Decimal:
    return Decimal(max(minimum, int(round(value / step)) * step))


def current_value(product: Product, amount: Decimal, units: Decimal | None) -> Decimal:
    """As holdings.services computes it: units × latest NAV for NAV products, the amount otherwise."""
    if product.type in NAV_TYPES and units is not None and product.latest_nav is not None:
        return (units * product.latest_nav).quantize(CENT)
    return amount


class PortfolioMaker:
    def __init__(self, rng: random.Random, market: Market, registry: Registry) -> None:
        self.rng, self.market, self.registry = rng, market, registry
        self.today = market.today

    # -- one holding ---------------------------------------------------------------------------
    def _holding(self, c: Customer, code: str, amount: Decimal, purchase: dt.date, **fields) -> Holding:
        product = self.market.products[code]
        h = Holding(customer_id=c.pk, product=product, amount=amount, purchase_date=purchase,
                    risk_level_at_sale=c.risk_level, **fields)
        if h.units is None and h.cost_price and product.type in NAV_TYPES:
            h.units = (amount / h.cost_price).quantize(UNIT)
        h.current_value = current_value(product, amount, h.units)
        h.account_no_reversed = account_search_key(h.account_no)  # as the services keep it: found by its tail
        return h

    def _account(self, kind: str, branch: str) -> str:
        if kind == "card":  # UnionPay debit card, 19 digits with a Luhn check digit
            return self.registry.account(self.rng, "621785", 19, luhn=True)
        if kind == "credit":  # UnionPay credit card, 16 digits
            return self.registry.account(self.rng, "625810", 16, luhn=True)
        if kind == "invest":  # wealth / fund / bond / gold trading account
            return self.registry.account(self.rng, "8801" + branch, 16)
        if kind == "policy":
            return self.registry.account(self.rng, "8602", 18)
        return self.registry.account(self.rng, "3301" + branch + ("9" if kind == "loan" else "1"), 19)

    def _window(self, opened: dt.date, term: int | None) -> tuple[dt.date, dt.date]:
        """Purchase dates that keep a term product active today and never precede the account."""
        last = self.today - dt.timedelta(days=1)
        first = opened if term is None else max(opened, self.today - dt.timedelta(days=term - 1))
        return min(first, last), last

    def _day(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    # -- one customer --------------------------------------------------------------------------
    def build(self, p: Person, c: Customer, opened: dt.date) -> list[Holding]:
        rng = self.rng
        branch = c.branch.code
        level = level_of(c.risk_level)
        target = p.target
        out: list[Holding] = []

        if target < 3_000:
            demand_share = 1.0
        elif p.tier <= 1:
            demand_share = rng.uniform(0.3, 0.8)
        elif p.tier <= TIER_AFFLUENT:
            demand_share = rng.uniform(0.1, 0.4)
        else:
            demand_share = rng.uniform(0.03, 0.15)
        demand = target * demand_share
        rest = target - demand

        weights = self._category_weights(p, c, level, target)
        count = {0: 1, 1: 1, 2: rng.choice([1, 2]), 3: rng.choice([2, 3]), 4: rng.choice([2, 3, 4])}.get(
            p.tier, rng.choice([3, 4, 5, 6]))
        chosen: list[str] = []
        pool = dict(weights)
        while pool and len(chosen) < count and rest > 0:
            cat = rng.choices(list(pool), weights=list(pool.values()))[0]
            chosen.append(cat)
            del pool[cat]
        shares = [weights[cat] * rng.uniform(0.5, 1.5) for cat in chosen]
        total_share = sum(shares) or 1.0
        for cat, share in zip(chosen, shares, strict=True):
            amount = rest * share / total_share
            pieces = 1 if p.tier < TIER_GOLD or cat in ("insurance", "bond") else rng.choice([1, 2, 2, 3])
            parts = [rng.uniform(0.5, 1.5) for _k in range(pieces)]
            for part in parts:
                piece = amount * part / sum(parts)
                made = self.invest(cat, p, c, opened, level, piece, branch)
                if made is None:
                    demand += piece  # too small for the product: it stays on the card
                else:
                    out.append(made)

        # Everyone has a debit card with a demand balance; some rich keep a 7-day call deposit.
        if p.tier >= TIER_WEALTHY and demand > 100_000 and rng.random() < 0.3:
            call = demand * rng.uniform(0.4, 0.7)
            demand -= call
            out.append(self._holding(c, "DD-7D", _round(call, 1000, 50_000), self._day(opened, self.today),
                                     account_no=self._account("deposit", branch), expected_return_pct=Decimal("0.45")))
        out.insert(0, self._holding(c, "DD-SAV", Decimal(str(round(max(demand, 0.0), 2))), opened,
                                    account_no=self._account("card", branch), expected_return_pct=Decimal("0.10")))
        out += self._liabilities(p, c, opened, branch)
        return out

    def _category_weights(self, p: Person, c: Customer, level: int, target: float) -> dict[str, float]:
        rng = self.rng
        w: dict[str, float] = {"td": 5.0 if level <= 2 else (3.0 if level == 3 else 2.0)}
        if p.age >= 55:
            w["td"] += 2
        if level >= 1 and target >= 10_000:
            w["wm"] = 2.0 if level == 1 else 3.0
        if level >= 2 and target >= 5_000:
            w["fund"] = {2: 0.5, 3: 2.0, 4: 3.0, 5: 4.0}[level]
        if target >= 30_000 and 28 <= p.age <= 65 and rng.random() < 0.35:
            w["insurance"] = 1.0
        if target >= 20_000 and p.age >= 45 and rng.random() < 0.35:
            w["bond"] = 1.2
        if level >= 2 and target >= 20_000 and rng.random() < 0.25:
            w["pm"] = 0.8
        return w

    def invest(self, cat: str, p: Person, c: Customer, opened: dt.date, level: int, amount: float,
               branch: str) -> Holding | None:
        """One holding of a category ("td", "wm", "fund", "insurance", "bond", "pm") worth about
        `amount`, suitable for risk level `level` (0 = not assessed); None when too small."""
        rng, m = self.rng, self.market
        if cat == "td":
            if amount < 50:
                return None
            code = "CD-3Y" if amount >= 200_000 and rng.random() < 0.5 else rng.choices(
                ["TD-3M", "TD-6M", "TD-1Y", "TD-2Y", "TD-3Y", "TD-5Y"], weights=[2, 2, 4, 1.5, 3, 1])[0]
            product = m.products[code]
            first, last = self._window(opened, product.term_days)
            purchase = self._day(first, last)
            step = 1000 if amount >= 10_000 else 100
            return self._holding(c, code, _round(amount, step, 50), purchase,
                                 maturity_date=purchase + dt.timedelta(days=product.term_days),
                                 auto_rollover=rng.random() < 0.35, account_no=self._account("deposit", branch),
                                 expected_return_pct=product.expected_yield)
        if cat == "wm":
            options = ["WM-CASH"] if level == 1 or amount < 10_000 else (
                ["WM-CASH", "WM-90", "WM-180", "WM-365"] + (["WM-PLUS"] if level >= 3 else []))
            code = rng.choice(options)
            product = m.products[code]
            first, _last = self._window(max(opened, m.days[0]), product.term_days)
            purchase = m.trade_day(rng, first)
            return self._holding(
                c, code, _round(amount, 1000 if amount >= 10_000 else 100, 100), purchase,
                cost_price=m.nav_on(code, purchase), expected_return_pct=product.expected_yield,
                maturity_date=purchase + dt.timedelta(days=product.term_days) if product.term_days else None,
                account_no=self._account("invest", branch), sold_by_id=c.rm_id)
        if cat == "fund":
            if amount < 1_000:
                return None
            by_risk = {2: ["FD-BOND"], 3: ["FD-BAL", "FD-DIV"], 4: ["FD-300", "FD-MED"], 5: ["FD-NEV", "FD-TECH"]}
            allowed = [code for r in range(2, level + 1) for code in by_risk[r]]
            if level < 5 and rng.random() < 0.01:  # a rare unsuitable sale, for the suitability check to find
                allowed = by_risk[min(5, level + 2)]
            # Customers buy what fits their level, and last year's hot themes sold well.
            code = rng.choices(allowed, weights=[1 + (m.products[a].risk_level == f"R{level}") + 2 * (a in m.fell_from)
                                                 for a in allowed])[0]
            purchase = m.trade_day(rng, max(opened, m.days[0]))
            peak = m.fell_from.get(code)
            if peak and opened <= peak and rng.random() < 0.6:
                # Most buyers of a hot fund came in during the run-up (追涨), just before it turned.
                purchase = m.trade_day(rng, max(opened, peak - dt.timedelta(days=50)), until=peak)
            return self._holding(
                c, code, _round(amount, 100, 1000), purchase, cost_price=m.nav_on(code, purchase),
                take_profit_pct=Decimal(rng.choice([10, 15, 20, 25, 30])) if rng.random() < 0.7 else None,
                stop_loss_pct=Decimal(rng.choice([5, 8, 10, 10, 15])) if rng.random() < 0.7 else None,
                expected_return_pct=Decimal(rng.choice(["4.00", "6.00", "8.00"])), account_no=self._account(
                    "invest", branch), sold_by_id=c.rm_id)
        if cat == "insurance":
            code = rng.choice(["IN-ANN", "IN-LIFE"]) if amount >= 20_000 else "IN-CI"
            product = m.products[code]
            purchase = self._day(max(opened, self.today - dt.timedelta(days=6 * 365)),
                                 self.today - dt.timedelta(days=1))
            premium = _round(min(amount, 20_000) if code == "IN-CI" else amount, 1000, 3000)
            return self._holding(c, code, premium, purchase, expected_return_pct=product.expected_yield,
                                 maturity_date=purchase + dt.timedelta(days=product.term_days) if product.term_days
                                 else None, account_no=self._account("policy", branch), sold_by_id=c.rm_id)
        if cat == "bond":
            code = rng.choice(["BD-SAV3", "BD-SAV5"] + (["BD-ZJ"] if level >= 2 else []))
            product = m.products[code]
            first, last = self._window(opened, product.term_days)
            purchase = self._day(first, last).replace(day=10)  # savings bonds are issued on the 10th
            if purchase < first:
                purchase = (purchase.replace(day=28) + dt.timedelta(days=5)).replace(day=10)
            if purchase > last:
                purchase = last
            return self._holding(c, code, _round(amount, 100, 100), purchase,
                                 maturity_date=add_years(purchase, product.term_days // 365),
                                 expected_return_pct=product.expected_yield, account_no=self._account("invest", branch),
                                 sold_by_id=c.rm_id)
        if cat == "pm":
            code = "PM-GOLD" if level >= 3 and rng.random() < 0.7 else "PM-BAR"
            purchase = m.trade_day(rng, max(opened, m.days[0]))
            cost = m.nav_on(code, purchase)
            if code == "PM-BAR":
                grams = max(10, min(1000, int(amount / float(cost) / 10) * 10))
                units = Decimal(grams)
                value = (units * cost).quantize(CENT)
            else:
                units = (Decimal(str(max(amount, float(cost)))) / cost).quantize(UNIT)
                value = (units * cost).quantize(CENT)
            return self._holding(c, code, value, purchase, cost_price=cost, units=units,
                                 take_profit_pct=Decimal(30) if rng.random() < 0.3 else None,
                                 account_no=self._account("invest", branch), sold_by_id=c.rm_id)
        raise ValueError(cat)

    def _liabilities(self, p: Person, c: Customer, opened: dt.date, branch: str) -> list[Holding]:
        rng, today = self.rng, self.today
        out: list[Holding] = []
        if 28 <= p.age <= 58 and p.tier >= 1 and rng.random() < (0.25 if p.marital == "married" else 0.1):
            years = rng.choice([20, 25, 30])
            start = self._day(max(opened, today - dt.timedelta(days=365 * min(15, p.age - 25))),
                              today - dt.timedelta(days=40))
            principal = _log_uniform_int(rng, 300_000, 2_500_000 if p.tier >= TIER_SAVER else 1_200_000)
            elapsed = (today - start).days / (365 * years)
            balance = _round(principal * (1 - elapsed) ** 0.85, 100, 1000)
            out.append(self._loan(c, "LN-HOUSE", balance, start, add_years(start, years), branch))
        if p.work.kind in ("owner", "shopkeeper") and rng.random() < 0.35:
            term = rng.choice([1, 1, 3])
            start = self._day(max(opened, today - dt.timedelta(days=365 * term - 1)), today - dt.timedelta(days=1))
            high = 3_000_000 if p.work.kind == "owner" else 500_000
            out.append(self._loan(c, "LN-BIZ", _round(_log_uniform_int(rng, 50_000, high), 1000, 10_000), start,
                                  add_years(start, term), branch))
        if 22 <= p.age <= 55 and rng.random() < 0.05:
            term = rng.choice([1, 2, 3])
            start = self._day(max(opened, today - dt.timedelta(days=365 * term - 1)), today - dt.timedelta(days=1))
            out.append(self._loan(c, "LN-CONS", _round(_log_uniform_int(rng, 20_000, 200_000), 1000, 5000), start,
                                  add_years(start, term), branch))
        if 20 <= p.age <= 70 and rng.random() < (0.45 if p.age < 50 else 0.2):
            out.append(self._credit_card(p, c, opened))
        return out

    def _loan(self, c: Customer, code: str, balance: Decimal, start: dt.date, maturity: dt.date,
              branch: str) -> Holding:
        overdue = 0
        if self.rng.random() < 0.03:
            overdue = self.rng.choice([3, 5, 12, 17, 31, 46, 75])
        return self._holding(c, code, balance, start, maturity_date=maturity, overdue_days=overdue,
                             expected_return_pct=self.market.products[code].expected_yield,
                             account_no=self._account("loan", c.branch.code))

    def _credit_card(self, p: Person, c: Customer, opened: dt.date) -> Holding:
        rng, today = self.rng, self.today
        platinum = p.tier >= TIER_WEALTHY
        limit = Decimal(rng.choice([50_000, 80_000, 100_000, 150_000, 200_000]) if platinum
                        else rng.choice([8_000, 10_000, 15_000, 20_000, 30_000, 50_000]))
        balance = Decimal(0) if rng.random() < 0.2 else (limit * Decimal(str(round(rng.uniform(0.02, 0.7), 2)))
                                                          ).quantize(CENT)
        statement_day = rng.choice([1, 5, 10, 15, 20, 25])
        statement = today.replace(day=statement_day) if today.day >= statement_day else (
            (today.replace(day=1) - dt.timedelta(days=1)).replace(day=statement_day))
        minimum = max(Decimal(100), (balance / 10).quantize(CENT)) if balance > 0 else Decimal(0)
        issued = self._day(max(opened, today - dt.timedelta(days=8 * 365)), today - dt.timedelta(days=30))
        return self._holding(c, "CC-PLAT" if platinum else "CC-GOLD", balance, issued, credit_limit=limit,
                             statement_date=statement, payment_due_date=statement + dt.timedelta(days=20),
                             minimum_payment=min(minimum, balance), account_no=self._account("credit", ""))


def _log_uniform_int(rng: random.Random, low: int, high: int) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


#: Categories of `PortfolioMaker.invest`: the product type each makes, and the lowest risk level
#: (C1 = 1, not assessed = 0) that may hold one.
CATEGORIES = {"td": ("time_deposit", 0), "wm": ("wealth", 1), "fund": ("fund", 2), "insurance": ("insurance", 0),
              "bond": ("bond", 0), "pm": ("precious_metal", 2)}


def cover_every_type(maker: PortfolioMaker, people: list[Person], rows: list[Customer], opened: dict[int, dt.date],
                     holdings_of: list[list[Holding]]) -> None:
    """Every type of the catalogue is held by someone, even in a bank of a few dozen customers:
    the richest suitable customer without one takes a position, paid from the demand balance."""
    held = {h.product.type for hs in holdings_of for h in hs}
    by_wealth = sorted(range(len(people)), key=lambda i: (-people[i].target, i))
    for cat, (product_type, lowest) in CATEGORIES.items():
        if product_type in held:
            continue
        for i in by_wealth:
            p, c = people[i], rows[i]
            card = holdings_of[i][0]  # the debit card's demand balance comes first
            level = level_of(c.risk_level)
            if level < lowest or card.amount < 20_000:
                continue
            made = maker.invest(cat, p, c, opened[i], level, float(card.amount) * 0.3, c.branch.code)
            if made is None or made.amount > card.amount:
                continue
            card.amount = card.current_value = card.amount - made.amount
            holdings_of[i].append(made)
            break
