"""财富诊断 (wealth diagnosis, WEA-2): one customer's wealth as of a date, against the bank's model
portfolio for the customer's risk level.

`diagnose(customer, as_of=…)` reads what it needs in a fixed handful of queries, whatever the number
of holdings — the holdings with their products, the model portfolio, the monthly spending, the
assessment's validity, the AUM trend — then `compute()` does the rest in Python, purely: the page,
the API, the PDF and the batch all read the same `Diagnosis`.

What "as of" means: the holdings are those active now and bought on or before the date, at their
latest known values (core banking sends no past values of a holding). The date moves every window:
the maturities counted from it (30 and 90 days, the ladder), the assessment's validity on it, and
the AUM trend's last month.

Liquidity: liquid assets are demand deposits and T+0 products (a wealth product or fund of risk R1
with no term — 现金管理类、货币基金); the customer should keep `liquid_months_min`–`_max` months of
spending liquid (the model portfolio's rule, 3–6 by default). Spending is nowhere in core banking's
data and the profile holds no income to estimate it from, so the manager asks the customer and
records it on the diagnosis page (CustomerSpending); until then the months covered are unknown and
the diagnosis says so instead of guessing.

Nothing here promises a return: expected returns are the products' own published figures (业绩
比较基准), shown beside what a holding has done so far.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from banyan import clock
from banyan.holdings.models import LIABILITY_TYPES, NAV_TYPES, AumSnapshot, Holding, HoldingStatus, ProductType
from banyan.wealth.models import ASSET_CLASSES, AssetClass, CustomerSpending, ModelPortfolio

ZERO = Decimal("0")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")

#: A single product, issuer or holding above this share of AUM is named as a concentration.
#: Deposits are left out of the issuer test (the bank itself, insured up to 500,000 yuan).
CONCENTRATION_PCT = Decimal("50")
#: An asset class or risk level this many points off its target is named in the findings.
GAP_POINTS = Decimal("10")
#: An assessment ending within this many days is named (the worklist warns as well).
EXPIRY_WARNING_DAYS = 30
#: A return is annualised only after this many days held (a week's move, annualised, means nothing).
ANNUALISE_AFTER_DAYS = 30
#: The maturity ladder's reach.
LADDER_MONTHS = 12
LADDER_QUARTERS = 4

CLASS_OF_TYPE = {t: cls for cls, types in ASSET_CLASSES.items() for t in types}


def pct_of(part: Decimal, whole: Decimal) -> Decimal:
    """Percent with one decimal (25.3), 0 of nothing."""
    if not whole:
        return ZERO.quantize(TENTH)
    return (part * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def is_liquid(product) -> bool:
    """Money the customer can take out today: a demand deposit, or a T+0 product (a wealth product
    or fund of risk R1 without a term: cash management, money-market funds)."""
    if product.type == ProductType.DEMAND_DEPOSIT:
        return True
    return product.type in (ProductType.WEALTH, ProductType.FUND) and product.risk_level == "R1" \
        and not product.term_days


# ------------------------------------------------------------------ the result

@dataclass(frozen=True)
class Slice:
    """One row of an allocation: a risk level (R1–R5) or an asset class."""

    key: str
    label: str
    amount: Decimal
    pct: Decimal
    target_pct: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        return None if self.target_pct is None else self.pct - self.target_pct

    @property
    def off_target(self) -> bool:
        """At least GAP_POINTS away from the target (named in the findings)."""
        return self.gap is not None and abs(self.gap) >= GAP_POINTS


@dataclass(frozen=True)
class Liquidity:
    liquid: Decimal
    monthly_spending: Decimal | None
    months_min: int
    months_max: int
    maturing_30: Decimal
    maturing_90: Decimal

    @property
    def months_covered(self) -> Decimal | None:
        if not self.monthly_spending:
            return None
        return (self.liquid / self.monthly_spending).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def need_min(self) -> Decimal | None:
        return None if not self.monthly_spending else (self.monthly_spending * self.months_min).quantize(CENT)

    @property
    def need_max(self) -> Decimal | None:
        return None if not self.monthly_spending else (self.monthly_spending * self.months_max).quantize(CENT)

    @property
    def status(self) -> str:
        """short (below the band), ok, idle (above it: money that could work harder), unknown."""
        months = self.months_covered
        if months is None:
            return "unknown"
        if months < self.months_min:
            return "short"
        if months > self.months_max:
            return "idle"
        return "ok"


@dataclass(frozen=True)
class Share:
    """The largest product, issuer or holding: what it is and its share of AUM."""

    name: str
    amount: Decimal
    pct: Decimal
    code: str = ""
    holding_id: int | None = None

    @property
    def concentrated(self) -> bool:
        return self.pct > CONCENTRATION_PCT


@dataclass(frozen=True)
class Concentration:
    product: Share | None
    issuer: Share | None
    holding: Share | None
    products: int  # how many different products


@dataclass(frozen=True)
class Bucket:
    """A month (2026-12) or a quarter (2027Q1) of the maturity ladder; `later` for beyond it."""

    label: str
    start: dt.date | None
    end: dt.date | None
    amount: Decimal
    count: int


@dataclass(frozen=True)
class Maturing:
    holding_id: int
    product_code: str
    product_name: str
    date: dt.date
    days: int
    amount: Decimal
    auto_rollover: bool


@dataclass(frozen=True)
class Maturities:
    next_30: Decimal
    next_90: Decimal
    by_month: list[Bucket]
    by_quarter: list[Bucket]
    later: Decimal
    items: list[Maturing]


@dataclass(frozen=True)
class HoldingReturn:
    """A holding's return so far against its expected return and the customer's own band.

    status: take_profit / stop_loss (the customer's line reached), below_expected (annualised return
    under the expected one), on_track, fixed (a deposit or bond paying its agreed rate), unknown."""

    holding_id: int
    product_code: str
    product_name: str
    product_type: str
    risk_level: str
    amount: Decimal
    current_value: Decimal
    purchase_date: dt.date
    days_held: int
    return_pct: Decimal | None
    annualised_pct: Decimal | None
    expected_pct: Decimal | None
    take_profit_pct: Decimal | None
    stop_loss_pct: Decimal | None
    status: str
    #: The product's published benchmark or rate (业绩比较基准 / 利率): what the customer's copy shows,
    #: never the expectation recorded at the sale.
    benchmark_pct: Decimal | None = None


@dataclass(frozen=True)
class Gap:
    """A suitability gap: the assessment (missing, expired, ending soon) or a holding above the
    customer's current level — `drift` when it was within the level when sold."""

    code: str  # no_assessment, assessment_expired, assessment_expiring, above_level, drift
    message: str
    holding_id: int | None = None
    product_code: str = ""
    product_name: str = ""
    product_level: str = ""
    customer_level: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    """What the diagnosis says in words (the page's and the PDF's remarks): facts and the bank's
    rule, never a promise."""

    code: str
    message: str

    @property
    def warning(self) -> bool:
        return self.code in WARNING_FINDINGS


#: Findings that ask for the manager's (and the customer's) attention first.
WARNING_FINDINGS = frozenset({"liquidity_short", "stop_loss", "assessment_expired", "no_assessment", "above_level",
                              "drift", "concentration", "issuer_concentration"})


@dataclass
class Diagnosis:
    customer_id: int
    as_of: dt.date
    level: str
    model: ModelPortfolio | None
    aum: Decimal
    other_bank_assets: Decimal | None
    allocation: list[Slice]
    allocation_by_class: list[Slice]
    liquidity: Liquidity
    concentration: Concentration
    maturities: Maturities
    returns: list[HoldingReturn]
    gaps: list[Gap]
    findings: list[Finding]
    trend: list[tuple[dt.date, Decimal]]
    assessed_on: dt.date | None = None
    expires_on: dt.date | None = None
    offers: list[dict] = field(default_factory=list)
    holdings: int = 0

    @property
    def total_known(self) -> Decimal:
        """Assets with us and, where known, at other banks."""
        return self.aum + (self.other_bank_assets or ZERO)


# ------------------------------------------------------------------ the parts, pure

def _allocation(assets: list[Holding], aum: Decimal, model: ModelPortfolio | None) -> tuple[list[Slice], list[Slice]]:
    by_risk: dict[str, Decimal] = defaultdict(Decimal)
    by_class: dict[str, Decimal] = defaultdict(Decimal)
    for h in assets:
        by_risk[h.product.risk_level] += h.current_value
        by_class[CLASS_OF_TYPE[h.product.type]] += h.current_value
    risk = [Slice(level, level, by_risk[level], pct_of(by_risk[level], aum),
                  Decimal(model.risk_target(level)) if model else None) for level in RISK_LEVELS]
    classes = [Slice(cls.value, str(cls.label), by_class[cls.value], pct_of(by_class[cls.value], aum),
                     Decimal(model.class_target(cls.value)) if model else None) for cls in AssetClass]
    return risk, classes


def _maturing(assets: list[Holding], as_of: dt.date) -> list[Maturing]:
    rows = [Maturing(h.pk, h.product.code, h.product.name, h.maturity_date, (h.maturity_date - as_of).days,
                     h.current_value, h.auto_rollover)
            for h in assets if h.maturity_date and h.maturity_date >= as_of]
    return sorted(rows, key=lambda m: (m.date, -m.amount))


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def _maturities(items: list[Maturing], as_of: dt.date) -> Maturities:
    first_month = as_of.replace(day=1)
    months = []
    for k in range(LADDER_MONTHS):
        start = _add_months(first_month, k)
        end = _add_months(first_month, k + 1) - dt.timedelta(days=1)
        inside = [m for m in items if start <= m.date <= end]
        months.append(Bucket(f"{start:%Y-%m}", start, end, sum((m.amount for m in inside), ZERO), len(inside)))
    first_quarter = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    quarters = []
    for k in range(LADDER_QUARTERS):
        start = _add_months(first_quarter, 3 * k)
        end = _add_months(first_quarter, 3 * k + 3) - dt.timedelta(days=1)
        inside = [m for m in items if start <= m.date <= end]
        quarters.append(Bucket(f"{start.year}Q{(start.month - 1) // 3 + 1}", start, end,
                               sum((m.amount for m in inside), ZERO), len(inside)))
    horizon = quarters[-1].end
    later = sum((m.amount for m in items if m.date > horizon), ZERO)
    return Maturities(next_30=sum((m.amount for m in items if m.days <= 30), ZERO),
                      next_90=sum((m.amount for m in items if m.days <= 90), ZERO),
                      by_month=months, by_quarter=quarters, later=later, items=items)


def _concentration(assets: list[Holding], aum: Decimal) -> Concentration:
    if not assets or not aum:
        return Concentration(None, None, None, 0)
    by_product: dict[int, Decimal] = defaultdict(Decimal)
    products = {}
    by_issuer: dict[str, Decimal] = defaultdict(Decimal)
    for h in assets:
        by_product[h.product_id] += h.current_value
        products[h.product_id] = h.product
        if h.product.issuer and h.product.type not in ASSET_CLASSES["deposit"]:
            by_issuer[h.product.issuer] += h.current_value
    pid = max(by_product, key=lambda k: (by_product[k], -k))
    top = products[pid]
    product = Share(top.name, by_product[pid], pct_of(by_product[pid], aum), code=top.code)
    issuer = None
    if by_issuer:
        name = max(by_issuer, key=lambda k: (by_issuer[k], k))
        issuer = Share(name, by_issuer[name], pct_of(by_issuer[name], aum))
    biggest = max(assets, key=lambda h: (h.current_value, -h.pk))
    holding = Share(biggest.product.name, biggest.current_value, pct_of(biggest.current_value, aum),
                    code=biggest.product.code, holding_id=biggest.pk)
    return Concentration(product, issuer, holding, len(by_product))


def holding_return(h: Holding, as_of: dt.date) -> HoldingReturn:
    """What a holding has done so far (NAV products: NAV against cost, or value against amount),
    annualised after a month, against the expected return and the customer's take-profit / stop-loss."""
    p = h.product
    days = max((as_of - h.purchase_date).days, 0)
    expected = h.expected_return_pct if h.expected_return_pct is not None else p.expected_yield
    ret = annual = None
    if p.type in NAV_TYPES and p.latest_nav:  # no NAV published yet: not valued, the return is unknown
        if h.cost_price:
            ret = (p.latest_nav / h.cost_price - 1) * 100
        elif h.amount:
            ret = (h.current_value / h.amount - 1) * 100
    if ret is not None:
        ret = ret.quantize(CENT, rounding=ROUND_HALF_UP)
        if days >= ANNUALISE_AFTER_DAYS:
            annual = (ret * 365 / days).quantize(CENT, rounding=ROUND_HALF_UP)
    if ret is None:
        status = "fixed" if p.type in (ProductType.TIME_DEPOSIT, ProductType.DEMAND_DEPOSIT, ProductType.BOND) \
            else "unknown"
    elif h.take_profit_pct is not None and ret >= h.take_profit_pct:
        status = "take_profit"
    elif h.stop_loss_pct is not None and ret <= -h.stop_loss_pct:
        status = "stop_loss"
    elif annual is not None and expected is not None and annual < expected:
        status = "below_expected"
    else:
        status = "on_track"
    return HoldingReturn(h.pk, p.code, p.name, p.type, p.risk_level, h.amount, h.current_value, h.purchase_date, days,
                         ret, annual, expected, h.take_profit_pct, h.stop_loss_pct, status, p.expected_yield)


def _gaps(assets: list[Holding], level: str, assessed_on: dt.date | None, expires_on: dt.date | None,
          as_of: dt.date) -> list[Gap]:
    """Suitability as the diagnosis shows it, by the rules of banyan.wealth.suitability: the
    assessment, then each investment holding above the customer's current level (drifted first)."""
    from banyan.wealth.suitability import INVESTMENT_TYPES, rank

    invested = [h for h in assets if h.product.type in INVESTMENT_TYPES or h.product.is_private]
    gaps: list[Gap] = []
    if not level or not assessed_on:
        if invested:
            gaps.append(Gap("no_assessment", _(
                "No valid risk assessment on file: assess the customer's risk tolerance before any further "
                "investment.")))
        return gaps
    if expires_on is not None and expires_on < as_of:
        gaps.append(Gap("assessment_expired", _("The risk assessment of %(d)s expired on %(e)s: assess again.") % {
            "d": assessed_on.isoformat(), "e": expires_on.isoformat()}, customer_level=level))
    elif expires_on is not None and (expires_on - as_of).days <= EXPIRY_WARNING_DAYS:
        gaps.append(Gap("assessment_expiring", _("The risk assessment ends on %(e)s: plan the next one.") % {
            "e": expires_on.isoformat()}, customer_level=level))
    above = [h for h in invested if rank(h.product.risk_level) > rank(level)]
    rows = []
    for h in sorted(above, key=lambda h: (-rank(h.product.risk_level), -h.current_value, h.pk)):
        drift = rank(h.risk_level_at_sale) >= rank(h.product.risk_level)
        words = {"product": h.product.name, "risk": h.product.risk_level, "level": level,
                 "was": h.risk_level_at_sale}
        message = (_("%(product)s (%(risk)s) was within the customer's level %(was)s when sold; a later assessment "
                     "lowered it to %(level)s.") if drift else
                   _("%(product)s (%(risk)s) is above the customer's risk level %(level)s.")) % words
        rows.append(Gap("drift" if drift else "above_level", message, holding_id=h.pk, product_code=h.product.code,
                        product_name=h.product.name, product_level=h.product.risk_level, customer_level=level,
                        amount=h.current_value))
    return gaps + sorted(rows, key=lambda g: g.code != "drift")


def _money(value: Decimal) -> str:
    from banyan.web.templatetags.banyan_tags import money

    return money(value)


def _findings(d: Diagnosis) -> list[Finding]:
    out: list[Finding] = []
    if not d.aum:
        out.append(Finding("no_assets", _("No assets with the bank on this date.")))
    if d.model is None:
        out.append(Finding("no_model", _(
            "Without a risk level there is no target allocation to compare with: assess the customer first.")))
    else:
        for s in d.allocation_by_class + d.allocation:
            if d.aum and s.off_target:
                out.append(Finding("allocation_gap", (
                    _("%(what)s: %(pct)s%% of the assets, above the target of %(target)s%%.") if s.gap > 0 else
                    _("%(what)s: %(pct)s%% of the assets, below the target of %(target)s%%.")) % {
                        "what": s.label, "pct": s.pct, "target": s.target_pct}))
    liq = d.liquidity
    if liq.status == "unknown":
        out.append(Finding("spending_unknown", _(
            "Monthly spending not recorded: ask the customer, so that the liquid reserve can be checked against "
            "%(lo)s–%(hi)s months of spending.") % {"lo": liq.months_min, "hi": liq.months_max}))
    elif liq.status == "short":
        out.append(Finding("liquidity_short", _(
            "Money available at once covers about %(m)s months of spending, less than the %(lo)s–%(hi)s months "
            "advised.") % {"m": liq.months_covered, "lo": liq.months_min, "hi": liq.months_max}))
    elif liq.status == "idle":
        out.append(Finding("liquidity_idle", _(
            "Money available at once covers about %(m)s months of spending, more than the %(hi)s months advised: "
            "the rest could be placed according to the customer's risk tolerance.") % {
                "m": liq.months_covered, "hi": liq.months_max}))
    if d.maturities.next_90:
        out.append(Finding("maturing", _(
            "%(a30)s matures within 30 days and %(a90)s within 90 days: plan where it goes.") % {
                "a30": _money(d.maturities.next_30), "a90": _money(d.maturities.next_90)}))
    c = d.concentration
    if c.product and c.product.concentrated and c.products > 1:
        out.append(Finding("concentration", _("%(name)s alone is %(pct)s%% of the assets.") % {
            "name": c.product.name, "pct": c.product.pct}))
    if c.issuer and c.issuer.concentrated:
        out.append(Finding("issuer_concentration", _("Products of %(name)s are %(pct)s%% of the assets.") % {
            "name": c.issuer.name, "pct": c.issuer.pct}))
    for r in d.returns:
        if r.status == "take_profit":
            out.append(Finding("take_profit", _(
                "%(name)s is up %(ret)s%%, at or past the customer's take-profit line of %(line)s%%.") % {
                    "name": r.product_name, "ret": r.return_pct, "line": r.take_profit_pct}))
        elif r.status == "stop_loss":
            out.append(Finding("stop_loss", _(
                "%(name)s is down %(ret)s%%, at or past the customer's stop-loss line of %(line)s%%.") % {
                    "name": r.product_name, "ret": abs(r.return_pct), "line": r.stop_loss_pct}))
    for g in d.gaps:
        out.append(Finding(g.code, g.message))
    return out


def _offers(customer, as_of: dt.date) -> list[dict]:
    """The next best offers (WEA-4), when the offers module is there: `banyan.wealth.offers.
    next_best_offers(customer, today=…)` → items with product_code, score, reasons. Until it is,
    none — the diagnosis stands on its own."""
    try:
        from banyan.wealth import offers as offers_module  # noqa: PLC0415 - optional, built separately
    except ImportError:
        return []
    maker = getattr(offers_module, "next_best_offers", None)
    if maker is None:
        return []
    out = []
    for item in maker(customer, today=as_of) or []:
        row = item if isinstance(item, dict) else vars(item)
        out.append({"product_code": str(row.get("product_code", "")), "product_name": str(row.get("product_name", "")),
                    "score": row.get("score"), "reasons": [str(r) for r in row.get("reasons", [])]})
    return out


# ------------------------------------------------------------------ reading and computing

def compute(*, customer_id: int, as_of: dt.date, holdings: list[Holding], level: str, model: ModelPortfolio | None,
            monthly_spending: Decimal | None, other_bank_assets: Decimal | None = None,
            assessed_on: dt.date | None = None, expires_on: dt.date | None = None,
            trend: list[tuple[dt.date, Decimal]] | None = None, offers: list[dict] | None = None) -> Diagnosis:
    """The diagnosis from facts already read (pure: no query). `holdings`: the customer's holdings
    with their products; liabilities and holdings bought after `as_of` are left out here."""
    assets = [h for h in holdings if h.product.type not in LIABILITY_TYPES and h.purchase_date <= as_of
              and h.status == HoldingStatus.ACTIVE]
    aum = sum((h.current_value for h in assets), ZERO)
    risk, classes = _allocation(assets, aum, model)
    items = _maturing(assets, as_of)
    ladder = _maturities(items, as_of)
    liquidity = Liquidity(liquid=sum((h.current_value for h in assets if is_liquid(h.product)), ZERO),
                          monthly_spending=monthly_spending,
                          months_min=model.liquid_months_min if model else 3,
                          months_max=model.liquid_months_max if model else 6,
                          maturing_30=ladder.next_30, maturing_90=ladder.next_90)
    returns = [holding_return(h, as_of) for h in sorted(assets, key=lambda h: (-h.current_value, h.pk))]
    d = Diagnosis(customer_id=customer_id, as_of=as_of, level=level, model=model, aum=aum,
                  other_bank_assets=other_bank_assets, allocation=risk, allocation_by_class=classes,
                  liquidity=liquidity, concentration=_concentration(assets, aum), maturities=ladder, returns=returns,
                  gaps=_gaps(assets, level, assessed_on, expires_on, as_of), findings=[], trend=trend or [],
                  assessed_on=assessed_on, expires_on=expires_on, offers=offers or [], holdings=len(assets))
    d.findings = _findings(d)
    return d


def diagnose(customer, *, as_of: dt.date | None = None, with_offers: bool = True) -> Diagnosis:
    """The customer's diagnosis (a customer that came through the visibility gate). A fixed number
    of queries: holdings with products, the model, the spending, the assessment's validity, the
    AUM trend (and the offers' own)."""
    from banyan.wealth.suitability import customer_facts

    day = as_of or clock.today()
    holdings = list(Holding.objects.filter(customer_id=customer.pk, status=HoldingStatus.ACTIVE)
                    .select_related("product"))
    facts = customer_facts([customer.pk]).get(customer.pk)
    level = facts.level if facts else (customer.risk_level or "")
    model = ModelPortfolio.objects.filter(risk_level=level).first() if level else None
    spending = CustomerSpending.objects.filter(customer_id=customer.pk).values_list("monthly", flat=True).first()
    snapshots = list(AumSnapshot.objects.filter(customer_id=customer.pk, date__lte=day).order_by("-date")
                     .values_list("date", "aum")[:12])
    return compute(customer_id=customer.pk, as_of=day, holdings=holdings, level=level, model=model,
                   monthly_spending=spending, other_bank_assets=customer.other_bank_assets,
                   assessed_on=facts.assessed_on if facts else customer.risk_assessed_on,
                   expires_on=facts.expires_on if facts else None, trend=list(reversed(snapshots)),
                   offers=_offers(customer, day) if with_offers else [])
