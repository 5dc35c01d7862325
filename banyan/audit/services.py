"""Writing the audit trail. Every state change and every reveal or export of personal data calls
`audit_log` in the same transaction as the act itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from banyan.audit.models import AuditEvent
from banyan.audit.request import current_ip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def audit_log(
    *,
    actor,
    action: str,
    customer_id: int | None = None,
    obj: Any = None,
    detail: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        customer_id=customer_id,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and getattr(obj, "pk", None) else "",
        detail=detail[:300],
        before=_jsonable(before) if before else None,
        after=_jsonable(after) if after else None,
        ip=current_ip(),
    )


def audit_log_many(*, actor, action: str, customer_ids: list[int], detail: str = "") -> None:
    """One event per customer, written in one statement (bulk views, exports, book hand-overs)."""
    ip = current_ip()
    actor = actor if getattr(actor, "pk", None) else None
    AuditEvent.objects.bulk_create(
        [AuditEvent(actor=actor, action=action, customer_id=cid, detail=detail[:300], ip=ip) for cid in customer_ids],
        batch_size=1000,
    )


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, as (before, after)."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
