"""Building, completing, skipping and moving the daily worklist (WL-4..9)."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.batching import pack_groups
from banyan.calendars import workdays
from banyan.calendars.workdays import is_working_day
from banyan.contacts.models import Interaction, Memo, MemoStatus, Outcome
from banyan.contacts.services import interaction_log, memo_complete
from banyan.customers.models import Customer
from banyan.customers.pinyin import COMPOUND_SURNAMES
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.segments.models import CustomerSegment, SegmentPolicy
from banyan.sequences import drawn_ids
from banyan.transitions import transition
from banyan.worklists.generations import previews_stale
from banyan.worklists.models import HolidayOverride, ReasonRule, Task, TaskReason, TaskStatus, WorklistDay
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.planner import (
    KEY_DAY_ZERO,
    PRIORITY_BONUS,
    VALUE_BONUS,
    ByCustomer,
    DayCandidates,
    Facts,
    Planned,
    RegularContacts,
    Rules,
    cooling_key,
    plan_together,
    planned_key,
    planning,
    rule_args_json,
    sort_to_lists,
)
from banyan.worklists.reasons import COOL_OFF_DAYS, DEFAULTS, PURPOSE, ReasonDefaults
from banyan.worklists.talking import args_json, args_of
from banyan.worklists.triggers import (
    AnyOf,
    Reason,
    Window,
    cadence_reasons,
    collect_by_kind,
    fetch_rows,
    gc_paused,
    int_array,
    values_sql,
)

LOOK_BACK_DAYS = 45  # how far back "already planned?" looks (longest grace + lead)
LOOK_AHEAD_DAYS = 7
# A call nobody answered is tried again on the next lists (seed 004: call back at another time),
# three calls in all; then the reason counts as handled and waits out its cool-off like any other.
UNANSWERED_TRIES = 3


_overrides_loaded_at = 0.0
OVERRIDES_MAX_AGE_SECONDS = 60


def holiday_overrides_load() -> None:
    """Feed the bank's own holiday table (for years the library does not know yet) to the calendar."""
    global _overrides_loaded_at
    workdays.load_overrides(HolidayOverride.objects.values_list("date", "is_working_day", "name"))
    _overrides_loaded_at = time.monotonic()


def holiday_overrides_fresh() -> None:
    """Reload the table when this process's copy is older than a minute: every server process
    holds its own, and an admin's change is made in one of them."""
    if time.monotonic() - _overrides_loaded_at > OVERRIDES_MAX_AGE_SECONDS:
        holiday_overrides_load()


def reason_rules() -> dict[str, ReasonDefaults]:
    """The defaults with the bank's overrides (ReasonRule rows); a disabled reason weighs 0."""
    rules = dict(DEFAULTS)
    for row in ReasonRule.objects.all():
        base = rules[row.code]
        rules[row.code] = ReasonDefaults(row.lead_days, row.weight if row.enabled else 0, base.grace_days,
                                         base.service)
    return rules


def planner_rules(policy: SegmentPolicy) -> Rules:
    return Rules(call_cap_aum=float(policy.call_cap_aum), call_cap_per_month=policy.call_cap_per_month,
                 reason_rules=reason_rules())


def managers_with_books(manager_ids=None):
    qs = Staff.objects.filter(role__in=BOOK_ROLES, is_active=True)
    return qs if manager_ids is None else qs.filter(pk__in=manager_ids)


#: Staff without a book who may still be addressed a reason (Reason.staff_id): a complaint's owner
#: or the branch head it is escalated to (SVC-1). Their list holds only what is addressed to them.
ADDRESSED_ROLES = (Role.BRANCH_HEAD, Role.ADMIN)


def worklist_staff(manager_ids=None):
    """Whose lists a build makes: the managers with books, and the staff reasons can be addressed to."""
    qs = Staff.objects.filter(role__in=(*BOOK_ROLES, *ADDRESSED_ROLES), is_active=True)
    return qs if manager_ids is None else qs.filter(pk__in=manager_ids)


def _managers_and_values(window: Window) -> tuple[ByCustomer, ByCustomer]:
    """What reasons are sorted and ranked by, before any customer's facts are read: the manager of
    each customer of the managers' books, and the value of those worth more than nothing
    (planner.value_bonus, summed by the server; a customer not there is worth 0). Every customer of
    the books, not only those with a reason: in a bank-wide build nearly all have one (880k of 1M at
    bank1m) — so it needs no reason, and a big build reads it while the triggers run (`_read_aside`).
    Two plain reads, a pair of numbers a row and a fifth of the rows for the values (a join of the
    two tables costs the server more than both); the whole facts are read only of the customers the
    planner reaches (`_facts_of`, a tenth of them). A reason whose customer has no manager here is
    left out where reasons are sorted to lists (planner.sort_to_lists), which the planner trusts."""
    return _managers_and_values_of(window.customers(), whole_bank=window.manager_ids is None)


def _managers_and_values_of(customers, *, whole_bank: bool = False) -> tuple[ByCustomer, ByCustomer]:
    managers = ByCustomer(fetch_rows(customers.values_list("pk", "rm_id")))
    worth = [quadrant for quadrant, bonus in VALUE_BONUS.items() if bonus]
    valued = CustomerSegment.objects.filter(Q(is_priority=True) | Q(quadrant__in=worth))
    if not whole_bank:  # (the whole bank's: every segment, without a join)
        valued = valued.filter(customer__in=customers)
    value = Case(*(When(quadrant=q, then=Value(bonus)) for q, bonus in VALUE_BONUS.items() if bonus),
                 default=Value(0)) + Case(When(is_priority=True, then=Value(PRIORITY_BONUS)), default=Value(0))
    # (their arrays made here: a big build, on the thread reading them while the triggers run)
    return managers.ready(), ByCustomer(fetch_rows(valued.values_list("customer_id", value))).ready()


def _with_addressed(managers: ByCustomer, values: ByCustomer, addressed: set[int]) -> None:
    """Add the manager and value of the `addressed` customers (of reasons addressed to a staff
    member, a complaint's owner) outside the books read: a group of a split build plans what is
    addressed to its branch heads about customers of other books. A few, by their ids."""
    others = sorted(c for c in addressed if c not in managers)
    if others:
        more, worth = _managers_and_values_of(Customer.objects.filter(pk__in=others))
        managers.update(more)
        values.update(worth)


#: A build of this many managers or more reads what needs no reason (its managers and values, the
#: reasons planned already) on a second connection while the triggers run (`_read_aside`); a
#: smaller one reads it after them (a connection costs more than it saves).
ASIDE_MANAGERS = 100


def _nothing_written_yet() -> bool:
    """This connection's transaction has written nothing and reads committed data statement by
    statement (PostgreSQL): what another connection reads now is what this one would."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL "
                       "AND current_setting('transaction_isolation') = 'read committed'")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def _read_aside(read: Callable[[], object], *, worth_it: bool = True):
    """Run `read` — a read of committed data — on a second database connection, in a thread, while
    this connection does other work; yields the function that waits for its result (a bank-wide
    build: the 1M managers and values, ~0.7 s, and the reasons planned in the last weeks, read
    while the triggers run, whose time is mostly the server's). Only where the second connection
    reads what this one would: PostgreSQL, this transaction has written nothing yet (no
    transaction id: a nightly build, a Celery task — not a test's or a caller's transaction that
    wrote first, whose rows another connection does not see), and it reads committed data
    statement by statement (READ COMMITTED, Django's), as the thread's statements do. Otherwise,
    or not `worth_it`, `read` runs here when its result is asked for."""
    if not (worth_it and _nothing_written_yet()):
        yield read
        return

    def on_own_connection():
        try:
            return read()
        finally:
            connection.close()  # the thread's own

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="build-aside") as pool:
        # (the caller's context: a frozen "today" reaches the thread; the pool waits for the read
        # on the way out, also after an error here)
        yield pool.submit(contextvars.copy_context().run, on_own_connection).result


def _facts_of(ids: set[int], first_of_month: dt.date, policy: SegmentPolicy) -> dict[int, Facts]:
    """The facts the contact rules need of these customers, in two queries (customers + their calls
    this month)."""
    if not ids:
        return {}
    month_start = dt.datetime.combine(first_of_month, dt.time.min, tzinfo=dt.UTC)
    # PostgreSQL sends the AUM as a float (what the planner compares) rather than a Decimal to
    # convert; on SQLite, where it is stored as a binary float, the Decimal read keeps its rounding.
    aum = Cast("aum", FloatField()) if connection.vendor == "postgresql" else "aum"
    rows = fetch_rows(Customer.objects.filter(_among("pk", sorted(ids))).values_list(
        "pk", "rm_id", aum, "segment__quadrant", "segment__is_priority", "preferred_channel", "consent_phone",
        "consent_sms", "consent_wechat", "consent_email", "do_not_disturb"))
    # The calls this month of those the call cap concerns (a few of them: read by their ids). An
    # addressed customer kept in another book — a manager's whose list is built apart — is called
    # as often as the bank-wide build counts.
    capped = sorted(row[0] for row in rows if row[2] >= policy.call_cap_aum)
    calls = dict(
        Interaction.objects.filter(_among("customer_id", capped), channel="phone", occurred_at__gte=month_start,
                                   customer__aum__gte=policy.call_cap_aum)
        .values("customer_id").annotate(n=Count("pk")).values_list("customer_id", "n")
    ) if capped else {}
    consents: dict[tuple, dict[str, bool]] = {}  # 16 combinations, one dict each (read only)
    facts = {}
    for pk, rm, aum, quadrant, priority, channel, phone, sms, wechat, email, dnd in rows:
        consent = consents.get((phone, sms, wechat, email))
        if consent is None:
            consent = consents[(phone, sms, wechat, email)] = {"phone": phone, "sms": sms, "wechat": wechat,
                                                               "email": email}
        facts[pk] = Facts(pk, rm, float(aum), quadrant or "low_low", bool(priority), channel, consent, dnd,
                          calls.get(pk, 0))
    return facts


@dataclass(frozen=True)
class DayScope:
    """A day's build split over workers (issue 15): what the one bank-wide build would have seen
    when it started, for the parts of it that reach past one group's managers. `tasks_upto`: the
    last Task id then (the tasks of the day built since by other groups are not "already planned");
    `lists_upto`: the last WorklistDay id then (the staff whose list for the day existed before
    were not part of the build). Two numbers, so a group's message stays small at any bank size."""

    tasks_upto: int
    lists_upto: int

    @classmethod
    def now(cls) -> DayScope:
        last = Task.objects.order_by("-pk").values_list("pk", flat=True).first()
        lists = WorklistDay.objects.order_by("-pk").values_list("pk", flat=True).first()
        return cls(last or 0, lists or 0)

    def staff(self, day: dt.date):
        """The staff the bank-wide build of `day` would have built: every list-holder without a
        list for the day when the split build started (a subquery)."""
        built = WorklistDay.objects.filter(manager_id=OuterRef("pk"), date=day, pk__lte=self.lists_upto)
        return worklist_staff().exclude(Exists(built)).values("pk")


def _already_planned(manager_ids, day: dt.date, *, scope: DayScope | None = None,
                     customers: set[int] | None = None) -> tuple[set, set]:
    """Reasons planned before `day`: their keys (planner.planned_key: customer, code, due, ref), and
    for state reasons those still in their cool-off (cooling_key: customer, code, ref). A reason
    whose call went unanswered (a task closed "not reached") is not planned yet: it comes back on
    the next list while it is due, until it has been tried `UNANSWERED_TRIES` times. With a
    `scope` (one group of a split build): the tasks of the staff the bank-wide build would have
    built, as they were when it started, of the `customers` of the group's reasons — every key is
    a customer's, so the group sees for its reasons what the one build saw."""
    # `day` itself included: a task moved by hand onto the day is already there with its reasons.
    since = day - dt.timedelta(days=LOOK_BACK_DAYS)
    qs = TaskReason.objects.filter(task__date__gte=since, task__date__lte=day)
    tasks = Task.objects.filter(date__gte=since, date__lt=day, status=TaskStatus.DONE,
                                interaction__outcome=Outcome.NOT_REACHED)
    if scope is not None:
        qs = qs.filter(task__manager_id__in=scope.staff(day), task_id__lte=scope.tasks_upto)
        tasks = tasks.filter(manager_id__in=scope.staff(day), pk__lte=scope.tasks_upto)
        # only to read less (the keys of other customers are never looked up); SQLite takes a
        # few tens of thousands of parameters at most
        if customers is not None and (connection.vendor == "postgresql" or len(customers) <= 10_000):
            qs = qs.filter(_among("customer_id", sorted(customers)))
            tasks = tasks.filter(_among("customer_id", sorted(customers)))
    elif manager_ids is not None:
        qs = qs.filter(_among("task__manager_id", list(manager_ids)))
        tasks = tasks.filter(_among("manager_id", list(manager_ids)))
    unanswered = list(tasks.order_by().values_list("pk", flat=True))
    columns = qs.order_by().values_list("customer_id", "code", "due_date", "ref", "task__date", "task_id")
    exact, cooling, tried = _planned_keys(columns, unanswered, day)
    # a reason whose calls went unanswered fewer than UNANSWERED_TRIES times is not planned yet
    tries = Counter(plain for _key, plain, _cool in tried)
    for key, plain, cool in tried:
        if tries[plain] >= UNANSWERED_TRIES:
            exact.add(key)
            if cool:
                cooling.add(plain)
    return exact, cooling


def _planned_keys(columns, unanswered: list[int], day: dt.date) -> tuple[set[str], set[str], list[tuple]]:
    """The reasons planned (`columns`: customer, code, due day, ref, the task's day, its id): the
    keys of those whose task is not `unanswered` (planner.planned_key), and of these the ones in
    their cool-off on `day` (cooling_key); those whose task is, each as (planned_key, cooling_key,
    in its cool-off). A bank-wide build reads 1.7M of them at a bank with weeks of lists (1M
    customers, 20 tasks a manager a day): PostgreSQL makes the keys and sends them as a few
    arrays, so that the build's Python — running the triggers meanwhile — only puts them in sets
    (`_planned_keys_here` elsewhere: the same keys)."""
    if connection.vendor != "postgresql":
        return _planned_keys_here(columns, set(unanswered), day)
    query = values_sql(columns)
    if query is None:
        return set(), set(), []
    sql, params = query
    cool_off = " ".join("WHEN %s THEN %s - p.task_day < %s" for _code in COOL_OFF_DAYS)
    exact, cooling, tried = set(), set(), []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q.tried, array_agg(q.key), array_agg(q.plain) FILTER (WHERE q.cool),"
            " array_agg(q.plain) FILTER (WHERE q.tried), array_agg(q.cool) FILTER (WHERE q.tried)"
            " FROM (SELECT p.customer::text || ' ' || p.code || ' ' || (p.due - %s)::text || ' ' || p.ref AS key,"
            " p.customer::text || ' ' || p.code || ' ' || p.ref AS plain,"
            f" CASE p.code {cool_off} ELSE false END AS cool, p.task = ANY(%s::bigint[]) AS tried"
            f" FROM ({sql}) AS p(customer, code, due, ref, task_day, task)) AS q GROUP BY q.tried",
            [KEY_DAY_ZERO, *(x for code, days in COOL_OFF_DAYS.items() for x in (str(code), day, days)),
             int_array(unanswered), *params])
        for was_tried, keys, cool_plains, plains, cools in cursor.fetchall():
            if was_tried:
                tried = list(zip(keys, plains, cools, strict=True))
            else:
                exact, cooling = set(keys), set(cool_plains or ())
    return exact, cooling, tried


def _planned_keys_here(columns, unanswered: set[int], day: dt.date) -> tuple[set[str], set[str], list[tuple]]:
    exact, cooling, tried = set(), set(), []
    for cid, code, due, ref, task_day, task in columns:
        key, plain = planned_key(cid, code, due, ref), cooling_key(cid, code, ref)
        cool = code in COOL_OFF_DAYS and (day - task_day).days < COOL_OFF_DAYS[code]
        if task in unanswered:
            tried.append((key, plain, cool))
        else:
            exact.add(key)
            if cool:
                cooling.add(plain)
    return exact, cooling, tried


def _fresh(reasons: list[Reason], exact: set, cooling: set) -> list[Reason]:
    if not exact and not cooling:
        return reasons
    return [r for r in reasons if planned_key(r[0], r[1], r[3], r[4]) not in exact
            and cooling_key(r[0], r[1], r[4]) not in cooling]


def _title(name: str, gender: str) -> str:
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return surname + {"M": "先生", "F": "女士"}.get(gender, "")


@dataclass
class BuildResult:
    managers: int
    tasks: int
    suppressed: int


def _plan_window(day: dt.date, days: list[dt.date], manager_ids, *, whole_bank: bool = False,
                 scope: DayScope | None = None) -> dict[int, dict]:
    """Plan `days` for the managers. `whole_bank`: they are every manager with a book, so the
    triggers read the whole bank unfiltered (customers of other staff are read and left out).
    `scope`: they are one group of a split build (`_already_planned`)."""
    policy = SegmentPolicy.current()
    rules = planner_rules(policy)
    # Look a week past the planned days: a reason coming soon lets the planner hold today's
    # reasons of the same customer and make one contact for all (WL-4).
    window = Window(first=day, last=days[-1] + dt.timedelta(days=LOOK_AHEAD_DAYS), rules=rules.reason_rules,
                    policy=policy,
                    manager_ids=tuple(manager_ids) if manager_ids is not None and not whole_bank else None)
    holiday_overrides_load()
    # What needs no reason is read while the triggers run (_read_aside): the managers and values,
    # and the reasons planned already — of a whole day's build; a group of a split one reads those
    # of its reasons' customers (`_already_planned`).
    def reads() -> tuple:
        return _managers_and_values(window), _already_planned(manager_ids, day) if scope is None else None

    big = window.manager_ids is None or len(window.manager_ids) >= ASIDE_MANAGERS
    with _read_aside(reads, worth_it=big) as read:
        before, kinds, after = collect_by_kind(window)
        (managers, values), planned = read()
    if planned is None:
        customers = {r.customer_id for part in (before, after) for r in part}
        customers.update(cid for _kind, ids in kinds for cid in ids)
        planned = _already_planned(manager_ids, day, scope=scope, customers=customers)
    before, after = _fresh(before, *planned), _fresh(after, *planned)
    # The regular contacts, put where collect puts cadence's reasons (a task's first reason is its
    # purpose). One day's build makes only those of the customers with another reason, planned with
    # it; the rest are ranked as arrays and made reasons only when a list takes them
    # (RegularContacts). A plan of several days carries every one from day to day: all made.
    if len(days) == 1:
        regulars, others = RegularContacts(kinds), {r[0] for part in (before, after) for r in part}
        beside = regulars.reasons_of(others)
    else:
        regulars, beside = None, cadence_reasons(kinds)
    fresh = [*before, *_fresh(beside, *planned), *after]
    del before, beside, after, kinds
    _with_addressed(managers, values, {r[0] for r in fresh if r[6] is not None})  # (r[6]: staff_id)
    staff = {s.pk: s for s in worklist_staff(manager_ids)}
    # One bank's facts for every list (a customer can be on two: an addressed reason), read as the
    # planners reach the customers.
    facts: dict[int, Facts] = {}
    plan = functools.partial(planning, days=days, values=values, facts=facts, is_working_day=is_working_day,
                             rules=rules)
    if regulars is not None:  # one day: every list's reasons worked out at once, as arrays
        today = DayCandidates(fresh, managers, values, day, is_working_day(day), rules)
        runs = regulars.ranked(day, managers, values, rules.reason_rules[C.CADENCE_DUE].weight, planned, others)
        del fresh, managers, regulars  # (a bank-wide build: `today` holds them now)
        steps = {manager_id: plan(reasons=[], capacity=manager.daily_capacity, today=today.of(manager_id),
                                  regulars=runs.get(manager_id))
                 for manager_id, manager in staff.items()}
    else:
        lists = sort_to_lists(fresh, managers)
        del fresh, managers  # (the lists hold them now)
        steps = {manager_id: plan(reasons=lists.reasons.pop(manager_id, []), capacity=manager.daily_capacity,
                                  dated=lists.dated)
                 for manager_id, manager in staff.items()}
    return plan_together(steps, facts, lambda ids: _facts_of(ids, day.replace(day=1), policy))


def _among(field: str, ids: list[int]) -> Q:
    """`field` is one of a long list of ids. On PostgreSQL, past a thousand, `= ANY(array)`: one
    parameter (tens of thousands of placeholders take longer to send and plan than to run) that
    PostgreSQL plans knowing the array's length (`IN (SELECT unnest(…))` is planned for a hundred: a
    bank-wide build's earlier open tasks of today's 170,000 customers were probed customer by
    customer, 3 s at 1M, instead of read through the managers' open tasks, 0.8 s); elsewhere
    `field__in`."""
    if connection.vendor == "postgresql" and len(ids) > 1000:
        return Q(AnyOf(field, ids))
    return Q(**{f"{field}__in": ids})


COPY_FROM_ROWS = 500  # on PostgreSQL, more rows than this are written with COPY


def _insert(model, rows: list, *, returning: bool = False, columns: tuple[str, ...] | None = None) -> list[int]:
    """Insert plain rows in bulk and return their ids when `returning`. A row is a dict (field
    attname → value; fields left out take their default) or, with `columns` (attnames), a tuple of
    those fields' values in that order (a bank-wide build writes hundreds of thousands of reasons:
    no dict each). PostgreSQL: ids drawn from the table's sequence in one query and the rows
    streamed with COPY (a bank-wide build writes tens of thousands of tasks); elsewhere bulk_create
    in big batches."""
    if not rows:
        return []
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM_ROWS:
        if columns is not None:
            rows = [dict(zip(columns, row, strict=True)) for row in rows]
        objs = model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return [o.pk for o in objs] if returning else []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if columns is None:  # dicts: every field, in the model's order
        columns = tuple(f.attname for f in fields)
        defaults = [f.get_default() for f in fields]
        rows = [tuple(map(row.get, columns, defaults)) for row in rows]
    rest = [f for f in fields if f.attname not in columns]  # written as their default
    tail = tuple(f.get_default() for f in rest)
    column_of = {f.attname: f.column for f in fields}
    names = [column_of[a] for a in columns] + [f.column for f in rest]
    table, pk, q = model._meta.db_table, model._meta.pk.column, connection.ops.quote_name
    with connection.cursor() as cursor:
        ids: list[int] = []
        if returning:
            ids = drawn_ids(table, len(rows), pk)
            names.insert(0, pk)
        # (psycopg's own cursor: its errors made Django's, IntegrityError for a key or uniqueness, as
        # for any other statement)
        with connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY {q(table)} ({', '.join(map(q, names))}) FROM STDIN") as copy:
            write = copy.write_row
            if returning:
                for i, row in zip(ids, rows, strict=True):
                    write((i, *row, *tail))
            else:
                for row in rows:
                    write((*row, *tail))
    return ids


def worklists_build(*, day: dt.date | None = None, manager_ids=None, actor=None) -> BuildResult:
    """Build and store the lists of `day` (default today) for the managers (default all).
    Idempotent: a manager whose list for the day exists is left as it is."""
    with gc_paused(), transaction.atomic():
        return _build(day=day, manager_ids=manager_ids, actor=actor)


# --- the build split over workers (issue 15) ------------------------------------------------------

BUILD_ATTEMPTS = 3


def worklist_build_groups(day: dt.date, *, group_customers: int | None = None) -> list[list[int | None]]:
    """The branches with staff still without a list for `day`, in groups of similar size, each of
    about `group_customers` customers (default BANYAN_BUILD_GROUP_CUSTOMERS; 0: one group of the
    whole bank) or one branch: the size of a branch is the customers in its managers' books (staff
    without a branch, an admin, are branch None). Sized groups, not a set number of them: a group
    costs a fixed few tenths of a second (the triggers' queries, planned again), the memory of a
    group's build is bounded at any bank size, and more groups than workers let a worker done with
    a small group take the next.
    The biggest branch first, each to the group with the fewest customers so far. Two queries."""
    branches = set(worklist_staff().exclude(worklist_days__date=day).values_list("branch_id", flat=True))
    if not branches:
        return []
    sizes = dict(Customer.objects.filter(rm__isnull=False).values("rm__branch_id").annotate(n=Count("pk"))
                 .values_list("rm__branch_id", "n"))
    return pack_groups({b: sizes.get(b, 0) for b in branches},
                       settings.BANYAN_BUILD_GROUP_CUSTOMERS if group_customers is None else group_customers)


def worklists_build_branches(*, day: dt.date, branch_ids: list[int | None], scope: DayScope,
                             actor=None) -> BuildResult:
    """One group of a split build: the lists of `day` of the staff of `branch_ids` (None: staff
    without a branch), the very lists the bank-wide `worklists_build` makes for them. The
    triggers, facts and plans read only the group's books (set-based, filtered by its managers);
    what reaches past them — reasons already planned, earlier tasks superseded — is read as the
    one build would have, from `scope`. Idempotent like `worklists_build`, also against another
    worker or a page building some of the same lists at the same time."""
    in_branches = Q(branch_id__in=[b for b in branch_ids if b is not None])
    if None in branch_ids:
        in_branches |= Q(branch__isnull=True)
    ids = list(worklist_staff().filter(in_branches).values_list("pk", flat=True))
    for attempt in range(BUILD_ATTEMPTS):
        try:
            with gc_paused(), transaction.atomic():
                return _build(day=day, manager_ids=ids, actor=actor, scope=scope)
        except IntegrityError:
            # Another worker or a page built some of these lists meanwhile (the one-list-per-day
            # rule rolled this build back whole): build again the lists still missing.
            if attempt == BUILD_ATTEMPTS - 1 or not WorklistDay.objects.filter(manager_id__in=ids, date=day).exists():
                raise
    raise AssertionError("unreachable")


def _build(*, day: dt.date | None, manager_ids, actor, scope: DayScope | None = None) -> BuildResult:
    day = day or clock.today()
    ids = list(worklist_staff(manager_ids).exclude(worklist_days__date=day).values_list("pk", flat=True))
    if not ids:
        return BuildResult(0, 0, 0)
    whole_bank = manager_ids is None and len(ids) == worklist_staff().count()
    plans = _plan_window(day, [day], ids, whole_bank=whole_bank, scope=scope)
    planned: list[tuple[int, Planned]] = [(m, p) for m, days in plans.items() for p in days[day]]
    # A task moved by hand onto this day already exists: today's new reasons join it (WL-4).
    moved_here = {(t.manager_id, t.customer_id): t for t in Task.objects.filter(manager_id__in=ids, date=day)}
    joining = [(moved_here[(m, p.customer_id)], p) for m, p in planned if (m, p.customer_id) in moved_here] \
        if moved_here else []
    if joining:
        planned = [(m, p) for m, p in planned if (m, p.customer_id) not in moved_here]
    _carry_unfinished(planned, day)
    staff = {pk: (name, capacity, role) for pk, name, capacity, role in
             Staff.objects.filter(pk__in=ids).values_list("pk", "full_name", "daily_capacity", "role")}
    # What to say is written when shown, in the reader's language (banyan.worklists.talking); the
    # rule's facts, in words when shown. (Rows as tuples of TASK_COLUMNS: tens of thousands of them.)
    suppressed_, open_ = TaskStatus.SUPPRESSED.value, TaskStatus.OPEN.value
    rows = [(manager_id, day, p.customer_id, p.rank, min(p.priority, 32000), p.channel, p.rule,
             rule_args_json(p.rule_args), suppressed_ if p.suppressed else open_) for manager_id, p in planned]
    task_ids = _insert(Task, rows, returning=True, columns=TASK_COLUMNS)
    json_of = _ArgsJson().of
    _insert(TaskReason, [  # (a reason by index, over a hundred thousand: code, detail, due, ref, facts)
        (task_id, p.customer_id, r[1], r[2][:300], r[3], r[4], json_of(r[5]))
        for task_id, p in [*zip(task_ids, (p for _m, p in planned), strict=True), *((t.pk, p) for t, p in joining)]
        for r in p.reasons
    ], columns=("task_id", "customer_id", "code", "detail", "due_date", "ref", "args"))
    # Yesterday's unfinished task for a customer who is on today's list is carried into today's
    # (its reasons still due were added to today's above).
    today_customers = [p.customer_id for _m, p in planned if not p.suppressed]
    # (a group of a split build: any staff member's of the whole build, as the one build does)
    of_staff = _among("manager_id", ids) if scope is None else Q(manager_id__in=scope.staff(day))
    Task.objects.filter(of_staff, _among("customer_id", today_customers), date__lt=day,
                        status=TaskStatus.OPEN).update(status=TaskStatus.SUPERSEDED)
    suppressed = sum(1 for _m, p in planned if p.suppressed)
    now = clock.now()
    WorklistDay.objects.bulk_create([WorklistDay(manager_id=m, date=day, built_at=now,
                                                 capacity=staff[m][1]) for m in ids])
    audit_log(actor=actor, action="worklists.built", data={"day": day, "managers": len(ids), "tasks": len(rows)})
    previews_stale(ids)  # a stored task is "already planned" for the coming days
    # a list counts when it is a book's, or when something was addressed to its holder (a branch head's)
    listed = {m for m, _p in planned}
    lists = sum(1 for m in ids if staff[m][2] in BOOK_ROLES or m in listed)
    return BuildResult(lists, len(rows) - suppressed, suppressed)


TASK_COLUMNS = ("manager_id", "date", "customer_id", "rank", "priority", "suggested_channel", "rule_code", "rule_args",
                "status")


class _ArgsJson(dict):
    """args_json, written once per facts object: a bank-wide build stores over a hundred thousand
    reasons, and a kind of regular contacts shares one tuple of facts (triggers.cadence). Keyed by
    the object, not its value: (1,) and (True,) are equal keys but not the same JSON; the reasons
    keep their facts alive while the rows are made."""

    def of(self, args) -> str:
        text = self.get(id(args))
        if text is None:
            text = self[id(args)] = args_json(args)
        return text


def _carry_unfinished(planned: list[tuple[int, Planned]], day: dt.date) -> None:
    """Add to today's tasks the reasons of the same customer's earlier tasks left open that are
    still due (within their grace): those tasks are marked carried over, and without this their
    reasons — a maturity not yet called about — would leave the manager's page with them."""
    todays = {(m, p.customer_id): p for m, p in planned if not p.suppressed}
    if not todays:
        return
    rules = reason_rules()
    open_before = TaskReason.objects.filter(
        _among("task__manager_id", list({m for m, _c in todays})), _among("customer_id", list({c for _m, c in todays})),
        task__status=TaskStatus.OPEN, task__date__lt=day, task__date__gte=day - dt.timedelta(days=LOOK_BACK_DAYS))
    for manager_id, cid, code, detail, due, ref, args in fetch_rows(open_before.values_list(
            "task__manager_id", "customer_id", "code", "detail", "due_date", "ref", "args",
    ).order_by("task__date", "pk")):
        p = todays.get((manager_id, cid))
        if p is None or (code != C.CADENCE_DUE and due + dt.timedelta(days=rules[code].grace_days) < day):
            continue
        if all((r.code, r.ref, r.due) != (code, ref, due) for r in p.reasons):
            # the weightiest reason first: it leads the talking points and the purpose recorded
            p.reasons = sorted([*p.reasons, Reason(cid, code, detail, due, ref, args_of(args))],
                               key=lambda r: -rules[r.code].weight)


def worklist_preview(*, manager: Staff, first: dt.date, days: int = 7) -> dict[dt.date, list[Planned]]:
    """What the coming days will hold, planned in memory from today's data (nothing stored)."""
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    with gc_paused():
        plans = _plan_window(first, dates, [manager.pk])
    return plans.get(manager.pk, {d: [] for d in dates})


def worklists_preview_all(*, first: dt.date, days: int = 7) -> dict[int, dict[dt.date, list[Planned]]]:
    """Every manager's coming days in one bank-wide pass (the nightly job keeps them in the cache):
    the same plans as `worklist_preview` for each manager, read once for the whole bank."""
    dates = [first + dt.timedelta(days=i) for i in range(days)]
    with gc_paused():
        plans = _plan_window(first, dates, None, whole_bank=True)
    return plans


def _close(task: Task, *, actor, **changes) -> dict:
    """Close an open task exactly once (DESIGN.md rule 6): the UPDATE holds only while the task is
    open in the database, not in the copy the caller read, so a task closed meanwhile (a second tap,
    another tab, a skip racing a "done") is refused with Conflict before anything is written.
    Returns the changes, to copy onto `task` once the whole step has succeeded."""
    changes.update(closed_at=clock.now(), closed_by=actor)
    transition(Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN), _("This task is already closed."), **changes)
    return changes


def _set(task: Task, changes: dict) -> None:
    for field, value in changes.items():
        setattr(task, field, value)


@transaction.atomic
def task_complete(*, actor, task: Task, outcome: str = "reached", summary: str = "", channel: str | None = None,
                  rejection_reason: str = "", new_info: str = "", next_step: str = "", next_contact_on=None,
                  minutes: int | None = 0, purpose: str = "") -> Task:
    """Finish a task: the contact is recorded in the customer's history in the same step (WL-9);
    its purpose is the task's first reason's unless the manager gave one."""
    closed = _close(task, actor=actor, status=TaskStatus.DONE)
    reasons = list(task.reasons.all())
    purpose = purpose or (PURPOSE.get(reasons[0].code, "care") if reasons else "care")
    text = summary.strip() or "；".join(r.detail for r in reasons)[:500]
    interaction = interaction_log(actor=actor, customer=task.customer, channel=channel or task.suggested_channel,
                                  purpose=purpose, summary=text, outcome=outcome, rejection_reason=rejection_reason,
                                  new_info=new_info, next_step=next_step, next_contact_on=next_contact_on,
                                  minutes=minutes)
    memo_ids = [int(r.ref.split(":")[1]) for r in reasons if r.code == C.MEMO_DUE and r.ref.startswith("memo:")]
    if outcome != "not_reached":
        # locked: a memo done meanwhile on the customer's file is left out, not done twice
        for memo in Memo.objects.select_for_update().filter(pk__in=memo_ids, status=MemoStatus.OPEN):
            memo_complete(actor=actor, memo=memo)
    Task.objects.filter(pk=task.pk).update(interaction=interaction)
    _set(task, {**closed, "interaction": interaction})
    audit_log(actor=actor, action="task.completed", customer_id=task.customer_id, obj=task,
              after={"outcome": outcome, "interaction": interaction.pk})
    return task


@transaction.atomic
def task_skip(*, actor, task: Task, reason: str) -> Task:
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the task is skipped.")]})
    _set(task, _close(task, actor=actor, status=TaskStatus.SKIPPED, skip_reason=reason.strip()))
    audit_log(actor=actor, action="task.skipped", customer_id=task.customer_id, obj=task, detail=reason[:200])
    return task


@transaction.atomic
def task_move(*, actor, task: Task, to: dt.date) -> Task:
    """Move a task to a later day. A dated reason (a birthday, a maturity) cannot be moved past its
    date; the moved reasons join the customer's task of that day if there is one."""
    if to <= task.date:
        raise ValidationError({"to": [_("Move a task to a later day.")]})
    closed = _close(task, actor=actor, status=TaskStatus.MOVED, moved_to=to)
    reasons = list(task.reasons.all())
    dated = [r for r in reasons if r.code != C.CADENCE_DUE]
    latest = min((r.due_date + dt.timedelta(days=DEFAULTS[r.code].grace_days) for r in dated), default=None)
    if latest is not None and to > latest:
        raise ValidationError({"to": [_("This task has a dated reason; it cannot move past %(d)s.") % {"d": latest}]})
    target, created = Task.objects.get_or_create(
        manager=task.manager, date=to, customer=task.customer,
        defaults={"rank": 0, "priority": task.priority, "suggested_channel": task.suggested_channel,
                  "rule_code": task.rule_code, "rule_args": task.rule_args, "rule_note": task.rule_note,
                  "talking_points": task.talking_points},
    )
    TaskReason.objects.bulk_create([TaskReason(task=target, customer_id=r.customer_id, code=r.code, detail=r.detail,
                                               due_date=r.due_date, ref=r.ref, args=r.args) for r in reasons])
    if not created and target.status != TaskStatus.OPEN:
        target.status = TaskStatus.OPEN
        target.save(update_fields=["status"])
    _set(task, closed)
    audit_log(actor=actor, action="task.moved", customer_id=task.customer_id, obj=task, after={"to": to})
    return task
