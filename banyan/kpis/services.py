"""The review's audited reads: a look at the figures of a scope (who read whose performance, for
which period), and a drill-down's list of customers (a bulk read of customer data, ARC-8)."""

from __future__ import annotations

from typing import Any

from banyan.audit.services import audit_bulk_read, audit_log
from banyan.kpis.figures import Review, Scope
from banyan.kpis.periods import Period


def scope_data(scope: Scope, period: Period) -> dict[str, Any]:
    from banyan.org.models import Branch, Staff

    data: dict[str, Any] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if scope.branch_id is not None:
        data["branch"] = Branch.objects.filter(pk=scope.branch_id).values_list("code", flat=True).first()
    if scope.manager_id is not None:
        data["manager"] = Staff.objects.filter(pk=scope.manager_id).values_list("username", flat=True).first()
    return data


def review_read(*, actor, review: Review, via: str) -> None:
    """One event per look at the review (the page, the API): staff performance is personal data too."""
    audit_log(actor=actor, action="review.read", data={**scope_data(review.scope, review.period), "via": via,
                                                       "rows": len(review.rows)})


def review_drilled(*, actor, scope: Scope, period: Period, figure: str, customer_ids: list[int],
                   matched: int) -> None:
    """The customers behind a number were listed: one bulk-read event with the figure and the scope."""
    audit_bulk_read(actor=actor, action="customer.listed", via="review", customer_ids=customer_ids,
                    filter={**scope_data(scope, period), "figure": figure}, matched=matched)
