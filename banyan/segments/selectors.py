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


# --- SEG-5: customers with no service relationship yet -----------------------------------------

#: Basic dimensions a first contact is planned by (seed 004 流程步骤: classify simply, then invite).
AGE_BANDS = ((0, 30, "30 岁以下"), (30, 45, "30–44 岁"), (45, 60, "45–59 岁"), (60, 200, "60 岁及以上"))
ASSET_BANDS = ((500_000, None, "50 万以上"), (200_000, 500_000, "20–50 万"), (50_000, 200_000, "5–20 万"),
               (0, 50_000, "5 万以下"))


def _band(value, bands, *, unknown: str) -> str:
    if value is None:
        return unknown
    for low, high, label in bands:
        if value >= low and (high is None or value < high):
            return label
    return unknown


def first_contact_groups(user, today, *, rm_id: int | None = None) -> list[dict]:
    """The visible customers never contacted (no service relationship yet), grouped by asset band
    and age band, richest first: each group a candidate for one invitation plan."""
    from collections import defaultdict

    from banyan.segments.potential import age_on

    qs = visible_customers(user).filter(last_contact_at__isnull=True)
    if rm_id is not None:
        qs = qs.filter(rm_id=rm_id)
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    asset_order = {label: i for i, (_l, _h, label) in enumerate(ASSET_BANDS)}
    age_order = {label: i for i, (_l, _h, label) in enumerate(AGE_BANDS)}
    for pk, aum, birth in qs.values_list("pk", "aum", "birth_date").iterator(chunk_size=2000):
        asset = _band(aum, ASSET_BANDS, unknown=ASSET_BANDS[-1][2])
        age = _band(age_on(birth, today), AGE_BANDS, unknown="年龄不详")
        groups[(asset_order[asset], age_order.get(age, len(AGE_BANDS)))].append(pk)
    out = []
    for (a, g), ids in sorted(groups.items()):
        asset, age = ASSET_BANDS[a][2], AGE_BANDS[g][2] if g < len(AGE_BANDS) else "年龄不详"
        out.append({"key": f"{a}-{g}", "asset": asset, "age": age, "count": len(ids), "ids": ids})
    return out
