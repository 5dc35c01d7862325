"""Capacity planning's writes and audit (issue 16 §8): accepting a proposed move is a normal
reassignment (banyan.customers.services.customers_reassign), exactly once; reading the branch's
plan is one audited bulk read (the proposals name customers)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.audit.services import audit_bulk_read
from banyan.customers.models import Customer
from banyan.org.models import BOOK_ROLES, Branch, Staff
from banyan.staffing.capacity import Capacity

#: Proposals move at most this many customers at a time (a page's form, an API body).
MAX_CUSTOMERS = 5000


def branch_manager(branch: Branch, username_or_pk: Any, field: str) -> Staff:
    """A manager (rm, planner) of `branch`, by username or id; a field error otherwise — the same
    for a manager of another branch as for none."""
    qs = Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True)
    value = str(username_or_pk or "").strip()
    staff = qs.filter(pk=int(value)).first() if value.isdigit() else qs.filter(username=value).first()
    if staff is None:
        raise ValidationError({field: [_("Choose a manager of this branch.")]})
    return staff


@transaction.atomic
def capacity_accept(*, actor, branch: Branch, from_rm: Staff, to_rm: Staff, customer_ids: list[int]) -> dict:
    """Move the customers of a proposal from `from_rm`'s book to `to_rm`'s. Exactly once: the
    customers still in `from_rm`'s book are locked and moved; those no longer there (moved by an
    earlier accept, or by anyone since the proposal was shown) are skipped — a second accept of the
    same proposal moves nothing. Returns {"moved": [id…], "skipped": [id…]}."""
    from banyan.customers.services import customers_reassign

    if from_rm.branch_id != branch.pk or from_rm.role not in BOOK_ROLES:
        raise ValidationError({"from_rm": [_("Choose a manager of this branch.")]})
    if to_rm.branch_id != branch.pk or to_rm.role not in BOOK_ROLES:
        raise ValidationError({"to_rm": [_("Choose a manager of this branch.")]})
    if from_rm.pk == to_rm.pk:
        raise ValidationError({"to_rm": [_("Choose a different manager.")]})
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        raise ValidationError({"customer_ids": [_("Choose at least one customer.")]})
    if len(ids) > MAX_CUSTOMERS:
        raise ValidationError({"customer_ids": [_("At most %(n)d customers at a time.") % {"n": MAX_CUSTOMERS}]})
    still = list(Customer.objects.select_for_update(of=("self",)).filter(pk__in=ids, rm=from_rm)
                 .order_by("pk").values_list("pk", flat=True))
    if still:
        customers_reassign(actor=actor, customer_ids=still, to_rm=to_rm, reason="capacity")
    return {"moved": still, "skipped": [i for i in ids if i not in set(still)]}


def capacity_read(*, actor, cap: Capacity, via: str) -> None:
    """One event per look at a branch's capacity plan (the page, the API). The proposals name
    customers: they are listed with the event, as every bulk read of customers is."""
    audit_bulk_read(actor=actor, action="capacity.read", via=f"capacity_{via}", obj=cap.branch,
                    customer_ids=cap.customer_ids(),
                    filter={"branch": cap.branch.code, "month": cap.month.isoformat(), "managers": len(cap.managers)})
