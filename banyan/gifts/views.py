"""The gift pages (issue 16 §6): the month's spend (the branch head's branch against its budgets, with
the gifts awaiting approval and their approve/reject buttons; the administrator's bank or a branch;
a manager's own gifts and their status) and the administrator's catalogue and budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan import clock
from banyan.customers.services import customers_listed
from banyan.gifts.models import TIER_CHOICES, Gift, GiftBudget, GiftItem
from banyan.gifts.selectors import (
    get_gift_for_user,
    month_end,
    parse_month,
    pending_gifts,
    spend,
    visible_gifts,
)
from banyan.gifts.services import gift_budgets_set, gift_decide, gift_item_save, gift_limit, may_decide
from banyan.org.models import Branch, Role
from banyan.transitions import Conflict


def _scope(request: HttpRequest):
    """(gifts in reach for the figures, the branch's ids for the budgets or None, the branch shown)."""
    user = request.user
    if user.role == Role.ADMIN:
        code = request.GET.get("branch") or ""
        if code:
            branch = Branch.objects.filter(code=code[:20]).first()
            if branch is None:
                raise Http404("No such branch")
            return Gift.objects.filter(branch=branch), [branch.pk], branch
        return Gift.objects.all(), list(Branch.objects.values_list("pk", flat=True)), None
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        return Gift.objects.filter(branch_id=user.branch_id), [user.branch_id], user.branch
    if user.role == Role.AUDITOR:
        raise Http404("No gifts here")
    return visible_gifts(user), None, None


@login_required
@require_GET
def spend_page(request: HttpRequest) -> HttpResponse:
    """礼品费用: the month's spend by tier against the budget and by manager; the gifts awaiting the
    branch head; the month's gifts."""
    gifts, branch_ids, branch = _scope(request)
    try:
        month = parse_month(request.GET.get("month"))
    except ValidationError:
        month = clock.today().replace(day=1)
    figures = spend(gifts, month, branch_ids=branch_ids)
    waiting = list(pending_gifts(gifts))
    for g in waiting:
        g.may_decide = may_decide(request.user, g)
    given = list(gifts.filter(given_on__gte=month, given_on__lt=month_end(month))
                 .select_related("customer", "item", "given_by", "delivered_by").order_by("-given_on", "-pk")[:200])
    shown = [g.customer_id for g in waiting + given]
    if shown:  # customers' names in bulk: one audited read (ARC-8)
        customers_listed(actor=request.user, customer_ids=shown, via="gifts", params=request.GET)
    months = [clock.today().replace(day=1)]  # the month chooser: this month and the eleven before
    for _i in range(11):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return render(request, "gifts/spend.html", {
        "nav_active": "gifts", "figures": figures, "month": month, "months": months, "branch": branch,
        "branches": Branch.objects.order_by("code") if request.user.role == Role.ADMIN else [],
        "with_budget": branch_ids is not None, "waiting": waiting, "given": given, "limit": gift_limit(),
    })


@login_required
@require_POST
def gift_decide_view(request: HttpRequest, gift_id: int) -> HttpResponse:
    """Approve or reject a gift awaiting the branch head (exactly once: a second answer says so)."""
    gift, may = get_gift_for_user(request.user, gift_id)
    if not may:
        raise PermissionDenied(_("Only the branch head decides on a gift above the limit."))
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Approve or reject the gift."))
    else:
        try:
            gift_decide(actor=request.user, gift=gift, approve=decision == "approve",
                        note=request.POST.get("note") or "")
        except Conflict as e:
            messages.warning(request, " ".join(e.messages))
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, (_("Gift approved: %(item)s for %(name)s.") if decision == "approve"
                                       else _("Gift rejected: %(item)s for %(name)s."))
                             % {"item": gift.item.name, "name": gift.customer.name})
    back = reverse("gift_spend")
    month = request.POST.get("month") or ""
    return redirect(f"{back}?month={month[:7]}" if month else back)


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_page(request: HttpRequest) -> HttpResponse:
    """The administrator's gift catalogue (name, unit cost, in use) and each branch's monthly budget per
    tier. Others read the catalogue."""
    admin = request.user.role == Role.ADMIN
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not admin:
            raise PermissionDenied(_("The catalogue is kept by the administrator."))
        what = request.POST.get("what")
        try:
            if what == "item":
                pk = request.POST.get("item") or ""
                item = GiftItem.objects.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 12 else None
                gift_item_save(actor=request.user, item=item, name=request.POST.get("name") or "",
                               unit_cost=_amount(request.POST.get("unit_cost"), "unit_cost"),
                               is_active=request.POST.get("is_active") == "on" or item is None)
                messages.success(request, _("Catalogue saved."))
                return redirect("gift_catalogue")
            if what == "budgets":
                branch = Branch.objects.filter(code=(request.POST.get("branch") or "")[:20]).first()
                if branch is None:
                    raise Http404("No such branch")
                gift_budgets_set(actor=request.user, branch=branch, amounts={
                    tier: _amount(request.POST.get(f"budget-{branch.code}-{tier}") or "0", tier)
                    for tier, _label in TIER_CHOICES})
                messages.success(request, _("Budgets of %(branch)s saved.") % {"branch": branch.name})
                return redirect("gift_catalogue")
        except ValidationError as e:
            errors = {k: " ".join(v) for k, v in e.message_dict.items()} if hasattr(e, "error_dict") \
                else {"": " ".join(e.messages)}
    budgets = {(b.branch_id, b.tier): b.monthly_amount for b in GiftBudget.objects.all()}
    branches = [{"b": b, "tiers": [(tier, label, budgets.get((b.pk, tier))) for tier, label in TIER_CHOICES]}
                for b in Branch.objects.order_by("code")] if admin else []
    return render(request, "gifts/catalogue.html", {
        "nav_active": "gifts", "items": GiftItem.objects.order_by("-is_active", "name"), "admin": admin,
        "branches": branches, "errors": errors, "limit": gift_limit(), "posted": request.POST,
    }, status=400 if errors else 200)


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value or "").strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 120.00.")]}) from None
    if not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount in yuan, e.g. 120.00.")]})
    return amount
