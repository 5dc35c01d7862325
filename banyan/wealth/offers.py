"""差异化产品与下一步最佳产品 (offers and the next best offer, WEA-4, seed 002's 表7-1).

Per customer, the three columns of 表7-1 — what the customer holds, what the customer wants
(products and services, from contacts, memos and open sales opportunities), what the bank can offer
— and a ranked next-best-offer list, each offer with a score and its reasons in the reader's words.

**Never a product the customer may not buy.** Every candidate is judged by the one suitability rule
set (banyan.wealth.suitability.judge): a blocking rule (no valid assessment, assessment expired,
product risk above the customer's level) drops it. When the assessment is what blocks investment
products, the risk assessment itself comes first as a *service* offer, naming what the customer
asked for that it would open.

**The score is a sum of the table below** (`WEIGHTS`, one line per reason, easy for the bank to read
and change): each reason that applies to a product adds its weight once. What the customer asked
for outweighs every other reason together, so a suitable product the customer wanted is first.
Loans and credit cards are offered only when the customer asked for them (credit is not pushed),
and a product already held only when money in it is maturing or the customer asked for more.
The orientation (取向, SEG-2) sets how many products are offered: a value-oriented customer gets
more choices and the wealth diagnosis, a relationship-oriented one a few, a service-oriented one
the fewest, with a service first.

**Set-based**: `offers_for_customers(ids)` reads everything for any number of customers in a fixed
dozen of queries (the worklist and the calling screen show many), then scores in Python, purely.

Nothing here promises a return: the reasons state facts (a maturity, a balance, an allocation
against the bank's model, what the customer said) and the bank's rule, never a yield.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan import clock
from banyan.holdings.models import LIABILITY_TYPES, Holding, HoldingStatus, Product, ProductType
from banyan.wealth import suitability
from banyan.wealth.models import ASSET_CLASSES, AssetClass

ZERO = Decimal(0)

# ------------------------------------------------------------------ the bank's table

#: What each reason adds to a product's score. `wanted` outweighs all the others together (30 + 20 +
#: 20 + 15 + 10 = 95 < 100): a suitable product the customer asked for always comes first. Negative
#: lines lower a product: something the customer turned down lately, or a high-risk product for a
#: customer of 65 or more (the special duty of care: the sale still needs its sign-off).
WEIGHTS: dict[str, int] = {
    "wanted": 100,  # the customer asked for this product or this kind (contact, memo, open opportunity)
    "wanted_named": 10,  # … and named this very product
    "maturing": 30,  # money maturing soon, to re-invest at a similar term and risk
    "idle_cash": 20,  # a large demand balance, beyond the reserve for spending
    "model_gap": 20,  # its asset class is under the target of the customer's model portfolio
    "life_event": 15,  # retirement ahead, a child's schooling, a round birthday
    "not_held": 10,  # a kind of product the customer holds none of yet (产品渗透)
    "refused_lately": -40,  # the customer turned this kind down in the last REFUSED_DAYS
    "elderly_high_risk": -15,  # 65 or older and R4–R5
}

#: Services offered beside the products, with their scores.
SERVICE_SCORES: dict[str, int] = {
    "risk_assessment": 150,  # blocking: without it no investment product can be offered
    "risk_assessment_renewal": 60,  # the assessment ends within EXPIRING_DAYS
    "wealth_diagnosis": 50,  # value-oriented customers (SEG-2): after-sales tracking and the diagnosis
    "client_event": 40,  # service-oriented customers (SEG-2): after-sales tracking and client events
}


@dataclass(frozen=True)
class OrientationRule:
    """How many products an orientation is offered, and the service that leads for it."""

    products: int
    service: str = ""


#: 取向 → how many products (SEG-2): value-oriented customers weigh offers and returns, so more
#: choices and the diagnosis; relationship-oriented ones want care before products; service-oriented
#: ones want service and events, so the fewest products. Unknown orientation: as relationship.
ORIENTATION: dict[str, OrientationRule] = {
    "value": OrientationRule(products=5, service="wealth_diagnosis"),
    "relationship": OrientationRule(products=3),
    "service": OrientationRule(products=2, service="client_event"),
    "": OrientationRule(products=3),
}

#: A holding maturing within this many days (or matured this many days ago, money still there).
MATURING_DAYS = 30
MATURED_GRACE_DAYS = 7
#: A product of "similar term" runs between half and twice the maturing one's term.
TERM_RATIO = (Decimal("0.5"), Decimal("2"))
#: Demand deposits above this after the reserve are idle; the reserve is the model's months of
#: spending when the manager recorded the spending, else IDLE_RESERVE.
IDLE_MIN = Decimal("50000")
IDLE_RESERVE = Decimal("50000")
#: Idle money goes to low-risk products only.
IDLE_MAX_RISK = "R2"
#: An asset class this many points under its target is a gap.
GAP_POINTS = Decimal("10")
#: Retirement planning from this age until the retirement age.
RETIREMENT_PLAN_FROM, RETIREMENT_AGE = 50, 60
#: A round birthday (30, 40 …) within this many days is a moment to review protection.
BIRTHDAY_DAYS = 60
#: Contacts read for what the customer wanted or turned down.
CONTACT_DAYS = 180
REFUSED_DAYS = 90
#: The assessment ending within this many days: its renewal is offered.
EXPIRING_DAYS = 30
#: At most this many offers of one product type (a list of five time deposits offers no choice).
MAX_PER_TYPE = 2

#: Product types offered as places for money (loans and cards only when asked for).
PLACEMENT_TYPES = (ProductType.DEMAND_DEPOSIT, ProductType.TIME_DEPOSIT, ProductType.WEALTH, ProductType.FUND,
                   ProductType.BOND, ProductType.INSURANCE, ProductType.PRECIOUS_METAL)
#: Where maturing money goes at a similar term.
REINVEST_TYPES = (ProductType.TIME_DEPOSIT, ProductType.WEALTH, ProductType.BOND, ProductType.FUND)
#: Where idle demand money goes (a notice deposit is a demand deposit that pays more).
IDLE_TYPES = (ProductType.DEMAND_DEPOSIT, ProductType.TIME_DEPOSIT, ProductType.WEALTH, ProductType.BOND,
              ProductType.FUND)
#: The product types each life event speaks of.
LIFE_EVENT_TYPES = {
    "retirement": (ProductType.INSURANCE, ProductType.BOND, ProductType.WEALTH),
    "schooling": (ProductType.INSURANCE, ProductType.BOND, ProductType.TIME_DEPOSIT),
    "round_birthday": (ProductType.INSURANCE,),
}

# ------------------------------------------------------------------ what the customer said

#: Words that name a kind of product, longest first within a kind. `fx` is a need no product type
#: covers (the bank's foreign-exchange desk): it shows in 表7-1's "wanted" column as not offered.
WANT_WORDS: tuple[tuple[str, str], ...] = (
    ("大额存单", ProductType.TIME_DEPOSIT), ("整存整取", ProductType.TIME_DEPOSIT), ("定期", ProductType.TIME_DEPOSIT),
    ("存单", ProductType.TIME_DEPOSIT), ("通知存款", ProductType.DEMAND_DEPOSIT),
    ("现金管理", ProductType.WEALTH), ("理财", ProductType.WEALTH),
    ("基金", ProductType.FUND), ("定投", ProductType.FUND), ("股票", ProductType.FUND),
    ("年金", ProductType.INSURANCE), ("寿险", ProductType.INSURANCE), ("重疾", ProductType.INSURANCE),
    ("教育金", ProductType.INSURANCE), ("医疗保障", ProductType.INSURANCE), ("保险", ProductType.INSURANCE),
    ("国债", ProductType.BOND), ("债券", ProductType.BOND), ("地方债", ProductType.BOND),
    ("积存金", ProductType.PRECIOUS_METAL), ("金条", ProductType.PRECIOUS_METAL),
    ("贵金属", ProductType.PRECIOUS_METAL), ("黄金", ProductType.PRECIOUS_METAL),
    ("房贷", ProductType.LOAN), ("经营贷", ProductType.LOAN), ("消费贷", ProductType.LOAN), ("贷款", ProductType.LOAN),
    ("信用卡", ProductType.CREDIT_CARD), ("提额", ProductType.CREDIT_CARD),
    ("换汇", "fx"), ("外汇", "fx"),
)
#: Everyday words for one product rather than a kind: the word → a piece of that product's name
#: (房贷 is the housing loan, not every loan).
ALIASES: dict[str, str] = {"房贷": "住房贷款", "经营贷": "经营贷款", "消费贷": "消费贷款", "增额寿险": "增额",
                           "重疾": "重大疾病"}
#: Phrases that contain a product word but are not about a product (a salon, a person, a room).
NOISE_WORDS = ("理财沙龙", "理财讲座", "理财经理", "理财室", "理财规划师", "理财金卡", "资产配置沙龙", "他行")
#: A clause with one of these says the customer wants something.
WANT_MARKERS = ("想了解", "想要", "想买", "想给", "想把", "想配置", "想转", "想找", "想办", "想存", "想做", "想换",
                "感兴趣", "关注", "希望", "需要", "咨询", "打算", "要求", "有意向", "问起", "问了")
#: … and with one of these that the customer does not (checked first: 不想 holds 想).
REFUSE_MARKERS = ("不想", "不碰", "不感兴趣", "没兴趣", "没有兴趣", "不需要", "不愿", "不考虑", "不要", "拒绝",
                  "反感", "顾虑", "不接受")
_CLAUSES = re.compile(r"[，。；;,.!！?？\n]+")
_PAREN = re.compile(r"[（(].*?[）)]")

SOURCE_WORDS = {
    "opportunity": gettext_lazy("sales opportunity"),
    "memo": gettext_lazy("memo"),
    "contact": gettext_lazy("contact"),
}

SERVICE_NAMES = {
    "risk_assessment": gettext_lazy("Risk assessment (风险测评)"),
    "risk_assessment_renewal": gettext_lazy("Renew the risk assessment"),
    "wealth_diagnosis": gettext_lazy("Wealth diagnosis (财富诊断)"),
    "client_event": gettext_lazy("Invitation to a client event"),
}

#: 表7-1's "wanted" column: what became of each need.
WANT_STATUS = {
    "offered": gettext_lazy("can be offered"),
    "held": gettext_lazy("already held"),
    "needs_assessment": gettext_lazy("needs a risk assessment first"),
    "above_level": gettext_lazy("above the customer's risk level: cannot be offered"),
    "not_available": gettext_lazy("the bank has no such product now"),
}


# ------------------------------------------------------------------ the result

@dataclass(frozen=True)
class Reason:
    code: str  # a key of WEIGHTS (or of SERVICE_SCORES for a service)
    text: str  # in the reader's language
    weight: int

    def __str__(self) -> str:
        return self.text


@dataclass
class Offer:
    """One offer: a product (kind "product") or a service (kind "service", `service` its code)."""

    kind: str
    score: int
    reasons: list[Reason]
    product_id: int | None = None
    product_code: str = ""
    product_name: str = ""
    product_type: str = ""
    risk_level: str = ""
    service: str = ""
    #: What the sale will ask of the manager (suitability's warnings): [(code, message)].
    warnings: list[tuple[str, str]] = field(default_factory=list)
    wanted: bool = False

    @property
    def name(self) -> str:
        return self.product_name if self.kind == "product" else str(SERVICE_NAMES.get(self.service, self.service))

    @property
    def type_label(self) -> str:
        if self.kind != "product":
            return _("Service")
        return str(ProductType(self.product_type).label) if self.product_type in ProductType.values else ""

    @property
    def warning_names(self) -> list[tuple[str, str]]:
        """(rule name, what to do) of each suitability warning the sale will carry."""
        return [(str(suitability.RULE_NAMES.get(code, code)), message) for code, message in self.warnings]

    @property
    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict:
        """As the API and the diagnosis read it."""
        return {"product_code": self.product_code, "product_name": self.name, "kind": self.kind,
                "service": self.service or None, "type": self.product_type or None,
                "risk_level": self.risk_level or None, "score": self.score, "reasons": self.reason_texts,
                "reason_codes": self.reason_codes, "warnings": [code for code, _m in self.warnings]}


@dataclass(frozen=True)
class Want:
    """A need the customer voiced: where (opportunity, memo, contact), when, the words, and the
    product or kind of product it names. `refused`: the customer turned it down instead."""

    customer_id: int
    source: str
    on: dt.date
    text: str
    product_id: int | None = None
    type: str = ""
    refused: bool = False
    #: Said in so many words (a memo, an opportunity, a clause with 想了解 …), not only read from an
    #: interested contact's summary: only such a want asks for more of a product already held.
    explicit: bool = True

    @property
    def source_label(self) -> str:
        return str(SOURCE_WORDS.get(self.source, self.source))


@dataclass
class WantView:
    """One row of 表7-1's "wanted" column, with what became of it."""

    want: Want
    status: str
    products: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(WANT_STATUS[self.status])

    @property
    def kind_label(self) -> str:
        if self.want.type == "fx":
            return _("Foreign exchange")
        return str(ProductType(self.want.type).label) if self.want.type in ProductType.values else ""


@dataclass(frozen=True)
class HeldRow:
    type: str
    type_label: str
    names: tuple[str, ...]
    amount: Decimal
    liability: bool


@dataclass
class CustomerOffers:
    """表7-1 for one customer, and the next best offers."""

    customer_id: int
    level: str
    orientation: str
    max_products: int
    held: list[HeldRow]
    wanted: list[WantView]
    offers: list[Offer]
    #: How many products the customer may buy today (the "can offer" column's whole count).
    suitable_count: int = 0
    #: The blocking rule that keeps every investment product away ("" when none does).
    blocked_by: str = ""

    @property
    def products(self) -> list[Offer]:
        return [o for o in self.offers if o.kind == "product"]

    @property
    def services(self) -> list[Offer]:
        return [o for o in self.offers if o.kind == "service"]

    @property
    def orientation_label(self) -> str:
        from banyan.customers.models import Orientation

        return str(Orientation(self.orientation).label) if self.orientation in Orientation.values else ""


# ------------------------------------------------------------------ reading what was said

def _clean(text: str) -> str:
    for word in NOISE_WORDS:
        text = text.replace(word, " ")
    return text


def _short_name(name: str) -> str:
    """A product's name as people say it: without the parenthesis and a share-class letter
    (储蓄国债（电子式）三年期 → 储蓄国债三年期, 安盈纯债债券A → 安盈纯债债券)."""
    short = _PAREN.sub("", name).strip()
    return short[:-1] if len(short) > 3 and short[-1] in "ABCE" else short


def mentions(text: str, names: dict[str, int]) -> tuple[list[int], list[str]]:
    """The products (ids, by their names in `names`) and kinds of product a piece of text names."""
    text = _clean(text or "")
    found_products = [pid for name, pid in names.items() if name and name in text]
    for word, piece in ALIASES.items():
        if word in text:
            found_products += [pid for name, pid in names.items() if piece in name and pid not in found_products]
    kinds: list[str] = []
    for word, kind in WANT_WORDS:
        if word in text and kind not in kinds:
            kinds.append(kind)
    return found_products, kinds


def read_wants(customer_id: int, source: str, on: dt.date, text: str, names: dict[str, int],
               product_types: dict[int, str], *, whole: bool = False, refused: bool = False) -> list[Want]:
    """The needs a text voices, clause by clause: a clause that refuses (不想, 不碰 …) gives refused
    wants, one with a want marker (想了解, 感兴趣, 需要 …) wanted ones; the others nothing — unless
    the text is a need by nature (`whole`: an opportunity's need, a memo) and has no marker at all
    (then every clause is the need: "客户信用卡想提额"; with a marker, only the marked clauses are:
    "定期12月到期，客户想了解大额存单" wants the certificate, not the deposit), or a refusal
    (`refused`: a contact whose result was a refusal)."""
    out: list[Want] = []
    clauses = [c.strip() for c in _CLAUSES.split(text or "") if c.strip()]
    whole = whole and not any(m in c for c in clauses for m in WANT_MARKERS)
    for clause in clauses:
        no = refused or any(m in clause for m in REFUSE_MARKERS)
        yes = not no and (whole or any(m in clause for m in WANT_MARKERS))
        if not (no or yes):
            continue
        pids, kinds = mentions(clause, names)
        words = clause[:60]
        marked = no or any(m in clause for m in WANT_MARKERS) or source != "contact"
        for pid in pids:
            out.append(Want(customer_id, source, on, words, pid, product_types.get(pid, ""), refused=no,
                            explicit=marked))
        if pids:
            continue  # a product named is the need (积存金定投 is gold, not a fund)
        for kind in kinds:
            out.append(Want(customer_id, source, on, words, None, kind, refused=no, explicit=marked))
    return out


# ------------------------------------------------------------------ facts from the database

@dataclass
class _Facts:
    """What the scoring reads of one customer."""

    id: int
    name: str
    level: str
    assessed_on: dt.date | None
    expires_on: dt.date | None
    birth_date: dt.date | None
    orientation: str
    children: str
    aum: Decimal
    holdings: list[tuple] = field(default_factory=list)  # (product_id, type, risk, term, value, maturity, purchase)
    wants: list[Want] = field(default_factory=list)
    monthly_spending: Decimal | None = None


def _load(customer_ids: list[int], today: dt.date) -> tuple[dict[int, _Facts], dict[int, Product]]:
    from banyan.contacts.models import OPEN_STAGES, Interaction, Memo, MemoStatus, Opportunity, Outcome
    from banyan.customers.models import Customer
    from banyan.wealth.models import CustomerSpending

    cfacts = suitability.customer_facts(customer_ids)
    rows = (Customer.objects.filter(pk__in=customer_ids)
            .values_list("pk", "orientation", "segment__orientation", "children", "aum"))
    facts: dict[int, _Facts] = {}
    for pk, declared, inferred, children, aum in rows:
        c = cfacts.get(pk)
        if c is None:
            continue
        facts[pk] = _Facts(pk, c.name, c.level, c.assessed_on, c.expires_on, c.birth_date,
                           declared or inferred or "", children or "", aum or ZERO)
    ids = list(facts)
    catalogue = {p.pk: p for p in Product.objects.all()}
    for cid, pid, value, maturity, purchase in (
            Holding.objects.filter(customer_id__in=ids, status=HoldingStatus.ACTIVE)
            .values_list("customer_id", "product_id", "current_value", "maturity_date", "purchase_date")):
        p = catalogue.get(pid)
        if p is not None:
            facts[cid].holdings.append((pid, p.type, p.risk_level, p.term_days, value or ZERO, maturity, purchase))
    for cid, monthly in CustomerSpending.objects.filter(customer_id__in=ids).values_list("customer_id", "monthly"):
        facts[cid].monthly_spending = monthly

    names: dict[str, int] = {}
    for p in catalogue.values():
        for name in {p.name, _short_name(p.name)}:
            if len(name) >= 3:
                names.setdefault(name, p.pk)
    types = {p.pk: p.type for p in catalogue.values()}

    def day_of(moment) -> dt.date:
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()

    for cid, need, pid, kind, opened in (
            Opportunity.objects.filter(customer_id__in=ids, stage__in=OPEN_STAGES)
            .values_list("customer_id", "need", "product_id", "product_type", "opened_at")):
        on = day_of(opened)
        if pid or kind:
            facts[cid].wants.append(Want(cid, "opportunity", on, (need or "")[:60], pid, kind or types.get(pid, "")))
        else:
            facts[cid].wants.extend(read_wants(cid, "opportunity", on, need, names, types, whole=True))
    for cid, text, created in (Memo.objects.filter(customer_id__in=ids, status=MemoStatus.OPEN)
                               .values_list("customer_id", "text", "created_at")):
        facts[cid].wants.extend(read_wants(cid, "memo", day_of(created), text, names, types, whole=True))
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=CONTACT_DAYS), dt.time.min))
    for cid, at, outcome, summary, rejection, new_info, next_step in (
            Interaction.objects.filter(customer_id__in=ids, occurred_at__gte=since)
            .values_list("customer_id", "occurred_at", "outcome", "summary", "rejection_reason", "new_info",
                         "next_step")):
        on = day_of(at)
        refused = outcome == Outcome.REFUSED
        interested = outcome in (Outcome.INTERESTED, Outcome.APPOINTMENT)
        f = facts[cid]
        f.wants.extend(read_wants(cid, "contact", on, summary, names, types, whole=interested, refused=refused))
        f.wants.extend(read_wants(cid, "contact", on, rejection, names, types, refused=True))
        f.wants.extend(read_wants(cid, "contact", on, new_info, names, types))
        f.wants.extend(read_wants(cid, "contact", on, next_step, names, types))
    return facts, catalogue


# ------------------------------------------------------------------ scoring, purely

def _money(value: Decimal) -> str:
    """50万 / 500k: amounts in a reason read as a manager says them."""
    from banyan.web.templatetags.banyan_tags import wan

    return wan(value)


def _date(day: dt.date) -> str:
    """12月20日 / 20 Dec."""
    from django.utils import dateformat, translation

    if (translation.get_language() or "zh-hans").lower().startswith("zh"):
        return f"{day.month}月{day.day}日"
    return dateformat.format(day, "j M")


def _term(term_days: int | None, maturity: dt.date | None, purchase: dt.date | None) -> int | None:
    if term_days:
        return term_days
    if maturity and purchase and maturity > purchase:
        return (maturity - purchase).days
    return None


def _similar_term(product_term: int | None, term: int | None) -> bool:
    if not term:
        return True
    if not product_term:  # open-ended (a money-market or bond fund, cash management): fine for short money
        return term <= 180
    lo, hi = TERM_RATIO
    return lo * term <= product_term <= hi * term


def _age(birth: dt.date | None, day: dt.date) -> int | None:
    return suitability.age_on(birth, day)


def _life_events(f: _Facts, today: dt.date) -> list[tuple[str, str]]:
    """(event, words) for the customer's life events today."""
    out: list[tuple[str, str]] = []
    age = _age(f.birth_date, today)
    if age is not None and RETIREMENT_PLAN_FROM <= age < RETIREMENT_AGE:
        out.append(("retirement", _("%(age)s years old, retirement ahead: planning an income for later") % {
            "age": age}))
    children = f.children
    if children and any(w in children for w in ("幼儿园", "小学", "读初", "初中", "读高", "高中", "高考", "上学",
                                                 "读书", "留学")):
        out.append(("schooling", _("Children: %(children)s — planning for schooling costs") % {
            "children": children[:40]}))
    if f.birth_date and age is not None:
        for year in (today.year, today.year + 1):
            try:
                birthday = f.birth_date.replace(year=year)
            except ValueError:  # 29 February
                birthday = dt.date(year, 3, 1)
            turning = year - f.birth_date.year
            if 0 <= (birthday - today).days <= BIRTHDAY_DAYS and turning % 10 == 0 and turning >= 30:
                out.append(("round_birthday", _("Turns %(n)s on %(d)s: a moment to review protection") % {
                    "n": turning, "d": _date(birthday)}))
                break
    return out


def _class_of(ptype: str) -> str:
    return next((cls for cls, types in ASSET_CLASSES.items() if ptype in types), "")


def _model_gaps(f: _Facts, model) -> list[tuple[str, str]]:
    """(asset class, words) for each class under the model's target by GAP_POINTS or more."""
    assets = [h for h in f.holdings if h[1] not in LIABILITY_TYPES]
    aum = sum((h[4] for h in assets), ZERO)
    if model is None or not aum:
        return []
    by_class: dict[str, Decimal] = defaultdict(Decimal)
    for h in assets:
        by_class[_class_of(h[1])] += h[4]
    out = []
    for cls in AssetClass:
        target = Decimal(model.class_target(cls.value))
        pct = (by_class[cls.value] * 100 / aum).quantize(Decimal(1))
        if target - pct >= GAP_POINTS:
            out.append((cls.value, _("%(what)s are %(pct)s%% of the assets, under the %(level)s model's %(target)s%%")
                        % {"what": cls.label, "pct": pct, "level": f.level, "target": target}))
    return out


def _want_words(w: Want) -> str:
    return _("Asked for: “%(text)s” (%(source)s, %(date)s)") % {"text": w.text, "source": w.source_label,
                                                                  "date": _date(w.on)}


def score_customer(f: _Facts, catalogue: dict[int, Product], policy: suitability.Policy, models: dict,
                   today: dt.date, *, limit: int | None = None) -> CustomerOffers:
    """表7-1 and the ranked offers of one customer, from facts already read (no query)."""
    cf = suitability.CustomerFacts(f.id, f.name, f.level, f.assessed_on, f.expires_on, f.birth_date)
    rule = ORIENTATION.get(f.orientation, ORIENTATION[""])
    max_products = limit if limit is not None else rule.products
    active = [p for p in catalogue.values() if p.is_active]
    verdicts = {p.pk: suitability.judge(cf, suitability.ProductFacts(p.pk, p.code, p.name, p.type, p.risk_level,
                                                                     p.is_private), policy, today)
                for p in active}
    allowed = {pid for pid, v in verdicts.items() if v.allowed}
    held_ids = {h[0] for h in f.holdings}
    held_types = {h[1] for h in f.holdings}
    age = _age(f.birth_date, today)

    reasons: dict[int, dict[str, Reason]] = defaultdict(dict)

    def add(pid: int, code: str, text: str) -> None:
        """A reason adds its weight once; a second fact of the same reason (two life events, two
        maturities) joins the words."""
        found = reasons[pid].get(code)
        if found is None:
            reasons[pid][code] = Reason(code, text, WEIGHTS[code])
        elif text not in found.text and found.text.count("；") < 1:
            reasons[pid][code] = Reason(code, f"{found.text}；{text}", found.weight)

    wanted = list({(w.text, w.product_id, w.type): w for w in sorted(
        (w for w in f.wants if not w.refused), key=lambda w: w.on)}.values())[::-1]  # each once, newest first
    refused_since = today - dt.timedelta(days=REFUSED_DAYS)
    refused = [w for w in f.wants if w.refused and w.on >= refused_since]
    # what the customer asked for: the product named, or every product of the kind
    for w in wanted:
        for p in active:
            if p.pk in held_ids and not w.explicit:
                continue
            if p.pk == w.product_id or (w.product_id is None and p.type == w.type):
                add(p.pk, "wanted", _want_words(w))
                if p.pk == w.product_id:
                    add(p.pk, "wanted_named", _("The customer named this product"))
    # money maturing: similar term, risk no higher than one step above what matures
    for pid, ptype, risk, term_days, value, maturity, purchase in f.holdings:
        if ptype in LIABILITY_TYPES or not maturity:
            continue
        days = (maturity - today).days
        if not -MATURED_GRACE_DAYS <= days <= MATURING_DAYS:
            continue
        term = _term(term_days, maturity, purchase)
        name = catalogue[pid].name
        words = (_("%(product)s %(amount)s matures on %(date)s (in %(n)s days): a similar term for the money") if
                 days >= 0 else _("%(product)s %(amount)s matured on %(date)s: the money waits for a new place")) % {
            "product": name, "amount": _money(value), "date": _date(maturity), "n": days}
        for p in active:
            if p.type in REINVEST_TYPES and suitability.rank(p.risk_level) <= suitability.rank(risk) + 1 \
                    and _similar_term(p.term_days, term):
                add(p.pk, "maturing", words)
    # idle demand deposits
    demand = sum((h[4] for h in f.holdings if h[1] == ProductType.DEMAND_DEPOSIT), ZERO)
    model = models.get(f.level)
    if f.monthly_spending:
        months = model.liquid_months_max if model else 6
        reserve = f.monthly_spending * months
    else:
        reserve = IDLE_RESERVE
    idle = demand - reserve
    if idle >= IDLE_MIN:
        words = _("%(demand)s in demand deposits, about %(idle)s beyond the reserve for spending") % {
            "demand": _money(demand), "idle": _money(idle)}
        for p in active:
            if p.type in IDLE_TYPES and p.pk not in held_ids \
                    and suitability.rank(p.risk_level) <= suitability.rank(IDLE_MAX_RISK):
                add(p.pk, "idle_cash", words)
    # under the model portfolio's target
    for cls, words in _model_gaps(f, model):
        for p in active:
            if p.type in ASSET_CLASSES[cls] and p.pk not in held_ids:
                add(p.pk, "model_gap", words)
    # life events
    for event, words in _life_events(f, today):
        for p in active:
            if p.type in LIFE_EVENT_TYPES[event] and p.pk not in held_ids:
                add(p.pk, "life_event", words)
    # kinds not held yet: only for a product something else speaks for (a bare "not held" offers all)
    for pid in list(reasons):
        p = catalogue[pid]
        if p.type in PLACEMENT_TYPES and p.type not in held_types and p.type != ProductType.DEMAND_DEPOSIT:
            add(pid, "not_held", _("No %(kind)s held yet") % {"kind": ProductType(p.type).label})
    # what the customer turned down lately, and the duty of care
    for w in refused:
        for pid in list(reasons):
            p = catalogue[pid]
            if (p.pk == w.product_id or p.type == w.type) and "wanted" not in reasons[pid]:
                add(pid, "refused_lately", _("Turned down on %(date)s: “%(text)s”") % {
                    "date": _date(w.on), "text": w.text})
    if age is not None and age >= policy.elderly_age:
        for pid in list(reasons):
            if suitability.rank(catalogue[pid].risk_level) >= suitability.rank(policy.elderly_min_risk):
                add(pid, "elderly_high_risk", _("%(age)s years old: a high-risk product needs special care") % {
                    "age": age})

    products: list[Offer] = []
    for pid, found in reasons.items():
        p = catalogue[pid]
        if pid not in allowed:
            continue  # never a product the customer may not buy
        if p.type in LIABILITY_TYPES and "wanted" not in found:
            continue  # credit only when asked for
        if p.type not in PLACEMENT_TYPES and p.type not in LIABILITY_TYPES:
            continue
        if pid in held_ids and not ({"wanted", "maturing"} & set(found)):
            continue
        score = sum(r.weight for r in found.values())
        if score <= 0:
            continue
        ordered = sorted(found.values(), key=lambda r: -r.weight)
        v = verdicts[pid]
        products.append(Offer("product", score, ordered, pid, p.code, p.name, p.type, p.risk_level,
                              warnings=[(r.code, r.message) for r in v.warnings], wanted="wanted" in found))
    products.sort(key=lambda o: (-o.score, suitability.rank(o.risk_level), o.product_code))
    chosen: list[Offer] = []
    per_type: dict[str, int] = defaultdict(int)
    for o in products:
        if len(chosen) >= max_products:
            break
        if per_type[o.product_type] >= MAX_PER_TYPE and "wanted_named" not in o.reason_codes:
            continue
        per_type[o.product_type] += 1
        chosen.append(o)

    # services: the assessment when it blocks, its renewal, the orientation's own
    blocked_by = ""
    services: list[Offer] = []
    investment = [p for p in active if p.type in suitability.INVESTMENT_TYPES]
    blocking = {verdicts[p.pk].first_blocking_code for p in investment} - {""}
    for code in ("no_assessment", "assessment_expired"):
        if code in blocking:
            blocked_by = code
            break
    if blocked_by:
        words = [_("No risk assessment on file: no wealth product, fund, insurance or bond can be offered until "
                   "the customer takes it") if blocked_by == "no_assessment" else
                 _("The risk assessment expired on %(d)s: no investment product can be offered until it is "
                   "renewed") % {"d": _date(f.expires_on) if f.expires_on else ""}]
        for w in wanted:
            kind = w.type or (catalogue[w.product_id].type if w.product_id in catalogue else "")
            if kind in suitability.INVESTMENT_TYPES:
                words.append(_want_words(w))
                break
        services.append(Offer("service", SERVICE_SCORES["risk_assessment"],
                              [Reason("risk_assessment", t, SERVICE_SCORES["risk_assessment"]) for t in words],
                              service="risk_assessment"))
    elif f.expires_on and 0 <= (f.expires_on - today).days <= EXPIRING_DAYS:
        score = SERVICE_SCORES["risk_assessment_renewal"]
        services.append(Offer("service", score, [Reason("risk_assessment_renewal", _(
            "The risk assessment ends on %(d)s") % {"d": _date(f.expires_on)}, score)],
            service="risk_assessment_renewal"))
    if rule.service and not blocked_by:
        score = SERVICE_SCORES[rule.service]
        text = (_("Value-oriented: values returns and allocation — review the allocation together")
                if rule.service == "wealth_diagnosis" else
                _("Service-oriented: values service and events more than products"))
        services.append(Offer("service", score, [Reason(rule.service, text, score)], service=rule.service))

    offers = sorted(services + chosen, key=lambda o: -o.score)
    return CustomerOffers(customer_id=f.id, level=f.level, orientation=f.orientation, max_products=max_products,
                          held=_held_rows(f, catalogue), wanted=_want_views(f, catalogue, verdicts, held_ids),
                          offers=offers, suitable_count=sum(1 for pid in allowed if catalogue[pid].type
                                                            in PLACEMENT_TYPES),
                          blocked_by=blocked_by)


def _held_rows(f: _Facts, catalogue: dict[int, Product]) -> list[HeldRow]:
    by_type: dict[str, list] = defaultdict(list)
    for pid, ptype, _risk, _term_days, value, _maturity, _purchase in f.holdings:
        by_type[ptype].append((catalogue[pid].name, value))
    rows = []
    for value, label in ProductType.choices:
        if value in by_type:
            items = by_type[value]
            rows.append(HeldRow(value, str(label), tuple(dict.fromkeys(n for n, _v in items)),
                                sum((v for _n, v in items), ZERO), value in LIABILITY_TYPES))
    return rows


def _want_views(f: _Facts, catalogue: dict[int, Product], verdicts: dict, held_ids: set[int]) -> list[WantView]:
    """Each need voiced (newest first, one per kind or product), with what the bank can do about it."""
    out: list[WantView] = []
    seen: set = set()
    for w in sorted((w for w in f.wants if not w.refused), key=lambda w: w.on, reverse=True):
        key = w.product_id or w.type
        if key in seen:
            continue
        seen.add(key)
        matching = [p for p in catalogue.values() if p.is_active and (
            p.pk == w.product_id or (w.product_id is None and p.type == w.type))]
        ok = [p for p in matching if verdicts.get(p.pk) is not None and verdicts[p.pk].allowed]
        if not matching:
            status = "not_available"
        elif ok:
            status = "offered" if any(p.pk not in held_ids for p in ok) else "held"
        elif any(verdicts[p.pk].first_blocking_code in ("no_assessment", "assessment_expired") for p in matching):
            status = "needs_assessment"
        else:
            status = "above_level"
        out.append(WantView(w, status, [p.name for p in ok if p.pk not in held_ids][:3]))
    return out


# ------------------------------------------------------------------ the entry points

def offers_for_customers(customer_ids, *, today: dt.date | None = None,
                         limit: int | None = None) -> dict[int, CustomerOffers]:
    """表7-1 and the offers of many customers (ids, or customers), in a fixed number of queries.
    The caller has already passed the visibility gate. `limit`: products per customer (default:
    the orientation's)."""
    from banyan.wealth.models import ModelPortfolio

    day = today or clock.today()
    ids = [c if isinstance(c, int) else c.pk for c in customer_ids]
    if not ids:
        return {}
    facts, catalogue = _load(ids, day)
    policy = suitability.current_policy()
    models = {m.risk_level: m for m in ModelPortfolio.objects.all()}
    return {cid: score_customer(f, catalogue, policy, models, day, limit=limit) for cid, f in facts.items()}


def offers_for(customer, *, today: dt.date | None = None, limit: int | None = None) -> CustomerOffers:
    """表7-1 and the offers of one customer (who came through the visibility gate)."""
    return offers_for_customers([customer.pk], today=today, limit=limit)[customer.pk]


def next_best_offers(customer, *, today: dt.date | None = None, limit: int | None = None) -> list[dict]:
    """The ranked offers as dicts (product_code, product_name, score, reasons …): what the wealth
    diagnosis and the API show."""
    return [o.as_dict() for o in offers_for(customer, today=today, limit=limit).offers]


def suitable_product_ids(customer, *, today: dt.date | None = None) -> set[int]:
    """The products on sale the customer may buy today (for tests and the "can offer" count)."""
    found = suitability.verdicts([customer.pk], Product.objects.filter(is_active=True), today=today)
    return {pid for (_cid, pid), v in found.items() if v.allowed}

