"""The audit log page for auditors and admins (ARC-8): filter, read, export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from banyan import clock
from banyan.audit.details import Names, customers_in_words, describe, referred_staff
from banyan.audit.models import AuditEvent
from banyan.audit.selectors import (
    FIELD_LABELS,
    AuditFilters,
    action_label,
    audit_actions,
    audit_events,
    branch_names,
    customer_by_number,
    customer_names,
    field_label,
    field_value_label,
    staff_names,
)
from banyan.audit.services import audit_log
from banyan.exports import csv_row
from banyan.forms import BanyanForm
from banyan.org.models import Role
from banyan.org.selectors import is_auditor

PAGE_SIZE = 100
_EXPORT_CHUNK = 2000


class AuditFilterForm(BanyanForm):
    actor = forms.CharField(label=gettext_lazy("Staff (username)"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    customer = forms.CharField(label=gettext_lazy("Customer number"), required=False, max_length=40,
                               widget=forms.TextInput(attrs={"placeholder": "C000003958"}))
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, action_label(a)) for a in actions]
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-select form-select-sm" if isinstance(f, forms.ChoiceField)
                                      else "form-control form-control-sm")

    def clean_customer(self) -> str:
        number = self.cleaned_data["customer"].strip()
        if number and customer_by_number(number) is None:
            raise forms.ValidationError(_("No customer has the number %(n)s.") % {"n": number})
        return number

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> AuditFilters:
        """The valid parts of what was asked; an invalid field is shown with its error and ignored."""
        data = self.cleaned_data if self.is_bound else {}
        number = data.get("customer") or ""
        return AuditFilters(actor=data.get("actor") or "", action=data.get("action") or "",
                            customer_id=customer_by_number(number) if number else None, customer_number=number,
                            date_from=data.get("date_from"), date_to=data.get("date_to"))


def _require_auditor(request: HttpRequest) -> None:
    # Out of reach answers 404, like a customer file: the page's existence is not advertised.
    if not is_auditor(request.user):
        raise Http404("No audit log here")


def _filter_form(request: HttpRequest) -> AuditFilterForm:
    form = AuditFilterForm(request.GET or None, actions=audit_actions())
    if form.is_bound:
        form.is_valid()
    return form


@dataclass
class EventRow:
    event: AuditEvent
    action_label: str
    actor_name: str
    actor_role: str
    customer_number: str  # as people see it (C000003958); "#id" once the customer is deleted
    customer_name: str
    customers: int  # how many customers a bulk read, export or hand-over showed or moved; 0 otherwise
    detail: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _show(key: str, value: Any, object_type: str, staff: dict[int, str], branches: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    value = field_value_label(key, object_type, value)
    if key in ("rm", "assistant") and isinstance(value, int):
        return staff.get(value, f"#{value}")
    if key == "branch" and isinstance(value, int):
        return branches.get(value, f"#{value}")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _rows(events: list[AuditEvent]) -> list[EventRow]:
    """Presentable rows for a page of events: names looked up in one query per kind."""
    names = customer_names(e.customer_id for e in events)
    referred = [v for e in events for part in (e.before or {}, e.after or {}) for k, v in part.items()
                if k in ("rm", "assistant")]
    staff = staff_names([*referred, *referred_staff(events)])
    words = Names(staff=staff, action_label=action_label)
    branches = branch_names(v for e in events for part in (e.before or {}, e.after or {})
                            for k, v in part.items() if k == "branch")
    roles = dict(Role.choices)
    nobody = {"auth.login_failed": _("(not logged in)")}
    rows = []
    for e in events:
        before, after = e.before or {}, e.after or {}
        changes = []
        for k in sorted(set(before) | set(after)):
            old = _show(k, before.get(k), e.object_type, staff, branches)
            new = _show(k, after.get(k), e.object_type, staff, branches)
            if old != new:  # a new file's snapshot lists every field; the empty ones say nothing
                changes.append((field_label(k, e.object_type), old, new))
        detail = describe(e, words)
        if e.action == "customer.revealed" and detail in FIELD_LABELS:
            detail = field_label(detail)
        elif e.action in ("customer.updated", "settings.policy_changed") and changes:
            detail = ""  # the detail only lists the changed fields, which the changes column shows
        number, name = names.get(e.customer_id, (f"#{e.customer_id}", "")) if e.customer_id else ("", "")
        rows.append(EventRow(
            event=e, action_label=action_label(e.action),
            actor_name=e.actor.display_name if e.actor else nobody.get(e.action, _("(system)")),
            actor_role=str(roles.get(e.actor.role, e.actor.role)) if e.actor else "",
            customer_number=number, customer_name=name,
            customers=(e.data or {}).get("count", 0) if not e.customer_id else 0,
            detail=detail, changes=changes,
        ))
    return rows


@login_required
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """Newest first, 100 a page, filtered by actor, action, customer and dates."""
    _require_auditor(request)
    form = _filter_form(request)
    page = Paginator(audit_events(form.filters()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {
        "form": form, "page": page, "rows": _rows(list(page.object_list)), "nav_active": "audit",
    })


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(qs) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that Excel opens the Chinese text as UTF-8
    yield writer.writerow([_("Time"), _("Username"), _("Name"), _("Role"), _("Action"), _("Action code"),
                           _("Customer number"), _("Customer"), _("Detail"), _("Before"), _("After"), _("IP")])
    chunk: list[AuditEvent] = []
    for event in qs.iterator(chunk_size=_EXPORT_CHUNK):
        chunk.append(event)
        if len(chunk) >= _EXPORT_CHUNK:
            yield from _csv_chunk(writer, chunk)
            chunk = []
    yield from _csv_chunk(writer, chunk)


def _csv_chunk(writer, events: list[AuditEvent]) -> Iterator[str]:
    for row in _rows(events):
        e = row.event
        # customer names and details are free text: no cell may run as a formula
        yield writer.writerow(csv_row((
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.username if e.actor else "", row.actor_name, row.actor_role, row.action_label, e.action,
            row.customer_number, row.customer_name or _customers(row), row.detail,
            json.dumps(e.before, ensure_ascii=False) if e.before else "",
            json.dumps(e.after, ensure_ascii=False) if e.after else "",
            e.ip or "",
        )))


def _customers(row: EventRow) -> str:
    return customers_in_words(row.customers) if row.customers else ""


@login_required
def audit_log_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV. The export is itself an audited act."""
    _require_auditor(request)
    filters = _filter_form(request).filters()
    audit_log(actor=request.user, action="audit.exported", data={"filter": filters.as_data()})
    response = StreamingHttpResponse(_csv_lines(audit_events(filters)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="banyan-audit-{clock.today():%Y%m%d}.csv"'
    return response
