"""A synthetic bank on the benchmarks' PostgreSQL, fast: a million customers in minutes (issue 5).

    .venv/bin/python benchmarks/generate.py --customers 1000000 [--database bank1m] [--seed 7]
                                            [--workers 2] [--replace]

Builds into an empty database (created when missing, migrated first; --replace drops and
recreates it) a coherent bank:

- 100 branches (codes 001…100), each with a branch head (bh001…), 20 managers who keep a book
  (rm0001…rm2000: two senior managers, sixteen managers and two financial planners per branch;
  about 500 customers each, with the demo's long tail: senior managers keep the priority
  customers), 3 assistants (as001…, working for the seniors and one manager), a lobby manager
  (lobby001…); the auditor `auditor` and the administrator `admin`. Every password: banyan2026.
- the demo's product catalogue and a year of NAVs (banyan/demo/catalogue.py);
- the customers, people first, with the demo's own generators (banyan/demo/people.py: age,
  work, family, wealth tier, valid resident IDs and mobiles, consents, DND, risk levels, lunar
  birthdays) and every derived column computed by `customer_fill_derived` (pinyin cached by name);
- holdings from the demo's portfolio maker, topped up to about five per customer (deposits
  maturing over the coming year, wealth products and funds with cost, take-profit and stop-loss,
  loans, credit cards with due dates), paid from the customer's demand balance so AUM holds;
- a year of contacts and memos (the demo's history maker) — `last_contact_at` from them —,
  appointments, twelve month-end AUM snapshots, twelve months of account movements with large
  inflows and outflows, family, referral and friend relations;
- then `customers_refresh_aum()`, `segments_recompute()` and ANALYZE.

Rows go in with PostgreSQL COPY, from `--workers` processes (each its own slice of customers and
its own numbers: no two workers give out the same mobile, ID or account number), with the
tables' secondary indexes dropped during the load and built afterwards, and foreign-key triggers
off for the loading sessions (the rows are coherent by construction; `--check` counts orphans).
Prints the time of every stage and in all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
import multiprocessing
import os
import queue
import random
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PG_PORT, pg_cluster, use_pg  # noqa: E402

PASSWORD = "banyan2026"
BRANCHES = 100
MANAGERS_PER_BRANCH = 20  # 2 senior rm, 16 rm, 2 planners
SENIORS, PLANNERS = 2, 2
CHUNK = 2000

_CITIES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水", "义乌", "慈溪",
           "余姚", "诸暨", "海宁", "乐清", "瑞安", "桐乡", "临海"]
_QUARTERS = ["城东", "城西", "高新区", "滨江", "开发区"]


def log(message: str) -> None:
    print(message, flush=True)


# ------------------------------------------------------------------------------------------------
# Database set-up
def prepare_database(database: str, replace: bool) -> str:
    from banyan.testing.pgserver import _bindir

    server = pg_cluster()
    if replace:
        subprocess.run([str(_bindir() / "dropdb"), "--if-exists", "--force", "-h", "127.0.0.1", "-p", str(PG_PORT),
                        "-U", "banyan", database], check=True)
    url = use_pg(database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from banyan.customers.models import Customer
    from banyan.org.models import Staff

    if Customer.objects.exists() or Staff.objects.exists():
        sys.exit(f"database {database} on {server} is not empty: pass --replace to rebuild it")
    return url


def loaded_models():
    from banyan.contacts.models import Appointment, Interaction, Memo
    from banyan.customers.models import Customer, CustomerRelation
    from banyan.holdings.models import AumSnapshot, Holding, Transaction

    return [Customer, Holding, Interaction, Memo, Appointment, Transaction, AumSnapshot, CustomerRelation]


def drop_secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """Drop the plain indexes (not those behind primary keys and unique constraints) of `tables`;
    returns (table, definition) of each, to be built again after the load."""
    cursor.execute("""
        SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""", [tables])
    rows = cursor.fetchall()
    for name, _table, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [(table, definition) for _name, table, definition in rows]


def build_indexes(url: str, definitions: list[str], workers: int) -> None:
    """CREATE INDEX for each definition, `workers` at a time (one connection each)."""
    import psycopg

    todo = sorted(definitions, key=len)
    lock = threading.Lock()

    def run() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                with lock:
                    if not todo:
                        return
                    definition = todo.pop()
                conn.execute(definition)

    threads = [threading.Thread(target=run) for _k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ------------------------------------------------------------------------------------------------
# Staff
def create_branches_and_staff(rng: random.Random):
    from django.contrib.auth.hashers import make_password

    from banyan.demo import names
    from banyan.org.models import Branch, Role, Staff

    branches = Branch.objects.bulk_create([
        Branch(code=f"{k + 1:03d}", name=f"{_CITIES[k // len(_QUARTERS)]}{_QUARTERS[k % len(_QUARTERS)]}支行")
        for k in range(BRANCHES)])
    hashed = make_password(PASSWORD)
    now = dt.datetime.now(dt.UTC)

    def person(username: str, role: str, branch, **extra) -> Staff:
        male = rng.random() < 0.5
        return Staff(username=username, password=hashed, role=role, branch=branch, date_joined=now,
                     full_name=names.person_name(rng, male=male, birth_year=rng.randint(1970, 1998)),
                     is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN, **extra)

    first: list[Staff] = [person("admin", Role.ADMIN, None), person("auditor", Role.AUDITOR, None)]
    managers: dict[int, list[Staff]] = {}
    number = 0
    for k, b in enumerate(branches):
        first.append(person(f"bh{k + 1:03d}", Role.BRANCH_HEAD, b))
        first.append(person(f"lobby{k + 1:03d}", Role.LOBBY, b))
        book = []
        for j in range(MANAGERS_PER_BRANCH):
            number += 1
            role = Role.PLANNER if j >= MANAGERS_PER_BRANCH - PLANNERS else Role.RM
            book.append(person(f"rm{number:04d}", role, b, is_senior=j < SENIORS))
        managers[b.pk] = book
        first += book
    Staff.objects.bulk_create(first, batch_size=1000)
    by_name = {s.username: s for s in Staff.objects.all()}
    for b in branches:
        managers[b.pk] = [by_name[s.username] for s in managers[b.pk]]
    assistants = []
    for k, b in enumerate(branches):
        for j in range(3):
            assistants.append(person(f"as{3 * k + j + 1:04d}", Role.ASSISTANT, b, manager=managers[b.pk][j]))
    Staff.objects.bulk_create(assistants)
    assistant_of = {s.manager_id: s for s in Staff.objects.filter(role=Role.ASSISTANT)}
    team = {b.pk: {"lobby": by_name[f"lobby{k + 1:03d}"], "planner": managers[b.pk][-1]}
            for k, b in enumerate(branches)}
    return branches, managers, assistant_of, team, len(by_name) + len(assistants)


# ------------------------------------------------------------------------------------------------
# Books: which branch and manager keeps each household (decided once, in the parent process).
def assign_books(rng: random.Random, people, branches, managers) -> list[tuple[int, int]]:
    """Per person: (branch index, manager index within the branch). A household shares a manager;
    priority customers go mostly to the seniors (二八原则), planners keep mid-sized customers."""
    from banyan.demo.people import TIER_GOLD, TIER_SAVER

    shares = {"top": (0.65, 0.35, 0.0), "mid": (0.22, 0.60, 0.18), "mass": (0.20, 0.74, 0.06)}
    plain = MANAGERS_PER_BRANCH - SENIORS - PLANNERS
    branch_cum = list(_cumulate([math.exp(rng.gauss(0, 0.35)) for _b in branches]))
    cum: dict[tuple[int, str], list[float]] = {}
    for k in range(len(branches)):
        luck = [math.exp(rng.gauss(0, 0.4)) for _j in range(MANAGERS_PER_BRANCH)]
        for group, (senior, rm, planner) in shares.items():
            weights = [luck[j] * (senior / SENIORS if j < SENIORS else
                                  planner / PLANNERS if j >= MANAGERS_PER_BRANCH - PLANNERS else rm / plain)
                       for j in range(MANAGERS_PER_BRANCH)]
            cum[(k, group)] = list(_cumulate(weights))
    household: dict[int, int] = {}
    for p in people:
        if p.head == p.i:
            household[p.i] = max(q.tier for q in people[p.i:p.i + 3] if q.head == p.i)
    book: list[tuple[int, int]] = []
    branch_range, manager_range = range(len(branches)), range(MANAGERS_PER_BRANCH)
    for p in people:
        if p.head != p.i:
            book.append(book[p.head])
            continue
        tier = household[p.i]
        group = "top" if tier >= TIER_GOLD else ("mid" if tier >= TIER_SAVER else "mass")
        k = rng.choices(branch_range, cum_weights=branch_cum)[0]
        book.append((k, rng.choices(manager_range, cum_weights=cum[(k, group)])[0]))
    return book


def _cumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


# ------------------------------------------------------------------------------------------------
# One worker: a slice of the people, written with COPY.
def _registry_for(worker: int, workers: int):
    from banyan.customers.identity import make_resident_id, validate_mobile
    from banyan.demo.people import _PREFIX_WEIGHTS, _PREFIXES, Registry, _luhn_digit

    class WorkerRegistry(Registry):
        """The demo's registry, with numbers partitioned between workers (never the same twice)."""

        def mobile(self, rng):
            while True:
                number = rng.choices(_PREFIXES, weights=_PREFIX_WEIGHTS)[0] + f"{rng.randint(0, 99_999_999):08d}"
                if int(number) % workers != worker or number in self.mobiles:
                    continue
                validate_mobile(number)
                self.mobiles.add(number)
                return number

        def resident_id(self, rng, region, birth, male):
            slots = 500 // workers
            while True:
                sequence = (rng.randint(0, slots - 1) * workers + worker) * 2 + (1 if male else 0)
                number = make_resident_id(region, birth, sequence)
                if number not in self.ids:
                    self.ids.add(number)
                    return number

        def account(self, rng, prefix, length, *, luhn=False):
            # The demo's numbers (prefix, length, Luhn check digit), the digits drawn at once.
            prefix += str(worker)
            digits = length - len(prefix) - (1 if luhn else 0)
            while True:
                body = prefix + f"{rng.getrandbits(64) % 10 ** digits:0{digits}d}"
                number = body + _luhn_digit(body) if luhn else body
                if number not in self.accounts:
                    self.accounts.add(number)
                    return number

    return WorkerRegistry()


def _speed_ups() -> None:
    """In a worker only: customer_fill_derived's pinyin and lunar conversions cached by name and
    by birth date (the same functions, called once per distinct input), and the demo's makers
    given plain row objects instead of Django model instances (a model's __init__ was a third of
    the time; nothing here saves them: their attributes go to COPY)."""
    from banyan.contacts.models import Interaction, Memo
    from banyan.customers import services
    from banyan.customers.models import Customer
    from banyan.demo import activity, people, portfolio
    from banyan.holdings.models import Holding

    keys = functools.lru_cache(maxsize=None)(services.search_keys)
    services.search_keys = keys
    people.search_keys = keys
    services.lunar_key_of = functools.lru_cache(maxsize=None)(services.lunar_key_of)
    people.Customer = row_class(Customer)
    portfolio.Holding = row_class(Holding)
    activity.Interaction = row_class(Interaction)
    activity.Memo = row_class(Memo)


def row_class(model):
    """A light stand-in for `model`: the same attributes and defaults, a foreign key given as an
    object also sets its `<name>_id`, `pk` is the id. No validation, no saving."""
    fields = model._meta.concrete_fields
    defaults = {f.attname: (None if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                            else f.get_default()) for f in fields}
    relations = {f.name: f.attname for f in fields if f.is_relation}

    class Row:
        __qualname__ = __name__ = f"{model.__name__}Row"

        def __init__(self, **values) -> None:
            d = self.__dict__
            d.update(defaults)
            for key, value in values.items():
                d[key] = value
                if key in relations:
                    d[relations[key]] = None if value is None else value.pk

        @property
        def pk(self):
            return self.id

        @pk.setter
        def pk(self, value) -> None:
            self.id = value

        def __setattr__(self, key, value) -> None:
            if key == "pk":
                key = "id"
            self.__dict__[key] = value
            if key in relations:
                self.__dict__[relations[key]] = None if value is None else value.pk

    return Row


class Table:
    """A model's table and its columns in COPY order (the id left to its identity unless kept)."""

    def __init__(self, model, *, keep_id: bool = False) -> None:
        self.fields = [f for f in model._meta.concrete_fields if keep_id or not f.primary_key]
        self.attnames = [f.attname for f in self.fields]
        self.auto = [i for i, f in enumerate(self.fields) if getattr(f, "auto_now", False)
                     or getattr(f, "auto_now_add", False)]
        cols = ", ".join(f'"{f.column}"' for f in self.fields)
        self.sql = f'COPY "{model._meta.db_table}" ({cols}) FROM STDIN'
        self.rows: list[tuple] = []

    def add(self, obj, now) -> None:
        values = [getattr(obj, a) for a in self.attnames]
        for i in self.auto:
            if values[i] is None:
                values[i] = now
        self.rows.append(values)

    def flush(self, cursor) -> int:
        if not self.rows:
            return 0
        with cursor.copy(self.sql) as copy:
            for row in self.rows:
                copy.write_row(row)
        n = len(self.rows)
        self.rows = []
        return n


class RawTable:
    """Rows we make ourselves, as COPY text lines (no model instance per row)."""

    def __init__(self, model, columns: str) -> None:
        self.sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
        self.lines: list[str] = []

    def flush(self, cursor) -> int:
        if not self.lines:
            return 0
        with cursor.copy(self.sql) as copy:
            copy.write("".join(self.lines))
        n = len(self.lines)
        self.lines.clear()  # in place: the worker holds on to the list
        return n


_COUNTERPARTIES = ("他行", "证券账户", "支付宝", "财付通", "本行他人账户", "工资代发", "房产交易资金监管", "公积金中心",
                   "证券公司银证转账", "房屋租金", "子女学费", "医院")
_PLACES = ("支行贵宾室", "客户家中", "客户单位", "支行理财室", "茶室")
_APPOINTMENT_PURPOSES = ("到期资金配置沟通", "资产检视", "新发理财产品介绍", "保险保障规划", "子女教育金规划",
                         "养老规划面谈", "信用卡额度调整", "房贷提前还款咨询")


def worker_main(worker: int, workers: int, url: str, seed: int, lo: int, hi: int, ctx: dict, out) -> None:
    import psycopg
    from django.db import connections
    from django.utils import timezone

    connections.close_all()
    from banyan import clock
    from banyan.contacts.models import Appointment, Interaction, Memo, is_real_contact
    from banyan.customers.models import Customer, CustomerRelation
    from banyan.demo.activity import HistoryMaker, aum_walk, month_ends
    from banyan.demo.builder import _account_opened
    from banyan.demo.history import FRIEND_NOTES
    from banyan.demo.people import Book, finish, make_customer, orientation, other_bank_assets, risk_profile
    from banyan.demo.portfolio import PortfolioMaker
    from banyan.demo.profiles import address
    from banyan.holdings.models import LIABILITY_TYPES, AumSnapshot, Holding, HoldingStatus, Transaction

    _speed_ups()
    people, book, branches, managers, assistant_of, team, market = (
        ctx["people"], ctx["book"], ctx["branches"], ctx["managers"], ctx["assistant_of"], ctx["team"],
        ctx["market"])
    rng = random.Random(seed * 1000 + worker)
    today = clock.today()
    tz = timezone.get_default_timezone()
    now = timezone.now()
    registry = _registry_for(worker, workers)
    maker = PortfolioMaker(rng, market, registry)
    history = HistoryMaker(rng, today, team)
    dates = month_ends(today)
    flavours = ("001", "002", "003")  # the demo's three neighbourhoods, for addresses
    liabilities = {str(t) for t in LIABILITY_TYPES}

    tables = {m: Table(m, keep_id=m is Customer) for m in (Customer, Holding, Interaction, Memo)}
    tables[Appointment] = RawTable(Appointment, "customer_id, staff_id, at, place, purpose, status, created_at")
    tables[Transaction] = RawTable(Transaction, "customer_id, external_id, account_no, occurred_on, amount, "
                                                "counterparty, description")
    # the book of the month-end: the customer's manager and branch (the quadrant is known after
    # segments_recompute(); benchmarks/history.py fills it, with moves between month-ends)
    tables[AumSnapshot] = RawTable(AumSnapshot, "customer_id, date, aum, rm_id, branch_id, quadrant")
    tables[CustomerRelation] = RawTable(CustomerRelation, "customer_id, other_id, kind, note")
    snapshots, movements, relations = (tables[AumSnapshot].lines, tables[Transaction].lines,
                                       tables[CustomerRelation].lines)
    counts = {m.__name__: 0 for m in tables}
    homes: dict[int, str] = {}
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading
        conn.execute("SET synchronous_commit = off")
        cursor = conn.cursor()
        friends: dict[int, list[int]] = {}
        for i in range(lo, hi):
            p = people[i]
            k, j = book[i]
            branch = branches[k]
            rm = managers[branch.pk][j]
            assistant = assistant_of.get(rm.pk) if p.tier <= 1 else None
            if p.family_of and p.family_of[1] == "配偶" and p.head in homes:
                home = homes[p.head]
            else:
                home = address(rng, flavours[k % 3])
            if p.head == p.i:
                homes[p.i] = home
            if p.head != p.i:
                source = "referral"
            elif p.work.kind == "employee" and rng.random() < 0.35:
                source = "payroll"
            elif p.age < 45 and rng.random() < 0.3:
                source = "new_card"
            else:
                source = "campaign" if rng.random() < 0.04 else ("referral" if rng.random() < 0.08 else "walk_in")
            c, r = make_customer(rng, p, book=Book(branch=branch, rm=rm, assistant=assistant), today=today,
                                 registry=registry, external_id=f"C{p.i + 1:09d}", source=source, home=home)
            c.pk = p.i + 1
            if p.head != p.i:
                c.referrer_id = p.head + 1
            c.risk_level, c.risk_assessed_on = risk_profile(rng, p, today)
            if rng.random() < 0.2 + 0.8 * r:
                c.orientation = orientation(rng, p, c.risk_level)
            c.other_bank_assets = other_bank_assets(rng, p)
            opened = c.account_opened_on = _account_opened(rng, p, source, today)
            finish(c)

            holdings = maker.build(p, c, opened)
            _top_up(rng, maker, p, c, opened, holdings)
            c.aum = sum((h.current_value for h in holdings
                         if h.status == HoldingStatus.ACTIVE and h.product.type not in liabilities), Decimal(0))
            contacts = history.interactions(p, c, holdings)
            real = [x.occurred_at for x in contacts if is_real_contact(x.channel, x.outcome)]
            c.last_contact_at = max(real) if real else None
            c.created_at = c.updated_at = now
            tables[Customer].add(c, now)
            for h in holdings:
                tables[Holding].add(h, now)
            for x in contacts:
                tables[Interaction].add(x, now)
            for m in history.memos(c, holdings, contacted=bool(contacts)):
                tables[Memo].add(m, now)
            tables[Appointment].lines += _appointments(rng, c, today, tz, contacted=bool(contacts), tier=p.tier)
            pk = c.pk
            snapshots += [f"{pk}\t{day}\t{value}\t{rm.pk}\t{branch.pk}\t\n"
                          for day, value in zip(dates, aum_walk(rng, c.aum, dates, opened), strict=True)]
            movements += _movements(rng, c, holdings[0].account_no, opened, today)
            if p.family_of:
                relations.append(f"{pk}\t{p.family_of[0] + 1}\tfamily\t{p.family_of[1]}\n")
            elif p.head != p.i:
                relations.append(f"{pk}\t{p.head + 1}\treferred_by\t\n")
            mates = friends.setdefault(branch.pk, [])
            if mates and rng.random() < 0.03:
                relations.append(f"{pk}\t{rng.choice(mates)}\tfriend\t{rng.choice(FRIEND_NOTES)}\n")
            mates.append(c.pk)
            if len(mates) > 200:
                del mates[:100]

            if (i - lo + 1) % CHUNK == 0 or i == hi - 1:
                for model, table in tables.items():
                    counts[model.__name__] += table.flush(cursor)
                conn.commit()
                done = i - lo + 1
                if done % (CHUNK * 25) == 0 or i == hi - 1:
                    rate = done / (time.perf_counter() - started)
                    log(f"    worker {worker}: {done:,} / {hi - lo:,} customers ({rate:,.0f}/s)")
    out.put(counts)


def _profiled(worker: int, *args) -> None:
    import cProfile

    cProfile.runctx("worker_main(worker, *args)", globals(), locals(),
                    os.path.join(os.environ["BANYAN_GENERATE_PROFILE"], f"worker{worker}.prof"))


def _top_up(rng, maker, p, c, opened, holdings) -> None:
    """More positions, about five holdings a customer in all, paid from the demand balance (the
    debit card comes first) so the AUM stays what the portfolio maker aimed at; a credit card for
    some without one."""
    from banyan.demo.portfolio import level_of

    card = holdings[0]
    level = level_of(c.risk_level)
    extra = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
    has_card = any(h.product.type == "credit_card" for h in holdings)
    for _n in range(extra):
        if card.amount < 150:
            if not has_card and 20 <= p.age <= 70 and rng.random() < 0.5:
                holdings.append(maker._credit_card(p, c, opened))
                has_card = True
            break
        cats = ["td", "td", "td"] + (["wm"] if level >= 1 else []) + (["fund", "fund"] if level >= 2 else []) + (
            ["pm"] if level >= 3 else [])
        made = maker.invest(rng.choice(cats), p, c, opened, level, float(card.amount) * rng.uniform(0.15, 0.45),
                            c.branch.code)
        if made is None or made.amount > card.amount:
            continue
        card.amount = card.current_value = card.amount - made.amount
        holdings.append(made)


def _appointments(rng, c, today, tz, *, contacted: bool, tier: int) -> list[str]:
    out: list[str] = []
    if not contacted or rng.random() > 0.01 + 0.02 * tier:
        return out
    past = rng.random() < 0.5
    day = today + dt.timedelta(days=-rng.randint(3, 120) if past else rng.randint(0, 14))
    at = dt.datetime(day.year, day.month, day.day, rng.choice((9, 10, 11, 14, 15, 16)), rng.choice((0, 30)), tzinfo=tz)
    status = (rng.choice(("done", "done", "done", "no_show", "cancelled")) if past else "scheduled")
    made = at - dt.timedelta(days=rng.randint(1, 10))
    out.append(f"{c.pk}\t{c.rm_id}\t{at.isoformat()}\t{rng.choice(_PLACES)}\t{rng.choice(_APPOINTMENT_PURPOSES)}"
               f"\t{status}\t{made.isoformat()}\n")
    return out


def _movements(rng, c, card: str, opened: dt.date, today: dt.date) -> list[str]:
    """Twelve months of account movements: salaries, transfers, payments; large ones (≥ 50,000) for
    customers with the money, some of them in the last days (the worklist's 账户异动)."""
    aum = float(c.aum)
    mean = 2.0 if aum < 3_000 else (5.0 if aum < 50_000 else 9.0)
    n = min(30, int(rng.expovariate(1 / mean)) + (1 if rng.random() < 0.6 else 0))
    first = max(opened, today - dt.timedelta(days=365))
    span = (today - first).days
    out = []
    for k in range(n):
        day = first + dt.timedelta(days=rng.randint(0, max(0, span - 1)))
        large = aum >= 50_000 and rng.random() < 0.12
        if large and rng.random() < 0.08:
            day = today - dt.timedelta(days=rng.randint(1, 3))
        scale = aum * rng.uniform(0.2, 0.6) if large else rng.uniform(50, max(60.0, min(20_000.0, aum * 0.3)))
        amount = Decimal(int(max(scale, 50_000 if large else 0) / 100) * 100) if large else Decimal(f"{scale:.2f}")
        sign = 1 if rng.random() < 0.5 else -1
        out.append(f"{c.pk}\tT{c.pk}-{k}\t{card}\t{day}\t{sign * amount}\t{rng.choice(_COUNTERPARTIES)}\t\n")
    return out


# ------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--database", default=None, help="default: bank<N> (bank1m, bank20k …)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--replace", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--check", action="store_true", help="count orphan rows after the load")
    args = parser.parse_args()
    n = args.customers
    database = args.database or ("bank" + (f"{n // 1_000_000}m" if n % 1_000_000 == 0 else
                                           f"{n // 1000}k" if n % 1000 == 0 else str(n)))
    url = prepare_database(database, args.replace)
    log(f"building a bank of {n:,} customers into {database} ({url}), seed {args.seed}, "
        f"{args.workers} worker(s)")
    generate(customers=n, seed=args.seed, workers=args.workers, check_after=args.check)
    log(f"built {database} (password for every login: {PASSWORD})")


def conninfo() -> str:
    """libpq connection string of Django's default database (the workers' own connections)."""
    from django.db import connection

    d = connection.settings_dict
    parts = {"dbname": d["NAME"], "user": d.get("USER"), "password": d.get("PASSWORD"), "host": d.get("HOST"),
             "port": d.get("PORT")}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def generate(*, customers: int, seed: int = 7, workers: int = 2, check_after: bool = False) -> dict[str, int]:
    """Fill Django's default database (PostgreSQL, migrated, empty) with a bank of `customers`.
    Returns the counts of rows copied per model."""
    n = customers
    url = conninfo()
    t0 = time.perf_counter()
    last = [t0]

    def stage(what: str) -> None:
        now = time.perf_counter()
        log(f"  {what:<70} {now - last[0]:7.1f} s  (total {now - t0:6.1f} s)")
        last[0] = now

    from django.db import connection, connections, transaction

    from banyan import clock
    from banyan.audit.services import audit_log
    from banyan.demo.builder import _create_catalogue
    from banyan.demo.people import assign_tiers, generate_people
    from banyan.holdings.services import customers_refresh_aum
    from banyan.segments.services import segments_recompute

    rng = random.Random(seed)
    today = clock.today()
    with transaction.atomic():
        branches, managers, assistant_of, team, staff_count = create_branches_and_staff(rng)
        market = _create_catalogue(rng, today)
    stage(f"{len(branches)} branches, {staff_count:,} staff, {len(market.products)} products with a year of NAVs")

    people = generate_people(rng, n, today)
    assign_tiers(rng, people)
    book = assign_books(rng, people, branches, managers)
    stage(f"{len(people):,} people (households, work, wealth tiers) and their managers")

    tables = [m._meta.db_table for m in loaded_models()]
    with connection.cursor() as cursor:
        definitions = drop_secondary_indexes(cursor, tables)
    stage(f"dropped {len(definitions)} secondary indexes of {len(tables)} tables")

    connections.close_all()
    ctx = {"people": people, "book": book, "branches": branches, "managers": managers,
           "assistant_of": assistant_of, "team": team, "market": market}
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    bounds = [round(n * w / workers) for w in range(workers + 1)]
    target = worker_main
    if os.environ.get("BANYAN_GENERATE_PROFILE"):  # cProfile of each worker into that directory
        target = _profiled
    procs = [fork.Process(target=target, args=(w, workers, url, seed, bounds[w], bounds[w + 1],
                                                     ctx, out)) for w in range(workers)]
    for proc in procs:
        proc.start()
    counts: dict[str, int] = {}
    reported = 0
    while reported < len(procs):
        try:
            part = out.get(timeout=5)
        except queue.Empty:
            if any(proc.exitcode for proc in procs):
                for proc in procs:
                    proc.kill()
                sys.exit("a worker failed")
            continue
        reported += 1
        for key, value in part.items():
            counts[key] = counts.get(key, 0) + value
    for proc in procs:
        proc.join()
        if proc.exitcode:
            sys.exit(f"a worker failed (exit code {proc.exitcode})")
    del people, ctx
    stage("COPY: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))

    with connection.cursor() as cursor:
        table = loaded_models()[0]._meta.db_table
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    # The customers' own indexes come last: customers_refresh_aum() rewrites every customer row
    # (the AUM is already right, but it is the service's truth), and with aum in two indexes each
    # new row version would update them all. It needs the holdings' indexes, which come first.
    customer_table = loaded_models()[0]._meta.db_table
    others = [d for t, d in definitions if t != customer_table]
    build_indexes(url, others, workers)
    stage(f"built {len(others)} secondary indexes of the other tables ({workers} at a time)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    stage("VACUUM ANALYZE")

    customers_refresh_aum()
    stage("customers_refresh_aum()")
    own = [d for t, d in definitions if t == customer_table]
    build_indexes(url, own, workers)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {customer_table}")
    stage(f"built {len(own)} secondary indexes of the customers, VACUUM ANALYZE")
    segmented = segments_recompute()
    stage(f"segments_recompute(): {segmented:,} customers")

    from banyan.dbstats import refresh_planner_statistics

    refresh_planner_statistics()
    audit_log(actor=None, action="bench.bank_generated",
              detail=f"seed {seed}, as of {today}, {n} customers", after=counts)
    stage("ANALYZE")

    if check_after:
        if check():
            sys.exit("the bank is not coherent")
        stage("coherence check")
    log(f"built a bank of {n:,} customers in {time.perf_counter() - t0:.0f} s")
    return counts


def check() -> int:
    """Orphans and broken keys the FK triggers would have caught, and numbers given out twice,
    counted and printed; returns the number of problems."""
    from django.db import connection

    queries = {
        "customer without branch/manager": "SELECT count(*) FROM customers_customer c LEFT JOIN org_branch b "
        "ON b.id = c.branch_id LEFT JOIN org_staff s ON s.id = c.rm_id WHERE b.id IS NULL OR s.id IS NULL",
        "customer with missing referrer": "SELECT count(*) FROM customers_customer c WHERE c.referrer_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM customers_customer o WHERE o.id = c.referrer_id)",
        "holding without customer": "SELECT count(*) FROM holdings_holding h WHERE NOT EXISTS "
        "(SELECT 1 FROM customers_customer c WHERE c.id = h.customer_id)",
        "relation to a missing customer": "SELECT count(*) FROM customers_customerrelation r WHERE NOT EXISTS "
        "(SELECT 1 FROM customers_customer c WHERE c.id = r.other_id)",
        "interaction by missing staff": "SELECT count(*) FROM contacts_interaction i WHERE NOT EXISTS "
        "(SELECT 1 FROM org_staff s WHERE s.id = i.staff_id)",
        "duplicate mobiles": "SELECT count(*) FROM (SELECT mobile FROM customers_customer GROUP BY mobile "
        "HAVING count(*) > 1) d",
        "duplicate ID numbers": "SELECT count(*) FROM (SELECT id_number FROM customers_customer GROUP BY id_number "
        "HAVING count(*) > 1) d",
    }
    bad = 0
    with connection.cursor() as cursor:
        for what, sql in queries.items():
            cursor.execute(sql)
            found = cursor.fetchone()[0]
            bad += found
            log(f"    {what}: {found}")
    return bad


if __name__ == "__main__":
    os.environ.setdefault("BANYAN_BENCH", "1")
    main()
