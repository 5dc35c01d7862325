"""Recomputing segments in bulk: a few queries over the whole book, the scoring in one pass, and
one upsert (DESIGN.md house style 6). Run after feeds, by the nightly job, or on demand."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.dbstats import refresh_planner_statistics
from banyan.holdings.models import Holding, HoldingStatus
from banyan.org.models import Role, Staff
from banyan.segments.models import CustomerSegment, Quadrant, SegmentPolicy
from banyan.segments.potential import WEALTH_TYPES, CoreProfile, Row, age_on, potential
from banyan.worklists.generations import previews_stale

_FIELDS = ("pk", "aum", "other_bank_assets", "occupation", "employer", "birth_date", "education", "orientation",
           "rm_id", "branch_id", "last_contact_at")


def quadrant_of(aum: Decimal, score: int, policy: SegmentPolicy) -> str:
    high_assets, high_potential = aum >= policy.aum_high, score >= policy.potential_high
    if high_assets:
        return Quadrant.HIGH_HIGH if high_potential else Quadrant.HIGH_LOW
    return Quadrant.LOW_HIGH if high_potential else Quadrant.LOW_LOW


def _orientation(declared: str, wealth_types: int, aum: Decimal) -> tuple[str, bool, list | None]:
    """The declared orientation, or one inferred from what the customer holds (SEG-2), with the
    reason for the inference (a stored reason: segments.potential.reason_text)."""
    if declared:
        return declared, False, None
    if wealth_types >= 2:
        return "value", True, ["inferred_value", {}]
    if aum < 50_000:
        return "service", True, ["inferred_service", {}]
    return "relationship", True, ["inferred_relationship", {}]


def _product_counts() -> tuple[dict[int, int], dict[int, int]]:
    rows = (Holding.objects.filter(status=HoldingStatus.ACTIVE).values("customer_id")
            .annotate(types=Count("product__type", distinct=True),
                      wealth=Count("product__type", distinct=True, filter=Q(product__type__in=WEALTH_TYPES))))
    types, wealth = {}, {}
    for r in rows.iterator(chunk_size=10000):
        types[r["customer_id"]] = r["types"]
        wealth[r["customer_id"]] = r["wealth"]
    return types, wealth


def _core_profile(rows: list[dict], priority_count: int, today) -> CoreProfile:
    core = rows[:priority_count]
    occupations = Counter(r["occupation"] for r in core if r["occupation"])
    ages = [a for a in (age_on(r["birth_date"], today) for r in core) if a is not None]
    median = int(statistics.median(ages)) if ages else 45
    return CoreProfile(occupations=frozenset(o for o, _n in occupations.most_common(3)),
                       age_low=median - 10, age_high=median + 10)


def _suggest_seniors(rows: list[dict], priority_ids: set[int]) -> dict[int, int]:
    """Priority customers kept by a manager who is not senior get a senior manager of the same
    branch suggested (SEG-4), spreading them over the branch's seniors."""
    seniors = defaultdict(list)
    for s in Staff.objects.filter(role=Role.RM, is_senior=True, is_active=True).values("pk", "branch_id"):
        seniors[s["branch_id"]].append(s["pk"])
    senior_ids = {pk for pks in seniors.values() for pk in pks}
    load: Counter = Counter(r["rm_id"] for r in rows if r["pk"] in priority_ids and r["rm_id"] in senior_ids)
    suggestions = {}
    for r in rows:
        if r["pk"] in priority_ids and r["rm_id"] not in senior_ids and seniors.get(r["branch_id"]):
            choice = min(seniors[r["branch_id"]], key=lambda pk: (load[pk], pk))
            load[choice] += 1
            suggestions[r["pk"]] = choice
    return suggestions


@transaction.atomic
def segments_recompute(*, actor=None) -> int:
    """Recompute every customer's segment. Returns the number of customers segmented."""
    policy = SegmentPolicy.current()
    today, now = clock.today(), clock.now()
    rows = list(Customer.objects.order_by("-aum", "pk").values(*_FIELDS))
    if not rows:
        return 0
    types, wealth = _product_counts()
    priority_count = math.ceil(len(rows) * policy.priority_share_pct / 100)
    priority_ids = {r["pk"] for r in rows[:priority_count] if r["aum"] > 0}
    core = _core_profile(rows, priority_count, today)
    suggestions = _suggest_seniors(rows, priority_ids)
    segments = []
    for rank, r in enumerate(rows, start=1):
        row = Row(aum=r["aum"], other_bank_assets=r["other_bank_assets"], occupation=r["occupation"],
                  employer=r["employer"], birth_date=r["birth_date"], education=r["education"],
                  product_types=types.get(r["pk"], 0))
        score, reasons = potential(row, core, today)
        orientation, inferred, why = _orientation(r["orientation"], wealth.get(r["pk"], 0), r["aum"])
        if why:
            reasons.append(why)
        quadrant = quadrant_of(r["aum"], score, policy)
        segments.append(CustomerSegment(
            customer_id=r["pk"], quadrant=quadrant, frequency_days=policy.frequency_days(quadrant),
            orientation=orientation, orientation_inferred=inferred, potential_score=score, reasons=reasons,
            value_rank=rank, is_priority=r["pk"] in priority_ids,
            relationship_established=r["last_contact_at"] is not None,
            suggested_rm_id=suggestions.get(r["pk"]), computed_at=now,
        ))
    CustomerSegment.objects.bulk_create(
        segments, batch_size=2000, update_conflicts=True, unique_fields=["customer"],
        update_fields=["quadrant", "frequency_days", "orientation", "orientation_inferred", "potential_score",
                       "reasons", "value_rank", "is_priority", "relationship_established", "suggested_rm",
                       "computed_at"],
    )
    audit_log(actor=actor, action="segments.recomputed", data={"count": len(segments)})
    previews_stale()  # the contact frequencies and priorities the plans weigh
    return len(segments)


def nightly_refresh(*, actor=None) -> int:
    """What runs after each feed and every night: planner statistics, then segments."""
    refresh_planner_statistics()
    return segments_recompute(actor=actor)
