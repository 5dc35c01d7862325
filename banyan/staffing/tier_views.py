"""The tiers' pages (issue 16 §7): the branch head's /staffing/tiers/ — customers per tier and
manager, who is out of place and the fix — and the administrator's tiers. A branch head acts on
his or her own branch, an administrator on any (?branch=CODE); everyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from banyan.customers.services import customers_listed, customers_reassign
from banyan.org.models import Branch, Role
from banyan.org.selectors import can_assign
from banyan.org.views import _branch_for
from banyan.staffing.models import Coverage
from banyan.staffing.tier_forms import TierFixForm, TierSettingsForm
from banyan.staffing.tiers import (
    SORTS,
    customers_give_to_assistant,
    out_of_place,
    tier_counts,
    tiers,
    tiers_save,
)

PAGE_SIZE = 25


def why(customer, tier, coverage: str) -> str:
    """Why a customer is out of place, in words."""
    if coverage == Coverage.PRIVATE_BANKER:
        return _("%(tier)s: needs a private banker") % {"tier": tier.label}
    if coverage in (Coverage.SENIOR, Coverage.BRANCH_HEAD_CO_COVER):
        return _("%(tier)s: needs a senior manager") % {"tier": tier.label}
    return _("%(tier)s: a senior manager or private banker holds them; an assistant could serve them") % {
        "tier": tier.label}


def _page(request: HttpRequest, user, branch: Branch, *, form: TierFixForm, status: int = 200,
          chosen=()) -> HttpResponse:
    counts = tier_counts(user, branch)
    by_code = {t.code: t for t in counts.tiers}
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-aum"
    tier = request.GET.get("tier") if request.GET.get("tier") in by_code else ""
    page = Paginator(out_of_place(user, branch, sort=sort, tier=tier), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if rows:  # a list of customers: one audited read (ARC-8)
        customers_listed(actor=user, customer_ids=[c.pk for c in rows], via="tiers", params=request.GET,
                         matched=page.paginator.count)
    chosen = {str(c) for c in chosen}
    items = [{"customer": c, "tier": by_code.get(c.tier), "why": why(c, by_code[c.tier], by_code[c.tier].coverage)
              if c.tier in by_code else "", "chosen": str(c.pk) in chosen} for c in rows]
    branches = Branch.objects.order_by("code") if user.role == Role.ADMIN else None
    return render(request, "staffing/tiers.html", {
        "branch": branch, "branches": branches, "counts": counts, "items": items, "page": page, "sort": sort,
        "tier": tier, "form": form, "sorts": SORTS, "nav_active": "branch",
        "table": [(row, [row.cells.get(t.code) for t in counts.tiers]) for row in counts.rows],
        "co_tiers": [t for t in counts.tiers if t.coverage == Coverage.BRANCH_HEAD_CO_COVER],
    }, status=status)


@login_required
def tiers_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_assign(user):
        raise Http404("No tiers here")
    branch = _branch_for(request)
    return _page(request, user, branch, form=TierFixForm(user=user, branch=branch))


@login_required
@require_POST
def tier_fix(request: HttpRequest) -> HttpResponse:
    """Move the chosen customers to a manager (customers_reassign: the hand-over, audited), or give
    minor ones to an assistant. Refused: the page again with the reason, nothing moved."""
    user = request.user
    if not can_assign(user):
        raise Http404("No tiers here")
    branch = _branch_for(request)
    form = TierFixForm(request.POST, user=user, branch=branch)
    ids = request.POST.getlist("customers")
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["action"] == "move":
                result = customers_reassign(actor=user, customer_ids=ids, to_rm=d["to_rm"],
                                            reason=d["reason"] or "tier")
                name = d["to_rm"].display_name
                text = ngettext("Moved %(n)d customer to %(name)s.", "Moved %(n)d customers to %(name)s.",
                                result["customers"])
            else:
                result = customers_give_to_assistant(actor=user, customer_ids=ids, assistant=d["assistant"],
                                                     reason=d["reason"] or "tier")
                name = d["assistant"].display_name
                text = ngettext("Gave %(n)d customer to %(name)s.", "Gave %(n)d customers to %(name)s.",
                                result["customers"])
        except ValidationError as e:
            for fieldname, errors in e.message_dict.items():
                form.add_error(fieldname if fieldname in form.fields else None, errors)
        else:
            message = text % {"n": result["customers"], "name": name}
            if result["skipped"]:
                message += " " + _("%(n)d were done already.") % {"n": result["skipped"]}
            messages.success(request, message)
            query = request.GET.urlencode()
            return redirect(reverse("staffing_tiers") + (f"?{query}" if query else ""))
    return _page(request, user, branch, form=form, status=400, chosen=ids)


@login_required
def tier_settings(request: HttpRequest) -> HttpResponse:
    """The bank's tiers: an administrator edits them (all at once), a branch head reads them."""
    user = request.user
    if user.role not in (Role.ADMIN, Role.BRANCH_HEAD):
        raise Http404("No tiers here")
    rows = tiers()
    if request.method == "POST":
        if user.role != Role.ADMIN:
            raise PermissionDenied
        form = TierSettingsForm(request.POST, tiers=rows)
        if form.is_valid():
            try:
                tiers_save(actor=user, rows=form.rows())
            except ValidationError as e:
                for fieldname, errors in e.message_dict.items():
                    form.add_error(fieldname if fieldname in form.fields else None, errors)
            else:
                messages.success(request, _("The tiers are saved."))
                return redirect("staffing_tier_settings")
        status = 400
    else:
        form, status = TierSettingsForm(tiers=rows), 200
    return render(request, "staffing/tier_settings.html", {
        "form": form, "tiers": rows, "can_edit": user.role == Role.ADMIN, "nav_active": "branch"}, status=status)
