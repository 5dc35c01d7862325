"""Reads of client events through the visibility gate, and the review (EVT-4).

An event belongs to its branch: its organiser, its staff, the managers who invited to it (and the
assistant of any of them), the branch head, the auditor and an administrator see it; anyone else
gets 404, as for a thing that does not exist. A manager sees only the guests he or she invited
(customers outside the book never show); the organiser, the branch head and the check-in staff see
every guest by greeting (王先生), which is what the door needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404
from django.utils import timezone

from banyan import clock
from banyan.contacts.models import Interaction, Opportunity, real_contact_q
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.events.models import Answer, Event, EventStaff, EventStatus, Invitation, StaffRole
from banyan.holdings.models import AumSnapshot, Holding
from banyan.org.models import Role

#: Kinds of holding that are no sale to count (a loan, a card).
NOT_SALES = ("loan", "credit_card")


def greeting(customer) -> str:
    """王先生 / 欧阳女士; 尊敬的客户 when the gender is unknown — never the full name."""
    from banyan.customers.pinyin import COMPOUND_SURNAMES

    surname = customer.name[:2] if customer.name[:2] in COMPOUND_SURNAMES else customer.name[:1]
    suffix = {"M": "先生", "F": "女士"}.get(customer.gender or "")
    return surname + suffix if suffix else "尊敬的客户"


def visible_events(user) -> QuerySet[Event]:
    qs = Event.objects.all()
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return qs
    cond = Q(organiser=user) | Q(staff__staff=user) | Q(invitations__manager=user)
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        cond |= Q(branch_id=user.branch_id)
    if user.role == Role.ASSISTANT and user.manager_id:
        cond |= Q(organiser_id=user.manager_id) | Q(invitations__manager_id=user.manager_id)
    return qs.filter(pk__in=Event.objects.filter(cond).values("pk"))


@dataclass(frozen=True)
class Access:
    """What the caller may do with an event they see."""

    manage: bool  # organiser, branch head, admin: plan, approve (head), close, review
    invite: bool  # organiser and staff: invite their customers
    door: bool  # check guests in: organiser, head, staff
    all_guests: bool  # sees every guest (by greeting), not only the own


def access(user, event: Event) -> Access:
    if user.role == Role.AUDITOR:
        return Access(False, False, False, True)
    manage = (user.role == Role.ADMIN or event.organiser_id == user.pk
              or (user.role == Role.BRANCH_HEAD and user.branch_id == event.branch_id))
    roles = set(EventStaff.objects.filter(event=event, staff=user).values_list("role", flat=True))
    invite = manage or bool(roles)
    door = manage or bool(roles & {StaffRole.CHECKIN, StaffRole.HOST})
    return Access(manage, invite and user.role != Role.LOBBY, door, manage or door)


def get_event_for_user(user, event_id) -> tuple[Event, Access]:
    try:
        event = visible_events(user).select_related("branch", "organiser", "product").get(pk=int(event_id))
    except (Event.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such event") from None
    return event, access(user, event)


def guests(user, event: Event, acc: Access | None = None) -> QuerySet[Invitation]:
    """The invitations the caller sees: all for the organiser, the head and the door staff; the
    own ones (the customers in the caller's book) for anyone else."""
    acc = acc or access(user, event)
    qs = event.invitations.select_related("customer", "manager")
    if user.role == Role.AUDITOR:
        return qs.none()  # the auditor reads the figures and the audit log, not the guests
    if not acc.all_guests:
        qs = qs.filter(customer__in=visible_customers(user))
    return qs.order_by("answer", "customer__name", "pk")


def my_invitation(user, event: Event, customer_id) -> Invitation:
    """The caller's own guest (a customer of the caller's book) — 404 otherwise."""
    try:
        return (event.invitations.select_related("customer", "event", "manager")
                .get(customer_id=int(customer_id), customer__in=visible_customers(user)))
    except (Invitation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("Not a guest of yours") from None


def door_invitation(user, event: Event, acc: Access, customer_id) -> Invitation:
    """A guest as the door sees one: any guest for the door staff, the own ones otherwise."""
    qs = event.invitations.select_related("customer", "event", "manager")
    if not acc.door:
        qs = qs.filter(customer__in=visible_customers(user))
    try:
        return qs.get(customer_id=int(customer_id))
    except (Invitation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("Not a guest") from None


def find_at_door(event: Event, q: str) -> QuerySet[Invitation]:
    """The guests whose name, pinyin or mobile's last four digits match — the lobby's search."""
    q = (q or "").strip()
    qs = event.invitations.select_related("customer", "manager")
    if not q:
        return qs.none()
    if q.isdigit() and len(q) == 4:
        return qs.filter(customer__mobile_tail=q)[:20]
    return qs.filter(Q(customer__name__contains=q) | Q(customer__name_pinyin__icontains=q.lower())
                     | Q(customer__name_initials__iexact=q.lower()))[:20]


def counts(event: Event, qs: QuerySet[Invitation] | None = None) -> dict[str, int]:
    """Invited, coming (seats, guests included), waiting, maybe, declined, not answered, checked in: one query."""
    qs = event.invitations.all() if qs is None else qs
    row = qs.aggregate(
        invited=Count("pk", filter=Q(walk_in=False)),
        accepted=Count("pk", filter=Q(answer=Answer.ACCEPTED)),
        seats=Sum(F("guests") + 1, filter=Q(answer=Answer.ACCEPTED)),
        waiting=Count("pk", filter=Q(answer=Answer.WAITING)),
        maybe=Count("pk", filter=Q(answer=Answer.MAYBE)),
        declined=Count("pk", filter=Q(answer=Answer.DECLINED)),
        pending=Count("pk", filter=Q(answer=Answer.INVITED)),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
    )
    return {k: v or 0 for k, v in row.items()}


# ------------------------------------------------------------------ the review (EVT-4)

def _money(value) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"))


def _ratio(a, b) -> Decimal | None:
    return (Decimal(a) / Decimal(b)).quantize(Decimal("0.001")) if b else None


def _per(amount: Decimal, n: int) -> Decimal | None:
    return (amount / n).quantize(Decimal("0.01")) if n else None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def review(event: Event, qs: QuerySet[Invitation] | None = None) -> dict:
    """Every figure of EVT-4 for one event (over `qs`, the caller's part of its guests, or all):
    invited, accepted, attended, no-shows, contacted after the event and the contact achievement
    rate (contacted after ÷ attended), new information, opportunities, sales and their amount within
    the event's review days, cost (the actual cost recorded, else the budget) per attendee and per
    opportunity, and the average AUM change per customer over the review days of those who came
    against those invited who did not. Five queries, whatever the number of guests."""
    qs = event.invitations.all() if qs is None else qs
    day = timezone.localdate(event.starts_at)
    until = day + dt.timedelta(days=event.review_days)
    until_moment = _day_start(until + dt.timedelta(days=1))
    held = event.status in (EventStatus.HELD, EventStatus.REVIEWED)
    base = counts(event, qs)
    attended_ids = qs.filter(checked_in_at__isnull=False).values("customer_id")
    follow = (Interaction.objects.filter(real_contact_q(), customer_id=OuterRef("customer_id"),
                                         occurred_at__gt=event.ends_at, occurred_at__lt=until_moment)
              .exclude(channel="event"))
    # from the event's day (guests check in before it starts) to the end of the review days
    learned = Interaction.objects.filter(customer_id=OuterRef("customer_id"), occurred_at__gte=_day_start(day),
                                         occurred_at__lt=until_moment).exclude(new_info="")
    row = qs.filter(checked_in_at__isnull=False).aggregate(
        contacted=Count("pk", filter=Exists(follow)), new_info=Count("pk", filter=Exists(learned)))
    opportunities = Opportunity.objects.filter(event_id=event.pk, customer_id__in=qs.values("customer_id")).count()
    sales = Holding.objects.filter(customer_id__in=attended_ids, purchase_date__gte=day,
                                   purchase_date__lte=until).exclude(product__type__in=NOT_SALES).aggregate(
        n=Count("pk"), amount=Sum("amount"))
    aum = _aum_change(qs, day, until)
    cost = event.actual_cost if event.actual_cost is not None else (event.budget or Decimal(0))
    attended = base["attended"]
    no_show = qs.filter(answer=Answer.ACCEPTED, walk_in=False, checked_in_at__isnull=True).count() if held else 0
    return {
        "invited": base["invited"], "accepted": base["accepted"], "attended": attended, "no_show": no_show,
        "walk_ins": base["walk_ins"], "declined": base["declined"], "waiting": base["waiting"],
        "contacted_after": row["contacted"], "contact_achievement_rate": _ratio(row["contacted"], attended),
        "new_info": row["new_info"], "opportunities": opportunities, "sales": sales["n"] or 0,
        "sales_amount": _money(sales["amount"]), "cost": _money(cost), "cost_is_budget": event.actual_cost is None,
        "cost_per_attendee": _per(_money(cost), attended), "cost_per_opportunity": _per(_money(cost), opportunities),
        "aum_change_attended": aum["attended"], "aum_change_invited_absent": aum["absent"],
        "aum_customers_attended": aum["n_attended"], "aum_customers_absent": aum["n_absent"],
        "review_days": event.review_days, "until": until,
    }


def _aum_change(qs: QuerySet[Invitation], day: dt.date, until: dt.date) -> dict:
    """The average AUM change per customer from the event's day to `until`: the AUM then is the
    last snapshot on or before the day (banyan.holdings AumSnapshot: month-ends, and the daily
    ones a bank takes); the AUM at the end is the last snapshot on or before `until`, or today's
    AUM when `until` has not passed yet. Customers without a snapshot before the event count in
    neither group. One query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    snapshots = AumSnapshot.objects.filter(customer_id=OuterRef("customer_id")).order_by("-date")
    before = Subquery(snapshots.filter(date__lte=day).values("aum")[:1], output_field=money)
    if until >= clock.today():
        after = Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("aum")[:1], output_field=money)
    else:
        after = Subquery(snapshots.filter(date__lte=until).values("aum")[:1], output_field=money)
    rows = (qs.filter(walk_in=False).annotate(aum_before=before, aum_after=after)
            .filter(aum_before__isnull=False, aum_after__isnull=False)
            .aggregate(attended=Avg(F("aum_after") - F("aum_before"), filter=Q(checked_in_at__isnull=False),
                                    output_field=money),
                       absent=Avg(F("aum_after") - F("aum_before"), filter=Q(checked_in_at__isnull=True),
                                  output_field=money),
                       n_attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
                       n_absent=Count("pk", filter=Q(checked_in_at__isnull=True))))
    return {"attended": _money(Decimal(str(rows["attended"]))) if rows["attended"] is not None else None,
            "absent": _money(Decimal(str(rows["absent"]))) if rows["absent"] is not None else None,
            "n_attended": rows["n_attended"], "n_absent": rows["n_absent"]}


def period_events(user, first: dt.date, last: dt.date) -> QuerySet[Event]:
    """The events the caller sees that took place in [first, last] (held or reviewed)."""
    return (visible_events(user).filter(starts_at__gte=_day_start(first),
                                        starts_at__lt=_day_start(last + dt.timedelta(days=1)),
                                        status__in=(EventStatus.HELD, EventStatus.REVIEWED))
            .select_related("branch", "organiser").order_by("starts_at"))


def events_for_calendar(user, since: dt.datetime) -> list[Event]:
    """The events on the caller's calendar: organised, staffed or invited to, not cancelled."""
    cond = Q(organiser=user) | Q(staff__staff=user) | Q(invitations__manager=user)
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        cond |= Q(branch_id=user.branch_id)
    ids = Event.objects.filter(cond).values("pk")
    return list(Event.objects.filter(pk__in=ids, starts_at__gte=since)
                .exclude(status=EventStatus.CANCELLED).order_by("starts_at"))


def calendar_entries(user, since: dt.datetime) -> list[dict]:
    """The events as iCalendar entries (banyan.outreach.ical): no customer in them."""
    return [{"uid": f"event-{e.pk}", "start": e.starts_at, "end": e.ends_at,
             "summary": f"客户活动 {e.name}", "location": e.place, "description": e.theme,
             "status": "CONFIRMED" if e.status in (EventStatus.APPROVED, EventStatus.OPEN) else "TENTATIVE"}
            for e in events_for_calendar(user, since)]
