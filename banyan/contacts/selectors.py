"""Reads of the contact history. Scoped to a customer that came through the visibility gate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from banyan import clock
from banyan.audit.selectors import events_about_customer
from banyan.contacts.models import (
    OPEN_STAGES,
    Appointment,
    AppointmentStatus,
    Interaction,
    Memo,
    MemoStatus,
    Opportunity,
    OpportunityStage,
)


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # interaction | memo | change
    obj: object


#: Audit actions that tell the story of the file on its timeline (views and reveals do not).
_TIMELINE_ACTIONS = ("customer.created", "customer.updated", "customer.assigned", "book.handed_over",
                     "customers.reassigned", "customers.given_to_assistant",
                     "holding.created", "memo.completed", "customer.relation_added")


def timeline(customer, *, limit: int = 50) -> list[TimelineEntry]:
    """Contacts, memos and changes to the file, newest first."""
    entries = [TimelineEntry(i.occurred_at, "interaction", i)
               for i in Interaction.objects.filter(customer=customer).select_related("staff")[:limit]]
    entries += [TimelineEntry(m.created_at, "memo", m)
                for m in Memo.objects.filter(customer=customer).select_related("author")
                .order_by("-created_at")[:limit]]
    entries += [TimelineEntry(e.at, "change", e)
                for e in events_about_customer(customer.pk).filter(action__in=_TIMELINE_ACTIONS)
                .select_related("actor")[:limit]]  # a book handed over names its customers beside the event
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def interactions_of(customer):
    """The contact history of a customer (already through the visibility gate), newest first."""
    return Interaction.objects.filter(customer=customer).select_related("staff").order_by("-occurred_at", "-id")


def open_memos(customer):
    return Memo.objects.filter(customer=customer, status=MemoStatus.OPEN).order_by("due_date")


def upcoming_appointments(customer):
    """The customer's meetings still to come (from the start of today), soonest first."""
    start = timezone.make_aware(dt.datetime.combine(clock.today(), dt.time.min))
    return (Appointment.objects.filter(customer=customer, at__gte=start, status=AppointmentStatus.SCHEDULED)
            .select_related("staff").order_by("at"))


# ------------------------------------------------------------------ sales opportunities (销售机会)

#: An open opportunity due within this many days is marked "due soon" on the pipeline.
DUE_SOON_DAYS = 3
#: The cards a pipeline column shows (its count and sum are over all of them).
COLUMN_LIMIT = 60
#: Won and lost opportunities shown by default: those closed in the last this many days.
CLOSED_DAYS_DEFAULT = 90
CLOSED_DAYS_CHOICES = (30, 90, 365)


def visible_opportunities(user) -> QuerySet[Opportunity]:
    """The opportunities of the customers the user may see (visibility follows the customer)."""
    from banyan.customers.selectors import visible_customers

    return Opportunity.objects.filter(customer__in=visible_customers(user))


def get_opportunity_for_user(user, opportunity_id) -> Opportunity:
    """The opportunity, or Http404 when it does not exist or its customer is out of the user's
    reach (the two are deliberately indistinguishable)."""
    try:
        return (visible_opportunities(user)
                .select_related("customer", "owner", "created_by", "product", "holding__product")
                .get(pk=int(opportunity_id)))
    except (Opportunity.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such opportunity") from None


def open_opportunities(customer) -> QuerySet[Opportunity]:
    """The customer's opportunities still being worked, soonest due first."""
    return (Opportunity.objects.filter(customer=customer, stage__in=OPEN_STAGES)
            .select_related("product", "owner").order_by("due_date", "pk"))


def recent_closed_opportunities(customer, *, limit: int = 5) -> list[Opportunity]:
    return list(Opportunity.objects.filter(customer=customer).exclude(stage__in=OPEN_STAGES)
                .select_related("product", "holding__product").order_by("-pk")[:limit])


#: The sales a won opportunity is offered to name: the customer's purchases of the last this many days.
SALES_DAYS = 180
SALES_SHOWN = 8


def sales_by_customer(customer_ids, *, today: dt.date | None = None) -> dict[int, list]:
    """Per customer, the holdings a won opportunity may name as its sale: the purchases of the
    last SALES_DAYS not closing another opportunity yet, latest first (one query for a board)."""
    from banyan.holdings.models import Holding

    ids = list(set(customer_ids))
    if not ids:
        return {}
    today = today or clock.today()
    taken = Opportunity.objects.filter(customer_id__in=ids, holding__isnull=False).values("holding_id")
    out: dict[int, list] = {}
    for h in (Holding.objects.filter(customer_id__in=ids, purchase_date__gte=today - dt.timedelta(days=SALES_DAYS))
              .exclude(pk__in=taken).select_related("product").order_by("-purchase_date", "-pk")):
        sales = out.setdefault(h.customer_id, [])
        if len(sales) < SALES_SHOWN:
            sales.append(h)
    return out


@dataclass(frozen=True)
class PipelineFilters:
    """What the pipeline shows: whose (a manager of the branch, for a branch head), which product
    type and source, only the overdue ones, and how far back won and lost ones go."""

    manager_id: int | None = None
    product_type: str = ""
    source: str = ""
    overdue: bool = False
    closed_days: int = CLOSED_DAYS_DEFAULT

    def as_params(self) -> dict[str, str]:
        """The filters as a query string's parameters (those not at their default)."""
        out = {"manager": str(self.manager_id) if self.manager_id else "", "type": self.product_type,
               "source": self.source, "overdue": "1" if self.overdue else "",
               "closed": str(self.closed_days) if self.closed_days != CLOSED_DAYS_DEFAULT else ""}
        return {k: v for k, v in out.items() if v}


@dataclass
class PipelineColumn:
    stage: str
    label: str
    count: int = 0
    amount: Decimal = Decimal(0)
    items: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


def pipeline_base(base: QuerySet[Opportunity], filters: PipelineFilters, today: dt.date) -> QuerySet[Opportunity]:
    """The opportunities the filters keep: open ones, and those closed within `closed_days`."""
    qs = base
    if filters.manager_id:
        qs = qs.filter(customer__rm_id=filters.manager_id)
    if filters.product_type:
        qs = qs.filter(product_type=filters.product_type)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.overdue:
        return qs.filter(stage__in=OPEN_STAGES, due_date__lt=today)
    since = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=filters.closed_days), dt.time.min))
    return qs.filter(Q(stage__in=OPEN_STAGES) | Q(won_at__gte=since) | Q(lost_at__gte=since))


def pipeline_columns(base: QuerySet[Opportunity], filters: PipelineFilters, *,
                     today: dt.date | None = None) -> list[PipelineColumn]:
    """The board: a column per stage with its count and expected amount summed (one grouped query)
    and its first COLUMN_LIMIT cards — open ones soonest due first (overdue on top), closed ones
    latest first. Each card knows whether it is overdue or due soon."""
    today = today or clock.today()
    qs = pipeline_base(base, filters, today)
    columns = {s: PipelineColumn(s, str(OpportunityStage(s).label)) for s in OpportunityStage.values}
    for stage, n, amount in (qs.order_by().values("stage").annotate(n=Count("pk"), amount=Sum("expected_amount"))
                             .values_list("stage", "n", "amount")):
        columns[stage].count, columns[stage].amount = n, amount or Decimal(0)
    cards = qs.select_related("customer", "product", "holding__product", "customer__rm")
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    for stage, column in columns.items():
        if not column.count:
            continue
        order = ("due_date", "pk") if stage in OPEN_STAGES else (f"-{STAGE_MOMENT_FIELD[stage]}", "-pk")
        for o in cards.filter(stage=stage).order_by(*order)[:COLUMN_LIMIT]:
            o.overdue = stage in OPEN_STAGES and o.due_date < today
            o.due_soon = stage in OPEN_STAGES and today <= o.due_date <= soon
            o.days_overdue = (today - o.due_date).days if o.overdue else 0
            column.items.append(o)
    return list(columns.values())


#: The moment a closed stage keeps (the order of its column).
STAGE_MOMENT_FIELD = {"won": "won_at", "lost": "lost_at"}


@dataclass
class ManagerPipeline:
    manager: object
    counts: dict = field(default_factory=dict)  # stage → count
    amounts: dict = field(default_factory=dict)  # stage → expected amount
    overdue: int = 0

    @property
    def cells(self) -> list[tuple[str, int, Decimal]]:
        """(stage, count, amount) in the stages' order: the table's row."""
        return [(s, self.counts.get(s, 0), self.amounts.get(s, Decimal(0))) for s in OpportunityStage.values]

    @property
    def open_count(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN_STAGES)

    @property
    def open_amount(self) -> Decimal:
        return sum((self.amounts.get(s, Decimal(0)) for s in OPEN_STAGES), Decimal(0))


def pipeline_by_manager(base: QuerySet[Opportunity], managers, filters: PipelineFilters, *,
                        today: dt.date | None = None) -> list[ManagerPipeline]:
    """The branch head's table: per manager (the customer's manager), each stage's count and
    amount and how many open ones are overdue — two grouped queries for the whole branch."""
    today = today or clock.today()
    qs = pipeline_base(base, PipelineFilters(product_type=filters.product_type, source=filters.source,
                                             overdue=filters.overdue, closed_days=filters.closed_days), today)
    rows = {m.pk: ManagerPipeline(m) for m in managers}
    for rm_id, stage, n, amount in (qs.order_by().values("customer__rm_id", "stage")
                                    .annotate(n=Count("pk"), amount=Sum("expected_amount"))
                                    .values_list("customer__rm_id", "stage", "n", "amount")):
        if rm_id in rows:
            rows[rm_id].counts[stage] = n
            rows[rm_id].amounts[stage] = amount or Decimal(0)
    late = (qs.filter(stage__in=OPEN_STAGES, due_date__lt=today).order_by().values("customer__rm_id")
            .annotate(n=Count("pk")).values_list("customer__rm_id", "n"))
    for rm_id, n in late:
        if rm_id in rows:
            rows[rm_id].overdue = n
    return list(rows.values())
