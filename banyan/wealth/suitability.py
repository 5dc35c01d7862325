"""适当性 (suitability, WEA-1): ONE rule set answering "may this customer buy this product today,
and what must the manager do". The sale form, `POST /api/v1/customers/{id}/sales`, the suitability
endpoint, campaign target lists and the next best offers all ask it here.

`judge()` is pure: a customer's facts, a product's facts, the bank's policy and a date give a
`Verdict`. `verdicts()` loads the facts of many customers and products in two queries (and the
policy in one) and judges every pair, so a call list or an offer list never asks per customer.

Rules (API.md's codes):
- blocking: `no_assessment` (an investment product to a customer never assessed),
  `assessment_expired`, `risk_above_level` (R-level above the customer's C-level: C1 buys up to R1 …
  C5 up to R5);
- warnings, each saying what the manager must do: `elderly_high_risk` (65 or older buying R4–R5:
  a second person signs off, configurable), `dual_recording_required` (双录: keep the record's
  number), `cooling_off` (a private product's cooling-off period: the sale is final only after it;
  a withdrawal in it is recorded).

Deposits, loans and cards are not investment products: no rule applies to them (a private product
always counts as one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan import clock
from banyan.holdings.models import ProductRisk, ProductType

#: Product types a customer must be assessed for (理财、基金、保险、债券、贵金属).
INVESTMENT_TYPES = frozenset({ProductType.WEALTH, ProductType.FUND, ProductType.INSURANCE, ProductType.BOND,
                              ProductType.PRECIOUS_METAL})

BLOCKING = ("no_assessment", "assessment_expired", "risk_above_level")
WARNINGS = ("elderly_high_risk", "dual_recording_required", "cooling_off")
CODES = BLOCKING + WARNINGS

#: The default validity of an assessment when none is recorded with its expiry (a level typed on
#: the profile or fed with the customer): the questionnaire's, else a year.
DEFAULT_VALID_DAYS = 365


def rank(level: str) -> int:
    """C3 → 3, R4 → 4; 0 for none."""
    return int(level[1]) if level and len(level) == 2 and level[1].isdigit() else 0


def age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if not birth:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    name: str
    level: str  # C1–C5 or ""
    assessed_on: dt.date | None
    expires_on: dt.date | None
    birth_date: dt.date | None


@dataclass(frozen=True)
class ProductFacts:
    id: int
    code: str
    name: str
    type: str
    risk_level: str
    is_private: bool


@dataclass(frozen=True)
class Policy:
    """The bank's suitability settings (SuitabilityPolicy), as the rules read them."""

    elderly_age: int = 65
    elderly_min_risk: str = "R4"
    elderly_signoff: bool = True
    dual_recording_types: frozenset[str] = frozenset({ProductType.WEALTH, ProductType.FUND, ProductType.INSURANCE})
    dual_recording_age: int = 65
    dual_recording_private: bool = True
    cooling_off_hours: int = 24


@dataclass(frozen=True)
class Rule:
    code: str
    blocking: bool
    message: str  # what applies and what to do, in the active language

    def as_dict(self) -> dict:
        return {"code": self.code, "blocking": self.blocking, "message": self.message}


@dataclass(frozen=True)
class Verdict:
    customer_id: int
    product_id: int
    product_code: str
    customer_level: str
    product_level: str
    rules: tuple[Rule, ...] = ()
    #: What the sale must carry (from the warnings): the 双录 number, a second sign-off, a
    #: cooling-off period of so many hours (0: none).
    needs_dual_recording: bool = False
    needs_signoff: bool = False
    cooling_off_hours: int = 0
    age: int | None = field(default=None, compare=False)

    @property
    def allowed(self) -> bool:
        return not any(r.blocking for r in self.rules)

    @property
    def blocking(self) -> list[Rule]:
        return [r for r in self.rules if r.blocking]

    @property
    def warnings(self) -> list[Rule]:
        return [r for r in self.rules if not r.blocking]

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.rules]

    @property
    def first_blocking_code(self) -> str:
        return next((r.code for r in self.rules if r.blocking), "")


def _risk_label(level: str) -> str:
    return str(ProductRisk(level).label) if level in ProductRisk.values else level


def _level_label(level: str) -> str:
    from banyan.customers.models import RiskLevel

    return str(RiskLevel(level).label) if level in RiskLevel.values else level


def judge(c: CustomerFacts, p: ProductFacts, policy: Policy, today: dt.date) -> Verdict:
    """May customer `c` buy product `p` on `today`, and what must the manager do. Pure."""
    base = {"customer_id": c.id, "product_id": p.id, "product_code": p.code, "customer_level": c.level,
            "product_level": p.risk_level}
    if p.type not in INVESTMENT_TYPES and not p.is_private:
        return Verdict(**base)
    rules: list[Rule] = []
    if not c.level or not c.assessed_on:
        rules.append(Rule("no_assessment", True, _(
            "%(name)s has no risk assessment: assess the customer's risk tolerance with the questionnaire "
            "before selling an investment product.") % {"name": c.name}))
    else:
        if c.expires_on is not None and c.expires_on < today:
            rules.append(Rule("assessment_expired", True, _(
                "%(name)s's risk assessment of %(d)s expired on %(e)s: assess the customer again before this "
                "sale.") % {"name": c.name, "d": c.assessed_on.isoformat(), "e": c.expires_on.isoformat()}))
        if rank(p.risk_level) > rank(c.level):
            rules.append(Rule("risk_above_level", True, _(
                "%(product)s's risk level is %(risk)s, above what %(name)s can bear (%(level)s): it cannot be "
                "sold to this customer.") % {"product": p.name, "risk": _risk_label(p.risk_level), "name": c.name,
                                            "level": _level_label(c.level)}))
    age = age_on(c.birth_date, today)
    needs_signoff = needs_dual = False
    if age is not None and age >= policy.elderly_age and rank(p.risk_level) >= rank(policy.elderly_min_risk):
        needs_signoff = policy.elderly_signoff
        rules.append(Rule("elderly_high_risk", False, (_(
            "%(name)s is %(age)s, and %(product)s is %(risk)s: explain its risks in plain words and make sure "
            "the customer understands them; a second colleague signs off the sale.") if needs_signoff else _(
            "%(name)s is %(age)s, and %(product)s is %(risk)s: explain its risks in plain words and make sure "
            "the customer understands them.")) % {"name": c.name, "age": age, "product": p.name,
                                                   "risk": _risk_label(p.risk_level)}))
    if (p.is_private and policy.dual_recording_private) or (
            p.type in policy.dual_recording_types and age is not None and age >= policy.dual_recording_age):
        needs_dual = True
        rules.append(Rule("dual_recording_required", False, _(
            "This sale must be recorded on audio and video (双录): record it in the recording area and enter the "
            "record's number.")))
    cooling = policy.cooling_off_hours if p.is_private and policy.cooling_off_hours else 0
    if cooling:
        rules.append(Rule("cooling_off", False, _(
            "%(product)s is a private product with a %(hours)s-hour cooling-off period: the sale becomes final "
            "only when it ends, and the customer may withdraw until then. Do not contact the customer about "
            "it during the period.") % {"product": p.name, "hours": cooling}))
    return Verdict(**base, rules=tuple(rules), needs_dual_recording=needs_dual, needs_signoff=needs_signoff,
                   cooling_off_hours=cooling, age=age)


# ------------------------------------------------------------------ facts from the database

def current_policy() -> Policy:
    """The bank's policy (one query); the defaults when none is stored."""
    from banyan.wealth.models import SuitabilityPolicy

    row = SuitabilityPolicy.objects.order_by("pk").first()
    if row is None:
        return Policy()
    return Policy(elderly_age=row.elderly_age, elderly_min_risk=row.elderly_min_risk,
                  elderly_signoff=row.elderly_signoff, dual_recording_types=frozenset(row.dual_recording_types or ()),
                  dual_recording_age=row.dual_recording_age, dual_recording_private=row.dual_recording_private,
                  cooling_off_hours=row.cooling_off_hours)


def _default_valid_days() -> int:
    from banyan.wealth.models import Questionnaire, QuestionnaireStatus

    days = (Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED)
            .values_list("valid_days", flat=True).first())
    return days or DEFAULT_VALID_DAYS


def customer_facts(customers) -> dict[int, CustomerFacts]:
    """The facts of the customers (a queryset, or an iterable of customers or ids), in one query: the
    level and date on the file, with the expiry of the assessment that set them (when a level came
    without one — typed on the profile, fed with the customer — the current validity from that date)."""
    from banyan.customers.models import Customer
    from banyan.wealth.models import RiskAssessment

    if hasattr(customers, "model") and customers.model is Customer:
        qs = customers
    else:
        ids = [c if isinstance(c, int) else c.pk for c in customers]
        qs = Customer.objects.filter(pk__in=ids)
    expiry = (RiskAssessment.objects.filter(customer=OuterRef("pk"), assessed_on=OuterRef("risk_assessed_on"),
                                            level=OuterRef("risk_level"))
              .order_by("-pk").values("expires_on")[:1])
    rows = (qs.order_by().annotate(assessment_expires=Subquery(expiry))
            .values_list("pk", "name", "risk_level", "risk_assessed_on", "assessment_expires", "birth_date"))
    valid_days: int | None = None
    out: dict[int, CustomerFacts] = {}
    for pk, name, level, assessed, expires, birth in rows:
        if expires is None and assessed is not None:
            if valid_days is None:
                valid_days = _default_valid_days()
            expires = assessed + dt.timedelta(days=valid_days)
        out[pk] = CustomerFacts(pk, name, level or "", assessed, expires, birth)
    return out


def product_facts(products) -> dict[int, ProductFacts]:
    from banyan.holdings.models import Product

    if hasattr(products, "model") and products.model is Product:
        items = list(products)
    else:
        items = list(products)
        if items and isinstance(items[0], int):
            items = list(Product.objects.filter(pk__in=items))
    return {p.pk: ProductFacts(p.pk, p.code, p.name, p.type, p.risk_level, p.is_private) for p in items}


def verdicts(customers, products, *, today: dt.date | None = None,
             policy: Policy | None = None) -> dict[tuple[int, int], Verdict]:
    """Every (customer id, product id) pair judged: for call lists, the offers, a product page.
    `customers`: a queryset or an iterable of customers or ids; `products`: products (a queryset,
    a list) or ids. A few queries whatever their number."""
    day = today or clock.today()
    rules = policy or current_policy()
    cs = customer_facts(customers)
    ps = product_facts(products)
    return {(c.id, p.id): judge(c, p, rules, day) for c in cs.values() for p in ps.values()}


def verdict(customer, product, *, today: dt.date | None = None, policy: Policy | None = None) -> Verdict:
    """One customer and one product (the sale form, the API)."""
    found = verdicts([customer.pk], [product], today=today, policy=policy)
    return found[(customer.pk, product.pk)]


def unsuitable(customers, product, *, today: dt.date | None = None) -> dict[int, str]:
    """Customers (a queryset) who may not buy `product`, each with the first blocking rule's code:
    what a campaign's call list leaves out."""
    found = verdicts(customers, [product], today=today)
    return {cid: v.first_blocking_code for (cid, _pid), v in found.items() if not v.allowed}


def rule_words(code: str) -> str:
    """A rule's name, for a list that shows only the code (a campaign's exclusions)."""
    return str(RULE_NAMES.get(code, code))


#: Each rule's name, for a list that shows only the code (a campaign's exclusions, a sale's record).
RULE_NAMES = {
    "no_assessment": gettext_lazy("No risk assessment"),
    "assessment_expired": gettext_lazy("Risk assessment expired"),
    "risk_above_level": gettext_lazy("Product risk above the customer's level"),
    "elderly_high_risk": gettext_lazy("65 or older, high-risk product"),
    "dual_recording_required": gettext_lazy("Audio-video recording (双录) required"),
    "cooling_off": gettext_lazy("Cooling-off period"),
}


def levels_allowed(level: str) -> list[str]:
    """The product levels a customer level may buy: C3 → R1, R2, R3."""
    return [f"R{n}" for n in range(1, rank(level) + 1)]


def levels_above(level: str) -> list[str]:
    """The product levels above a customer level: C3 → R4, R5 (all of them for none)."""
    return [f"R{n}" for n in range(rank(level) + 1, 6)]

