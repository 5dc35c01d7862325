"""Reads of segments, always through the visibility gate."""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import pgettext_lazy

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


# --- SEG-5: customers with no service relationship yet -----------------------------------------

#: Basic dimensions a first contact is planned by (classify simply, then invite): (low, high, label).
AGE_BANDS = ((0, 30, pgettext_lazy("age band", "under 30")), (30, 45, pgettext_lazy("age band", "30–44")),
             (45, 60, pgettext_lazy("age band", "45–59")), (60, 200, pgettext_lazy("age band", "60 and over")))
AGE_UNKNOWN = pgettext_lazy("age band", "age unknown")
ASSET_BANDS = ((500_000, None, pgettext_lazy("asset band", "500k and over")),
               (200_000, 500_000, pgettext_lazy("asset band", "200k–500k")),
               (50_000, 200_000, pgettext_lazy("asset band", "50k–200k")),
               (0, 50_000, pgettext_lazy("asset band", "under 50k")))


def _band(value, bands) -> int | None:
    """The index of the band `value` falls in, or None."""
    if value is None:
        return None
    for i, (low, high, _label) in enumerate(bands):
        if value >= low and (high is None or value < high):
            return i
    return None


def first_contact_groups(user, today, *, rm_id: int | None = None) -> list[dict]:
    """The visible customers never contacted (no service relationship yet), grouped by asset band
    and age band, richest first: each group a candidate for one invitation plan. The bands'
    labels are in the reader's language."""
    from collections import defaultdict

    from banyan.segments.potential import age_on

    qs = visible_customers(user).filter(last_contact_at__isnull=True)
    if rm_id is not None:
        qs = qs.filter(rm_id=rm_id)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    lowest, unknown_age = len(ASSET_BANDS) - 1, len(AGE_BANDS)
    for pk, aum, birth in qs.values_list("pk", "aum", "birth_date").iterator(chunk_size=2000):
        asset = _band(aum, ASSET_BANDS)
        age = _band(age_on(birth, today), AGE_BANDS)
        groups[(lowest if asset is None else asset, unknown_age if age is None else age)].append(pk)
    out = []
    for (a, g), ids in sorted(groups.items()):
        asset, age = str(ASSET_BANDS[a][2]), str(AGE_BANDS[g][2] if g < len(AGE_BANDS) else AGE_UNKNOWN)
        out.append({"key": f"{a}-{g}", "asset": asset, "age": age, "count": len(ids), "ids": ids})
    return out
