"""Capacity planning (issue 16 §8, seed 001: 10 a day → 300 a month → each customer six times a
year): for each manager of a branch, the book by quadrant, the contacts per month its cadence
demands, the contacts per month the manager can make, and the load; for the managers over 100 %,
proposed moves of customers to managers of the branch with room.

The rules, in one place:

- **Contacts needed per month** = Σ over the book of AVERAGE_MONTH_DAYS ÷ the customer's frequency,
  the frequency being the worklist's (`banyan.worklists.triggers.cadence_days`: the one agreed with
  the customer, else the segment policy's for the customer's quadrant). A customer with neither
  a segment nor an agreed frequency has no cadence and needs none. A customer who agreed to be
  contacted only before maturities needs one contact per day of the month a product of theirs
  matures on (the worklist's maturity reasons: time deposits, wealth, bonds, insurance, loans).
- **Capacity per month** = the manager's daily capacity (Staff.daily_capacity, the worklist's) ×
  the working days of the month in the bank's calendar (banyan.calendars.workdays, with the bank's
  holiday table — the calendar the worklist plans on).
- **Load** = needed ÷ capacity, a fraction rounded to 3 places (None when the capacity is 0).
- **Proposals.** A manager over 100 % gives away, lowest value first, customers of his or her
  regular cadence: the quadrant low/low first, then low assets/high potential, high assets/low
  potential, high/high; within a quadrant those who need the most contacts (the shortest
  frequency) first, then the smallest AUM. Never a priority customer (segment.is_priority), nor
  one who is contacted only before maturities (moving them frees nothing regular). Each customer
  goes to the manager with the most room left who can take the customer's contacts and stay at or
  under 100 %, the manager with the most room filled first (a few moves, each a proposal to
  accept); the giver stops as soon as he or she is at or under 100 %. Greedy: a customer who fits
  nobody stays and the next is tried; a giver nobody can relieve stays over, and the page says so.

The month is the current one (clock.today()). Set-based: four queries for the whole branch,
whatever the number of managers and customers — the managers, the policy, the branch's books read
once (a row per customer, counted here: the proposals need the customers anyway; a second pass to
pick them cost more than the counting), and the maturities of the customers contacted only before
maturities when there are any (benchmarks/bench_capacity.py).
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from banyan import clock
from banyan.calendars.workdays import working_days_between
from banyan.customers.models import Customer
from banyan.holdings.models import Holding, HoldingStatus
from banyan.org.models import BOOK_ROLES, Branch, Staff
from banyan.segments.models import Quadrant, SegmentPolicy
from banyan.worklists.triggers import MATURITY_TYPES, cadence_days, fetch_rows

#: The days of an average month (365 ÷ 12, as the brief's seed counts them: 30.4).
AVERAGE_MONTH_DAYS = Decimal("30.4")
#: The order the page shows the quadrants in; NONE: customers without a segment yet.
QUADRANTS = (Quadrant.HIGH_HIGH, Quadrant.HIGH_LOW, Quadrant.LOW_HIGH, Quadrant.LOW_LOW)
NONE = "none"
#: Who is given away first (lowest value first). A customer with an agreed frequency but no
#: segment yet is counted with low/low.
_GIVE_ORDER = {None: 0, Quadrant.LOW_LOW: 0, Quadrant.LOW_HIGH: 1, Quadrant.HIGH_LOW: 2, Quadrant.HIGH_HIGH: 3}


def per_month(days: int) -> Decimal:
    """Contacts per month of a customer contacted every `days` days."""
    return AVERAGE_MONTH_DAYS / Decimal(days)


def rate(needed: Decimal, capacity: int) -> Decimal | None:
    if capacity <= 0:
        return None
    return (needed / Decimal(capacity)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def one_place(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class ManagerLoad:
    staff: Staff
    book: int = 0
    by_quadrant: dict[str, int] = field(default_factory=dict)  # Quadrant value or NONE → customers
    agreed: int = 0  # customers with a frequency agreed with them
    maturities_only: int = 0  # customers contacted only before maturities
    cadence: Decimal = Decimal(0)  # contacts per month the regular cadence demands
    maturity_contacts: int = 0  # contacts this month for the maturities-only customers
    capacity: int = 0
    needed_after: Decimal | None = None  # once the proposals are accepted

    @property
    def needed(self) -> Decimal:
        return self.cadence + self.maturity_contacts

    @property
    def load(self) -> Decimal | None:
        return rate(self.needed, self.capacity)

    @property
    def over(self) -> bool:
        return self.needed > self.capacity

    @property
    def load_after(self) -> Decimal | None:
        return None if self.needed_after is None else rate(self.needed_after, self.capacity)

    @property
    def room(self) -> Decimal:
        return self.capacity - self.needed


@dataclass(frozen=True)
class Candidate:
    """A customer proposed for a move."""

    id: int
    name: str
    quadrant: str | None
    frequency_days: int
    aum: Decimal

    @property
    def contacts(self) -> Decimal:
        return per_month(self.frequency_days)


@dataclass
class Proposal:
    giver: ManagerLoad
    taker: ManagerLoad
    customers: list[Candidate] = field(default_factory=list)

    @property
    def contacts(self) -> Decimal:
        return sum((c.contacts for c in self.customers), Decimal(0))

    @property
    def key(self) -> str:
        return f"{self.giver.staff.username}-{self.taker.staff.username}"


@dataclass
class Capacity:
    branch: Branch
    month: dt.date  # its first day
    working_days: int
    managers: list[ManagerLoad]
    proposals: list[Proposal]
    #: givers still over 100 % after every proposal (nobody of the branch had room enough)
    unrelieved: list[ManagerLoad] = field(default_factory=list)

    @property
    def month_last(self) -> dt.date:
        return _month_last(self.month)

    def customer_ids(self) -> list[int]:
        return [c.id for p in self.proposals for c in p.customers]


def _month_last(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def month_working_days(first: dt.date) -> int:
    """The working days of the month in the bank's calendar (the holiday table included)."""
    from banyan.worklists.services import holiday_overrides_fresh

    holiday_overrides_fresh()
    return len(working_days_between(first, _month_last(first)))


def capacity(branch: Branch, *, manager_id: int | None = None, proposals: bool = True,
             today: dt.date | None = None) -> Capacity:
    """The branch's capacity plan for the month of `today` (default: clock.today()). `manager_id`:
    that manager's row only (and no proposals: they name other books' customers)."""
    first = (today or clock.today()).replace(day=1)
    last = _month_last(first)
    days = month_working_days(first)
    staff = Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True).order_by("username")
    if manager_id is not None:
        staff = staff.filter(pk=manager_id)
        proposals = False
    rows = {s.pk: ManagerLoad(staff=s, by_quadrant=dict.fromkeys([*QUADRANTS, NONE], 0),
                              capacity=s.daily_capacity * days) for s in staff}
    result = Capacity(branch=branch, month=first, working_days=days, managers=list(rows.values()), proposals=[])
    if not rows:
        return result
    policy = SegmentPolicy.current()
    ids = list(rows)
    # One pass over the branch's books, one row per customer (the proposals name customers): the
    # figures are counted per manager, quadrant, agreed frequency and maturities-only in Python.
    book = (Customer.objects.filter(rm_id__in=ids)
            .values_list("pk", "rm_id", "segment__quadrant", "segment__is_priority", "agreed_contact_days",
                         "contact_maturities_only", "aum", "name"))
    customers = fetch_rows(book)
    groups = Counter((c[1], c[2], c[4], c[5]) for c in customers)
    for (rm_id, quadrant, agreed, only_maturities), n in groups.items():
        row = rows[rm_id]
        row.book += n
        row.by_quadrant[quadrant or NONE] += n
        if only_maturities:
            row.maturities_only += n
        elif agreed:
            row.agreed += n
        days_between = cadence_days(policy, quadrant=quadrant, agreed_days=agreed, maturities_only=only_maturities)
        if days_between is not None:
            row.cadence += per_month(days_between) * n
    # The maturities-only customers: one contact per customer and day a product of theirs matures
    # (not asked when the branch has none of them).
    only_maturities_of = [pk for pk, row in rows.items() if row.maturities_only]
    matured = (Holding.objects.filter(status=HoldingStatus.ACTIVE, product__type__in=MATURITY_TYPES,
                                      maturity_date__gte=first, maturity_date__lte=last,
                                      customer__rm_id__in=only_maturities_of, customer__contact_maturities_only=True)
               .values_list("customer__rm_id", "customer_id", "maturity_date").distinct().order_by())
    for rm_id, _customer, _day in matured if only_maturities_of else ():
        rows[rm_id].maturity_contacts += 1
    if proposals:
        givers = {pk for pk, row in rows.items() if row.over}
        movable: dict[int, list[tuple]] = defaultdict(list)  # never a priority customer
        for pk, rm_id, quadrant, priority, agreed, only_maturities, aum, name in customers:
            if rm_id in givers and not priority:
                movable[rm_id].append((pk, name, quadrant, agreed, only_maturities, aum))
        _propose(policy, result, rows, movable)
    return result


def _propose(policy: SegmentPolicy, result: Capacity, rows: dict[int, ManagerLoad],
             movable: dict[int, list[tuple]]) -> None:
    takers = [r for r in rows.values() if r.room > 0]  # room: never a giver, who is over
    givers = sorted((r for r in rows.values() if r.over and movable.get(r.staff.pk)),
                    key=lambda r: (-(r.needed - r.capacity), r.staff.username))
    for r in rows.values():
        r.needed_after = r.needed
    if not givers:
        return
    if not takers:
        result.unrelieved = givers
        return
    # The takers with the most room first, each filled before the next (a few moves the head can
    # accept, rather than a customer or two to everybody): a heap of (-room, id).
    room = {t.staff.pk: t.room for t in takers}
    by_pk = {t.staff.pk: t for t in takers}
    heap = [(-room[pk], pk) for pk in room]
    heapq.heapify(heap)
    pairs: dict[tuple[int, int], Proposal] = {}
    frequency: dict[tuple, int | None] = {}  # a few (quadrant, agreed, maturities-only) alike
    contacts_of: dict[int, Decimal] = {}
    for giver in givers:
        own = []
        for pk, name, quadrant, agreed, only_maturities, aum in movable[giver.staff.pk]:
            key = (quadrant, agreed, only_maturities)
            if key not in frequency:
                frequency[key] = cadence_days(policy, quadrant=quadrant, agreed_days=agreed,
                                              maturities_only=only_maturities)
            if frequency[key] is not None:  # moving a customer with no regular contact frees nothing
                own.append(Candidate(pk, name, quadrant, frequency[key], aum))
        own.sort(key=lambda c: (_GIVE_ORDER[c.quadrant], c.frequency_days, c.aum, c.id))
        current: int | None = None
        for c in own:
            if giver.needed_after <= giver.capacity:
                break
            if c.frequency_days not in contacts_of:
                contacts_of[c.frequency_days] = per_month(c.frequency_days)
            contacts = contacts_of[c.frequency_days]
            if current is None or room[current] < contacts:
                if current is not None:
                    heapq.heappush(heap, (-room[current], current))
                current = heapq.heappop(heap)[1] if heap else None
                if current is None:
                    break
                if room[current] < contacts:  # the most room there is: this customer fits nowhere
                    continue
            taker = by_pk[current]
            room[current] -= contacts
            giver.needed_after -= contacts
            taker.needed_after += contacts
            pairs.setdefault((giver.staff.pk, current), Proposal(giver, taker)).customers.append(c)
        if current is not None:
            heapq.heappush(heap, (-room[current], current))
    result.proposals = list(pairs.values())
    result.unrelieved = [g for g in givers if g.needed_after > g.capacity]


def capacity_scope(user, code: str | None) -> tuple[Branch, int | None]:
    """(the branch, the manager whose row alone the caller may read — None: the whole branch with
    its proposals), as the review's visibility (banyan.kpis.selectors.review_scope): a manager
    (rm, planner) his or her own row of his or her own branch; a branch head the branch; an
    admin any branch. Anything else — another branch, an unknown one, another role — Http404."""
    from django.http import Http404

    from banyan.org.models import Role

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("Not signed in")
    branch = Branch.objects.filter(code=code).first() if code else None
    if user.role == Role.ADMIN and branch is not None:
        return branch, None
    if branch is None or branch.pk != user.branch_id:
        raise Http404("No such branch")
    if user.role == Role.BRANCH_HEAD:
        return branch, None
    if user.role in BOOK_ROLES:
        return branch, user.pk
    raise Http404("No capacity plan here")
