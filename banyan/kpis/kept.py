"""Kept figures: the review's counts of closed days, kept so that a review of the whole bank reads
thousands of rows instead of millions (issue 14: the bank's review of a quarter at 1M customers).

A cache, never a source, and never read stale:
- the figures of a day are counted by the same Facts as the live review (banyan.kpis.figures), per
  staff member and day — the branch of the day is applied when they are read, from the postings,
  as for live rows;
- any insert, update or delete of a row a figure counts marks its day stale (kpis.Stale), by the
  database's triggers (migration 0003) — whatever wrote it: a service, a feed's COPY, a bulk
  update, the demo, a shell;
- every read first takes all stale marks (deleting them) and drops what depends on their days, in
  the transaction that then counts what is missing; a write that commits meanwhile leaves its
  mark for the next read, so at worst a day is counted twice, never missed;
- only closed days (before today) are kept; today and later are always counted live;
- `live_only()` turns it off (the tests compare both ways).

Kinds (KeptKind): the work of a staff member on a day; the book of a month-end snapshot per holder
and branch; the quadrant moves and completeness between two snapshots; the money moved on a day by
the customers of a snapshot's book."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from banyan import clock, replica
from banyan.kpis.models import KeptBook, KeptDay, KeptKind, KeptWork, Stale, StaleKind
from banyan.kpis.periods import Period

_LIVE = contextvars.ContextVar("banyan_kpis_live", default=False)

#: The advisory lock that serialises refreshes on PostgreSQL (SQLite serialises its writers).
LOCK_KEY = 0x6B707473  # "kpts"

FEN = Decimal("0.01")


@contextlib.contextmanager
def live_only():
    """Count everything from the rows (no kept figures) inside the block."""
    token = _LIVE.set(True)
    try:
        yield
    finally:
        _LIVE.reset(token)


def enabled() -> bool:
    return not _LIVE.get()


def split(period: Period) -> tuple[Period | None, Period | None]:
    """(the period's closed days — before today —, its days from today on); either may be None."""
    today = clock.today()
    closed = Period(period.start, min(period.end, today - dt.timedelta(days=1))) if period.start < today else None
    open_ = Period(max(period.start, today), period.end) if period.end >= today else None
    return closed, open_


def days_of(period: Period) -> list[dt.date]:
    return [period.start + dt.timedelta(days=k) for k in range(period.days)]


def runs(days: Iterable[dt.date]) -> list[Period]:
    """Consecutive days as periods: [1, 2, 3, 7] → 1–3, 7–7."""
    out: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if out and day == out[-1][1] + dt.timedelta(days=1):
            out[-1][1] = day
        else:
            out.append([day, day])
    return [Period(a, b) for a, b in out]


# ---------------------------------------------------------------------------------------------
# Stored values: counts and minutes as they are, money in fen


def to_stored(key: str, value: Any, money: set[str]) -> int:
    if key in money:
        return int((Decimal(str(value)).quantize(FEN) * 100).to_integral_value())
    return int(value)


def from_stored(key: str, value: Any, money: set[str]) -> Any:
    if key in money:
        return (Decimal(int(value)) / 100).quantize(FEN)
    return int(value)


def kept_sum(key: str):
    """The sum of one kept figure over the rows read (0 when none)."""
    return Coalesce(Sum(key), Value(0))


# ---------------------------------------------------------------------------------------------
# The refresh: take the stale marks, drop what they touch, count what is missing


class Busy(Exception):
    """Another refresh has held the kept figures longer than a review should wait (it is counting
    a long period for the first time), or — on the review's replica, which cannot refresh them —
    what the review needs is not kept or is marked stale: the review counts from the rows instead
    (`or_live`)."""


#: How long a review waits for another one's refresh before counting from the rows.
WAIT = "10s"


def or_live(fn):
    """Run `fn` — a review's read — on the kept figures, or, when they are busy, from the rows
    alone; on the review's replica when there is one (banyan.replica)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with replica.reading():
            if not enabled():
                return fn(*args, **kwargs)
            try:
                return fn(*args, **kwargs)
            except Busy:
                with live_only():
                    return fn(*args, **kwargs)
    return run


def _take_stale() -> dict[str, set[dt.date]]:
    """Every committed mark, deleted and returned by kind. Marks of writes not yet committed are
    neither seen nor deleted: they stay for the next refresh."""
    from django.db import OperationalError

    out: dict[str, set[dt.date]] = defaultdict(set)
    with connection.cursor() as cursor:
        try:
            if connection.vendor == "postgresql":
                # one refresh at a time; SET LOCAL is undone with the refresh's savepoint if it fails
                cursor.execute(f"SET LOCAL lock_timeout = '{WAIT}'")
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
            cursor.execute("DELETE FROM kpis_stale RETURNING kind, day")
        except OperationalError as e:  # the lock not had in time (PostgreSQL), the database locked (SQLite)
            raise Busy from e
        for kind, day in cursor.fetchall():
            out[kind].add(day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
    return out


Key = tuple[dt.date, dt.date]  # (day, other)


def _touched(stale: dict[str, set[dt.date]]) -> tuple[list[dt.date], Q]:
    """What depends on the stale days: the work's days, and the book's kept rows (a Q over kind,
    day and other, the fields KeptDay and KeptBook share)."""
    work, snapshots, movements = (sorted(stale.get(k, ())) for k in StaleKind.values)
    book = Q(pk__in=[])
    if snapshots:
        book |= (Q(kind__in=[KeptKind.BOOK, KeptKind.MOVES], day__in=snapshots)
                 | Q(kind__in=[KeptKind.MOVES, KeptKind.MOVEMENTS], other__in=snapshots))
    if movements:
        book |= Q(kind=KeptKind.MOVEMENTS, day__in=movements)
    return work, book


def _drop(stale: dict[str, set[dt.date]]) -> None:
    """Forget the kept figures that depend on a stale day."""
    work, book = _touched(stale)
    if work:
        KeptDay.objects.filter(kind=KeptKind.WORK, day__in=work).delete()
        KeptWork.objects.filter(day__in=work).delete()
    if stale.get(StaleKind.SNAPSHOT) or stale.get(StaleKind.MOVEMENT):
        KeptDay.objects.filter(book).delete()
        KeptBook.objects.filter(book).delete()


def _kept_on_replica(kind: str, keys: list[Key]) -> None:
    """On the replica nothing can be refreshed: the figures of `keys` are read when every one is
    kept and no stale mark touches it; otherwise Busy, and the review counts from the rows."""
    stale: dict[str, set[dt.date]] = defaultdict(set)
    for mark, day in Stale.objects.values_list("kind", "day").distinct():
        stale[mark].add(day)
    work, book = _touched(stale)
    days = [d for d, _o in keys]
    have = KeptDay.objects.filter(kind=kind, day__gte=min(days), day__lte=max(days))
    have = have.exclude(day__in=work) if kind == KeptKind.WORK else have.exclude(book)
    if set(keys) - set(have.values_list("day", "other")):
        raise Busy(f"{kind} not kept on the replica")


def ensure(kind: str, keys: Iterable[Key], count: Callable[[list[Key]], list]) -> None:
    """Make sure the figures of `kind` for every (day, other) in `keys` are kept and current:
    stale ones dropped, missing ones counted by `count` — in one transaction."""
    keys = sorted(set(keys))
    if replica.active():
        if keys:
            _kept_on_replica(kind, keys)
        return
    with transaction.atomic():
        _drop(_take_stale())
        if not keys:
            return
        days = [d for d, _o in keys]
        have = set(KeptDay.objects.filter(kind=kind, day__gte=min(days), day__lte=max(days))
                   .values_list("day", "other"))
        todo = [k for k in keys if k not in have]
        if not todo:
            return
        rows = count(todo)
        if rows:
            type(rows[0]).objects.bulk_create(rows, batch_size=5000)
        KeptDay.objects.bulk_create([KeptDay(kind=kind, day=d, other=o) for d, o in todo], batch_size=2000)


# ---------------------------------------------------------------------------------------------
# Work: tasks, contacts, opportunities, sales, referrals, complaints, invitations


def count_work(keys: list[Key], facts_by_base: dict, money: set[str]) -> list[KeptWork]:
    """The Facts of the given days per (staff member, day): one grouped query per kind of row."""
    spans = runs(d for d, _o in keys)
    figures: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(dict)
    for base, facts in facts_by_base.items():
        when = functools.reduce(operator.or_, (base.in_period(p) for p in spans))
        day = TruncDate(base.moment) if base.is_datetime else F(base.moment)
        rows = (base.rows(spans[0]).filter(when, **{f"{base.staff}__isnull": False})
                .annotate(kept_day=day).values(base.staff, "kept_day")
                .annotate(**{f.key: f.aggregate() for f in facts}))
        for row in rows:
            key = (row.pop(base.staff), row.pop("kept_day"))
            figures[key].update({k: to_stored(k, v, money) for k, v in row.items() if v})
    return [KeptWork(day=d, staff_id=s, **v) for (s, d), v in figures.items() if v]


# ---------------------------------------------------------------------------------------------
# The book: month-end snapshots per holder and branch, the moves between two, and the money moved
# by a snapshot's book. Only snapshot rows that name their own holder and branch are kept; rows
# from before they were kept (holder None) are read live, since they follow the customer's today.

def own_holder(prefix: str = "") -> Q:
    """Snapshot rows (at `prefix`) that name their holder and branch: the rows that are kept."""
    return Q(**{f"{prefix}rm__isnull": False, f"{prefix}branch__isnull": False})


def no_own_holder(prefix: str = "") -> Q:
    """The other snapshot rows: read live."""
    return Q(**{f"{prefix}rm__isnull": True}) | Q(**{f"{prefix}branch__isnull": True})


def count_book(keys: list[Key]) -> list[KeptBook]:
    """Customers and AUM of each snapshot's book, per holder and branch."""
    from django.db.models import Count

    from banyan.holdings.models import AumSnapshot

    out = []
    for day, _other in keys:
        rows = (AumSnapshot.objects.filter(own_holder(), date=day).values("rm_id", "branch_id")
                .annotate(n=Count("pk"), aum=Sum("aum")))
        out += [KeptBook(kind=KeptKind.BOOK, day=day, other=day, staff_id=r["rm_id"], branch_id=r["branch_id"],
                         customers=r["n"], aum=to_stored("aum", r["aum"], {"aum"})) for r in rows]
    return out


def count_moves(keys: list[Key], aggregates: Callable[[], dict]) -> list[KeptBook]:
    """Per holder and branch of the snapshot `day`: the figures `aggregates` gives over its rows
    joined to the customer's snapshot `other` (the start's) as `start`."""
    from django.db.models import FilteredRelation

    from banyan.holdings.models import AumSnapshot

    out = []
    for day, other in keys:
        rows = (AumSnapshot.objects.filter(own_holder(), date=day)
                .annotate(start=FilteredRelation("customer__aum_snapshots",
                                                 condition=Q(customer__aum_snapshots__date=other)))
                .annotate(start_quadrant=F("start__quadrant"), start_filled=F("start__completeness"),
                          quadrant_key=F("quadrant"), filled=F("completeness"))
                .values("rm_id", "branch_id").annotate(**aggregates()))
        for r in rows:
            staff, branch = r.pop("rm_id"), r.pop("branch_id")
            out.append(KeptBook(kind=KeptKind.MOVES, day=day, other=other, staff_id=staff, branch_id=branch,
                                **{k: int(v or 0) for k, v in r.items()}))
    return out


def count_movements(keys: list[Key]) -> list[KeptBook]:
    """Per holder and branch of the snapshot `other`: the money its customers moved on `day`."""
    from django.db.models import FilteredRelation

    from banyan.holdings.models import Transaction

    out = []
    by_end: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day, end in keys:
        by_end[end].append(day)
    for end, days in by_end.items():
        when = functools.reduce(operator.or_, (Q(occurred_on__gte=p.start, occurred_on__lte=p.end) for p in runs(days)))
        rows = (Transaction.objects.filter(when)
                .annotate(at_end=FilteredRelation("customer__aum_snapshots",
                                                  condition=Q(customer__aum_snapshots__date=end)))
                .filter(own_holder("at_end__"))
                .values("at_end__rm_id", "at_end__branch_id", "occurred_on").annotate(amount=Sum("amount")))
        out += [KeptBook(kind=KeptKind.MOVEMENTS, day=r["occurred_on"], other=end, staff_id=r["at_end__rm_id"],
                         branch_id=r["at_end__branch_id"], amount=to_stored("amount", r["amount"], {"amount"}))
                for r in rows]
    return out


def book_rows(kind: str, keys: list[Key], scope) -> Any:
    """The kept rows of `kind` for `keys` — days of one `other`, all kept by `ensure` — in the
    scope (branch, manager; none for the unassigned: kept rows all have a holder)."""
    (other,) = {o for _d, o in keys}
    days = [d for d, _o in keys]
    qs = KeptBook.objects.filter(kind=kind, other=other, day__gte=min(days), day__lte=max(days))
    if scope.branch_id is not None:
        qs = qs.filter(branch_id=scope.branch_id)
    if scope.manager_id is not None:
        qs = qs.filter(staff_id=scope.manager_id)
    if scope.unassigned:
        qs = qs.none()
    return qs
