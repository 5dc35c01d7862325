"""The capacity page (issue 16 §8): /staffing/capacity/ — the branch head's table of managers
(book by quadrant, contacts needed a month, capacity, load), the managers over 100 % in red, and
the proposed moves with an accept button. The figures are banyan.staffing.capacity's, the same
as the API's. An admin chooses the branch; a manager sees his or her own row."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from banyan.forms import BanyanForm
from banyan.org.models import Branch, Role
from banyan.segments.models import Quadrant
from banyan.staffing.capacity import NONE, QUADRANTS, capacity, capacity_scope
from banyan.staffing.capacity_services import MAX_CUSTOMERS, branch_manager, capacity_accept, capacity_read

#: Customers named per proposal on the page (the accept moves them all).
SHOWN = 30


class AcceptForm(BanyanForm):
    """A proposal's hidden fields: who gives, who takes, which customers."""

    branch = forms.CharField(max_length=20)
    from_rm = forms.CharField(max_length=150)
    to_rm = forms.CharField(max_length=150)
    customer_ids = forms.CharField(max_length=MAX_CUSTOMERS * 12)

    def clean_customer_ids(self) -> list[int]:
        raw = [p for p in self.cleaned_data["customer_ids"].replace(",", " ").split() if p]
        if not raw or not all(p.isdigit() for p in raw):
            raise ValidationError(_("Choose at least one customer."))
        return [int(p) for p in raw]


def _page_url(branch: Branch) -> str:
    return reverse("capacity") + "?" + urlencode({"branch": branch.code})


@login_required
def capacity_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    code = request.GET.get("branch") or (user.branch.code if user.branch_id else None)
    if user.role == Role.ADMIN and not request.GET.get("branch"):
        code = None
    branches = list(Branch.objects.order_by("code")) if user.role == Role.ADMIN else []
    if user.role == Role.ADMIN and code is None:
        return render(request, "staffing/capacity.html", {"branches": branches, "nav_active": "capacity"})
    branch, manager_id = capacity_scope(user, code)
    cap = capacity(branch, manager_id=manager_id)
    capacity_read(actor=user, cap=cap, via="page")
    whole = manager_id is None
    rows = []
    for r in cap.managers:
        load = r.load
        rows.append({"r": r, "cells": [r.by_quadrant.get(q, 0) for q in [*QUADRANTS, NONE]],
                     "pct": None if load is None else float(load) * 100,
                     "bar": None if load is None else min(float(load) * 100, 100),
                     "pct_after": None if not whole or r.load_after is None else float(r.load_after) * 100})
    quadrant_words = [*(Quadrant(q).label for q in QUADRANTS), _("No segment")]
    proposals = [{"p": p, "ids": ",".join(str(c.id) for c in p.customers),
                  "customers": [{"c": c, "quadrant": Quadrant(c.quadrant).label if c.quadrant else _("No segment")}
                                for c in p.customers[:SHOWN]], "more": max(len(p.customers) - SHOWN, 0)}
                 for p in cap.proposals]
    return render(request, "staffing/capacity.html", {
        "cap": cap, "rows": rows, "whole": whole, "branches": branches, "quadrant_words": quadrant_words,
        "proposals": proposals, "over": [r for r in cap.managers if r.over],
        "nav_active": "capacity",
    })


@login_required
@require_POST
def capacity_accept_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in (Role.BRANCH_HEAD, Role.ADMIN):
        raise Http404("Only the branch head moves customers")
    # the branch first: another branch's answer is a missing one's, whatever the rest of the form
    branch, manager_id = capacity_scope(user, (request.POST.get("branch") or "")[:20])
    if manager_id is not None:
        raise Http404("Only the branch head moves customers")
    form = AcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(_page_url(branch))
    try:
        from_rm = branch_manager(branch, form.cleaned_data["from_rm"], "from_rm")
        to_rm = branch_manager(branch, form.cleaned_data["to_rm"], "to_rm")
        result = capacity_accept(actor=user, branch=branch, from_rm=from_rm, to_rm=to_rm,
                                 customer_ids=form.cleaned_data["customer_ids"])
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect(_page_url(branch))
    if result["moved"]:
        messages.success(request, _("Moved %(n)d customers from %(from)s to %(to)s.") % {
            "n": len(result["moved"]), "from": from_rm.display_name, "to": to_rm.display_name})
    if result["skipped"]:
        messages.info(request, _("%(n)d customers were no longer in %(from)s's book: skipped.") % {
            "n": len(result["skipped"]), "from": from_rm.display_name})
    return redirect(_page_url(branch))
