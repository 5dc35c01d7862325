"""Build the demo bank into an empty database (`banyan demo`).

Everything comes from one `random.Random(seed)` and `clock.today()`, so the same seed on the same
day builds the same bank, and `BANYAN_TODAY=2027-03-01` builds one coherent on that day.

Staff and products go through their services. Customers and everything they own are bulk
inserted inside one transaction — the per-object services would take minutes for 5,000
customers — but every derived field is computed with the project's own functions
(`search_keys`, `completeness_score`, `customers_refresh_aum` …), so the rows are exactly what the
services would write. One audit event records the build.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from banyan import clock
from banyan.audit.services import audit_log
from banyan.contacts.models import Appointment, Interaction, Memo, Opportunity, real_contact_q
from banyan.customers.models import Customer, CustomerRelation
from banyan.demo import assessments, catalogue, history, profiles
from banyan.demo.activity import HistoryMaker, aum_walk, month_ends
from banyan.demo.capacity import make_capacity_example
from banyan.demo.complaints import make_complaints
from banyan.demo.console import pad
from banyan.demo.content import make_content
from banyan.demo.events import make_events
from banyan.demo.gifts import make_gifts
from banyan.demo.groups import make_groups
from banyan.demo.opportunities import make_opportunities
from banyan.demo.people import (
    TIER_GOLD,
    TIER_MASS,
    TIER_SAVER,
    Book,
    Person,
    Registry,
    add_years,
    assign_tiers,
    finish,
    generate_people,
    make_customer,
    orientation,
    other_bank_assets,
    risk_profile,
)
from banyan.demo.portfolio import Market, PortfolioMaker, cover_every_type
from banyan.demo.referrals import make_referrals
from banyan.demo.review_history import make_review_history
from banyan.demo.sales import into_history
from banyan.demo.spending import make_spending
from banyan.demo.staff import BRANCHES, DEMO_PASSWORD, STAFF, work_contact
from banyan.demo.tiers import make_tiers_example
from banyan.demo.wanted import make_wanted_products
from banyan.holdings.models import AumSnapshot, Holding, Product, ProductNav, Transaction
from banyan.holdings.services import customers_refresh_aum, nav_record, product_create
from banyan.org.models import Branch, Staff
from banyan.org.services import branch_ensure, staff_create
from banyan.seeding import reseed
from banyan.segments.services import nightly_refresh
from banyan.wealth.models import CustomerSpending, RiskAssessment
from banyan.wealth.selectors import current_questionnaire
from banyan.wealth.services import sale_record
from banyan.worklists.services import worklists_build

BATCH = 1000


def database_is_empty() -> bool:
    return not (Customer.objects.exists() or Staff.objects.exists() or Branch.objects.exists()
                or Product.objects.exists())


def build_demo(*, customers: int = 5000, seed: int = 2026, log: Callable[[str], None] = print) -> dict[str, int]:
    """Fill an empty database with the demo bank; returns the counts of what was made."""
    started = time.perf_counter()

    def step(message: str) -> None:
        log(f"  {pad(message, 64)} {time.perf_counter() - started:5.1f} s")

    rng = random.Random(seed)
    today = clock.today()
    with transaction.atomic():
        reseed()  # what migrations seeded (questionnaire, templates, wording, categories …), after a flush too
        branches = {code: branch_ensure(code=code, name=name) for code, name in BRANCHES}
        step(f"branches: {len(branches)} ({'、'.join(b.name for b in branches.values())})")
        staff = _create_staff(branches)
        step(f"staff: {len(staff)} logins, every role")
        market = _create_catalogue(rng, today)
        step(f"products: {len(market.products)}, NAV history {market.days[0]} … {market.days[-1]}")

        people = generate_people(rng, customers, today)
        assign_tiers(rng, people)
        rows, opened, referrers = _create_customers(rng, people, branches, staff, today)
        step(f"customers: {len(rows)}")

        maker = PortfolioMaker(rng, market, Registry())
        holdings_of: list[list[Holding]] = []
        for p, c in zip(people, rows, strict=True):
            holdings_of.append(maker.build(p, c, opened[p.i]))
        cover_every_type(maker, people, rows, opened, holdings_of)
        Holding.objects.bulk_create([h for hs in holdings_of for h in hs], batch_size=BATCH)
        customers_refresh_aum()
        holdings_count = sum(len(hs) for hs in holdings_of)
        step(f"holdings: {holdings_count}, AUM refreshed")

        relations = _create_relations(rng, people, rows, referrers)
        snapshots = _create_snapshots(rng, rows, opened, today, seed=seed)
        team = {b.pk: {"lobby": _one(staff, b, "lobby"), "planner": _one(staff, b, "planner")}
                for b in branches.values()}
        history_maker = HistoryMaker(rng, today, team)
        interactions: list[Interaction] = []
        memos: list[Memo] = []
        for p, c, hs in zip(people, rows, holdings_of, strict=True):
            mine = history_maker.interactions(p, c, hs)
            interactions += mine
            memos += history_maker.memos(c, hs, contacted=bool(mine))
        Interaction.objects.bulk_create(interactions, batch_size=BATCH)
        Memo.objects.bulk_create(memos, batch_size=BATCH)
        meetings = Appointment.objects.bulk_create(history_maker.appointments(interactions), batch_size=BATCH)
        opportunities = Opportunity.objects.bulk_create(  # from the contacts where the customer was interested
            make_opportunities(seed, today, rows, interactions, [h for hs in holdings_of for h in hs]),
            batch_size=BATCH)
        latest = (Interaction.objects.filter(real_contact_q(), customer=OuterRef("pk")).values("customer")
                  .annotate(latest=Max("occurred_at")).values("latest"))
        Customer.objects.update(last_contact_at=Subquery(latest))
        step(f"history: {len(interactions)} contacts, {len(meetings)} meetings, {len(memos)} memos, "
             f"{relations} relations, {snapshots} AUM snapshots, {len(opportunities)} sales opportunities")

        made = _create_assessments(seed, today, rows, holdings_of, opportunities)
        step(f"risk assessments: {len(made.assessments)} ({made.flagged} with contradicting answers confirmed), "
             f"{len(made.drifted)} customers re-assessed below what they hold, a private sale in its cooling-off")

        spending = CustomerSpending.objects.bulk_create(make_spending(seed, rows, holdings_of), batch_size=BATCH)
        step(f"monthly spending recorded for {len(spending)} customers (the diagnosis's liquidity rule)")
        step(make_groups(seed, today))  # 客户群 with consents, a withdrawal and shares (SVC-3)
        step(make_referrals(seed, today))  # 转介绍 converted and pending, hand-offs (SVC-2)

        flows = _create_transactions(rng, rows, today)
        step(f"account movements: {flows} (large inflows and outflows of the last days among them)")

        counts = {"branches": len(branches), "staff": len(staff), "products": len(market.products),
                  "customers": len(rows), "holdings": holdings_count, "interactions": len(interactions),
                  "memos": len(memos), "meetings": len(meetings), "relations": relations, "snapshots": snapshots,
                  "transactions": flows, "opportunities": len(opportunities),
                  "risk_assessments": len(made.assessments)}
        audit_log(actor=None, action="demo.built", data={"seed": seed, "as_of": today, "count": len(rows)},
                  after=counts)
    # What the nightly job does after a feed: segments, then today's lists for every manager.
    segmented = nightly_refresh()
    step(f"segments: {segmented} customers in quadrants")
    step(make_review_history(seed, today))  # six months of lists, contacts, quadrant moves and plans (issue 14)
    step(make_complaints(seed, today))  # 投诉 in every state, with the regulator's clock (SVC-1)
    step(make_content(seed, today))  # 培育内容: the library, a draft, an expired note, a plan with a past run (OUT-7)
    step(make_events(seed, today))  # 客户活动: a salon held and reviewed, a lecture with every answer (EVT)
    step(make_wanted_products(seed, today))  # needs that come back: a gold coin on sale today (issue 16 §4)
    step(make_gifts(seed, today))  # 赠礼: the catalogue, budgets, gifts on visits, one awaiting approval (§6)
    step(make_tiers_example(today))  # 分层配置人员: a private banker per branch, customers out of place (§7)
    step(make_capacity_example(today))  # 服务容量: 李华's weekly calls put her over 100 % (issue 16 §5, §8)
    built = worklists_build(day=today)
    step(f"today's worklists: {built.tasks} tasks for {built.managers} managers")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _create_assessments(seed: int, today: dt.date, rows: list[Customer], holdings_of: list[list[Holding]],
                        opportunities: list[Opportunity]) -> assessments.Made:
    """Every level's assessment (and some earlier ones, a few drifted), then a private product sold
    this morning by a senior manager, waiting out its cooling-off period."""
    products = Product.objects.in_bulk()
    for o in opportunities:
        if o.product_id:
            o.product = products[o.product_id]
    made = assessments.make_assessments(seed, today, rows, holdings_of, opportunities, current_questionnaire())
    RiskAssessment.objects.bulk_create(made.assessments, batch_size=BATCH)
    Customer.objects.bulk_update(made.drifted, ["risk_level", "risk_assessed_on"], batch_size=BATCH)
    code, name, kind, risk, issuer = assessments.PRIVATE
    private = product_create(actor=None, code=code, name=name, type=kind, risk_level=risk, issuer=issuer)
    Product.objects.filter(pk=private.pk).update(is_private=True)
    private.is_private = True
    senior = Staff.objects.filter(username="zhangmin").first()  # the senior manager of the first branch
    drifted = {c.pk for c in made.drifted}
    buyer = next((c for c in rows if senior and c.rm_id == senior.pk and c.pk not in drifted
                  and c.risk_level in ("C4", "C5") and c.risk_assessed_on
                  and (today - c.risk_assessed_on).days < 300 and c.birth_date
                  and add_years(c.birth_date, 65) > today), None)
    nav_record(actor=None, product=private, date=today - dt.timedelta(days=1), nav="1.0000")  # issued at par
    if buyer is not None:
        into_history(sale_record(  # the history ends at today's AUM
            actor=senior, customer=buyer, product=private, amount="1000000", purchase_date=today,
            cost_price="1.0000", dual_recording_ref=f"SL{today:%Y%m%d}0001", acknowledged=True,
            account_no=f"8809{buyer.pk:012d}"))  # a private fund account: 16 digits, no other has 8809
    return made


_COUNTERPARTIES = ("他行", "证券账户", "支付宝", "财付通", "本行他人账户", "工资代发", "房产交易资金监管", "公积金中心")


def _create_transactions(rng: random.Random, rows: list[Customer], today: dt.date) -> int:
    """A month of account movements for a slice of the book; a few large ones in the last three
    days, so that the worklist shows 账户异动 (WL-2) on the demo's first morning."""
    made: list[Transaction] = []
    for c in rows:
        if rng.random() > 0.12:
            continue
        for n in range(rng.randint(1, 4)):
            day = today - dt.timedelta(days=rng.randint(1, 30))
            large = rng.random() < 0.15 and c.aum >= 50_000
            scale = float(c.aum) * rng.uniform(0.2, 0.6) if large else rng.uniform(200, 20_000)
            amount = Decimal(int(max(scale, 50_000 if large else 0) / 100) * 100)
            sign = 1 if rng.random() < 0.5 else -1
            made.append(Transaction(customer=c, external_id=f"DEMO-T{c.pk}-{n}", occurred_on=day,
                                    amount=sign * amount, counterparty=rng.choice(_COUNTERPARTIES)))
    Transaction.objects.bulk_create(made, batch_size=BATCH)
    return len(made)


# -----------------------------------------------------------------------------------------------
def _create_staff(branches: dict[str, Branch]) -> dict[str, Staff]:
    made: dict[str, Staff] = {}
    for s in STAFF:
        # No password yet: hashing one per login costs ~0.4 s each. All demo logins share one
        # published password, so one hash, set below in one statement, serves them all.
        made[s.username] = staff_create(
            actor=None, username=s.username, password=None, role=s.role,  # type: ignore[arg-type]
            branch=branches[s.branch] if s.branch else None, full_name=s.full_name,
            manager=made[s.manager] if s.manager else None, is_senior=s.senior, check_password=False,
            work_mobile=work_contact(s)[0], work_wechat=work_contact(s)[1])  # the number customers are given
    hashed = make_password(DEMO_PASSWORD)
    Staff.objects.filter(username__in=list(made)).update(password=hashed)
    for member in made.values():
        member.password = hashed
    return made


def _one(staff: dict[str, Staff], branch: Branch, role: str) -> Staff:
    return next(s for s in staff.values() if s.branch_id == branch.pk and s.role == role)


def _create_catalogue(rng: random.Random, today: dt.date) -> Market:
    products: dict[str, Product] = {}
    for p in catalogue.PRODUCTS:
        products[p.code] = product_create(actor=None, code=p.code, name=p.name, type=p.type, risk_level=p.risk,
                                          term_days=p.term_days, expected_yield=p.yield_pct, issuer=p.issuer)
    days = catalogue.business_days(today - dt.timedelta(days=365), today - dt.timedelta(days=1))
    navs: dict[str, list[Decimal]] = {}
    rows: list[ProductNav] = []
    for p in catalogue.PRODUCTS:
        if p.type not in catalogue.NAV_PRODUCT_TYPES:
            continue
        series = catalogue.nav_series(p, days, rng)
        navs[p.code] = series
        product = products[p.code]
        rows += [ProductNav(product=product, date=d, nav=v) for d, v in zip(days, series, strict=True)]
        # What nav_record keeps in step on the product: the latest NAV and its date.
        Product.objects.filter(pk=product.pk).update(latest_nav=series[-1], latest_nav_date=days[-1])
        product.latest_nav, product.latest_nav_date = series[-1], days[-1]
    ProductNav.objects.bulk_create(rows, batch_size=BATCH)
    fell_from = {p.code: days[-catalogue.FALL_DAYS] for p in catalogue.PRODUCTS if p.recent_fall}
    return Market(products=products, days=days, navs=navs, today=today, fell_from=fell_from)


# -----------------------------------------------------------------------------------------------
# Per branch, a manager's share of the book by tier: (senior rm, rm, rm, planner). Priority
# customers go to the senior manager (二八原则, seed 002); planners keep fewer, mid-sized ones.
_SHARES_TOP = (0.65, 0.175, 0.175, 0.0)
_SHARES_MID = (0.22, 0.30, 0.30, 0.18)
_SHARES_MASS = (0.20, 0.37, 0.37, 0.06)


def _books(branches: dict[str, Branch], staff: dict[str, Staff]) -> dict[str, list[Staff]]:
    out = {}
    for code, branch in branches.items():
        rms = sorted((s for s in staff.values() if s.branch_id == branch.pk and s.role == "rm"),
                     key=lambda s: (not s.is_senior, s.username))
        out[code] = [*rms, _one(staff, branch, "planner")]
    return out


def _assistant_of(staff: dict[str, Staff]) -> dict[int, Staff]:
    return {s.manager_id: s for s in staff.values() if s.role == "assistant" and s.manager_id}


def _account_opened(rng: random.Random, p: Person, source: str, today: dt.date) -> dt.date:
    """When the customer opened the first account: never before 18, never more than 25 years ago,
    recently for new-card customers; a few in the last weeks (the new-customer list)."""
    adult = add_years(p.birth, 18)
    earliest = max(adult, today - dt.timedelta(days=25 * 365))
    if rng.random() < 0.015:
        return today - dt.timedelta(days=rng.randint(7, 45))
    if source == "new_card":
        earliest = max(earliest, today - dt.timedelta(days=3 * 365))
    latest = today - dt.timedelta(days=60)
    if earliest >= latest:
        return latest
    span = (latest - earliest).days
    return earliest + dt.timedelta(days=int(span * rng.random() ** 0.8))


def _create_customers(rng: random.Random, people: list[Person], branches: dict[str, Branch],
                      staff: dict[str, Staff], today: dt.date,
                      ) -> tuple[list[Customer], dict[int, dt.date], dict[int, int]]:
    """Customer rows for the people, saved; with when each opened an account and who referred whom."""
    books = _books(branches, staff)
    assistants = _assistant_of(staff)
    registry = Registry()
    codes = list(branches)
    household_book: dict[int, tuple[str, Staff]] = {}
    homes: dict[int, str] = {}
    earlier_in_book: dict[int, list[Person]] = {}
    rows: list[Customer] = []
    referrers: dict[int, int] = {}
    opened: dict[int, dt.date] = {}
    for p in people:
        if p.head == p.i:
            code = rng.choices(codes, weights=[36, 32, 32])[0]
            household_tier = max(q.tier for q in people[p.i:p.i + 2] if q.head == p.i)
            shares = _SHARES_TOP if household_tier >= TIER_GOLD else (
                _SHARES_MID if household_tier >= TIER_SAVER else _SHARES_MASS)
            household_book[p.i] = (code, rng.choices(books[code], weights=shares)[0])
        code, rm = household_book[p.head]
        # A couple shares a home; a grown child lives in the same part of town, not the same flat.
        home = homes[p.head] if p.family_of and p.family_of[1] == "配偶" else profiles.address(rng, code)
        homes[p.i] = home
        assistant = assistants.get(rm.pk) if p.tier <= TIER_MASS else None
        book = Book(branch=branches[code], rm=rm, assistant=assistant)

        # Where the customer came from (ARC-1): family and friends bring each other.
        referrer: Person | None = None
        candidates = earlier_in_book.setdefault(rm.pk, [])
        if p.head != p.i:
            source, referrer = "referral", people[p.head]
        elif candidates and rng.random() < 0.10:
            source = "referral"
            referrer = rng.choices(candidates, weights=[(q.tier + 1) ** 2 for q in candidates])[0]
        elif p.work.kind == "employee" and rng.random() < 0.35:
            source = "payroll"
        elif p.age < 45 and rng.random() < 0.3:
            source = "new_card"
        else:
            source = "campaign" if rng.random() < 0.04 else "walk_in"
        candidates.append(p)
        if referrer is not None:
            referrers[p.i] = referrer.i

        c, r = make_customer(rng, p, book=book, today=today, registry=registry, external_id=f"C{p.i + 1:09d}",
                             source=source, home=home)
        c.risk_level, c.risk_assessed_on = risk_profile(rng, p, today)
        if rng.random() < 0.2 + 0.8 * r:
            c.orientation = orientation(rng, p, c.risk_level)
        c.other_bank_assets = other_bank_assets(rng, p)
        opened[p.i] = c.account_opened_on = _account_opened(rng, p, source, today)
        finish(c)
        rows.append(c)
    Customer.objects.bulk_create(rows, batch_size=500)
    for i, j in referrers.items():
        rows[i].referrer_id = rows[j].pk
    Customer.objects.bulk_update([rows[i] for i in referrers], ["referrer"], batch_size=500)
    return rows, opened, referrers


def _create_relations(rng: random.Random, people: list[Person], rows: list[Customer],
                      referrers: dict[int, int]) -> int:
    """Family (couples, parent and grown child), referrals, friends, business partners."""
    links: dict[tuple[int, int, str], str] = {}
    for p in people:
        if p.family_of:
            links[(p.i, p.family_of[0], "family")] = p.family_of[1]
        elif p.i in referrers:
            links[(p.i, referrers[p.i], "referred_by")] = ""
    by_branch: dict[int, list[int]] = {}
    owners: dict[int, list[int]] = {}
    for p, c in zip(people, rows, strict=True):
        by_branch.setdefault(c.branch_id, []).append(p.i)
        if p.work.kind in ("owner", "shopkeeper"):
            owners.setdefault(c.branch_id, []).append(p.i)
    for branch_id, members in by_branch.items():
        for _k in range(max(1, len(members) // 60)):
            a, b = rng.sample(members, 2)
            links.setdefault((a, b, "friend"), rng.choice(history.FRIEND_NOTES))
        pool = owners.get(branch_id, [])
        for _k in range(len(pool) // 8):
            a, b = rng.sample(pool, 2)
            links.setdefault((a, b, "business_partner"), rng.choice(history.PARTNER_NOTES))
    CustomerRelation.objects.bulk_create(
        [CustomerRelation(customer=rows[a], other=rows[b], kind=kind, note=note)
         for (a, b, kind), note in links.items() if a != b], batch_size=BATCH)
    return sum(1 for a, b, _kind in links if a != b)


def _create_snapshots(rng: random.Random, rows: list[Customer], opened: dict[int, dt.date], today: dt.date, *,
                      seed: int = 0) -> int:
    """Month-end AUMs, in the book (manager, branch) the customer is in; the file's completeness
    then: some files were completed in the last months (the review's completeness gained). The
    quadrant of each month-end is set once the customers are segmented (banyan.demo.review_history)."""
    dates = month_ends(today)
    aum = dict(Customer.objects.values_list("pk", "aum"))
    filled = random.Random(f"banyan-demo-completeness-{seed}")  # its own: the rest of the bank stays as it was
    snapshots = []
    for i, c in enumerate(rows):
        c.aum = aum[c.pk]
        completed = len(dates) - filled.randint(1, 6) if filled.random() < 0.3 else 0
        gained = filled.randint(5, 25)
        for n, (day, value) in enumerate(zip(dates, aum_walk(rng, c.aum, dates, opened[i]), strict=True)):
            completeness = max(0, c.completeness - gained) if n < completed else c.completeness
            snapshots.append(AumSnapshot(customer_id=c.pk, date=day, aum=value, rm_id=c.rm_id, branch_id=c.branch_id,
                                         completeness=completeness))
    AumSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    return len(snapshots)
