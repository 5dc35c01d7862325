"""Reads of the contact history. Scoped to a customer that came through the visibility gate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from banyan import clock
from banyan.audit.selectors import events_about_customer
from banyan.contacts.models import Appointment, AppointmentStatus, Interaction, Memo, MemoStatus


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # interaction | memo | change
    obj: object


#: Audit actions that tell the story of the file on its timeline (views and reveals do not).
_TIMELINE_ACTIONS = ("customer.created", "customer.updated", "customer.assigned", "book.handed_over",
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
