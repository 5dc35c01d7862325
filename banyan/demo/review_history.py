"""Six months of the demo bank's daily work, so that the review (issue 14 §6, banyan.kpis) has a
history to count: every manager's daily lists of the past months (tasks and their reasons, done,
skipped, moved or carried over), the contact each task done recorded (with minutes on the phone and
what was learned), a customer or two handed over between managers, customers moving between
quadrants in the month-end snapshots, and each manager's value-uplift plan for this month and the
last, with the branch head's comment.

The lists are planned by the worklist's own planner (`banyan.worklists.planner.plan`, the same
priorities, capacity and contact rules as the nightly build), one working day after another, from
the reasons the triggers would have found that day: regular contact falling due by the customer's
quadrant (counted from the real contacts of the history, `banyan.demo.activity`), birthdays,
festivals, anniversaries, deposits maturing, card repayments, memos, risk assessments expiring,
opportunities to follow up, new customers and the follow-ups the managers set themselves. What the
manager then did with each task follows his or her habits: the diligent senior manager of each
branch does nearly all, one manager of each branch skips and leaves many, the rest in between, with
good and bad weeks. A task done is linked to its contact: the history's own contact of that
customer that day when there is one, else a new one.

Deterministic: its own `random.Random`, seeded from the demo's seed; dated from `clock.today()`.
Rows are inserted in bulk; the few sales that move a customer up a quadrant go through the wealth
service (`banyan.demo.sales.demo_sale`), as a sale in real use would."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.utils import timezone

from banyan import clock
from banyan.audit.services import audit_log
from banyan.calendars import festivals as fest
from banyan.calendars.workdays import (
    coming_working_day,
    is_working_day,
    next_working_day,
    previous_working_day,
    working_days_between,
)
from banyan.contacts.models import (
    Appointment,
    Interaction,
    Memo,
    MemoStatus,
    Opportunity,
    OpportunitySource,
    OpportunityStage,
    is_real_contact,
    real_contact_q,
)
from banyan.customers.models import Customer
from banyan.demo import history, opportunities, profiles
from banyan.demo.people import add_years
from banyan.demo.sales import demo_sale, may_buy
from banyan.holdings.models import AumSnapshot, Holding, Product, ProductType, Transaction
from banyan.kpis.models import PlanComment, PlanCustomer, PlanStatus, UpliftPlan
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.segments.models import CustomerSegment, Quadrant, SegmentPolicy
from banyan.segments.services import segments_recompute
from banyan.wealth.models import RiskAssessment
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.models import Task, TaskReason, TaskStatus, WorklistDay
from banyan.worklists.planner import (
    CADENCE_PULL_DAYS,
    Facts,
    Planned,
    overdue_bonus,
    plan,
    rule_args_json,
    value_bonus,
)
from banyan.worklists.reasons import COOL_OFF_DAYS, DEFAULTS, PURPOSE
from banyan.worklists.services import UNANSWERED_TRIES, planner_rules, worklist_staff
from banyan.worklists.services import _insert as fast_insert
from banyan.worklists.talking import args_json
from banyan.worklists.triggers import Reason, _md, _money

BATCH = 2000
#: How far back the lists go: from the first day of the month this many months before today's.
MONTHS = 6
#: Customers who opened their account this recently are today's new customers, not the history's.
NEW_DAYS = 7
#: Unfinished tasks of the last days stay open (the worklist's overdue list); older ones were
#: carried into a later task of the same customer.
OPEN_DAYS = 14
MOVED = 0.015  # tasks moved by the manager to the next working day


@dataclass(frozen=True)
class Habit:
    """How a manager works through the list."""

    done: float  # share of the list done
    skip: float  # of the rest, the share skipped with a reason (the others left open)
    unanswered: float  # calls and messages nobody answered
    new_info: float  # answered contacts that brought something new for the file
    follow_up: float  # answered contacts closed with a date to call back
    minutes: tuple[int, int]  # an answered call, in minutes
    mood: float  # how much one week differs from another


HABITS = {
    "diligent": Habit(0.94, 0.5, 0.08, 0.26, 0.14, (3, 14), 0.03),
    "steady": Habit(0.85, 0.5, 0.14, 0.17, 0.10, (2, 10), 0.05),
    "weak": Habit(0.66, 0.6, 0.22, 0.09, 0.05, (1, 7), 0.07),
}

SKIP_REASONS = ["客户出差在外，下周再联系", "客户明确表示近期不方便接听", "号码停机，待核实联系方式",
                "已在网点当面沟通过", "客户住院，暂不打扰", "今天外出培训，来不及联系",
                "客户刚在他行办完业务，暂缓联系", "客户说最近很忙，月底再联系"]
UNANSWERED = ["电话未接通，已发短信留言", "无人接听，换个时间再打", "电话占线，稍后再联系", "微信未回复，明天再跟进"]
NEW_INFO = [*history.NEW_INFO, "打算换房，关注房贷利率", "孩子明年高考，考虑教育金", "年底有一笔年终奖，想做稳健理财",
            "父母要来杭州养老，关注养老理财", "计划明年生二胎", "公司在扩张，可能有经营贷需求",
            "刚买了车，近期资金偏紧", "女儿明年出国读研，需要换汇", "考虑给父母配置重疾险", "爱人刚换工作，收入有提高"]
FOLLOW_UPS = [("下周再电话跟进", 7), ("两周后回访", 14), ("下月初回访", 30), ("到期前一周再次提醒", 10)]
_SAY = {
    C.CADENCE_DUE: ["例行电话回访，客户近况良好，暂无新的需求", "定期联系，了解客户近期资金安排",
                    "电话问候，客户说最近工作忙，一切都好", "回访客户，介绍了手机银行的新功能",
                    "例行联系，客户对现有配置满意", "问候客户家人近况，提醒关注到期资金"],
    C.BIRTHDAY: ["生日电话祝福，客户很开心", "生日祝福，客户说今天和家人一起过", "生日问候，客户表示感谢"],
    C.FESTIVAL: ["{festival}前致电问候，客户表示感谢", "{festival}问候，客户说全家都好"],
    C.ANNIVERSARY: ["{anniversary}致电祝贺，感谢客户多年支持"],
    C.DEPOSIT_MATURITY: ["定期{due}到期，提醒到期安排，客户打算续存", "提醒定期{due}到期，客户想了解大额存单"],
    C.CARD_REPAYMENT: ["提醒信用卡还款日，客户说今天就还", "信用卡还款提醒，客户已设置自动还款"],
    C.MEMO_DUE: ["跟进备忘：{memo}，已告知客户"],
    C.OPPORTUNITY_DUE: ["跟进销售机会：{need}，客户说再考虑几天", "跟进{need}，已把产品说明发给客户"],
    C.NEW_CUSTOMER: ["新开户客户首次联系，介绍服务渠道，加了企业微信", "首次联系新客户，介绍自己是专属客户经理"],
    C.FOLLOW_UP: ["按约定回访（{step}），客户已了解", "按约回访，客户说先按原计划办"],
    C.RISK_ASSESSMENT_EXPIRY: ["提醒风险测评到期，客户约时间来网点重新测评"],
}
_FIRST = "首次联系，介绍自己是客户的专属客户经理，客户表示欢迎"
_NEVER = "尚未建立联系：建议首次邀约，了解客户需求"  # the cadence trigger's words
_NEW_SOURCE = {"new_card": "新办卡客户", "payroll": "新代发工资客户", "referral": "转介绍新客户"}
_ANNIVERSARY_FIELDS = (("wedding_anniversary", "结婚纪念日"), ("business_opened_on", "开业纪念日"),
                       ("account_opened_on", "开户纪念日"))
_ACCOUNT_MILESTONES = (1, 3, 5, 8, 10, 15, 20, 25, 30)
_FIELDS = ("pk", "rm_id", "branch_id", "account_opened_on", "birth_date", "lunar_birthday", "gender", "name",
           "preferred_channel", "consent_phone", "consent_sms", "consent_wechat", "consent_email", "do_not_disturb",
           "wedding_anniversary", "business_opened_on", "occupation", "children", "source", "other_bank_assets",
           "interests", "aum", "segment__quadrant", "segment__is_priority", "segment__orientation",
           "segment__frequency_days")


class Cust(NamedTuple):
    pk: int
    rm_id: int | None
    branch_id: int
    opened: dt.date | None
    birth: dt.date | None
    lunar_birthday: bool
    gender: str
    name: str
    preferred_channel: str
    consent_phone: bool
    consent_sms: bool
    consent_wechat: bool
    consent_email: bool
    dnd: bool
    wedding: dt.date | None
    business: dt.date | None
    occupation: str
    children: str
    source: str
    other_bank_assets: Decimal | None
    interests: str
    aum: Decimal
    quadrant: str | None
    priority: bool | None
    orientation: str | None
    every: int | None


@dataclass
class Row:
    """A task being made: the Task's fields, its reasons and the contact that closed it."""

    manager_id: int
    day: dt.date
    customer_id: int
    rank: int
    priority: int
    channel: str
    reasons: list[Reason]
    rule: str = ""
    rule_args: tuple = ()
    status: str = TaskStatus.OPEN
    interaction: int | None = None  # an existing contact's id
    new_contact: int | None = None  # an index into the contacts made here
    skip_reason: str = ""
    moved_to: dt.date | None = None
    closed_at: dt.datetime | None = None


@dataclass
class Sim:
    """What the days carry from one to the next."""

    last: dict[int, dt.date | None]  # the last real contact per customer
    cooled: dict[int, dt.date] = field(default_factory=dict)  # no regular contact planned before
    pool: dict[int, list[Reason]] = field(default_factory=lambda: defaultdict(list))  # dated reasons open
    tries: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))
    open_rows: dict[tuple[int, int], list[Row]] = field(default_factory=lambda: defaultdict(list))
    moved_in: dict[tuple[dt.date, int], list[Row]] = field(default_factory=lambda: defaultdict(list))
    calls: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))  # (customer, month)


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_default_timezone())


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert plain rows (attname → value; the fields left out take their defaults) and return
    their ids in order. bulk_create prepares every field of every object through the ORM, which for
    the history's ~80,000 rows took most of its time: on SQLite the ids are taken after the table's
    largest and the rows written with one executemany; on PostgreSQL the worklist build's own
    fast path (ids from the sequence, rows streamed with COPY)."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return fast_insert(model, rows, returning=True)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    ops, quote = connection.ops, connection.ops.quote_name
    adapt = {"DateTimeField": ops.adapt_datetimefield_value, "DateField": ops.adapt_datefield_value}
    adapters = [adapt.get(f.get_internal_type()) for f in fields]
    defaults = [f.get_default() for f in fields]
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table}")
        first = cursor.fetchone()[0] + 1
        ids = list(range(first, first + len(rows)))
        values = []
        for i, row in zip(ids, rows, strict=True):
            line = [i]
            for f, adapter, default in zip(fields, adapters, defaults, strict=True):
                v = row.get(f.attname, default)
                line.append(adapter(v) if adapter is not None and v is not None else v)
            values.append(line)
        columns = ", ".join([pk, *(quote(f.column) for f in fields)])
        marks = ", ".join(["%s"] * (len(fields) + 1))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
    return ids


def _months_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return _months_back(first, -1) - dt.timedelta(days=1)


def make_review_history(seed: int, today: dt.date) -> str:
    """Write the history; returns a line for the build's log."""
    with transaction.atomic():
        return _History(seed, today).make()


class _History:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(f"banyan-demo-review-{seed}")
        self.today = today
        self.start = _months_back(today, MONTHS)
        self.days = working_days_between(self.start, today - dt.timedelta(days=1))
        self.last_day = self.days[-1] if self.days else self.start
        self.now = clock.now()
        self.this_month = today.replace(day=1)
        self.last_month = _months_back(today, 1)
        self.managers = list(Staff.objects.filter(role__in=BOOK_ROLES, is_active=True, branch__isnull=False)
                             .order_by("branch__code", "role", "-is_senior", "username"))
        self.heads = {s.branch_id: s for s in Staff.objects.filter(role=Role.BRANCH_HEAD, is_active=True)
                      .order_by("username")}
        self.habit = self._habits()
        self.mood = {(m.pk, week): self.rng.gauss(0, HABITS[self.habit[m.pk]].mood)
                     for m in self.managers for week in range(MONTHS * 5 + 6)}

    # ------------------------------------------------------------------ who works how
    def _habits(self) -> dict[int, str]:
        """Per branch: the senior manager diligent, the last of the other managers weak (when the
        branch has three), everyone else steady."""
        out: dict[int, str] = {}
        by_branch: dict[int, list[Staff]] = defaultdict(list)
        for m in self.managers:
            out[m.pk] = "steady"
            if m.role == Role.RM:
                by_branch[m.branch_id].append(m)
        for rms in by_branch.values():
            rms.sort(key=lambda s: (not s.is_senior, s.username))
            out[rms[0].pk] = "diligent"
            if len(rms) >= 3:
                out[rms[-1].pk] = "weak"
        return out

    def _done_share(self, manager_id: int, day: dt.date) -> float:
        habit = HABITS[self.habit[manager_id]]
        week = (day - self.start).days // 7
        share = habit.done + self.mood.get((manager_id, week), 0.0)
        if self.habit[manager_id] == "weak":
            # slipping over the summer, worst the month before the plan; better since the branch head's talk
            share += 0.08 if day >= self.this_month else -0.04 * min(3, (day - self.start).days // 45)
        return min(0.99, max(0.3, share))

    # ------------------------------------------------------------------ the whole history
    def make(self) -> str:
        if not self.managers or not self.days:
            return "review history: no managers"
        self.handed = self._hand_over()
        rows = Customer.objects.order_by("pk").values_list(*_FIELDS)
        self.customers = {c.pk: c for c in (Cust(*row) for row in rows)}
        made = self._lists()
        self._minutes_of_the_history()
        moved_up = self._uplift()
        moved_down = self._outflows()
        latest = (Interaction.objects.filter(real_contact_q(), customer=OuterRef("pk")).values("customer")
                  .annotate(latest=Max("occurred_at")).values("latest"))
        Customer.objects.update(last_contact_at=Subquery(latest))
        segments_recompute()  # the sales above, and the contacts made: quadrants and relationships of today
        self._snapshots()
        plans = self._plans()
        return (f"review history: {made[0]} tasks on {len(self.days)} working days, {made[1]} contacts, "
                f"{moved_up} moved up by money brought in, {moved_down} down by a home bought, "
                f"{len(self.handed)} handed over, "
                f"{plans} value-uplift plans")

    # ------------------------------------------------------------------ a hand-over
    def _hand_over(self) -> dict[int, tuple[int, int, dt.date]]:
        """Two customers of the first branch's weak manager handed to a colleague about two months
        ago: what happened before (contacts, meetings, sales, the month-end books) was the giver's."""
        weak = [m for m in self.managers if self.habit[m.pk] == "weak"]
        if not weak:
            return {}
        giver = weak[0]
        peers = [m for m in self.managers if m.branch_id == giver.branch_id and m.role == Role.RM and m != giver
                 and self.habit[m.pk] == "steady"]
        if not peers:
            return {}
        receiver = peers[0]
        day = coming_working_day(self.today - dt.timedelta(days=60))
        if day <= self.start or day >= self.today:
            return {}
        busy = set(Opportunity.objects.values_list("customer_id", flat=True))
        candidates = list(Customer.objects.filter(rm=receiver, account_opened_on__lt=self.start, aum__gte=50_000)
                          .exclude(pk__in=busy).exclude(referrals__isnull=False)
                          .order_by("-aum", "pk").values_list("pk", flat=True)[:20])
        if len(candidates) < 2:
            return {}
        ids = sorted(self.rng.sample(candidates, 2))
        since = _moment(day, 0)
        Interaction.objects.filter(customer_id__in=ids, staff=receiver, occurred_at__lt=since).update(staff=giver)
        Appointment.objects.filter(customer_id__in=ids, staff=receiver, at__lt=since).update(staff=giver)
        Holding.objects.filter(customer_id__in=ids, sold_by=receiver, purchase_date__lt=day).update(sold_by=giver)
        AumSnapshot.objects.filter(customer_id__in=ids, date__lt=day).update(rm=giver)
        head = self.heads.get(giver.branch_id)
        with clock.frozen(day):
            for pk in ids:
                audit_log(actor=head, action="customer.assigned", customer_id=pk,
                          before={"rm": giver.pk, "assistant": None, "branch": giver.branch_id},
                          after={"rm": receiver.pk, "assistant": None, "branch": receiver.branch_id})
        return {pk: (giver.pk, receiver.pk, day) for pk in ids}

    def _owner(self, c: Cust, day: dt.date) -> int | None:
        handed = self.handed.get(c.pk)
        if handed and day < handed[2]:
            return handed[0]
        return c.rm_id

    # ------------------------------------------------------------------ the daily lists
    def _lists(self) -> tuple[int, int]:
        days = self.days
        policy = SegmentPolicy.current()
        rules = planner_rules(policy)
        cutoff = self.today - dt.timedelta(days=NEW_DAYS)
        book_ids = [c.pk for c in self.customers.values() if c.rm_id and c.opened and c.opened <= cutoff
                    and c.quadrant]
        contacts, by_key, last = self._history_contacts()
        sim = Sim(last={pk: last.get(pk) for pk in book_ids})
        dated = self._dated_reasons(book_ids)
        new_contacts: list[dict] = []  # Interaction rows (field → value)
        rows: list[Row] = []
        facts = self._facts(book_ids, sim, days[0])
        pointer = 0
        books: dict[int, list[int]] = defaultdict(list)  # the customers each manager keeps throughout
        for cid in book_ids:
            if cid not in self.handed:
                books[self.customers[cid].rm_id].append(cid)
        activations: dict[dt.date, list[Reason]] = defaultdict(list)
        for r in dated:
            first = max(self.start, r.due - dt.timedelta(days=DEFAULTS[r.code].lead_days))
            activations[coming_working_day(first)].append(r)
        pending_activation = sorted(activations)
        act_i = 0
        month = days[0].month
        for day in days:
            if day.month != month:
                month = day.month
                facts = self._facts(book_ids, sim, day)
            # what happened before this morning: the history's contacts, the reasons that came up
            while pointer < len(contacts) and contacts[pointer][0] < day:
                on, cid, real, phone = contacts[pointer]
                pointer += 1
                if cid in sim.last and real and (sim.last[cid] is None or sim.last[cid] < on):
                    sim.last[cid] = on
                if phone and on.month == day.month and cid in facts:
                    sim.calls[(cid, on.month)] += 1
                    facts[cid] = facts[cid]._replace(calls_this_month=sim.calls[(cid, on.month)])
            while act_i < len(pending_activation) and pending_activation[act_i] <= day:
                for r in activations[pending_activation[act_i]]:
                    sim.pool[r.customer_id].append(r)
                act_i += 1
            for manager in self.managers:
                mine = books.get(manager.pk, []) + [cid for cid in self.handed
                                                    if cid in sim.last and self._owner(self.customers[cid], day)
                                                    == manager.pk]
                reasons = self._reasons_of(mine, day, sim, manager.daily_capacity)
                planned = plan(days=[day], reasons=reasons, facts=facts, capacity=manager.daily_capacity,
                               is_working_day=is_working_day, rules=rules)[day]
                self._work(manager, day, planned, sim, facts, by_key, new_contacts, rows)
        self._close_leftovers(sim)
        saved = self._save(rows, new_contacts)
        return saved, len(new_contacts)

    def _history_contacts(self):
        """The history's contacts (banyan.demo.activity): per day, who was really spoken to (resets
        the regular contact) and called; the manager's contact of a customer on a day (a task done
        that day is that contact); the last real contact before the lists began."""
        contacts = []
        by_key: dict[tuple[int, int, dt.date], tuple[int, str, str]] = {}
        last: dict[int, dt.date] = {}
        tz = timezone.get_default_timezone()
        for pk, cid, staff, channel, outcome, at in Interaction.objects.values_list(
                "pk", "customer_id", "staff_id", "channel", "outcome", "occurred_at").order_by("occurred_at", "pk"):
            on = at.astimezone(tz).date()
            real = is_real_contact(channel, outcome)
            if on < self.start:
                if real:
                    last[cid] = on
                continue
            contacts.append((on, cid, real, channel == "phone"))
            if channel in ("phone", "wechat", "visit"):
                by_key.setdefault((staff, cid, on), (pk, outcome, channel))
        return contacts, by_key, last

    def _facts(self, ids: list[int], sim: Sim, day: dt.date) -> dict[int, Facts]:
        out = {}
        for pk in ids:
            c = self.customers[pk]
            consent = {"phone": c.consent_phone, "sms": c.consent_sms, "wechat": c.consent_wechat,
                       "email": c.consent_email}
            out[pk] = Facts(pk, c.rm_id, float(c.aum), c.quadrant or "low_low", bool(c.priority), c.preferred_channel,
                            consent, c.dnd,
                            sim.calls.get((pk, day.month), 0))
        return out

    def _reasons_of(self, ids: list[int], day: dt.date, sim: Sim, capacity: int) -> list[Reason]:
        """What the triggers would find for these customers this morning. Of the regular contacts
        due (hundreds in a big book's first weeks) only the likeliest few times the capacity are
        handed to the planner, ranked as the planner ranks them — it would take no others."""
        out: list[Reason] = []
        pull = day + dt.timedelta(days=CADENCE_PULL_DAYS)
        dated: set[int] = set()
        due_now = []
        for cid in ids:
            c = self.customers[cid]
            if c.opened > day:
                continue
            pool = sim.pool.get(cid)
            if pool:
                alive = [r for r in pool if r.due + dt.timedelta(days=DEFAULTS[r.code].grace_days) >= day
                         and not (r.code == C.NEW_CUSTOMER and sim.last.get(cid))]
                sim.pool[cid] = alive
                if alive:
                    out += alive
                    dated.add(cid)
            if sim.cooled.get(cid, day) > day:
                continue
            last = sim.last.get(cid)
            due = day if last is None else last + dt.timedelta(days=c.every)
            if due <= pull:
                due_now.append((-(value_bonus(c.quadrant, c.priority) + overdue_bonus(day, due)), due, cid, last))
        due_now.sort()
        cadence = C.CADENCE_DUE.value
        for n, (_rank, due, cid, last) in enumerate(due_now):
            if n >= 3 * capacity and cid not in dated:
                continue
            c = self.customers[cid]
            orientation = c.orientation or ""
            if last is None:
                out.append(Reason(cid, cadence, _NEVER, day, "", (None, c.every, orientation)))
            else:
                since = (day - last).days
                out.append(Reason(cid, cadence, f"已 {since} 天未联系（应每 {c.every} 天联系一次）", due, "",
                                  (since, c.every, orientation)))
        return out

    # ------------------------------------------------------------------ the reasons with a date
    def _dated_reasons(self, ids: list[int]) -> list[Reason]:
        start, end = self.start, self.last_day
        out: list[Reason] = []
        wanted = set(ids)
        greeted = {pk for pk in ids if self.customers[pk].priority
                   or self.customers[pk].quadrant in (Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW, Quadrant.LOW_HIGH)}
        for pk in ids:
            c = self.customers[pk]
            if c.birth and not c.lunar_birthday:
                for year in range(start.year, end.year + 1):
                    try:
                        day = c.birth.replace(year=year)
                    except ValueError:
                        day = dt.date(year, 2, 28)
                    if start <= day <= end:
                        age = year - c.birth.year
                        milestone = "（整寿）" if age % 10 == 0 else ""
                        out.append(Reason(pk, C.BIRTHDAY, f"{_md(day)}生日，{age} 岁{milestone}", day, "", (age, 0)))
            for name, label in _ANNIVERSARY_FIELDS:
                since = c.wedding if name == "wedding_anniversary" else (
                    c.business if name == "business_opened_on" else c.opened)
                if since is None:
                    continue
                for year in range(start.year, end.year + 1):
                    years = year - since.year
                    if years < 1 or (name == "account_opened_on" and years not in _ACCOUNT_MILESTONES):
                        continue
                    day = add_years(since, years)
                    if start <= day <= end:
                        out.append(Reason(pk, C.ANNIVERSARY, f"{label}（{years} 周年）", day, name, (name, years)))
        for f in fest.festivals_between(start, end):
            for pk in ids:
                c = self.customers[pk]
                if f.audience == fest.AUDIENCE_TEACHER:
                    if "教师" not in c.occupation:
                        continue
                elif pk not in greeted:
                    continue
                elif f.audience == fest.AUDIENCE_FEMALE and c.gender != "F":
                    continue
                elif f.audience == fest.AUDIENCE_SENIORS and (not c.birth or add_years(c.birth, 60) > f.date):
                    continue
                elif f.audience == fest.AUDIENCE_PARENTS and (
                        not c.children or c.gender != ("F" if f.code == "mothers_day" else "M")):
                    continue
                out.append(Reason(pk, C.FESTIVAL, f.name_zh, f.date, f"festival:{f.code}", (f.code,)))
        # a deposit placed in the period followed one that matured that day
        for cid, due, amount, name in Holding.objects.filter(
                customer_id__in=ids, product__type=ProductType.TIME_DEPOSIT, purchase_date__gt=start,
                purchase_date__lte=end, auto_rollover=False).order_by("pk").values_list(
                "customer_id", "purchase_date", "amount", "product__name"):
            out.append(Reason(cid, C.DEPOSIT_MATURITY, f"{name} {_money(amount)} 于 {_md(due)}到期", due, "",
                              (name, str(amount), False)))
        # the card's repayment date, month after month, for those who tend to forget
        for pk, cid, due, minimum in Holding.objects.filter(
                customer_id__in=ids, product__type=ProductType.CREDIT_CARD, payment_due_date__isnull=False,
                minimum_payment__gt=0).order_by("pk").values_list("pk", "customer_id", "payment_due_date",
                                                                 "minimum_payment"):
            if self.rng.random() > 0.35:  # most have it repaid automatically; a third need reminding
                continue
            first = _months_back(start, 0)
            while first <= end:
                try:
                    day = first.replace(day=due.day)
                except ValueError:
                    day = _month_end(first)
                if start <= day <= end and day < due:
                    detail = f"信用卡 {_md(day)} 到期还款，最低还款 {minimum:,.2f} 元"
                    out.append(Reason(cid, C.CARD_REPAYMENT, detail, day, f"holding:{pk}", (str(minimum),)))
                first = _months_back(first, -1)
        for pk, cid, text, due in Memo.objects.filter(
                customer_id__in=ids, status=MemoStatus.DONE, due_date__gte=start, due_date__lte=end).order_by(
                "pk").values_list("pk", "customer_id", "text", "due_date"):
            out.append(Reason(cid, C.MEMO_DUE, text, due, f"memo:{pk}"))
        for cid, expires, level in RiskAssessment.objects.filter(
                customer_id__in=ids, customer__risk_assessed_on=F("assessed_on"),
                expires_on__gte=start + dt.timedelta(days=30),
                expires_on__lte=min(end, self.today - dt.timedelta(days=40))).order_by("pk").values_list(
                "customer_id", "expires_on", "level"):
            out.append(Reason(cid, C.RISK_ASSESSMENT_EXPIRY, f"风险测评（{level}）{expires.isoformat()} 到期", expires,
                              "", (level,)))
        # opportunities since decided: their follow-up date came while they were open
        for o in Opportunity.objects.filter(customer_id__in=ids, due_date__gte=start, due_date__lte=end,
                                            stage__in=(OpportunityStage.WON, OpportunityStage.LOST)).select_related(
                "product").order_by("pk"):
            closed = timezone.localtime(o.won_at or o.lost_at).date()
            if o.due_date >= closed:
                continue
            stage = "contacted" if o.contacted_at and timezone.localtime(o.contacted_at).date() <= o.due_date \
                else "open"
            label = {"open": "待跟进", "contacted": "已联系"}[stage]
            product = o.product.name if o.product else ""
            what = f"{o.need}（{product}）" if product else o.need
            money = f"，预计 {_money(o.expected_amount)}" if o.expected_amount else ""
            detail = f"销售机会（{label}）：{what}{money}，{_md(o.due_date)}应跟进"
            out.append(Reason(o.customer_id, C.OPPORTUNITY_DUE, detail, o.due_date, f"opportunity:{o.pk}",
                              (o.need, product, str(o.expected_amount) if o.expected_amount is not None else "", stage,
                               o.due_date.isoformat())))
        lead = dt.timedelta(days=DEFAULTS[C.NEW_CUSTOMER].lead_days)
        for pk in ids:
            c = self.customers[pk]
            if c.opened and start <= c.opened <= end:
                label = _NEW_SOURCE.get(c.source, "新开户客户")
                out.append(Reason(pk, C.NEW_CUSTOMER, f"{label}（{_md(c.opened)}开户）", c.opened + lead, "",
                                  (c.source or "", c.opened.isoformat())))
        return [r for r in out if r.customer_id in wanted]

    # ------------------------------------------------------------------ what the manager did
    def _work(self, manager: Staff, day: dt.date, planned: list[Planned], sim: Sim, facts: dict[int, Facts],
              by_key: dict, new_contacts: list[dict], rows: list[Row]) -> None:
        rng = self.rng
        today_rows: dict[int, Row] = {}
        for p in planned:
            row = Row(manager.pk, day, p.customer_id, p.rank, min(p.priority, 32000), p.channel, list(p.reasons),
                      p.rule, tuple(p.rule_args), TaskStatus.SUPPRESSED if p.suppressed else TaskStatus.OPEN)
            today_rows[p.customer_id] = row
            rows.append(row)
        # tasks moved here yesterday join the day's task of the customer, or become one (task_move)
        for moved in sim.moved_in.pop((day, manager.pk), []):
            row = today_rows.get(moved.customer_id)
            if row is None:
                rank = 1 + max((r.rank for r in today_rows.values()), default=0)
                row = Row(manager.pk, day, moved.customer_id, rank, moved.priority, moved.channel, [], moved.rule,
                          moved.rule_args)
                today_rows[moved.customer_id] = row
                rows.append(row)
            row.status = TaskStatus.OPEN
            _join(row, moved.reasons)
        share = self._done_share(manager.pk, day)
        habit = HABITS[self.habit[manager.pk]]
        after = next_working_day(day)
        can_move = after <= self.last_day
        for cid, row in today_rows.items():
            if row.status == TaskStatus.SUPPRESSED:
                self._planned(row, sim, day)
                continue
            # an earlier task of the customer left open is carried into this one (worklists_build)
            for earlier in sim.open_rows.pop((manager.pk, cid), []):
                earlier.status = TaskStatus.SUPERSEDED
                _join(row, [r for r in earlier.reasons if r.code == C.CADENCE_DUE
                            or r.due + dt.timedelta(days=DEFAULTS[r.code].grace_days) >= day])
            u = rng.random()
            if can_move and u < MOVED and self._owner(self.customers[cid], after) == manager.pk:
                row.status, row.moved_to = TaskStatus.MOVED, next_working_day(day)
                row.closed_at = _moment(day, rng.randint(9, 11), rng.randint(0, 59))
                sim.moved_in[(row.moved_to, manager.pk)].append(row)
                self._consume(row, sim, day)
            elif u < MOVED + share:
                self._done(manager, row, habit, sim, facts, by_key, new_contacts)
            elif rng.random() < habit.skip:
                row.status, row.skip_reason = TaskStatus.SKIPPED, rng.choice(SKIP_REASONS)
                row.closed_at = _moment(day, rng.randint(16, 18), rng.randint(0, 59))
                self._planned(row, sim, day)
            else:  # left open: on the overdue list until the customer's next task carries it
                sim.open_rows[(manager.pk, cid)].append(row)
                self._planned(row, sim, day)

    def _consume(self, row: Row, sim: Sim, day: dt.date) -> None:
        """The task's dated reasons are planned: they do not come up again (nor their unanswered tries)."""
        planned = {(r.code, r.due, r.ref) for r in row.reasons}
        pool = sim.pool.get(row.customer_id)
        if pool:
            sim.pool[row.customer_id] = [r for r in pool if (r.code, r.due, r.ref) not in planned]
        for r in row.reasons:
            sim.tries.pop((row.customer_id, r.code, r.ref), None)

    def _planned(self, row: Row, sim: Sim, day: dt.date) -> None:
        """Planned and not answered by a contact: consumed; a regular contact waits out its cool-off."""
        self._consume(row, sim, day)
        if any(r.code == C.CADENCE_DUE for r in row.reasons):
            sim.cooled[row.customer_id] = day + dt.timedelta(days=COOL_OFF_DAYS[C.CADENCE_DUE])

    def _done(self, manager: Staff, row: Row, habit: Habit, sim: Sim, facts: dict[int, Facts], by_key: dict,
              new_contacts: list[dict]) -> None:
        rng, day, cid = self.rng, row.day, row.customer_id
        c = self.customers[cid]
        row.status = TaskStatus.DONE
        existing = by_key.pop((manager.pk, cid, day), None)
        if existing is not None:
            row.interaction, outcome, channel = existing
            row.closed_at = _moment(day, 18, rng.randint(0, 59))
        else:
            channel = row.channel
            outcome = "reached"
            if channel in ("phone", "wechat") and rng.random() < habit.unanswered:
                outcome = "not_reached"
            at = _moment(day, rng.choice((9, 10, 10, 11, 14, 15, 15, 16, 17)), rng.randint(0, 59))
            contact = {"customer_id": cid, "staff_id": manager.pk, "channel": channel, "occurred_at": at,
                       "purpose": PURPOSE.get(row.reasons[0].code, "care") if row.reasons else "care",
                       "summary": self._summary(row, outcome, channel)[:500], "outcome": outcome, "minutes": 0,
                       "new_info": "", "next_step": "", "next_contact_on": None, "created_at": self.now}
            if channel == "phone" and outcome != "not_reached":
                contact["minutes"] = rng.randint(*habit.minutes)
            if outcome != "not_reached":
                if rng.random() < habit.new_info:
                    contact["new_info"] = self._new_info(c)
                if rng.random() < habit.follow_up:
                    step, gap = rng.choice(FOLLOW_UPS)
                    contact["next_step"] = step
                    contact["next_contact_on"] = day + dt.timedelta(days=gap + rng.randint(-2, 2))
            row.new_contact = len(new_contacts)
            new_contacts.append(contact)
            row.closed_at = at + dt.timedelta(minutes=contact["minutes"] + 1)
            due = contact["next_contact_on"]
            if due and due <= self.last_day:
                sim.pool[cid].append(Reason(cid, C.FOLLOW_UP, contact["next_step"], due, f"@{row.new_contact}"))
        if channel == "phone" and existing is None:  # the history's own were counted with the history
            sim.calls[(cid, day.month)] += 1
            if cid in facts:
                facts[cid] = facts[cid]._replace(calls_this_month=sim.calls[(cid, day.month)])
        if outcome == "not_reached":
            # an unanswered call comes back on the next lists, three tries in all (worklists_build)
            keys = [(cid, r.code, r.ref) for r in row.reasons]
            for key in keys:
                sim.tries[key] += 1
            if max(sim.tries[k] for k in keys) < UNANSWERED_TRIES:
                return
            self._planned(row, sim, day)
            return
        self._consume(row, sim, day)
        if is_real_contact(channel, outcome):
            sim.last[cid] = day
        elif any(r.code == C.CADENCE_DUE for r in row.reasons):
            sim.cooled[cid] = day + dt.timedelta(days=COOL_OFF_DAYS[C.CADENCE_DUE])

    def _summary(self, row: Row, outcome: str, channel: str) -> str:
        rng = self.rng
        if outcome == "not_reached":
            return rng.choice(UNANSWERED[:3] if channel == "phone" else UNANSWERED[3:])
        r = row.reasons[0] if row.reasons else None
        if r is None:
            return rng.choice(_SAY[C.CADENCE_DUE])
        if r.code == C.CADENCE_DUE and r.args and r.args[0] is None:
            text = _FIRST
        else:
            text = rng.choice(_SAY.get(r.code, _SAY[C.CADENCE_DUE]))
        words = {"festival": r.detail, "anniversary": r.detail.split("（")[0], "due": _md(r.due), "memo": r.detail[:60],
                 "need": r.args[0] if r.code == C.OPPORTUNITY_DUE and r.args else r.detail[:60],
                 "step": r.detail[:40]}
        text = text.format(**words)
        if channel == "wechat":
            text = "微信联系：" + text
        elif channel in ("sms", "email"):
            text = ("已发短信：" if channel == "sms" else "已发邮件：") + r.detail[:80]
        return text

    def _new_info(self, c: Cust) -> str:
        rng = self.rng
        other = c.other_bank_assets or Decimal(rng.randint(2, 10) * 100_000)
        words = {"other": f"{other / 10_000:.0f}", "employer": rng.choice(profiles.WELL_KNOWN_EMPLOYERS),
                 "interest": (c.interests or "旅游").split("、")[0]}
        return rng.choice(NEW_INFO).format(**words)

    def _close_leftovers(self, sim: Sim) -> None:
        """Tasks left open more than two weeks ago were carried into a later one of the customer's
        (its next regular contact); the last two weeks' stay open — the overdue list of today."""
        for (_manager, _cid), open_rows in sim.open_rows.items():
            for row in open_rows:
                if (self.today - row.day).days > OPEN_DAYS:
                    row.status = TaskStatus.SUPERSEDED

    def _save(self, rows: list[Row], new_contacts: list[dict]) -> int:
        rng = self.rng
        by_manager_month: dict[tuple[int, int], list[dict]] = defaultdict(list)
        with_info: set[tuple[int, int]] = set()
        for i in new_contacts:
            key = (i["staff_id"], i["occurred_at"].month)
            if i["outcome"] != "not_reached":
                by_manager_month[key].append(i)
            if i["new_info"]:
                with_info.add(key)
        # every manager learned something new every month he or she reached customers
        for key, answered in sorted(by_manager_month.items()):
            if key not in with_info:
                pick = rng.choice(answered)
                pick["new_info"] = self._new_info(self.customers[pick["customer_id"]])
        contact_ids = _insert(Interaction, new_contacts)
        closed_by = {"done", "skipped", "moved"}
        task_ids = _insert(Task, [
            {"manager_id": r.manager_id, "date": r.day, "customer_id": r.customer_id, "rank": r.rank,
             "priority": r.priority, "suggested_channel": r.channel, "status": r.status, "rule_code": r.rule,
             "rule_args": rule_args_json(r.rule_args),
             "interaction_id": r.interaction if r.new_contact is None else contact_ids[r.new_contact],
             "skip_reason": r.skip_reason, "moved_to": r.moved_to, "closed_at": r.closed_at,
             "closed_by_id": r.manager_id if r.status in closed_by else None} for r in rows])
        reasons = []
        for task_id, r in zip(task_ids, rows, strict=True):
            for reason in r.reasons:
                ref = reason.ref
                if ref.startswith("@"):
                    ref = f"interaction:{contact_ids[int(ref[1:])]}"
                reasons.append({"task_id": task_id, "customer_id": r.customer_id, "code": reason.code,
                                "detail": reason.detail[:300], "due_date": reason.due, "ref": ref,
                                "args": args_json(reason.args)})
        _insert(TaskReason, reasons)
        lists = []
        for member in worklist_staff():
            lists += [WorklistDay(manager=member, date=day, built_at=_moment(day, 6, 30),
                                  capacity=member.daily_capacity) for day in self.days]
        WorklistDay.objects.bulk_create(lists, batch_size=BATCH)
        return len(task_ids)

    def _minutes_of_the_history(self) -> None:
        """The history's answered calls get their minutes on the phone (the daily call target's)."""
        ids = list(Interaction.objects.filter(channel="phone", minutes=0).exclude(outcome="not_reached")
                   .order_by("pk").values_list("pk", flat=True))
        by_minutes: dict[int, list[int]] = defaultdict(list)
        for pk in ids:
            by_minutes[self.rng.choice((2, 3, 4, 5, 5, 6, 7, 8, 10, 12, 15))].append(pk)
        for minutes, pks in by_minutes.items():
            for n in range(0, len(pks), 900):
                Interaction.objects.filter(pk__in=pks[n:n + 900]).update(minutes=minutes)

    # ------------------------------------------------------------------ quadrant moves
    def _month_day(self, months_back: int) -> dt.date | None:
        """A working day of the month `months_back` before this one, within the history."""
        first = _months_back(self.today, months_back)
        days = [d for d in self.days if first <= d <= _month_end(first)]
        return self.rng.choice(days[3:-3] or days) if days else None

    def _uplift(self) -> int:
        """Per manager, a low-assets/high-potential customer or two who brought money from another
        bank into a large-denomination deposit in one of the last months — a contact, an
        opportunity won and the sale — and so moved up to high assets / high potential."""
        rng = self.rng
        product = Product.objects.filter(code="CD-3Y").first()
        if product is None:
            return 0
        policy = SegmentPolicy.current()
        high = policy.aum_high
        moved = 0
        self.uplifted: dict[int, list[int]] = defaultdict(list)
        for n, manager in enumerate(self.managers):
            candidates = list(Customer.objects.filter(
                rm=manager, segment__quadrant=Quadrant.LOW_HIGH, aum__gte=high * Decimal("0.06"), aum__lt=high,
                account_opened_on__lt=self.start, do_not_disturb=False).exclude(pk__in=list(self.handed))
                .select_related("branch").order_by("-aum", "pk")[:12])
            rng.shuffle(candidates)
            months = (1, 2 + n % 2)
            for back in months:
                day = self._month_day(back)
                if day is None:
                    continue
                customer = next((c for c in candidates if may_buy(c, product, day)), None)
                if customer is None:
                    continue
                candidates.remove(customer)
                amount = (high - customer.aum) + Decimal(rng.randint(5, 25) * 10_000)
                amount = max(Decimal(200_000), (amount / 10_000).quantize(Decimal(1)) * 10_000)
                self._brought_in(manager, customer, product, amount, day)
                self.uplifted[manager.pk].append(customer.pk)
                moved += 1
        return moved

    def _brought_in(self, manager: Staff, customer: Customer, product: Product, amount: Decimal,
                    day: dt.date) -> None:
        rng = self.rng
        first = max(self.start, previous_working_day(day - dt.timedelta(days=rng.randint(3, 10))))
        wan = f"{amount / 10_000:.0f}"
        contact = Interaction.objects.create(
            customer=customer, staff=manager, channel="phone", occurred_at=_moment(first, 10, rng.randint(0, 59)),
            purpose="product", outcome="interested", minutes=rng.randint(8, 15),
            summary=f"客户在他行有约{wan}万理财即将到期，有意转到我行做大额存单，约{_md(day)}来网点办理",
            new_info=f"他行约{wan}万理财{day.month}月到期，有转入意向")
        holding = demo_sale(rng=rng, actor=manager, customer=customer, product=product, amount=amount, day=day)
        o = Opportunity(customer=customer, owner=manager, created_by=manager, source=OpportunitySource.CALL,
                        interaction=contact, need="他行到期资金转入，配置大额存单", product=product,
                        product_type=product.type, expected_amount=amount, opened_at=contact.occurred_at,
                        due_date=day, stage=OpportunityStage.WON, holding=holding, won_at=_moment(day, 15))
        opportunities._reach(rng, o, first, day, proposed=True)
        o.save()
        Transaction.objects.create(customer=customer, external_id=f"DEMO-U{customer.pk}-{day:%Y%m%d}",
                                   occurred_on=day, amount=amount, counterparty="他行")

    def _outflows(self) -> int:
        """A customer of each branch bought a home: the down payment left, and with it the high
        assets — a move down a quadrant in the month-end snapshots, a month or three ago."""
        rng = self.rng
        high = SegmentPolicy.current().aum_high
        made = 0
        taken = set(self.handed) | {pk for pks in self.uplifted.values() for pk in pks}
        branches = sorted({m.branch_id for m in self.managers})
        for n, branch in enumerate(branches):
            day = self._month_day(1 + n % 3)
            if day is None:
                continue
            candidates = list(Customer.objects.filter(
                branch_id=branch, rm__isnull=False, aum__gte=high * Decimal("0.25"), aum__lt=high * Decimal("0.9"),
                account_opened_on__lt=self.start - dt.timedelta(days=365)).exclude(pk__in=taken)
                .order_by("-aum", "pk").values_list("pk", "rm_id")[:10])
            if not candidates:
                continue
            pk, rm_id = rng.choice(candidates)
            before = AumSnapshot.objects.filter(customer_id=pk, date__lt=day, aum__gt=0)
            low = before.order_by("aum").values_list("aum", flat=True).first()
            if low is None:
                continue
            amount = ((high - low) / 10_000).quantize(Decimal(1)) * 10_000 + rng.randint(5, 20) * 10_000
            before.update(aum=F("aum") + amount)
            Transaction.objects.create(customer_id=pk, external_id=f"DEMO-H{pk}-{day:%Y%m%d}", occurred_on=day,
                                       amount=-amount, counterparty="房产交易资金监管")
            said = max(self.start, previous_working_day(day - dt.timedelta(days=rng.randint(3, 8))))
            wan = f"{amount / 10_000:.0f}"
            Interaction.objects.create(
                customer_id=pk, staff_id=self._owner(self.customers[pk], said) or rm_id, channel="phone",
                occurred_at=_moment(said, 14, rng.randint(0, 59)), purpose="service", outcome="reached",
                minutes=rng.randint(5, 12), summary="客户来电说准备买房，首付款要从我行转出，提醒大额转账注意事项",
                new_info=f"客户买房，首付约{wan}万{day.month}月转出，以后有房贷需求")
            taken.add(pk)
            made += 1
        return made

    # ------------------------------------------------------------------ the month-end books
    def _snapshots(self) -> None:
        """Each month-end's quadrant, from that day's AUM and the customer's potential (set-based:
        four statements)."""
        policy = SegmentPolicy.current()
        potential = CustomerSegment.objects.filter(potential_score__gte=policy.potential_high).values("customer_id")
        high = AumSnapshot.objects.filter(aum__gte=policy.aum_high)
        low = AumSnapshot.objects.filter(aum__lt=policy.aum_high)
        high.filter(customer_id__in=potential).update(quadrant=Quadrant.HIGH_HIGH)
        high.exclude(customer_id__in=potential).update(quadrant=Quadrant.HIGH_LOW)
        low.filter(customer_id__in=potential).update(quadrant=Quadrant.LOW_HIGH)
        low.exclude(customer_id__in=potential).update(quadrant=Quadrant.LOW_LOW)

    # ------------------------------------------------------------------ the plans
    def _plans(self) -> int:
        """Last month's and this month's value-uplift plan of each manager, set by the branch head:
        targets sized to the book and its recent months, the low-assets/high-potential customers to
        move up, and the branch head's comment on last month's."""
        rng = self.rng
        policy = SegmentPolicy.current()
        snapshot_days = sorted(AumSnapshot.objects.filter(date__lt=self.this_month).values_list("date", flat=True)
                               .distinct())
        before_last = next((d for d in reversed(snapshot_days) if d < self.last_month), None)
        last_end = next((d for d in reversed(snapshot_days) if d < self.this_month), None)
        period_start = max(self.start, _months_back(self.today, 3))
        made = 0
        for manager in self.managers:
            head = self.heads.get(manager.branch_id)
            if head is None:
                continue
            habit = self.habit[manager.pk] if manager.role == Role.RM else "planner"
            book = Customer.objects.filter(rm=manager).aggregate(aum=Sum("aum"))["aum"] or Decimal(0)
            sales = (Holding.objects.filter(sold_by=manager, purchase_date__gte=period_start,
                                            purchase_date__lt=self.this_month)
                     .aggregate(n=Count("pk"), amount=Sum("amount")))
            months = max(1, (self.this_month.year - period_start.year) * 12
                         + self.this_month.month - period_start.month)
            new_aum = max(Decimal(100_000), (book * Decimal("0.015") / 10_000).quantize(Decimal(1)) * 10_000)
            opened = Opportunity.objects.filter(owner=manager, opened_at__gte=_moment(period_start, 0),
                                                opened_at__lt=_moment(self.this_month, 0)).count()
            rate = {"diligent": "0.9000", "steady": "0.8500", "weak": "0.8000", "planner": "0.8500"}[habit]
            for first, approved in ((self.last_month, _moment(coming_working_day(self.last_month), 9, 10)),
                                    (self.this_month, self._approved_now())):
                target_amount = (sales["amount"] or Decimal(0)) / months * Decimal(rng.choice(("1.05", "1.1", "1.2")))
                plan_row = UpliftPlan.objects.create(
                    manager=manager, branch_id=manager.branch_id, start=first, end=_month_end(first),
                    status=PlanStatus.APPROVED, target_contact_rate=Decimal(rate),
                    target_new_aum=new_aum,
                    target_opportunities=max(2, round(opened / months * 1.2)),
                    target_sales_count=max(2, round((sales["n"] or 0) / months * 1.1)),
                    target_sales_amount=max(Decimal(100_000), (target_amount / 10_000).quantize(Decimal(1)) * 10_000),
                    note=_NOTES[habit], created_by=head, created_at=approved, approved_by=head, approved_at=approved)
                made += 1
                listed = self._listed(manager, plan_row, before_last if first == self.last_month else last_end,
                                      live=first == self.this_month, policy=policy)
                if first == self.last_month and last_end is not None:
                    self._comment(manager, head, plan_row, listed, last_end, habit)
        return made

    def _approved_now(self) -> dt.datetime:
        first = coming_working_day(self.this_month)
        if first >= self.today:  # the month's first working day has not come: set the day before
            return _moment(previous_working_day(self.this_month), 17, 40)
        return _moment(first, 9, 10)

    def _listed(self, manager: Staff, plan_row: UpliftPlan, as_of: dt.date | None, *, live: bool,
                policy: SegmentPolicy) -> list[int]:
        """3–5 customers low in assets and high in potential at the plan's start — last month's
        with those who did move up among them."""
        rng = self.rng
        if as_of is None:
            return []
        if live:
            pool = list(Customer.objects.filter(rm=manager, segment__quadrant=Quadrant.LOW_HIGH,
                                                aum_snapshots__date=as_of, aum_snapshots__aum__gt=0)
                        .order_by("-aum", "pk").values_list("pk", flat=True)[:12])
            first: list[int] = []
        else:
            low_high = AumSnapshot.objects.filter(rm=manager, date=as_of, quadrant=Quadrant.LOW_HIGH, aum__gt=0)
            pool = list(low_high.order_by("-aum", "customer_id").values_list("customer_id", flat=True)[:12])
            first = list(low_high.filter(customer_id__in=self.uplifted.get(manager.pk, []))
                         .values_list("customer_id", flat=True))
        rest = [pk for pk in pool if pk not in first]
        rng.shuffle(rest)
        chosen = (first + rest)[:rng.randint(3, 5)]
        at_start = dict(AumSnapshot.objects.filter(date=as_of, customer_id__in=chosen)
                        .values_list("customer_id", "aum"))
        PlanCustomer.objects.bulk_create([
            PlanCustomer(plan=plan_row, customer_id=pk, quadrant_at_start=Quadrant.LOW_HIGH,
                         aum_at_start=at_start.get(pk, Decimal(0))) for pk in chosen])
        return chosen

    def _comment(self, manager: Staff, head: Staff, plan_row: UpliftPlan, listed: list[int], month_end: dt.date,
                 habit: str) -> None:
        up = AumSnapshot.objects.filter(customer_id__in=listed, date=month_end,
                                        quadrant__in=(Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW)).count()
        moved = f"{up}位已升入高资产象限" if up else "暂时还没有客户升入高资产象限"
        text = f"{manager.display_name}：上月名单{len(listed)}位客户，{moved}。{_REMARKS[habit]}"
        at = _moment(previous_working_day(self.this_month), 17, 30)
        PlanComment.objects.create(plan=plan_row, author=head, text=text, at=at)


def _join(row: Row, reasons: list[Reason]) -> None:
    have = {(r.code, r.ref, r.due) for r in row.reasons}
    for r in reasons:
        if (r.code, r.ref, r.due) not in have:
            row.reasons.append(r)
            have.add((r.code, r.ref, r.due))


_NOTES = {
    "diligent": "保持高频维护，重点推动名单上的潜力客户把他行资金转进来；到期资金全部提前一周联系。",
    "steady": "联系计划按时完成；名单客户每两周至少联系一次，争取他行到期资金转入。",
    "weak": "联系达成率要提上来，跳过的任务写明原因；名单客户逐一制定方案，每周一汇报进度。",
    "planner": "配合客户经理做资产配置方案，名单客户每月至少面谈一次。",
}
_REMARKS = {
    "diligent": "联系计划完成得很好，新信息记录也扎实，继续保持。",
    "steady": "整体平稳，未接通的客户要换个时间段再打。",
    "weak": "跳过和未完成的任务偏多，联系达成率低于目标，本月起每周一当面过一遍名单。",
    "planner": "配置方案质量不错，和客户经理的配合还可以更主动。",
}
