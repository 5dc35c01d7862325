"""An audit event's detail in the reader's language (ARC-8).

Events keep values, not sentences: a bulk read keeps {"via": "book", "filter": {…}, "count": 50}
in `data`, a file view the code of the page it came through. This module turns them into words
per action, in the language of the request (Chinese first, English second). Events written
before `data` existed kept English text in `detail` ("5000 customers", "book csv ?band=…",
"book hand-over a → b"): those are read back into values here too, so an old log reads as well as
a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext, pgettext_lazy

from banyan.audit.models import AuditEvent

#: Where a customer's file, or a list of customers, was seen (the `via` of a view or bulk read).
VIA_LABELS = {
    # one customer's file, or part of it
    "page": gettext_lazy("customer file page"),
    "visit_brief": gettext_lazy("visit brief"),
    "api": gettext_lazy("API"),
    "api_holdings": gettext_lazy("API: holdings"),
    "api_interactions": gettext_lazy("API: contact history"),
    "api_memos": gettext_lazy("API: memos"),
    "api_messages": gettext_lazy("API: messages"),
    "api_opportunities": gettext_lazy("API: sales opportunities"),
    "api_suitability": gettext_lazy("API: suitability of a product"),
    "diagnosis": gettext_lazy("wealth diagnosis page"),
    "api_diagnosis": gettext_lazy("API: wealth diagnosis"),
    "groups": gettext_lazy("customer groups card"),
    # lists of customers
    "book": gettext_lazy("My customers list"),
    "search": gettext_lazy("search results page"),
    "plan_customers": gettext_lazy("a value-uplift plan's named customers"),
    "plan_candidates": gettext_lazy("customers offered to name in a value-uplift plan"),
    "api_plan_customers": gettext_lazy("API: a value-uplift plan's named customers"),
    "suggest": gettext_lazy("search box suggestions"),
    "pick": gettext_lazy("relation picker"),
    "api_customers": gettext_lazy("API: customer list"),
    "lobby": gettext_lazy("walk-in desk look-up (limited card)"),
    "api_lobby": gettext_lazy("API: walk-in desk look-up (limited card)"),
    "api_campaign_calls": gettext_lazy("API: campaign call list"),
    "campaign": gettext_lazy("campaign call list"),
    "branch_unassigned": gettext_lazy("branch overview: unassigned customers"),
    "branch_worklist": gettext_lazy("a manager's worklist (branch view)"),
    "pipeline": gettext_lazy("sales opportunities (pipeline)"),
    "group_members": gettext_lazy("a customer group's members"),
    "api_group_members": gettext_lazy("API: a customer group's members"),
    "group_candidates": gettext_lazy("customers found to add to a group"),
    "review": gettext_lazy("the review: the customers behind a figure"),
    "tiers": gettext_lazy("staffing by tier: customers out of place"),
    "api_tiers": gettext_lazy("API: staffing by tier, customers out of place"),
    # exports
    "book_csv": gettext_lazy("customer list CSV"),
    "diagnosis_pdf": gettext_lazy("wealth diagnosis PDF"),
    "api_diagnosis_pdf": gettext_lazy("API: wealth diagnosis PDF"),
    "diagnosis_batch": gettext_lazy("wealth diagnosis PDFs of the priority customers (ZIP)"),
    # the review's figures (no customer in them): the workbook of a page or of the API, the monthly report
    "review_page": pgettext_lazy("audit via", "review page: Excel"),
    "api_kpis_export": pgettext_lazy("audit via", "API: the review's Excel"),
    "monthly_report_xlsx": pgettext_lazy("audit via", "monthly review report: Excel"),
    "monthly_report_pdf": pgettext_lazy("audit via", "monthly review report: PDF"),
}

#: The parameters of a filter, in words (a context of their own: "page" is a page number here).
FILTER_LABELS = {
    "q": pgettext_lazy("audit filter", "search"),
    "band": pgettext_lazy("audit filter", "AUM band"),
    "idle": pgettext_lazy("audit filter", "not contacted for (days)"),
    "risk": pgettext_lazy("audit filter", "risk level"),
    "rm": pgettext_lazy("audit filter", "manager"),
    "manager": pgettext_lazy("audit filter", "manager"),
    "sort": pgettext_lazy("audit filter", "sort"),
    "quadrant": pgettext_lazy("audit filter", "value quadrant"),
    "priority": pgettext_lazy("audit filter", "priority customers only"),
    "page": pgettext_lazy("audit filter", "page"),
    "limit": pgettext_lazy("audit filter", "number"),
    "offset": pgettext_lazy("audit filter", "from"),
    "include_closed": pgettext_lazy("audit filter", "closed holdings too"),
    "date": pgettext_lazy("audit filter", "date"),
    "campaign": pgettext_lazy("audit filter", "campaign"),
    "branch": pgettext_lazy("audit filter", "branch"),
    "figure": pgettext_lazy("audit filter", "figure"),
    # the audit log's own filters (an export of the log)
    "actor": pgettext_lazy("audit filter", "staff"),
    "action": pgettext_lazy("audit filter", "action"),
    "customer": pgettext_lazy("audit filter", "customer number"),
    "from": pgettext_lazy("audit filter", "from date"),
    "to": pgettext_lazy("audit filter", "to date"),
}

_TRUE = {"1", "true", "on", "yes", "True"}


@dataclass
class Names:
    """What the details of a page of events refer to, looked up once for the page."""

    staff: dict[int, str] = field(default_factory=dict)
    action_label: object = None  # action code → words (audit.selectors.action_label)


def referred_staff(events: Iterable[AuditEvent]) -> set[int]:
    """Staff ids named in filters (?rm=…, ?manager=…), to be named in one query for the page."""
    ids = set()
    for e in events:
        flt = (e.data or {}).get("filter") or {}
        for key in ("rm", "manager"):
            value = flt.get(key)
            if isinstance(value, str) and value.isdigit():
                ids.add(int(value))
    return ids


def _n(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _filter_value(key: str, value, names: Names) -> str:
    from banyan.customers.forms import AUM_BANDS, SORTS
    from banyan.customers.models import RiskLevel
    from banyan.segments.models import Quadrant

    if isinstance(value, list):
        return "、".join(_filter_value(key, v, names) for v in value)
    value = str(value)
    if key in ("rm", "manager") and value.isdigit():
        return names.staff.get(int(value), f"#{value}")
    if key == "band" and value in AUM_BANDS:
        return str(AUM_BANDS[value][0])
    if key == "sort" and value in SORTS:
        return str(SORTS[value])
    if key == "risk" and value in RiskLevel.values:
        return str(RiskLevel(value).label)
    if key == "quadrant" and value in Quadrant.values:
        return str(Quadrant(value).label)
    if key in ("priority", "include_closed"):
        return _("yes") if value in _TRUE else _("no")
    if key == "action" and names.action_label is not None:
        return str(names.action_label(value))
    return value


def describe_filter(flt: dict, names: Names) -> str:
    """{"band": "5w-50w", "sort": "-aum"} → "AUM band: 50k – 500k; sort: AUM, highest first"."""
    parts = []
    for key, value in flt.items():
        label = FILTER_LABELS.get(key)
        parts.append(f"{label if label is not None else key}{_(': ')}{_filter_value(key, value, names)}")
    return _("; ").join(parts)


def _via(code: str) -> str:
    label = VIA_LABELS.get(code)
    return str(label) if label is not None else code


def customers_in_words(n: int) -> str:
    """"1,832 customers" in the reader's language."""
    return npgettext("audit", "%(n)s customer", "%(n)s customers", n) % {"n": _n(n)}


def _bulk(data: dict, names: Names) -> str:
    """A list or an export: where, how many, what was asked."""
    via, count, matched = data.get("via", ""), data.get("count"), data.get("matched")
    parts = [_via(via)]
    if count is None:
        pass  # an older event: one per customer, the customer in its own column
    elif via in ("suggest", "pick"):
        parts.append(_("%(new)s not shown before, of %(shown)s shown") % {"new": _n(count),
                                                                           "shown": _n(matched or count)})
    elif matched is not None and matched != count:
        parts.append(_("%(count)s of %(matched)s customers") % {"count": _n(count), "matched": _n(matched)})
    else:
        parts.append(customers_in_words(count))
    flt = data.get("filter") or {}
    if flt:
        parts.append(describe_filter(flt, names))
    return " · ".join(parts)


# --- events written before `data` (English text in `detail`), read back into values ------------

_LEGACY = {
    "customer.exported": re.compile(r"^book csv(?: \?(?P<query>.*))?$"),
    "customer.assigned": re.compile(r"^book hand-over (?P<from>\S+) → (?P<to>\S+)$"),
    "book.handed_over": re.compile(r"^(?P<count>\d+) → (?P<to>\S+)$"),
    "segments.recomputed": re.compile(r"^(?P<count>\d+) customers$"),
    "demo.built": re.compile(r"^seed (?P<seed>\S+), as of (?P<as_of>\S+), (?P<count>\d+) customers$"),
    "worklists.built": re.compile(r"^(?P<day>\S+) managers=(?P<managers>\d+) tasks=(?P<tasks>\d+)$"),
    "backup.made": re.compile(r"^(?P<file>.+) (?P<bytes>\d+) bytes$"),
    "audit.exported": re.compile(r"^(?P<pairs>(?:\w+=\S+ ?)+|all)$"),
}
_FEED = re.compile(r"^(?P<kind>\w+) (?P<rest>.*)$")
_FEED_COUNTS = re.compile(r"added (?P<added>\d+), updated (?P<updated>\d+), unchanged (?P<unchanged>\d+), "
                          r"rejected (?P<rejected>\d+)")


def _int(value) -> int | str:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def event_data(event: AuditEvent) -> dict:
    """The event's values: its `data`, or those an older event kept as text in `detail`."""
    if event.data:
        return event.data
    pattern = _LEGACY.get(event.action)
    match = pattern.match(event.detail) if pattern and event.detail else None
    if match is None:
        return {}
    values = {k: _int(v) for k, v in match.groupdict().items() if v is not None}
    if event.action == "customer.exported":
        query = values.pop("query", "")
        return {"via": "book_csv", "filter": dict(parse_qsl(query)) if query else {}}
    if event.action == "audit.exported":
        pairs = values.pop("pairs", "all")
        return {"filter": dict(p.split("=", 1) for p in pairs.split()) if pairs != "all" else {}}
    return values


def _size(n) -> str:
    if not isinstance(n, int):
        return str(n)
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def _feed(event: AuditEvent) -> str:
    from banyan.feeds.views import KIND_LABELS  # the feed kinds' names, where the upload page keeps them

    match = _FEED.match(event.detail or "")
    if match is None:
        return event.detail
    kind = KIND_LABELS.get(match["kind"])
    if kind is None:
        return event.detail
    rest = match["rest"]
    counts = _FEED_COUNTS.search(rest)
    if counts:
        rest = rest[:counts.start()].rstrip(": ") + _(": ") + _(
            "%(added)s added, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected") % counts.groupdict()
    return f"{kind} · {rest}"


def _reason(code: str) -> str:
    from banyan.customers.models import Orientation
    from banyan.worklists.models import ReasonCode

    words = []
    for part in code.split():
        if part in ReasonCode.values:
            words.append(str(ReasonCode(part).label))
        elif part in Orientation.values:
            words.append(str(Orientation(part).label))
        else:
            words.append(part)
    return " · ".join(words)


def _review(data: dict) -> str:
    """A workbook or report of the review: where it came from, whose figures, which period, how many lines."""
    parts = [_via(data["via"])] if data.get("via") else []
    parts.append(data.get("manager") or data.get("branch") or str(pgettext_lazy("audit", "the whole bank")))
    if data.get("month"):
        parts.append(data["month"])
    elif data.get("from"):
        parts.append(f"{data['from']} – {data.get('to', '')}")
    if isinstance(data.get("rows"), int):
        parts.append(npgettext("audit", "%(n)s line", "%(n)s lines", data["rows"]) % {"n": _n(data["rows"])})
    if data.get("recipients"):
        parts.append("→ " + "、".join(data["recipients"]))
    if data.get("failed"):
        parts.append(str(pgettext_lazy("audit", "not delivered: ")) + "、".join(data["failed"]))
    return " · ".join(parts)


def describe(event: AuditEvent, names: Names) -> str:
    """The detail column of the audit page (and of its CSV export) for one event."""
    action, data = event.action, event_data(event)
    if action in ("customer.listed", "customer.exported"):
        return _bulk(data, names)
    if action == "customer.viewed":
        text = _via(data.get("via") or event.detail)
        if data.get("records") is not None:
            text += " · " + _("%(n)s records") % {"n": _n(data["records"])}
        return text
    if action == "customer.assigned" and "from" in data:
        return _("Book handed over: %(from)s → %(to)s") % data
    if action == "book.handed_over" and "count" in data:
        return customers_in_words(data["count"]) + (" → " + data["to"] if "to" in data else "")
    if action == "segments.recomputed" and "count" in data:
        return customers_in_words(data["count"])
    if action in ("customers.reassigned", "customers.given_to_assistant") and "count" in data:
        return customers_in_words(data["count"]) + (" · " + str(data["reason"]) if data.get("reason") else "")
    if action == "demo.built" and "count" in data:
        return _("seed %(seed)s, as of %(as_of)s, %(n)s customers") % {**data, "n": _n(data["count"])}
    if action == "worklists.built" and "tasks" in data:
        return _("%(day)s: %(managers)s managers, %(tasks)s tasks") % {
            "day": data.get("day", ""), "managers": _n(data.get("managers", 0)), "tasks": _n(data["tasks"])}
    if action == "backup.made" and "file" in data:
        return f"{data['file']} · {_size(data.get('bytes'))}"
    if action == "audit.exported":
        flt = data.get("filter") or {}
        return describe_filter(flt, names) if flt else _("the whole log")
    if action.startswith("feed."):
        return _feed(event)
    if action in ("kpis.exported", "kpis.report_built", "kpis.report_sent") and data:
        return _review(data)
    if action in ("settings.reason_rule_changed", "settings.talking_point_changed") and event.detail:
        return _reason(event.detail)
    return event.detail
