"""The review's indicators (KPI-1, KPI-2; shared/API.md "Review"), counted from the rows of the
period in a few grouped queries over the whole scope: no loop over managers or customers. The
days before today are read from the kept figures (banyan.kpis.kept: the same Facts counted per
staff member and day, per snapshot, recounted whenever a write touches their day), today and
later from the rows themselves. Every figure is a `Fact`: a base of rows (tasks, contacts, opportunities, sales …), the
staff member it counts for, the moment it counts at, and a condition. The grouped counts and the
drill-down's list are made from the same Fact, so that a number and the list behind it cannot
disagree; the page, the API and the Excel all read `review()`.

Whose figures go where:
- the work done (tasks, contacts, opportunities, sales, referrals, complaints, invitations) counts
  for the staff member who did it, in the branch he or she worked at that day (org.StaffPosting:
  a manager who moved mid-period has a row in each branch, with that branch's days);
- the book (AUM, quadrant moves, completeness gained, new customers) counts for the manager whose
  book the customer was in at the date read: the AUM at the start in the book of the start (the
  month-end snapshot before it, holdings.AumSnapshot keeps the manager), the AUM at the end in
  the book of the end — a customer handed over mid-period counts at the start for the one who
  gave, at the end for the one who received."""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from banyan import clock
from banyan.calendars.workdays import working_days_between
from banyan.contacts.models import ANSWERED, Interaction, Opportunity, real_contact_q
from banyan.customers.models import Channel, Customer
from banyan.holdings.models import AumSnapshot, Holding, ProductType
from banyan.kpis import kept
from banyan.kpis.models import KeptKind, KeptWork
from banyan.kpis.periods import Period
from banyan.org.models import BOOK_ROLES, Staff, StaffPosting
from banyan.segments.models import Quadrant
from banyan.worklists.models import Task, TaskStatus

_MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Decimal("0.00")

#: Tasks carried into a later one (moved, superseded: counted on the later day) or left off the
#: list by a contact rule are not part of the plan.
NOT_PLANNED = (TaskStatus.SUPERSEDED, TaskStatus.MOVED, TaskStatus.SUPPRESSED)

HIGH = (Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW)
LOW = (Quadrant.LOW_HIGH, Quadrant.LOW_LOW)


def first_contact_days() -> int:
    """The bank's deadline for the first real contact with a new customer (days after opening)."""
    return int(getattr(settings, "BANYAN_FIRST_CONTACT_DAYS", 7))


# ---------------------------------------------------------------------------------------------
# Scope: whose figures


@dataclass(frozen=True)
class Scope:
    """One manager (optionally within one branch), one branch, or the bank (both None)."""

    branch_id: int | None = None
    manager_id: int | None = None
    #: The branch's customers with no manager (their book figures only): the review's "no manager" row.
    unassigned: bool = False


def _postings(period: Period, staff_ids: Iterable[int] | None = None) -> list[StaffPosting]:
    """The postings that end within or after the period: only they send a day of the period to a
    branch other than the person's present one. Usually none."""
    qs = StaffPosting.objects.filter(until__gte=period.start)
    if staff_ids is not None:
        qs = qs.filter(staff_id__in=list(staff_ids))
    return list(qs.order_by("staff_id", "until"))


@functools.lru_cache(maxsize=64)
def _who_cached(scope: Scope, period: Period, generation: int) -> tuple[list[int] | None, list[StaffPosting]]:
    if scope.manager_id is not None:
        return [scope.manager_id], _postings(period, [scope.manager_id])
    if scope.branch_id is not None:
        candidates = _branch_candidates(scope.branch_id, period)
        return candidates, _postings(period, candidates)
    return None, _postings(period)


def _who(scope: Scope, period: Period) -> tuple[list[int] | None, list[StaffPosting]]:
    """Whose rows a scope reads (None: everyone's) and the postings that place their days: read
    once per review (each public entry point — review, drill, the trends — starts a new generation
    of the cache, so that a move made since is seen)."""
    return _who_cached(scope, period, _generation[0])


_generation = [0]


def _branch_candidates(branch_id: int, period: Period) -> list[int]:
    """Everyone whose work may count in the branch: who works there now, or worked there in the period."""
    now = Staff.objects.filter(branch_id=branch_id).values_list("pk", flat=True)
    before = (StaffPosting.objects.filter(branch_id=branch_id, until__gte=period.start)
              .values_list("staff_id", flat=True))
    return sorted({*now, *before})


# ---------------------------------------------------------------------------------------------
# Facts: the figures counted from the work done


@dataclass(frozen=True)
class Base:
    """Rows that figures are counted from: the model's rows, the staff member they count for, the
    moment (a date or a date-time field) that puts them in a period and in a branch."""

    name: str
    rows: Callable[[Period], QuerySet]
    staff: str
    moment: str
    is_datetime: bool
    drill: str  # what the drill-down lists: "tasks", "contacts", "opportunities", "sales", …

    def in_period(self, period: Period) -> Q:
        if self.is_datetime:
            return Q(**{f"{self.moment}__gte": period.start_at, f"{self.moment}__lt": period.end_before})
        return Q(**{f"{self.moment}__gte": period.start, f"{self.moment}__lte": period.end})

    def on_or_before(self, day: dt.date) -> Q:
        if self.is_datetime:
            return Q(**{f"{self.moment}__lt": Period(day, day).end_before})
        return Q(**{f"{self.moment}__lte": day})

    def branch_of_day(self, postings: list[StaffPosting]):
        """The branch the staff member worked at on the row's day (see the module's note)."""
        present = F(f"{self.staff}__branch_id")
        if not postings:
            return present
        whens = [When(Q(**{self.staff: p.staff_id}) & self.on_or_before(p.until), then=Value(p.branch_id))
                 for p in postings]  # ordered by until: the first match is the posting of that day
        return Case(*whens, default=present, output_field=IntegerField())

    def scoped(self, scope: Scope, period: Period, extra: Q | None = None, *, up_to_end: bool = False) -> QuerySet:
        """The base's rows of the period in the scope, with `staff_key` and `branch_key`. With
        `up_to_end`, every row up to the period's end (a state at the end: what is still open)."""
        when = self.on_or_before(period.end) if up_to_end else self.in_period(period)
        qs = self.rows(period).filter(when, **{f"{self.staff}__isnull": False})
        if extra is not None:
            qs = qs.filter(extra)
        staff_ids, postings = _who(scope, period)
        if staff_ids is not None:
            qs = qs.filter(**{f"{self.staff}__in": staff_ids})
        qs = qs.annotate(staff_key=F(self.staff), branch_key=self.branch_of_day(postings))
        if scope.branch_id is not None:
            qs = qs.filter(branch_key=scope.branch_id)
        return qs


@dataclass(frozen=True)
class Fact:
    key: str
    base: Base
    condition: Q = field(default_factory=Q)
    sum_of: str | None = None  # a sum (money, minutes) instead of a count

    def aggregate(self):
        if self.sum_of:
            money = self.sum_of in ("amount",)
            return Coalesce(Sum(self.sum_of, filter=self.condition), Value(ZERO if money else 0),
                            output_field=_MONEY if money else IntegerField())
        return Count("pk", filter=self.condition) if self.condition else Count("pk")


def _tasks(period: Period) -> QuerySet:
    return Task.objects.exclude(status__in=NOT_PLANNED)


def _contacts(period: Period) -> QuerySet:
    return Interaction.objects.all()


def _opportunities(period: Period) -> QuerySet:
    return Opportunity.objects.all()


def _sales(period: Period) -> QuerySet:
    # a sale recorded in Banyan or fed with its seller; one withdrawn in its cooling-off is no sale
    return Holding.objects.exclude(sale_check__withdrawn_at__isnull=False)


def _referrals(period: Period) -> QuerySet:
    from banyan.service.models import Referral

    return Referral.objects.all()


def _complaints(period: Period) -> QuerySet:
    from banyan.service.models import Complaint

    return Complaint.objects.all()


def _invitations(period: Period) -> QuerySet:
    from banyan.events.models import Invitation

    return Invitation.objects.all()


TASKS = Base("tasks", _tasks, "manager_id", "date", False, "tasks")
CONTACTS = Base("contacts", _contacts, "staff_id", "occurred_at", True, "contacts")
OPENED = Base("opened", _opportunities, "owner_id", "opened_at", True, "opportunities")
WON = Base("won", _opportunities, "owner_id", "won_at", True, "opportunities")
LOST = Base("lost", _opportunities, "owner_id", "lost_at", True, "opportunities")
SALES = Base("sales", _sales, "sold_by_id", "purchase_date", False, "sales")
REFERRALS_SENT = Base("referrals_sent", _referrals, "sender_id", "created_at", True, "referrals")
REFERRALS_RECEIVED = Base("referrals_received", _referrals, "receiver_id", "created_at", True, "referrals")
REFERRALS_CONVERTED = Base("referrals_converted", _referrals, "receiver_id", "converted_at", True, "referrals")
COMPLAINTS = Base("complaints", _complaints, "owner_id", "received_at", True, "complaints")
INVITATIONS = Base("invitations", _invitations, "manager_id", "event__starts_at", True, "invitations")

_PHONE = Q(channel=Channel.PHONE)

FACTS: list[Fact] = [
    Fact("planned", TASKS),
    Fact("done", TASKS, Q(status=TaskStatus.DONE)),
    Fact("reached", TASKS, Q(status=TaskStatus.DONE, interaction__outcome__in=ANSWERED)),
    Fact("contacts", CONTACTS),
    Fact("real_contacts", CONTACTS, real_contact_q()),
    Fact("new_info", CONTACTS, ~Q(new_info="")),
    Fact("calls", CONTACTS, _PHONE),
    Fact("call_minutes", CONTACTS, _PHONE, sum_of="minutes"),
    *[Fact(f"contacts_{c}", CONTACTS, Q(channel=c)) for c in Channel.values],
    Fact("opportunities_opened", OPENED),
    Fact("opportunities_won", WON),
    Fact("opportunities_lost", LOST),
    Fact("sales_count", SALES),
    Fact("sales_amount", SALES, sum_of="amount"),
    *[Fact(f"sales_amount_{t}", SALES, Q(product__type=t), sum_of="amount") for t in ProductType.values],
    Fact("referrals_sent", REFERRALS_SENT),
    Fact("referrals_received", REFERRALS_RECEIVED),
    Fact("referrals_converted", REFERRALS_CONVERTED),
    Fact("complaints_received", COMPLAINTS),
    Fact("event_invited", INVITATIONS),
    Fact("event_attended", INVITATIONS, Q(checked_in_at__isnull=False)),
]
FACT_BY_KEY = {f.key: f for f in FACTS}


def _facts_by_base() -> dict[Base, list[Fact]]:
    by_base: dict[Base, list[Fact]] = defaultdict(list)
    for fact in FACTS:
        by_base[fact.base].append(fact)
    return by_base


#: The kept work of closed days (banyan.kpis.kept): per staff member and day, read like any base —
#: the branch of the day from the postings, the scope's staff — and summed per Fact.
KEPT_WORK = Base("kept_work", lambda period: KeptWork.objects.all(), "staff_id", "day", False, "")


def _kept_work(scope: Scope, closed: Period) -> QuerySet:
    """The kept work of the closed days in the scope, every day of them kept (counted) first."""
    kept.ensure(KeptKind.WORK, [(d, d) for d in kept.days_of(closed)],
                lambda keys: kept.count_work(keys, _facts_by_base(), MONEY_KEYS))
    return KEPT_WORK.scoped(scope, closed)


def _fact_counts(scope: Scope, period: Period) -> dict[tuple[int, int], dict[str, Any]]:
    """Every Fact, grouped by (staff, branch): the closed days from the kept figures (one query),
    the days from today on live (one query per base)."""
    out: dict[tuple[int, int], dict[str, Any]] = defaultdict(dict)

    def add(key: tuple[int, int], values: dict[str, Any]) -> None:
        into = out[key]
        for k, v in values.items():
            into[k] = into.get(k, 0) + v

    closed, open_ = kept.split(period) if kept.enabled() else (None, period)
    if closed is not None:
        rows = (_kept_work(scope, closed).values("staff_key", "branch_key")
                .annotate(**{f.key: kept.kept_sum(f.key) for f in FACTS}))
        for row in rows:
            key = (row.pop("staff_key"), row.pop("branch_key"))
            add(key, {k: kept.from_stored(k, v, MONEY_KEYS) for k, v in row.items()})
    if open_ is not None:
        for base, facts in _facts_by_base().items():
            rows = (base.scoped(scope, open_).values("staff_key", "branch_key")
                    .annotate(**{f.key: f.aggregate() for f in facts}))
            for row in rows:
                add((row.pop("staff_key"), row.pop("branch_key")), row)
    return out


# Figures that are states at the period's end, not events within it: counted as of the end (or
# today, for a period still running), in the branch of that day.

def _as_of(period: Period) -> dt.date:
    return min(period.end, clock.today())


def overdue_opportunities(scope: Scope, period: Period) -> QuerySet:
    """Opportunities still open at the end of the period and past their follow-up date then."""
    end = _as_of(period)
    base = Base("overdue", _opportunities, "owner_id", "opened_at", True, "opportunities")
    after = Period(end, end).end_before
    still_open = (Q(won_at__isnull=True) | Q(won_at__gte=after)) & (Q(lost_at__isnull=True) | Q(lost_at__gte=after))
    return _state_rows(base, scope, end, still_open & Q(due_date__lt=end))


def open_complaints(scope: Scope, period: Period, *, overdue: bool = False) -> QuerySet:
    """Complaints received by the end of the period and not decided then (overdue: past their due date)."""
    end = _as_of(period)
    cond = Q(decided_on__isnull=True) | Q(decided_on__gt=end)
    if overdue:
        cond &= Q(due_date__lt=end)
    return _state_rows(COMPLAINTS, scope, end, cond)


def _state_rows(base: Base, scope: Scope, day: dt.date, condition: Q) -> QuerySet:
    """The base's rows that exist on `day` and meet the condition, keyed to the branch of that day."""
    return base.scoped(scope, Period(day, day), condition, up_to_end=True)


STATE_FACTS = {
    "opportunities_overdue": overdue_opportunities,
    "complaints_open": lambda scope, period: open_complaints(scope, period),
    "complaints_overdue": lambda scope, period: open_complaints(scope, period, overdue=True),
}


def _state_counts(scope: Scope, period: Period) -> dict[tuple[int, int], dict[str, int]]:
    out: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for key, rows in STATE_FACTS.items():
        for row in rows(scope, period).values("staff_key", "branch_key").annotate(n=Count("pk")):
            out[(row["staff_key"], row["branch_key"])][key] = row["n"]
    return out


# ---------------------------------------------------------------------------------------------
# The book: AUM, quadrant moves, completeness, new customers — by the holder of the day


def snapshot_day(day: dt.date) -> dt.date | None:
    """The last snapshot taken on or before `day` (month-ends: the nightly job takes them)."""
    from django.db.models import Max

    return AumSnapshot.objects.filter(date__lte=day).aggregate(d=Max("date"))["d"]


@dataclass(frozen=True)
class BookAt:
    """The book as of a day: today's customers for a day not yet past, else the snapshot of or
    before that day. `day` is the date the figures are as of (None: nothing known that early)."""

    day: dt.date | None
    live: bool

    @classmethod
    def of(cls, day: dt.date) -> BookAt:
        if day >= clock.today():
            return cls(clock.today(), True)
        return cls(snapshot_day(day), False)

    def rows(self, scope: Scope) -> QuerySet:
        """Customers (live) or snapshot rows with holder, branch, aum, quadrant, completeness,
        customer, opened — scoped. None-day: no rows."""
        if self.live:
            qs = Customer.objects.annotate(
                holder=F("rm_id"), branch_key=F("branch_id"), value=F("aum"), quadrant_key=F("segment__quadrant"),
                filled=F("completeness"), customer_key=F("pk"), opened=F("account_opened_on"))
        else:
            qs = AumSnapshot.objects.filter(date=self.day).annotate(
                holder=Coalesce("rm_id", "customer__rm_id"), branch_key=Coalesce("branch_id", "customer__branch_id"),
                value=F("aum"), quadrant_key=F("quadrant"), filled=F("completeness"), customer_key=F("customer_id"),
                opened=F("customer__account_opened_on"))
        if self.live:
            if scope.branch_id is not None:
                qs = qs.filter(branch_id=scope.branch_id)
            if scope.manager_id is not None:
                qs = qs.filter(rm_id=scope.manager_id)
        else:
            qs = _held_at(qs, scope)
        if scope.unassigned:
            qs = qs.filter(holder__isnull=True)
        return qs.none() if self.day is None else qs


def _held_at(qs: QuerySet, scope: Scope, snapshot: str = "") -> QuerySet:
    """The snapshot rows (at the path `snapshot`, "" for the snapshot model itself) in the scope's
    branch and manager: the snapshot's own holder, else (a snapshot from before they were kept)
    the customer's. Written as an OR, not as a test of the COALESCE, so that PostgreSQL reads the
    branch's rows by the (date, branch) index instead of the whole day's book."""
    at = f"{snapshot}__" if snapshot else ""
    for column, value in (("branch_id", scope.branch_id), ("rm_id", scope.manager_id)):
        if value is not None:
            own, of_customer = f"held_{column}", f"customer_{column}"
            qs = qs.annotate(**{own: F(f"{at}{column}"), of_customer: F(f"customer__{column}")}).filter(
                Q(**{own: value}) | Q(**{f"{own}__isnull": True, of_customer: value}))
    return qs


def _start_joined(end: BookAt, start_day: dt.date | None, scope: Scope) -> QuerySet:
    """The end book's rows with the customer's snapshot at the start joined (left join on the
    customer and the start's date): quadrant and completeness then."""
    path = "aum_snapshots" if end.live else "customer__aum_snapshots"
    qs = end.rows(scope).annotate(start=FilteredRelation(path, condition=Q(**{f"{path}__date": start_day})))
    return qs.annotate(start_quadrant=F("start__quadrant"), start_filled=F("start__completeness"))


def _moves_aggregates() -> dict[str, Any]:
    """The quadrant moves and the completeness gained, over end-book rows joined to the start's."""
    known = Q(start_filled__isnull=False, filled__isnull=False)
    return {"moved_up": Count("pk", filter=Q(start_quadrant__in=LOW, quadrant_key__in=HIGH)),
            "moved_down": Count("pk", filter=Q(start_quadrant__in=HIGH, quadrant_key__in=LOW)),
            "filled_gain": Coalesce(Sum(F("filled") - F("start_filled"), filter=known), Value(0)),
            "filled_known": Count("pk", filter=known)}


def _book_counts(scope: Scope, period: Period) -> tuple[dict, dict, dict | None]:
    """(per (holder, branch): book figures; the dates they are as of; the quadrant matrix when the
    period ends today or later, else None). A snapshot's rows that name their holder come from the
    kept figures (banyan.kpis.kept), the others are read live."""
    out: dict[tuple[int | None, int], dict[str, Any]] = defaultdict(dict)
    matrix: dict[tuple[str, str], int] | None = None

    def add(key, values: dict[str, Any]) -> None:
        into = out[key]
        for k, v in values.items():
            into[k] = into.get(k, 0) + v

    start = BookAt.of(period.start - dt.timedelta(days=1))
    end = BookAt.of(period.end)
    start_rows = start.rows(scope)
    if kept.enabled() and not start.live and start.day is not None:
        add_kept_book(add, scope, start.day, "book_start", "aum_start")
        start_rows = start_rows.filter(kept.no_own_holder()) if _holderless(start.day) else start_rows.none()
    for row in start_rows.values("holder", "branch_key").annotate(
            book_start=Count("pk"), aum_start=Coalesce(Sum("value"), Value(ZERO), output_field=_MONEY)):
        add((row.pop("holder"), row.pop("branch_key")), row)
    if end.day is not None:
        joined = _start_joined(end, start.day, scope)
        if kept.enabled() and not end.live and start.day is not None:
            add_kept_book(add, scope, end.day, "book_end", "aum_end")
            kept.ensure(KeptKind.MOVES, [(end.day, start.day)],
                        lambda keys: kept.count_moves(keys, _moves_aggregates))
            for row in kept.book_rows(KeptKind.MOVES, [(end.day, start.day)], scope).values(
                    "staff_id", "branch_id").annotate(**{k: kept.kept_sum(k) for k in _moves_aggregates()}):
                add((row.pop("staff_id"), row.pop("branch_id")), row)
            joined = joined.filter(kept.no_own_holder()) if _holderless(end.day) else joined.none()
        # Today's book is never kept: it is read once, by quadrant then and now too, and gives the
        # quadrant matrix as well (the same join read twice was most of a branch review's time at 1M)
        groups = ("holder", "branch_key", "start_quadrant", "quadrant_key") if end.live else ("holder", "branch_key")
        matrix = {} if end.live else None
        for row in joined.values(*groups).annotate(
                book_end=Count("pk"), aum_end=Coalesce(Sum("value"), Value(ZERO), output_field=_MONEY),
                **_moves_aggregates()):
            if matrix is not None:
                _matrix_add(matrix, row.pop("start_quadrant"), row.pop("quadrant_key"), row["book_end"])
            add((row.pop("holder"), row.pop("branch_key")), row)
        _first_contacts(out, end, scope, period)
        _net_new_money(add, end, scope, period)
    return out, {"aum_start_date": start.day, "aum_end_date": end.day}, matrix


def _holderless(day: dt.date) -> bool:
    """Whether the snapshot of `day` has rows that name no holder (read live): one look at a small
    partial index (holdings aum_snapshot_no_holder)."""
    return AumSnapshot.objects.filter(kept.no_own_holder(), date=day).exists()


def add_kept_book(add, scope: Scope, day: dt.date, count_key: str, money_key: str) -> None:
    """The kept book of the snapshot `day` (customers, AUM) per holder and branch."""
    kept.ensure(KeptKind.BOOK, [(day, day)], kept.count_book)
    for row in kept.book_rows(KeptKind.BOOK, [(day, day)], scope).values("staff_id", "branch_id").annotate(
            n=kept.kept_sum("customers"), aum=kept.kept_sum("aum")):
        add((row["staff_id"], row["branch_id"]), {count_key: row["n"],
                                                  money_key: kept.from_stored("aum", row["aum"], {"aum"})})


def new_customers(end: BookAt, scope: Scope, period: Period) -> QuerySet:
    """The end book's customers who opened their account in the period, with their first real contact."""
    first = (Interaction.objects.filter(real_contact_q(), customer_id=OuterRef("customer_key"))
             .values("customer_id").annotate(m=Min("occurred_at")).values("m"))
    from django.db.models import Subquery

    return (end.rows(scope).filter(opened__gte=period.start, opened__lte=period.end)
            .annotate(first_contact_at=Subquery(first)))


def in_time(opened: dt.date, first_contact_at: dt.datetime | None) -> bool:
    if first_contact_at is None:
        return False
    return first_contact_at < Period(opened, opened + dt.timedelta(days=first_contact_days())).end_before


def _first_contacts(out: dict, end: BookAt, scope: Scope, period: Period) -> None:
    """First contacts made within the bank's deadline: one query for the period's new customers
    (a small set), the deadline compared as they come."""
    for holder, branch, opened, first in new_customers(end, scope, period).values_list(
            "holder", "branch_key", "opened", "first_contact_at"):
        row = out[(holder, branch)]
        row["new_customers"] = row.get("new_customers", 0) + 1
        row["first_contact_in_time"] = row.get("first_contact_in_time", 0) + in_time(opened, first)


def _transactions(end: BookAt, scope: Scope, period: Period) -> QuerySet:
    """The period's account movements of the end book's customers, with holder and branch."""
    from banyan.holdings.models import Transaction

    qs = Transaction.objects.filter(occurred_on__gte=period.start, occurred_on__lte=period.end)
    if end.day is None:
        return qs.none()
    if end.live:
        qs = qs.annotate(holder=F("customer__rm_id"), branch_key=F("customer__branch_id"))
    else:
        qs = qs.annotate(at_end=FilteredRelation("customer__aum_snapshots",
                                                 condition=Q(customer__aum_snapshots__date=end.day)))
        qs = qs.filter(at_end__isnull=False).annotate(
            holder=Coalesce("at_end__rm_id", "customer__rm_id"),
            branch_key=Coalesce("at_end__branch_id", "customer__branch_id"))
        qs = _held_at(qs, Scope(scope.branch_id, scope.manager_id), "at_end")
        scope = Scope(unassigned=scope.unassigned)  # branch and manager done
    if scope.branch_id is not None:
        qs = qs.filter(branch_key=scope.branch_id)
    if scope.manager_id is not None:
        qs = qs.filter(holder=scope.manager_id)
    if scope.unassigned:
        qs = qs.filter(holder__isnull=True)
    return qs


def _net_new_money(add, end: BookAt, scope: Scope, period: Period) -> None:
    """Money in less money out on the accounts of the end book's customers during the period:
    kept per day for the snapshot rows that name their holder, the others live."""
    movements = _transactions(end, scope, period)
    if kept.enabled() and not end.live and end.day is not None:
        keys = [(d, end.day) for d in kept.days_of(period)]
        kept.ensure(KeptKind.MOVEMENTS, keys, kept.count_movements)
        for row in kept.book_rows(KeptKind.MOVEMENTS, keys, scope).values("staff_id", "branch_id").annotate(
                n=kept.kept_sum("amount")):
            money = kept.from_stored("amount", row["n"], {"amount"})
            add((row["staff_id"], row["branch_id"]), {"net_new_money": money})
        movements = movements.filter(kept.no_own_holder("at_end__")) if _holderless(end.day) else movements.none()
    for row in movements.values("holder", "branch_key").annotate(
            n=Coalesce(Sum("amount"), Value(ZERO), output_field=_MONEY)):
        add((row["holder"], row["branch_key"]), {"net_new_money": row["n"]})


# ---------------------------------------------------------------------------------------------
# The review: rows per (staff member, branch), the total, and the figures' definitions

#: Counts and sums added up from the rows into a branch's and the bank's totals.
SUMMED = [f.key for f in FACTS] + list(STATE_FACTS) + [
    "book_start", "aum_start", "book_end", "aum_end", "moved_up", "moved_down", "filled_gain", "filled_known",
    "new_customers", "first_contact_in_time", "net_new_money", "calls_target", "call_minutes_target"]
MONEY_KEYS = {"sales_amount", "aum_start", "aum_end", "net_new_money", "aum_change",
              *(f"sales_amount_{t}" for t in ProductType.values)}


@dataclass
class Row:
    """One line of the review: a staff member in a branch (staff None: the branch's customers with
    no manager; branch None with staff None: a total)."""

    staff_id: int | None
    branch_id: int | None
    values: dict[str, Any]
    staff: Staff | None = None
    branch: Any = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def username(self) -> str | None:
        return self.staff.username if self.staff else None

    @property
    def name(self) -> str:
        return self.staff.display_name if self.staff else str(_("No manager"))


def _finish(values: dict[str, Any]) -> dict[str, Any]:
    """Fill the missing counts with 0, money to the fen, and work out the ratios from the counts
    (never summed)."""
    for key in SUMMED:
        values.setdefault(key, ZERO if key in MONEY_KEYS else 0)
        if key in MONEY_KEYS:
            values[key] = Decimal(values[key]).quantize(ZERO)
    planned = values["planned"]
    values["contact_achievement_rate"] = round(values["reached"] / planned, 3) if planned else None
    values["completion_rate"] = round(values["done"] / planned, 3) if planned else None
    values["aum_change"] = values["aum_end"] - values["aum_start"]
    known = values["filled_known"]
    values["completeness_gained"] = round(values["filled_gain"] / known, 1) if known else None
    won, lost = values["opportunities_won"], values["opportunities_lost"]
    values["win_rate"] = round(won / (won + lost), 3) if won + lost else None
    return values


def _add(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for values in rows:
        for key in SUMMED:
            total[key] = total.get(key, ZERO if key in MONEY_KEYS else 0) + values.get(key, 0)
    return _finish(total)


def _call_targets(rows: dict, period: Period) -> None:
    """The calls and minutes the daily targets ask of each manager over the period's working days
    so far (OUT-5: 20 call records and 2 hours a day unless the bank set otherwise)."""
    from banyan.outreach.models import CallTarget

    last = _as_of(period)
    days = len(working_days_between(period.start, last)) if last >= period.start else 0
    targets = {t.manager_id: (t.calls_per_day, t.minutes_per_day) for t in CallTarget.objects.all()}
    default = targets.get(None, (20, 120))
    roles = dict(Staff.objects.filter(pk__in=[s for s, _b in rows if s]).values_list("pk", "role"))
    for (staff_id, _branch), values in rows.items():
        if roles.get(staff_id) in BOOK_ROLES:
            calls, minutes = targets.get(staff_id, default)
            values["calls_target"], values["call_minutes_target"] = calls * days, minutes * days


def _roster(scope: Scope) -> list[tuple[int, int]]:
    """Who has a row even with nothing to count: the scope's active managers, in their branch."""
    qs = Staff.objects.filter(role__in=BOOK_ROLES, is_active=True, branch__isnull=False)
    if scope.manager_id is not None:
        qs = Staff.objects.filter(pk=scope.manager_id, branch__isnull=False)
    if scope.branch_id is not None:
        qs = qs.filter(branch_id=scope.branch_id)
    return list(qs.values_list("pk", "branch_id"))


@dataclass
class Review:
    period: Period
    scope: Scope
    rows: list[Row]
    total: dict[str, Any]
    as_of: dict[str, dt.date | None]
    events: dict[str, Any] = field(default_factory=dict)
    live_matrix: dict[tuple[str, str], int] | None = None  # read with today's book (_book_counts)

    def quadrant_matrix(self) -> dict[tuple[str, str], int]:
        """The period's quadrant migration matrix (see quadrant_matrix)."""
        if self.live_matrix is not None:
            return self.live_matrix
        return quadrant_matrix(self.scope, self.period)

    def by_branch(self) -> list[Row]:
        """The rows added up per branch (the admin's view of branches)."""
        groups: dict[int | None, list[dict]] = defaultdict(list)
        for row in self.rows:
            groups[row.branch_id].append(row.values)
        from banyan.org.models import Branch

        branches = Branch.objects.in_bulk([b for b in groups if b])
        out = [Row(None, b, _add(v), branch=branches.get(b)) for b, v in groups.items()]
        return sorted(out, key=lambda r: r.branch.code if r.branch else "")


@kept.or_live
def review(scope: Scope, period: Period) -> Review:
    """The indicators of every (staff member, branch) in the scope over the period, and the total."""
    _generation[0] += 1  # who works where is read afresh for each review
    rows: dict[tuple[int | None, int], dict[str, Any]] = defaultdict(dict)
    for key in _roster(scope):
        rows[key]
    for key, values in _fact_counts(scope, period).items():
        rows[key].update(values)
    for key, values in _state_counts(scope, period).items():
        rows[key].update(values)
    book, as_of, matrix = _book_counts(scope, period)
    for key, values in book.items():
        rows[key].update(values)
    _call_targets(rows, period)
    staff = Staff.objects.in_bulk([s for s, _b in rows if s])
    from banyan.org.models import Branch

    branches = Branch.objects.in_bulk([b for _s, b in rows if b])
    out = [Row(s, b, _finish(v), staff=staff.get(s), branch=branches.get(b)) for (s, b), v in rows.items()]
    out.sort(key=lambda r: (r.branch.code if r.branch else "", r.staff is None,
                            r.staff.display_name if r.staff else ""))
    return Review(period, scope, out, _add(r.values for r in out), as_of, events_summary(scope, period),
                  live_matrix=matrix)


# ---------------------------------------------------------------------------------------------
# The trend by week and the quadrant migration matrix

TREND_FACTS = ["planned", "done", "reached", "contacts", "real_contacts", "new_info", "calls",
               "opportunities_opened", "sales_amount"]


def _daily(scope: Scope, period: Period, *, per_staff: bool) -> dict[tuple, dict[str, Any]]:
    """The trend's facts grouped by day (and staff and branch): one query per base."""
    from django.db.models.functions import TruncDate

    out: dict[tuple, dict[str, Any]] = defaultdict(dict)
    keys = ["day", "staff_key", "branch_key"] if per_staff else ["day"]
    closed, open_ = kept.split(period) if kept.enabled() else (None, period)
    if closed is not None:  # the kept days: one query
        # a kept row may hold only figures the trend does not show (a complaint): like the live
        # queries, a (day, staff) is in the trend when it has rows of one of the trend's bases
        present = {next(f.key for f in FACTS if f.base == base and not f.condition and not f.sum_of)
                   for base in {FACT_BY_KEY[k].base for k in TREND_FACTS}}  # planned, contacts, …
        for row in (_kept_work(scope, closed).values(*keys)
                    .annotate(**{k: kept.kept_sum(k) for k in {*TREND_FACTS, *present}})):
            if any(row[k] for k in present):
                out[tuple(row[k] for k in keys)].update(
                    {k: kept.from_stored(k, row[k], MONEY_KEYS) for k in TREND_FACTS})
    if open_ is None:
        return out
    by_base: dict[Base, list[Fact]] = defaultdict(list)
    for key in TREND_FACTS:
        by_base[FACT_BY_KEY[key].base].append(FACT_BY_KEY[key])
    for base, facts in by_base.items():
        day = TruncDate(base.moment) if base.is_datetime else F(base.moment)
        rows = (base.scoped(scope, open_).annotate(day=day).values(*keys)
                .annotate(**{f.key: f.aggregate() for f in facts}))
        for row in rows:
            out[tuple(row.pop(k) for k in keys)].update(row)
    return out


@kept.or_live
def weekly_trend(scope: Scope, period: Period) -> list[tuple[Period, dict[str, Any]]]:
    """The period week by week (Monday to Sunday, cut to the period): the trend's figures of each."""
    _generation[0] += 1
    days = _daily(scope, period, per_staff=False)
    return [(week, _week_values(days, week, ())) for week in period.weeks()]


def weekly_trend_by_row(scope: Scope, period: Period) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """The same per (staff member, branch): the comparison's lines, one per manager."""
    return weekly_trends(scope, period)[1]


@kept.or_live
def weekly_trends(scope: Scope, period: Period) -> tuple[list[tuple[Period, dict[str, Any]]],
                                                         dict[tuple[int, int], list[dict[str, Any]]]]:
    """(weekly_trend, weekly_trend_by_row) from one read of the days: a branch head's page shows
    both, and a day's total is the sum of its rows (per staff member and branch), so the days are
    grouped by staff member once rather than read twice."""
    _generation[0] += 1
    days = _daily(scope, period, per_staff=True)
    totals: dict[tuple, dict[str, Any]] = defaultdict(dict)
    for (day, *_key), values in days.items():
        into = totals[(day,)]
        for k, v in values.items():
            into[k] = into.get(k, 0) + v
    weeks = period.weeks()
    return ([(week, _week_values(totals, week, ())) for week in weeks],
            {key: [_week_values(days, week, key) for week in weeks] for key in {k[1:] for k in days}})


def _week_values(days: dict[tuple, dict], week: Period, key: tuple) -> dict[str, Any]:
    values: dict[str, Any] = {}
    day = week.start
    while day <= week.end:
        for k, v in days.get((day, *key), {}).items():
            values[k] = values.get(k, 0) + v
        day += dt.timedelta(days=1)
    for k in TREND_FACTS:
        values.setdefault(k, ZERO if k in MONEY_KEYS else 0)
    values["sales_amount"] = Decimal(values["sales_amount"]).quantize(ZERO)
    planned = values["planned"]
    values["contact_achievement_rate"] = round(values["reached"] / planned, 3) if planned else None
    return values


NEW = "new"  # a customer who was not in the bank at the start (no snapshot then)
UNKNOWN = "unknown"  # a snapshot from before the quadrant was kept


def quadrant_matrix(scope: Scope, period: Period) -> dict[tuple[str, str], int]:
    """(quadrant at the start — or "new" —, quadrant at the end) → customers of the end book."""
    start = BookAt.of(period.start - dt.timedelta(days=1))
    end = BookAt.of(period.end)
    if end.day is None:
        return {}
    rows = (_start_joined(end, start.day, scope).values("start_quadrant", "quadrant_key")
            .annotate(n=Count("pk")))
    out: dict[tuple[str, str], int] = {}
    for row in rows:
        _matrix_add(out, row["start_quadrant"], row["quadrant_key"], row["n"])
    return out


def _matrix_add(matrix: dict[tuple[str, str], int], start_quadrant: str | None, quadrant: str | None, n: int) -> None:
    """Count `n` customers of the end book into the matrix's cell (then, now)."""
    if not quadrant:
        return  # no segment yet: not placed in the matrix
    then = NEW if start_quadrant is None else start_quadrant or UNKNOWN
    matrix[(then, quadrant)] = matrix.get((then, quadrant), 0) + n


# ---------------------------------------------------------------------------------------------
# The drill-down: the rows behind a number, made from the same definitions

BOOK_KEYS = {"book_start", "aum_start", "book_end", "aum_end", "aum_change", "moved_up", "moved_down",
             "completeness_gained", "new_customers", "first_contact_in_time", "net_new_money"}
RATIO_BASIS = {"contact_achievement_rate": "reached", "completion_rate": "done", "win_rate": "opportunities_won",
               "calls_target": "calls", "call_minutes_target": "call_minutes"}


def drillable(key: str) -> bool:
    key = RATIO_BASIS.get(key, key)
    return key in FACT_BY_KEY or key in STATE_FACTS or key in BOOK_KEYS


def drill(scope: Scope, period: Period, key: str) -> tuple[str, QuerySet]:
    """(what the rows are, the rows) behind figure `key` in the scope: tasks, contacts,
    opportunities, sales, referrals, complaints, invitations, customers (a book) or transactions.
    A ratio drills to its numerator (the contact achievement rate to the reached tasks)."""
    key = RATIO_BASIS.get(key, key)
    _generation[0] += 1  # who works where, read afresh
    if key in FACT_BY_KEY:
        fact = FACT_BY_KEY[key]
        return fact.base.drill, fact.base.scoped(scope, period, fact.condition)
    if key in STATE_FACTS:
        kind = "opportunities" if key.startswith("opportunities") else "complaints"
        return kind, STATE_FACTS[key](scope, period)
    if key not in BOOK_KEYS:
        raise KeyError(key)
    start = BookAt.of(period.start - dt.timedelta(days=1))
    end = BookAt.of(period.end)
    if key in ("book_start", "aum_start"):
        return "customers", start.rows(scope)
    if key == "net_new_money":
        return "transactions", _transactions(end, scope, period)
    joined = _start_joined(end, start.day, scope)
    if key == "moved_up":
        joined = joined.filter(start_quadrant__in=LOW, quadrant_key__in=HIGH)
    elif key == "moved_down":
        joined = joined.filter(start_quadrant__in=HIGH, quadrant_key__in=LOW)
    elif key == "completeness_gained":
        joined = joined.filter(start_filled__isnull=False, filled__isnull=False)
    elif key in ("new_customers", "first_contact_in_time"):
        joined = new_customers(end, scope, period)
    return "customers", joined


# ---------------------------------------------------------------------------------------------
# Client events of the scope (EVT-4): held in the period, their cost and the opportunities they made


def events_summary(scope: Scope, period: Period) -> dict[str, Any]:
    """The events held in the period — the branch's (the bank's; a manager's: those organised) —
    with their cost (the actual cost, or the budget while none is recorded, as the event's own
    review counts it), their guests and the opportunities opened from them."""
    from banyan.events.models import Event, EventStatus, Invitation

    events = Event.objects.filter(status__in=[EventStatus.HELD, EventStatus.REVIEWED],
                                  starts_at__gte=period.start_at, starts_at__lt=period.end_before)
    if scope.branch_id is not None:
        events = events.filter(branch_id=scope.branch_id)
    if scope.manager_id is not None:
        events = events.filter(organiser_id=scope.manager_id)
    if scope.unassigned:
        events = events.none()
    figures_ = events.aggregate(held=Count("pk"), cost=Coalesce(Sum(Coalesce("actual_cost", "budget")), Value(ZERO),
                                                                output_field=_MONEY))
    ids = events.values("pk")
    guests = Invitation.objects.filter(event_id__in=ids).aggregate(
        invited=Count("pk"), attended=Count("pk", filter=Q(checked_in_at__isnull=False)))
    opportunities = Opportunity.objects.filter(event_id__in=ids).count()
    cost = Decimal(figures_["cost"]).quantize(ZERO)
    return {"held": figures_["held"], "cost": cost, "invited": guests["invited"], "attended": guests["attended"],
            "opportunities": opportunities,
            "cost_per_opportunity": (cost / opportunities).quantize(ZERO) if opportunities else None}
