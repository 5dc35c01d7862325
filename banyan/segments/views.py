"""The segment matrix page (SEG-1, SEG-4): the user's visible customers in the four value
quadrants of seed 004, the frequency each sets, the 80/20 split, and a recompute button for
those who run the branch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.customers.selectors import visible_customers
from banyan.org.models import Role, Staff
from banyan.org.selectors import managers_for
from banyan.outreach.services import campaign_create
from banyan.segments.models import Quadrant, SegmentPolicy
from banyan.segments.selectors import first_contact_groups, quadrant_matrix
from banyan.segments.services import segments_recompute

#: Seed 004's maintenance strategy per quadrant: how often, and what the contact is for.
STRATEGY = {
    Quadrant.HIGH_HIGH: gettext_lazy("Very high frequency: keep and grow — the manager's first call"),
    Quadrant.LOW_HIGH: gettext_lazy("High frequency: win the assets held at other banks"),
    Quadrant.HIGH_LOW: gettext_lazy("Medium frequency: keep the relationship, after-sales care"),
    Quadrant.LOW_LOW: gettext_lazy("Low frequency: service and messages, events"),
}
#: Where each quadrant sits on the 2×2 grid (potential on the vertical axis, assets across).
#: How long a first-contact invitation plan runs.
FIRST_CONTACT_DAYS = 14
GRID = [[Quadrant.LOW_HIGH, Quadrant.HIGH_HIGH], [Quadrant.LOW_LOW, Quadrant.HIGH_LOW]]


def can_recompute(user) -> bool:
    return user.role in (Role.BRANCH_HEAD, Role.ADMIN)


def _picked_manager(request: HttpRequest):
    """?rm=<id> narrows the matrix to one manager's book, for those who see several books."""
    raw = request.GET.get("rm")
    if not raw:
        return None
    if request.user.role not in (Role.BRANCH_HEAD, Role.ADMIN):
        raise Http404("No such manager")
    try:
        return managers_for(request.user).get(pk=int(raw))
    except (ValueError, TypeError, Staff.DoesNotExist):
        raise Http404("No such manager") from None


def _percent(part, whole) -> float:
    return float(100 * Decimal(part) / Decimal(whole)) if whole else 0.0


@login_required
@require_GET
def segment_matrix(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.AUDITOR:
        raise Http404("No customers here")
    manager = _picked_manager(request)
    cells = {c["quadrant"]: c for c in quadrant_matrix(user, rm_id=manager.pk if manager else None)}
    total_count = sum(c["count"] for c in cells.values())
    total_aum = sum((Decimal(c["aum"]) for c in cells.values()), Decimal(0))
    for code, cell in cells.items():
        cell["count_share"] = _percent(cell["count"], total_count)
        cell["aum_share"] = _percent(cell["aum"], total_aum)
        cell["strategy"] = STRATEGY[code]
        query = {"quadrant": code}
        if manager is not None:
            query["rm"] = manager.pk
        cell["url"] = reverse("customer_list") + "?" + urlencode(query)
    customers = visible_customers(user)
    if manager is not None:
        customers = customers.filter(rm=manager)
    book = customers.aggregate(
        all=Count("pk"), total_aum=Sum("aum"),
        unsegmented=Count("pk", filter=Q(segment__isnull=True)),
        priority=Count("pk", filter=Q(segment__is_priority=True)),
        priority_aum=Sum("aum", filter=Q(segment__is_priority=True)),
        no_relationship=Count("pk", filter=Q(last_contact_at__isnull=True)),  # as the first-contact page counts
        senior_suggested=Count("pk", filter=Q(segment__suggested_rm__isnull=False)),
    )
    chart = {
        "labels": [str(cells[q]["label"]) for q in Quadrant],
        "codes": [q.value for q in Quadrant],
        "count_share": [round(cells[q]["count_share"], 1) for q in Quadrant],
        "aum_share": [round(cells[q]["aum_share"], 1) for q in Quadrant],
        "count_name": _("Share of customers (%)"),
        "aum_name": _("Share of AUM (%)"),
    }
    managers = managers_for(user).order_by("full_name", "username") if user.role in (
        Role.BRANCH_HEAD, Role.ADMIN) else []
    return render(request, "segments/matrix.html", {
        "grid": [[cells[q] for q in row] for row in GRID],
        "total_count": total_count, "total_aum": total_aum,
        "book": book, "priority_aum_share": _percent(book["priority_aum"] or 0, book["total_aum"] or 0),
        "policy": SegmentPolicy.current(), "chart": chart, "manager": manager, "managers": managers,
        "can_recompute": can_recompute(user), "nav_active": "segments",
    })


@login_required
def first_contact_plan(request: HttpRequest) -> HttpResponse:
    """SEG-5: the customers never contacted, classified on basic dimensions (assets × age), and
    for a group, an invitation plan in one step — a phone-invitation campaign of that group, whose
    call list keeps the contact rules (outreach)."""
    user = request.user
    if user.role == Role.AUDITOR:
        raise Http404("No customers here")
    manager = _picked_manager(request)
    today = clock.today()
    groups = first_contact_groups(user, today, rm_id=manager.pk if manager else None)
    if request.method == "POST":
        chosen = next((g for g in groups if g["key"] == request.POST.get("group")), None)
        if chosen is None:
            messages.error(request, _("That group has no customer left to invite."))
            return redirect("first_contact_plan")
        try:
            campaign = campaign_create(
                actor=user, name=_("First contact: %(asset)s, %(age)s") % chosen,
                purpose=_("Establish the service relationship: first invitation"),
                goal=_("Every customer of the group reached once; a meeting with those interested"),
                start_date=today, end_date=today + dt.timedelta(days=FIRST_CONTACT_DAYS), customer_ids=chosen["ids"])
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
            return redirect("first_contact_plan")
        messages.success(request, _("Invitation plan made: %(n)d customers to call.") % {"n": campaign.entries.count()})
        return redirect("outreach_campaign", campaign.pk)
    managers = managers_for(user).order_by("full_name", "username") if user.role in (
        Role.BRANCH_HEAD, Role.ADMIN) else []
    return render(request, "segments/first_contact.html", {
        "groups": groups, "total": sum(g["count"] for g in groups), "manager": manager, "managers": managers,
        "days": FIRST_CONTACT_DAYS, "nav_active": "segments"})


@login_required
@require_POST
def segment_recompute_view(request: HttpRequest) -> HttpResponse:
    """Recompute every customer's segment now (the nightly job does it too)."""
    if not can_recompute(request.user):
        raise Http404("Not here")
    n = segments_recompute(actor=request.user)
    messages.success(request, _("Segments recomputed for %(n)s customers.") % {"n": n})
    return redirect("segment_matrix")
