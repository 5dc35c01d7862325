"""Staffing by tier (issue 16 §7, SPEC SEG-4, seed 002's 二八原则 and 合适的人员): reads and writes.

A customer's tier follows from his or her AUM and the bank's tiers (staffing.Tier: configuration
rows, not code) — the tier with the highest threshold at or below the AUM; the lowest tier takes
everyone below too. It is computed in the database, set-based: one CASE over the tiers, over the
whole branch (`tier_of`), never a loop per customer.

Who covers each tier (Tier.coverage) and when a customer is *out of place*:

- private_banker — the private-banking tier needs a private banker (Staff.is_private_banker): out
  of place when the manager is not one (or there is no manager);
- senior and branch_head_co_cover — the priority tier needs 合适的客户经理以及高级主管 (seed 002): a
  senior manager (Staff.is_senior; a private banker serves them too), out of place otherwise. With
  branch_head_co_cover the branch head co-covers them: the branch head already sees every file of
  the branch, so the co-cover is the tiers page's "co-covered by you" figures and list, and the
  file's tier badge names the branch head — no second owner is written on the customer;
- assistant_ok — the minor tier: 次要的客户,安排客户经理助理来服务 (seed 002). Out of place when a
  senior manager or a private banker holds them with no assistant serving them *while the branch
  has an assistant who could*; the fix gives them to an assistant in bulk (Customer.assistant) or
  moves them to another manager.

The fix moves customers with customers_reassign (banyan/customers/services.py: the hand-over's
machinery, one audit event) or gives them to an assistant (`customers_give_to_assistant`, one
audit event, exactly once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.customers.services import chosen_customer_ids, chosen_customers_locked
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.staffing.models import Coverage, Tier


def tiers() -> list[Tier]:
    """The bank's tiers, highest threshold first."""
    return sorted(Tier.objects.all(), key=lambda t: t.min_aum, reverse=True)


def tier_of(rows: list[Tier] | None = None) -> Case | Value:
    """The tier's code of each customer, as one SQL CASE over the tiers (highest threshold first;
    the lowest tier is the default). No tiers at all: an empty code."""
    rows = tiers() if rows is None else rows
    if not rows:
        return Value("", output_field=CharField())
    whens = [When(aum__gte=t.min_aum, then=Value(t.code)) for t in rows[:-1]]
    return Case(*whens, default=Value(rows[-1].code), output_field=CharField())


def _band(rows: list[Tier], i: int) -> Q:
    """The customers of rows[i] as a range of AUM (index-friendly, unlike the CASE in a WHERE)."""
    q = Q()
    if i < len(rows) - 1:  # the lowest tier takes everyone below its threshold too
        q &= Q(aum__gte=rows[i].min_aum)
    if i > 0:
        q &= Q(aum__lt=rows[i - 1].min_aum)
    return q


def branch_has_assistant(branch_id: int | None) -> bool:
    return Staff.objects.filter(branch_id=branch_id, role=Role.ASSISTANT, is_active=True).exists()


def _misplaced(tier: Tier, *, assistants: bool) -> Q | None:
    """The condition, on a customer of `tier`, that his or her cover does not fit the tier."""
    if tier.coverage == Coverage.PRIVATE_BANKER:
        return Q(rm__isnull=True) | Q(rm__is_private_banker=False)
    if tier.coverage in (Coverage.SENIOR, Coverage.BRANCH_HEAD_CO_COVER):
        return Q(rm__isnull=True) | Q(rm__is_senior=False, rm__is_private_banker=False)
    if tier.coverage == Coverage.ASSISTANT_OK and assistants:
        return (Q(rm__is_senior=True) | Q(rm__is_private_banker=True)) & Q(assistant__isnull=True)
    return None


def out_of_place_condition(rows: list[Tier], *, assistants: bool) -> Q:
    """Customers whose cover does not fit their tier (an empty result when none can be)."""
    cond = Q(pk__in=[])
    for i, tier in enumerate(rows):
        misplaced = _misplaced(tier, assistants=assistants)
        if misplaced is not None:
            cond |= _band(rows, i) & misplaced
    return cond


#: The out-of-place list's sort keys: the name a page or the API takes → the columns.
SORTS = {
    "-aum": ("-aum", "pk"), "aum": ("aum", "pk"), "name": ("name_pinyin", "pk"), "-name": ("-name_pinyin", "-pk"),
    "rm": ("rm__full_name", "rm__username", "-aum", "pk"), "tier": ("tier_rank", "-aum", "pk"),
}


def out_of_place(actor, branch, *, sort: str = "-aum", tier: str = "") -> QuerySet[Customer]:
    """The branch's customers out of place, in the actor's reach, each with `tier` (its code) and
    `tier_rank` (its place, the highest tier first), sorted by `sort` (SORTS)."""
    rows = tiers()
    qs = (visible_customers(actor).filter(branch=branch)
          .filter(out_of_place_condition(rows, assistants=branch_has_assistant(branch.pk))))
    if tier:
        i = next((i for i, t in enumerate(rows) if t.code == tier), None)
        qs = qs.filter(_band(rows, i)) if i is not None else qs.none()
    rank = Case(*[When(_band(rows, i), then=Value(i)) for i in range(len(rows))], default=Value(len(rows)))
    return (qs.annotate(tier=tier_of(rows), tier_rank=rank).select_related("rm", "assistant")
            .order_by(*SORTS.get(sort, SORTS["-aum"])))


@dataclass
class TierCell:
    customers: int = 0
    aum: Decimal = Decimal(0)


@dataclass
class ManagerRow:
    manager: Staff | None  # None: the customers with no manager
    cells: dict[str, TierCell] = field(default_factory=dict)
    out_of_place: int = 0

    @property
    def customers(self) -> int:
        return sum(c.customers for c in self.cells.values())


@dataclass
class TierCounts:
    tiers: list[Tier]
    rows: list[ManagerRow]
    totals: dict[str, TierCell]
    out_of_place: int
    co_covered: int  # customers of the branch-head-co-covered tiers
    assistants: bool

    def columns(self):
        return [(t, self.totals[t.code]) for t in self.tiers]


def tier_counts(actor, branch) -> TierCounts:
    """Customers and AUM per tier × manager of the branch (three queries: the counts grouped by
    manager and tier, the out-of-place per manager, the managers)."""
    rows = tiers()
    assistants = branch_has_assistant(branch.pk)
    base = visible_customers(actor).filter(branch=branch)
    counts = (base.annotate(tier=tier_of(rows)).order_by().values("rm_id", "tier")
              .annotate(n=Count("pk"), aum=Sum("aum")))
    misplaced = dict(base.filter(out_of_place_condition(rows, assistants=assistants)).order_by().values("rm_id")
                     .annotate(n=Count("pk")).values_list("rm_id", "n"))
    managers = {s.pk: s for s in Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True)}
    managers |= {s.pk: s for s in Staff.objects.filter(pk__in=[r["rm_id"] for r in counts if r["rm_id"]])
                 .exclude(pk__in=managers)}
    by_rm: dict[int | None, ManagerRow] = {pk: ManagerRow(s, {t.code: TierCell() for t in rows})
                                           for pk, s in managers.items()}
    totals = {t.code: TierCell() for t in rows}
    for r in counts:
        row = by_rm.setdefault(r["rm_id"], ManagerRow(None, {t.code: TierCell() for t in rows}))
        cell = row.cells.setdefault(r["tier"], TierCell())
        cell.customers, cell.aum = r["n"], r["aum"] or Decimal(0)
        total = totals.setdefault(r["tier"], TierCell())
        total.customers += r["n"]
        total.aum += r["aum"] or Decimal(0)
    for rm_id, n in misplaced.items():
        by_rm.setdefault(rm_id, ManagerRow(None, {t.code: TierCell() for t in rows})).out_of_place = n
    ordered = sorted(by_rm.values(), key=lambda r: (r.manager is None, not getattr(r.manager, "is_private_banker", 0),
                                                   not getattr(r.manager, "is_senior", 0),
                                                   getattr(r.manager, "full_name", "") or "",
                                                   getattr(r.manager, "username", "")))
    co = [t.code for t in rows if t.coverage == Coverage.BRANCH_HEAD_CO_COVER]
    return TierCounts(tiers=rows, rows=ordered, totals=totals, out_of_place=sum(misplaced.values()),
                      co_covered=sum(totals[c].customers for c in co if c in totals), assistants=assistants)


def tier_for_aum(aum: Decimal, rows: list[Tier] | None = None) -> Tier | None:
    """The tier of one AUM (as tier_of says in SQL)."""
    rows = tiers() if rows is None else rows
    return next((t for t in rows[:-1] if aum >= t.min_aum), rows[-1] if rows else None)


# ------------------------------------------------------------------ writes

@transaction.atomic
def customers_give_to_assistant(*, actor, customer_ids, assistant: Staff | None, reason: str = "") -> dict[str, Any]:
    """Give chosen customers of the lowest, assistant-served tier to an assistant of their branch
    (Customer.assistant; the manager stays). Only customers in the actor's reach and of a tier an
    assistant may serve; an assistant of the actor's branch (an admin: of the customers' branch).
    Anything refused: nothing written. Exactly once: rows locked, the customers the assistant
    serves already are skipped; ONE audit event names the customers given."""
    ids = chosen_customer_ids(customer_ids)
    reachable = Staff.objects.filter(role=Role.ASSISTANT, is_active=True)
    if actor.role != Role.ADMIN:
        reachable = reachable.filter(branch_id=actor.branch_id) if actor.role == Role.BRANCH_HEAD else reachable.none()
    if assistant is None or not reachable.filter(pk=assistant.pk).exists():
        raise ValidationError({"assistant": [_("Choose an assistant of the branch.")]})
    rows = tiers()
    served = [i for i, t in enumerate(rows) if t.coverage == Coverage.ASSISTANT_OK]
    band = Q(pk__in=[])
    for i in served:
        band |= _band(rows, i)
    found = chosen_customers_locked(actor, ids, "assistant_id")
    wrong = Customer.objects.filter(pk__in=ids).filter(~band | ~Q(branch_id=assistant.branch_id))
    names = list(wrong.values_list("name", flat=True)[:5])
    if names:
        raise ValidationError({"customer_ids": [
            _("Only customers of a tier an assistant may serve, in the assistant's branch: not %(names)s.")
            % {"names": "、".join(names)}]})
    giving = [pk for pk, a in found.items() if a != assistant.pk]
    result = {"customers": len(giving), "skipped": len(ids) - len(giving), "customer_ids": giving}
    if not giving:
        return result
    Customer.objects.filter(pk__in=giving).update(assistant=assistant, updated_at=clock.now())
    audit_log(actor=actor, action="customers.given_to_assistant", obj=assistant,
              after={"assistant": assistant.pk, "customers": len(giving)},
              data={"count": len(giving), "reason": (reason or "")[:200]}, customer_ids=giving)
    return result


#: Above any AUM: where a threshold waits while the thresholds are rewritten (they are unique).
_PARKED = Decimal("90000000000000")


@transaction.atomic
def tiers_save(*, actor, rows: list[dict[str, Any]]) -> list[Tier]:
    """The administrator's edit of the tiers, all at once: each row {code, name, name_en, min_aum,
    coverage, sort_order, delete}; a code not yet in the table adds a tier. Refused as a whole —
    nothing written — unless the thresholds are distinct, the lowest is ¥0 (every customer has a
    tier) and one tier at least remains. ONE audit event with the tiers before and after."""
    if actor is None or actor.role != Role.ADMIN:
        raise ValidationError({"__all__": [_("Only an administrator changes the tiers.")]})
    existing = {t.code: t for t in Tier.objects.select_for_update()}
    before = [_tier_dict(t) for t in sorted(existing.values(), key=lambda t: -t.min_aum)]
    kept: list[dict[str, Any]] = [r for r in rows if not r.get("delete")]
    errors: dict[str, list[str]] = {}
    if not kept:
        errors["__all__"] = [_("Keep one tier at least.")]
    seen: dict[Decimal, str] = {}
    for r in kept:
        amount = Decimal(r["min_aum"])
        if amount in seen:
            errors.setdefault(f"min_aum_{r['code']}", []).append(
                _("Another tier starts at the same AUM (%(code)s).") % {"code": seen[amount]})
        seen[amount] = r["code"]
    if kept and min(Decimal(r["min_aum"]) for r in kept) != 0:
        errors.setdefault("__all__", []).append(_("The lowest tier starts at ¥0, so that every customer has a tier."))
    if errors:
        raise ValidationError(errors)
    Tier.objects.filter(code__in=[r["code"] for r in rows if r.get("delete")]).delete()
    # thresholds are unique: move every kept row out of the way first, then write the new values
    for i, t in enumerate(Tier.objects.filter(code__in=[r["code"] for r in kept])):
        Tier.objects.filter(pk=t.pk).update(min_aum=_PARKED + i)
    for r in kept:
        tier = existing.get(r["code"]) or Tier(code=r["code"])
        for f in ("name", "name_en", "min_aum", "coverage", "sort_order"):
            setattr(tier, f, r[f] if f != "min_aum" else Decimal(r[f]))
        try:
            tier.full_clean(exclude=["min_aum"] if tier.pk else None, validate_unique=False)
        except ValidationError as e:
            raise ValidationError({f"{k}_{r['code']}": v for k, v in e.message_dict.items()}) from None
        tier.save()
    after = [_tier_dict(t) for t in tiers()]
    audit_log(actor=actor, action="tiers.changed", before={"tiers": before}, after={"tiers": after},
              data={"count": len(after)})
    return tiers()


def _tier_dict(t: Tier) -> dict[str, Any]:
    return {"code": t.code, "name": t.name, "min_aum": str(t.min_aum), "coverage": t.coverage}
