"""Reads of the daily worklist (WL-4..9). A list belongs to one manager: the manager works on it,
the manager's assistant works on it too, the branch head reads it. Every read of a task goes
through `get_task_for_user`, which answers 404 for a task of another manager's list."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.http import Http404

from banyan.customers.models import Customer
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.segments.models import SegmentPolicy
from banyan.worklists.models import Task, TaskStatus, WorklistDay
from banyan.worklists.triggers import cadence_late

#: How far back unfinished tasks stay on the "overdue" list of the manager's page.
OVERDUE_DAYS = 14
#: How many overdue tasks the page shows as full cards before "show all": a manager back from a
#: week away (or a bank's first day, when every reason due at once came in) may have a hundred, and
#: a hundred cards with their forms are a 1.5 MB page that takes a second of the server to write.
OVERDUE_SHOWN = 10
#: How many of the day's open tasks the page shows as full cards before "show the rest", in rank
#: order. A day holds about 20 contacts (WL-5), but the dated reasons that cannot wait go on it
#: whatever its size — a bank's first day, or a fund at many customers' stop-loss, gives a manager a
#: hundred — and each card costs the server 3–6 ms to write: the rest load when asked for.
OPEN_SHOWN = 30


def worklist_owner(user) -> Staff | None:
    """Whose list the user works on: a manager's own (rm, planner), the manager an assistant works
    for; a branch head's or an administrator's own (only what is addressed to them: a complaint they
    own or that is escalated to them — they read the managers' lists through the branch view); None
    for everyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role in BOOK_ROLES or user.role in (Role.BRANCH_HEAD, Role.ADMIN):
        return user
    if user.role == Role.ASSISTANT and user.manager_id:
        manager = Staff.objects.filter(pk=user.manager_id, is_active=True, role__in=BOOK_ROLES).first()
        return manager
    return None


def get_task_for_user(user, task_id) -> Task:
    """The task, or Http404 when it does not exist or is not on a list the user works on (the two
    are deliberately indistinguishable)."""
    owner = worklist_owner(user)
    if owner is None:
        raise Http404("No such task")
    try:
        return _with_card_data(Task.objects.filter(manager=owner)).get(pk=int(task_id))
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404("No such task") from None


def _with_card_data(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What a task card shows, in a fixed number of queries: the customer with its segment, manager
    and branch (a suggested message names them), the recorded contact, the reasons, and the
    customer's topics (customers.topics: the latest new information as two subqueries; the open
    memos and opportunities prefetched)."""
    from banyan.customers.topics import topics_annotations, topics_prefetch

    return (qs.select_related("customer", "customer__segment", "customer__rm", "customer__branch", "interaction",
                              "closed_by")
            .prefetch_related("reasons", *topics_prefetch("customer__"))
            .annotate(**topics_annotations("customer_id")))


def is_built(manager: Staff, day: dt.date) -> bool:
    return WorklistDay.objects.filter(manager=manager, date=day).exists()


def day_tasks(manager: Staff, day: dt.date) -> list[Task]:
    """Every task of the manager's day: the open ones in rank order first, then the rest."""
    tasks = list(_with_card_data(Task.objects.filter(manager=manager, date=day)))
    order = {TaskStatus.OPEN: 0, TaskStatus.DONE: 1, TaskStatus.SKIPPED: 1, TaskStatus.MOVED: 1,
             TaskStatus.SUPERSEDED: 1, TaskStatus.SUPPRESSED: 2}
    tasks.sort(key=lambda t: (order.get(t.status, 3), t.rank or 10_000, t.pk))
    return tasks


def _overdue(manager: Staff, day: dt.date, days: int) -> QuerySet[Task]:
    return Task.objects.filter(manager=manager, status=TaskStatus.OPEN, date__lt=day,
                               date__gte=day - dt.timedelta(days=days))


def overdue_tasks(manager: Staff, day: dt.date, *, days: int = OVERDUE_DAYS, limit: int | None = None,
                  also: Iterable[int] = ()) -> list[Task]:
    """Tasks of the previous `days` days still open (not done, skipped, moved or carried over),
    oldest first: the first `limit` of them (all when None), and the tasks `also` names among them
    wherever they come (a card whose action was refused shows its refusal)."""
    qs = _with_card_data(_overdue(manager, day, days)).order_by("date", "rank", "pk")
    if limit is None:
        return list(qs)
    tasks = list(qs[:limit])
    rest = set(also) - {t.pk for t in tasks}
    return tasks + list(qs.filter(pk__in=rest)) if rest else tasks


def overdue_count(manager: Staff, day: dt.date, *, days: int = OVERDUE_DAYS) -> int:
    return _overdue(manager, day, days).count()


@dataclass
class DayCounts:
    """The figures of one manager's day. `planned` counts the contacts to make: every task except
    those a contact rule left out (suppressed), which are counted apart."""

    planned: int = 0
    done: int = 0
    skipped: int = 0
    moved: int = 0
    open: int = 0
    superseded: int = 0
    suppressed: int = 0
    capacity: int | None = None

    @classmethod
    def of(cls, statuses: Counter, capacity: int | None = None) -> DayCounts:
        counts = cls(done=statuses[TaskStatus.DONE], skipped=statuses[TaskStatus.SKIPPED],
                     moved=statuses[TaskStatus.MOVED], open=statuses[TaskStatus.OPEN],
                     superseded=statuses[TaskStatus.SUPERSEDED], suppressed=statuses[TaskStatus.SUPPRESSED],
                     capacity=capacity)
        counts.planned = sum(statuses.values()) - counts.suppressed
        return counts

    @property
    def unfinished(self) -> int:
        """Open, or carried into a later day without being done."""
        return self.open + self.superseded

    @property
    def rate(self) -> float | None:
        """Completion rate: done / (planned − suppressed), in percent; None with nothing planned."""
        return 100.0 * self.done / self.planned if self.planned else None


def day_counts(tasks: list[Task], capacity: int | None = None, *, also_open: int = 0) -> DayCounts:
    """The day's figures from its tasks, and `also_open` open tasks not among them (left off the page)."""
    statuses = Counter(t.status for t in tasks)
    statuses[TaskStatus.OPEN] += also_open
    return DayCounts.of(statuses, capacity)


def branch_managers(branch) -> QuerySet[Staff]:
    """The branch's active managers who keep a book, by name."""
    return Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True).order_by("full_name", "username")


def branch_day_counts(manager_ids: list[int], day: dt.date) -> dict[int, DayCounts]:
    """Per manager, the figures of the day: one grouped query over Task."""
    statuses: dict[int, Counter] = defaultdict(Counter)
    rows = (Task.objects.filter(manager_id__in=manager_ids, date=day).values("manager_id", "status")
            .annotate(n=Count("pk")).values_list("manager_id", "status", "n"))
    for manager_id, status, n in rows:
        statuses[manager_id][status] = n
    capacities = dict(WorklistDay.objects.filter(manager_id__in=manager_ids, date=day)
                      .values_list("manager_id", "capacity"))
    return {m: DayCounts.of(statuses[m], capacities.get(m)) for m in manager_ids}


def overdue_cadence_counts(manager_ids: list[int], now: dt.datetime, policy: SegmentPolicy) -> dict[int, int]:
    """Per manager, the customers whose regular contact is late: the last real contact is older than
    the frequency agreed with the customer or else the one the customer's quadrant sets, or there
    was none; never those contacted only before maturities. One grouped query (the segment join, one
    condition per quadrant and agreed frequency — the same rule as the cadence trigger)."""
    late = cadence_late(policy, lambda days: now - dt.timedelta(days=days), inclusive=False)
    rows = (Customer.objects.filter(rm_id__in=manager_ids).filter(late)
            .values("rm_id").annotate(n=Count("pk")).values_list("rm_id", "n"))
    found = dict(rows)
    return {m: found.get(m, 0) for m in manager_ids}


def completion_trend(manager_ids: list[int], days: list[dt.date]) -> dict[int, dict[dt.date, DayCounts]]:
    """Per manager and day, the day's figures: one grouped query over Task by manager, date, status."""
    statuses: dict[tuple[int, dt.date], Counter] = defaultdict(Counter)
    rows = (Task.objects.filter(manager_id__in=manager_ids, date__gte=min(days), date__lte=max(days))
            .values("manager_id", "date", "status").annotate(n=Count("pk"))
            .values_list("manager_id", "date", "status", "n"))
    for manager_id, day, status, n in rows:
        statuses[(manager_id, day)][status] = n
    return {m: {d: DayCounts.of(statuses[(m, d)]) for d in days} for m in manager_ids}
