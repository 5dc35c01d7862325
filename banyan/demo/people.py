"""Demo customers as people first (age, work, family, wealth), then as Customer rows whose derived
fields are computed with the project's own functions, exactly as `customer_create` would."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from banyan.customers.identity import make_resident_id, validate_mobile
from banyan.customers.models import Customer
from banyan.customers.pinyin import search_keys
from banyan.customers.services import customer_fill_derived
from banyan.demo import names, profiles

# Age bands of a branch's retail customers: (lowest, highest, weight).
AGE_BANDS = [(20, 29, 16), (30, 39, 22), (40, 49, 20), (50, 59, 17), (60, 69, 14), (70, 85, 11)]

# Wealth tiers, lowest first: (share of customers, low, high) in yuan. The top two follow the
# long tail of a large Chinese retail bank (SPEC "Reference facts"): about 2% at 500k or more,
# a few private-banking customers at 6M or more, the mass at about 10k on average.
TIER_MASS_LOW, TIER_MASS, TIER_SAVER, TIER_AFFLUENT, TIER_WEALTHY, TIER_GOLD, TIER_PRIVATE = range(7)
TIER_SHARES = {TIER_PRIVATE: 0.0012, TIER_GOLD: 0.019, TIER_WEALTHY: 0.008, TIER_AFFLUENT: 0.018,
               TIER_SAVER: 0.09, TIER_MASS: 0.40}
GOLD_THRESHOLD = 500_000
PRIVATE_THRESHOLD = 6_000_000


@dataclass
class Person:
    i: int
    name: str
    male: bool
    birth: dt.date
    age: int
    work: profiles.Work
    marital: str
    kids: list[tuple[bool, int]] = field(default_factory=list)
    children: str = ""
    spouse_name: str = ""
    spouse_age: int = 0
    wedding: dt.date | None = None
    head: int = 0  # the household's first member: households share a manager
    family_of: tuple[int, str] | None = None  # (other person, note) — "配偶", "儿子" …
    score: float = 0.0
    tier: int = 0
    target: float = 0.0  # target AUM in yuan (the holdings make the real one)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def birth_for_age(rng: random.Random, age: int, today: dt.date) -> dt.date:
    latest = add_years(today, -age)
    earliest = add_years(today, -(age + 1)) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


def _age(rng: random.Random) -> int:
    low, high, _w = rng.choices(AGE_BANDS, weights=[w for _l, _h, w in AGE_BANDS])[0]
    return rng.randint(low, high)


def _person(rng: random.Random, i: int, today: dt.date, *, age: int, male: bool,
            family_name: str | None = None) -> Person:
    birth = birth_for_age(rng, age, today)
    work = profiles.choose_work(rng, age=age, male=male, today=today)
    marital = profiles.marital_status(rng, age=age, kind=work.kind)
    p = Person(i=i, name=names.person_name(rng, male=male, birth_year=birth.year, family_name=family_name),
               male=male, birth=birth, age=age, work=work, marital=marital, head=i)
    married_at = min(age, rng.randint(22, 31))
    if marital != "single":  # children come after the wedding
        ages = profiles.child_ages(rng, age=age, birth_year=birth.year, first_at=married_at + rng.randint(1, 3))
        p.children, p.kids = profiles.children_text(rng, ages)
    if marital == "married":
        p.spouse_age = max(20, min(85, age - rng.randint(0, 4) if male else age + rng.randint(0, 4)))
        p.spouse_name = names.person_name(rng, male=not male, birth_year=today.year - p.spouse_age)
        wedding = add_years(birth, married_at) + dt.timedelta(days=rng.randint(0, 364))
        p.wedding = min(wedding, today - dt.timedelta(days=rng.randint(30, 400)))
    return p


def generate_people(rng: random.Random, n: int, today: dt.date) -> list[Person]:
    """n people; some come as households (a couple, a parent and a grown child) who bank together."""
    people: list[Person] = []
    while len(people) < n:
        p = _person(rng, len(people), today, age=_age(rng), male=rng.random() < 0.48)
        people.append(p)
        if len(people) >= n:
            break
        grown = [(son, a) for son, a in p.kids if 22 <= a <= 45]
        if p.marital == "married" and rng.random() < 0.09:
            s = _person(rng, len(people), today, age=p.spouse_age, male=not p.male)
            s.name, s.marital, s.spouse_name, s.spouse_age = p.spouse_name, "married", p.name, p.age
            s.kids, s.children, s.wedding, s.head = p.kids, p.children, p.wedding, p.i
            s.family_of = (p.i, "配偶")
            people.append(s)
        elif grown and p.age >= 50 and rng.random() < 0.08:
            son, age = grown[0]
            father_side = p.name if p.male else (p.spouse_name or None)
            c = _person(rng, len(people), today, age=age, male=son,
                        family_name=names.family_name_of(father_side) if father_side else None)
            c.head = p.i
            c.family_of = (p.i, "儿子" if son else "女儿")
            people.append(c)
    return people


def assign_tiers(rng: random.Random, people: list[Person]) -> None:
    """Rank by a wealth score (work × age × luck) and give each tier its share: the long tail."""
    age_factor = {2: 0.3, 3: 0.7, 4: 1.0, 5: 1.3, 6: 1.35, 7: 1.2, 8: 1.1}
    for p in people:
        p.score = p.work.wealth * age_factor[min(8, p.age // 10)] * math.exp(rng.gauss(0, 0.9))
    ranked = sorted(people, key=lambda q: (-q.score, q.i))
    n = len(people)
    quotas = []
    for tier in (TIER_PRIVATE, TIER_GOLD, TIER_WEALTHY, TIER_AFFLUENT, TIER_SAVER, TIER_MASS):
        count = round(n * TIER_SHARES[tier])
        if tier == TIER_PRIVATE:
            count = max(1, count)
        quotas += [tier] * count
    quotas += [TIER_MASS_LOW] * (n - len(quotas))
    for p, tier in zip(ranked, quotas[:n], strict=True):
        p.tier = tier
        p.target = _target(rng, tier)


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _target(rng: random.Random, tier: int) -> float:
    if tier == TIER_PRIVATE:
        return min(40e6, PRIVATE_THRESHOLD * 1.02 * math.exp(abs(rng.gauss(0, 0.9))))
    if tier == TIER_GOLD:
        # A Pareto tail cut at the private-banking threshold: mean about 1.45M, as CMB's 金葵花.
        low, high, alpha = GOLD_THRESHOLD * 1.03, 5.9e6, 0.85
        return low * (1 - rng.random() * (1 - (low / high) ** alpha)) ** (-1 / alpha)
    if tier == TIER_WEALTHY:
        return _log_uniform(rng, 200_000, 480_000)
    if tier == TIER_AFFLUENT:
        return _log_uniform(rng, 80_000, 200_000)
    if tier == TIER_SAVER:
        return _log_uniform(rng, 20_000, 80_000)
    if tier == TIER_MASS:
        return _log_uniform(rng, 3_000, 20_000)
    return 3_000 * rng.random() ** 1.6 + 5


# ---------------------------------------------------------------------------------------------
# Mobile prefixes of the three carriers, weighted towards the common ones.
MOBILE_PREFIXES = [("138", 6), ("139", 6), ("136", 4), ("137", 4), ("135", 4), ("134", 2), ("130", 2), ("131", 2),
                   ("132", 2), ("133", 2), ("150", 2), ("151", 2), ("152", 2), ("155", 1), ("156", 1), ("157", 1),
                   ("158", 3), ("159", 3), ("166", 1), ("173", 1), ("176", 1), ("177", 2), ("180", 2), ("181", 1),
                   ("182", 2), ("183", 1), ("185", 1), ("186", 3), ("187", 2), ("188", 2), ("189", 3), ("191", 1),
                   ("199", 2)]
_PREFIXES = [p for p, _w in MOBILE_PREFIXES]
_PREFIX_WEIGHTS = [w for _p, w in MOBILE_PREFIXES]


class Registry:
    """Numbers already given out: mobiles, resident IDs and account numbers are unique."""

    def __init__(self) -> None:
        self.mobiles: set[str] = set()
        self.ids: set[str] = set()
        self.accounts: set[str] = set()

    def mobile(self, rng: random.Random) -> str:
        while True:
            number = rng.choices(_PREFIXES, weights=_PREFIX_WEIGHTS)[0] + f"{rng.randint(0, 99_999_999):08d}"
            if number in self.mobiles:
                continue
            validate_mobile(number)  # the prefixes are real; this keeps the demo honest if one is not
            self.mobiles.add(number)
            return number

    def resident_id(self, rng: random.Random, region: str, birth: dt.date, male: bool) -> str:
        while True:
            sequence = rng.randint(0, 499) * 2 + (1 if male else 0)  # odd for men
            number = make_resident_id(region, birth, sequence)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def account(self, rng: random.Random, prefix: str, length: int, *, luhn: bool = False) -> str:
        while True:
            body = prefix + "".join(str(rng.randint(0, 9)) for _i in range(length - len(prefix) - (1 if luhn else 0)))
            number = body + _luhn_digit(body) if luhn else body
            if number not in self.accounts:
                self.accounts.add(number)
                return number


def _luhn_digit(body: str) -> str:
    total = 0
    for k, ch in enumerate(reversed(body)):
        d = int(ch)
        if k % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


# ---------------------------------------------------------------------------------------------
@dataclass
class Book:
    """Who keeps a customer: branch, manager, assistant (staff rows)."""

    branch: object
    rm: object
    assistant: object | None


RISK_BY_AGE = {
    "young": (("C2", 20), ("C3", 40), ("C4", 28), ("C5", 12)),
    "middle": (("C1", 8), ("C2", 27), ("C3", 38), ("C4", 20), ("C5", 7)),
    "old": (("C1", 30), ("C2", 45), ("C3", 20), ("C4", 5)),
}
_EMAIL_DOMAINS = ["163.com", "126.com", "sina.com", "139.com", "hotmail.com", "gmail.com"]


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([k for k, _w in weighted], weights=[w for _k, w in weighted])[0]


def richness(rng: random.Random, p: Person) -> float:
    """How much the bank knows about this customer: more for those it looks after more."""
    return max(0.05, min(0.97, 0.12 + 0.12 * p.tier + rng.gauss(0, 0.15)))


def make_customer(rng: random.Random, p: Person, *, book: Book, today: dt.date, registry: Registry,
                  external_id: str, source: str, home: str) -> tuple[Customer, float]:
    """The Customer row for a person (unsaved), and its richness (how much the file holds).
    `home`: the household's address. `finish()` sets the derived fields once all is filled in."""
    r = richness(rng, p)
    w = p.work
    region = profiles.region_code(rng, age=p.age)
    c = Customer(
        external_id=external_id, name=p.name, gender="M" if p.male else "F", id_type="resident",
        id_number=registry.resident_id(rng, region, p.birth, p.male), birth_date=p.birth,
        mobile=registry.mobile(rng), branch=book.branch, rm=book.rm, assistant=book.assistant,
        source=source,
    )
    c.lunar_birthday = rng.random() < (0.03 if p.age < 35 else 0.11 if p.age < 55 else 0.30)
    if rng.random() < 0.04:
        c.mobile2 = registry.mobile(rng)
    if rng.random() < 0.55 + 0.45 * r:
        c.address = home
    if rng.random() < 0.3 + 0.7 * r:
        c.occupation = w.occupation
        if rng.random() < 0.3 + 0.7 * r:
            c.industry = w.industry
        if w.employer and rng.random() < r + 0.1:
            c.employer = w.employer
    if rng.random() < r:
        c.education = w.education
    if rng.random() < 0.2 + 0.8 * r:
        c.marital_status = p.marital
        if p.spouse_name and rng.random() < r + 0.15:
            c.spouse_name = p.spouse_name
        if p.wedding and rng.random() < r * 0.7:
            c.wedding_anniversary = p.wedding
    if p.children and rng.random() < r * 0.9:
        c.children = p.children
    if rng.random() < r:
        c.interests = profiles.interests(rng, age=p.age)
    if w.business_opened_on and c.occupation and rng.random() < 0.4 + 0.5 * r:
        c.business_opened_on = w.business_opened_on
    if rng.random() < r:
        c.preferred_channel = _pick(rng, (("phone", 50), ("wechat", 28 if p.age < 65 else 8),
                                          ("branch", 8 if p.age < 60 else 30), ("visit", 4 + p.tier), ("sms", 3),
                                          ("email", 2 if p.age < 50 else 0)))
    if rng.random() < r * 0.8:
        c.preferred_time = profiles.preferred_time(rng, kind=w.kind)
    if rng.random() < r * 0.7:
        c.transaction_habits = profiles.transaction_habits(rng, age=p.age, kind=w.kind)
    if rng.random() < r * 0.45 and p.age < 70:
        pinyin, _initials = search_keys(p.name)
        if rng.random() < 0.35:
            c.email = f"{rng.randint(10_000_000, 2_999_999_999)}@qq.com"
        else:
            c.email = f"{pinyin}{p.birth.year % 100:02d}@{rng.choice(_EMAIL_DOMAINS)}"
    if rng.random() < r * 0.3:
        c.notes = rng.choice(profiles.NOTES)
    # Consent per channel (PIPL): most allow calls, fewer SMS and WeChat, few e-mail.
    c.consent_phone = rng.random() < 0.92
    c.consent_sms = rng.random() < 0.55
    c.consent_wechat = rng.random() < (0.45 if p.age < 60 else 0.2)
    c.consent_email = bool(c.email) and rng.random() < 0.5
    if c.preferred_channel in ("phone", "sms", "wechat", "email"):  # who asks to be reached there agreed to it
        setattr(c, f"consent_{c.preferred_channel}", True)
    c.do_not_disturb = rng.random() < 0.03
    return c, r


def risk_profile(rng: random.Random, p: Person, today: dt.date) -> tuple[str, dt.date | None]:
    """(C1–C5 or "", assessed on): investors must have one; a third of the mass never took one.
    About a quarter of the assessments are more than a year old (expired)."""
    has = rng.random() < (0.35, 0.5, 0.75, 0.95, 0.97, 0.99, 1.0)[p.tier]
    if not has:
        return "", None
    band = "young" if p.age < 35 else ("middle" if p.age < 60 else "old")
    level = _pick(rng, RISK_BY_AGE[band])
    return level, today - dt.timedelta(days=rng.randint(5, 700 if rng.random() < 0.45 else 360))


def orientation(rng: random.Random, p: Person, risk: str) -> str:
    if p.age >= 60:
        return _pick(rng, (("relationship", 55), ("service", 30), ("value", 15)))
    if risk in ("C3", "C4", "C5") and p.tier >= TIER_SAVER:
        return _pick(rng, (("value", 50), ("relationship", 30), ("service", 20)))
    return _pick(rng, (("relationship", 40), ("service", 35), ("value", 25)))


def other_bank_assets(rng: random.Random, p: Person) -> Decimal | None:
    """An estimate for about 30% of customers. Some with little here hold a lot elsewhere: the
    potential a manager should go after."""
    if rng.random() >= 0.22 + 0.04 * p.tier:
        return None
    if p.tier <= TIER_SAVER and p.work.wealth >= 1.5 and rng.random() < 0.35:
        value = _log_uniform(rng, 300_000, 5_000_000)
    else:
        value = max(10_000.0, p.target * rng.uniform(0.2, 2.0))
    step = 10_000 if value >= 100_000 else 1_000
    return Decimal(int(round(value / step)) * step)


def finish(c: Customer) -> None:
    """The derived fields, computed by the very function customers.services uses on every save."""
    customer_fill_derived(c)
