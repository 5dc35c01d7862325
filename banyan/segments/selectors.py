"""Reads of segments, always through the visibility gate."""

from __future__ import annotations

from django.db.models import Count, Sum

from banyan.customers.selectors import visible_customers
from banyan.segments.models import CustomerSegment, Quadrant, SegmentPolicy


def segment_of(customer) -> CustomerSegment | None:
    return CustomerSegment.objects.filter(customer=customer).first()


def quadrant_matrix(user, *, rm_id: int | None = None) -> list[dict]:
    """Counts and AUM per quadrant over the user's visible customers (optionally one manager's)."""
    customers = visible_customers(user)
    if rm_id:
        customers = customers.filter(rm_id=rm_id)
    rows = (customers.filter(segment__isnull=False).values("segment__quadrant")
            .annotate(count=Count("pk"), aum=Sum("aum")))
    found = {r["segment__quadrant"]: r for r in rows}
    policy = SegmentPolicy.current()
    return [{"quadrant": q.value, "label": str(q.label), "count": found.get(q.value, {}).get("count", 0),
             "aum": found.get(q.value, {}).get("aum") or 0, "frequency_days": policy.frequency_days(q.value)}
            for q in Quadrant]
