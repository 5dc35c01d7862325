"""Writing the audit trail. Every state change and every reveal or export of personal data calls
`audit_log` in the same transaction as the act itself; every bulk read or export of customers
(a page of the book, a search, a CSV file, an API list) calls `audit_bulk_read`, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from banyan import clock
from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.audit.request import current_ip

#: The suggestions under the header's search box change with every key typed. They are recorded
#: for what they reveal: an event only when they show a customer that the same person was not
#: shown by them within this window, listing those customers (see `audit_suggestions`).
SUGGEST_WINDOW = dt.timedelta(minutes=10)

#: A filter is kept as the caller gave it, within reason: a query string is the caller's to make long.
_FILTER_KEYS, _FILTER_VALUE = 20, 100


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
    data: dict | None = None,
    customer_ids: Iterable[int] = (),
) -> AuditEvent:
    """One audited act. `detail` is free text a person typed (a skip reason) or a code; what the
    system knows as values (counts, via which page, a filter) goes in `data`, which the audit page
    renders in the reader's language. An act on many customers at once (a book handed over, a
    bulk read) names them in `customer_ids`: kept beside the event, two integers a row, in the
    caller's transaction (or one of their own)."""
    ids = list(dict.fromkeys(int(cid) for cid in customer_ids))
    if ids:
        with transaction.atomic():
            event = audit_log(actor=actor, action=action, customer_id=customer_id, obj=obj, detail=detail,
                              before=before, after=after, data=data)
            AuditEventCustomer.objects.bulk_create(
                [AuditEventCustomer(event=event, customer_id=cid) for cid in ids], batch_size=2000)
        return event
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        customer_id=customer_id,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and getattr(obj, "pk", None) else "",
        detail=detail[:300],
        before=_jsonable(before) if before else None,
        after=_jsonable(after) if after else None,
        data=_jsonable(data) if data else None,
        ip=current_ip(),
    )


def filter_of(params: Mapping[str, Any], *, drop: Iterable[str] = ()) -> dict[str, Any]:
    """What a caller asked for (a QueryDict or the API's query parameters), as the audit keeps it:
    the parameters that were given, a list where one was given several times, each value cut to
    100 characters and at most 20 parameters."""
    getlist = getattr(params, "getlist", None)
    out: dict[str, Any] = {}
    for key in params:
        if key in drop or len(out) >= _FILTER_KEYS:
            continue
        values = getlist(key) if getlist else [params[key]]
        values = [str(v)[:_FILTER_VALUE] for v in values if v not in (None, "")]
        if values:
            out[str(key)[:_FILTER_VALUE]] = values[0] if len(values) == 1 else values[:_FILTER_KEYS]
    return out


def audit_bulk_read(
    *,
    actor,
    action: str,
    via: str,
    customer_ids: Iterable[int] = (),
    customer_id: int | None = None,
    filter: Mapping[str, Any] | None = None,
    matched: int | None = None,
    records: int | None = None,
    obj: Any = None,
) -> AuditEvent:
    """ONE event for one bulk read or export of customer data (ARC-8), however many customers it
    showed: `via` names the page or endpoint (a code: "book", "search", "api_customers"…),
    `filter` what was asked (query parameters, the search text), `data.count` how many customers
    were shown, and `matched` how many the filter found when a page shows fewer.

    A list of customers (`customer_ids`) keeps its customers in AuditEventCustomer, two integers
    a row, bulk-inserted with the event — the same few statements for one customer or 2,000. The
    records of one customer (their holdings, contacts or messages: `customer_id`, with `records`
    the number of rows shown) name the customer on the event itself, as a file view does. Either
    way `audit.selectors.events_about_customer` finds the event under each customer."""
    ids = list(dict.fromkeys(int(cid) for cid in customer_ids))  # each customer once, in the order shown
    data: dict[str, Any] = {"via": via, "count": 1 if customer_id is not None else len(ids)}
    if filter:
        data["filter"] = dict(filter)
    for key, value in (("matched", matched), ("records", records)):
        if value is not None:
            data[key] = value
    return audit_log(actor=actor, action=action, customer_id=customer_id, obj=obj, data=data, customer_ids=ids)


def audit_suggestions(*, actor, via: str, q: str, customer_ids: Iterable[int]) -> AuditEvent | None:
    """The header's search suggestions (and the relation picker's): recorded for what they reveal.

    Typing 王 → 王小 → 王小明 asks three times; one event per key would bury the log in near-copies.
    So an event is written only when the suggestions show customers that this person was not shown
    by them in the last `SUGGEST_WINDOW`, and it lists only those, with the text typed. Every
    customer the box showed is on record (once per window), and the log grows with what was seen,
    not with keystrokes. Events are never rewritten: the trail stays append-only."""
    ids = list(dict.fromkeys(int(cid) for cid in customer_ids))
    if not ids:
        return None
    recent = AuditEvent.objects.filter(actor=actor, action="customer.listed", at__gte=clock.now() - SUGGEST_WINDOW,
                                       data__via=via)
    seen = set(AuditEventCustomer.objects.filter(event__in=recent, customer_id__in=ids)
               .values_list("customer_id", flat=True))
    seen |= set(recent.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    new = [cid for cid in ids if cid not in seen]
    if not new:
        return None
    return audit_bulk_read(actor=actor, action="customer.listed", via=via, customer_ids=new, filter={"q": q},
                           matched=len(ids))


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields that changed, as (before, after)."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
