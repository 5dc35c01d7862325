"""Pages of the value-uplift plans (价值提升计划, KPI-3, seed 004): the month's plans (a branch head:
each manager of the branch a row, targets against the figures so far, the effect on the named
customers, a plan to set for whoever has none; a manager: his or her own plans and a proposal),
a plan's page (progress, the named customers with then and now, comments, approve / return, the
checklist of the manager's low-assets / high-potential customers to name), and the form that
sets, proposes or changes one. A plan out of reach answers 404 on every page; lobby, assistants
and auditors have none. Plain forms: POST, then redirect; printable (print CSS)."""

from __future__ import annotations

import datetime as dt

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
from banyan.kpis import plans as svc
from banyan.kpis.models import PlanStatus
from banyan.kpis.plan_forms import ApproveForm, CommentForm, PlanForm, ReturnForm, TargetsForm
from banyan.org.models import BOOK_ROLES, Branch, Role
from banyan.transitions import Conflict

NAV = "review"
#: Who has plan pages at all: the others (lobby, assistant, auditor) get 404, as for a plan out of reach.
PLAN_ROLES = (Role.ADMIN, Role.BRANCH_HEAD, *BOOK_ROLES)


def _gate(request: HttpRequest) -> None:
    if request.user.role not in PLAN_ROLES:
        raise Http404("No plans for this role")


def _month(request: HttpRequest) -> dt.date:
    return svc.parse_month(request.GET.get("month") or request.POST.get("month")) or clock.today().replace(day=1)


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """The month's plans the caller sees (?month=YYYY-MM; an administrator may pick ?branch=CODE)."""
    _gate(request)
    user = request.user
    month = _month(request)
    branch = None
    branches = []
    if user.role == Role.ADMIN:
        branches = list(Branch.objects.order_by("code"))
        code = request.GET.get("branch", "")
        branch = next((b for b in branches if b.code == code), None)
    rows = svc.month_rows(user, month, branch_id=branch.pk if branch else None)
    head = user.role in svc.HEAD_ROLES
    own_plans = []
    if user.role in BOOK_ROLES:
        own_plans = list(svc.visible_plans(user).select_related("manager").order_by("-start")[:24])
    first, last = svc.month_bounds(month)
    return render(request, "kpis/plan_list.html", {
        "nav_active": NAV, "rows": rows, "month": month, "month_text": f"{month:%Y-%m}", "first": first,
        "last": last, "prev": f"{_shift(month, -1):%Y-%m}", "next": f"{_shift(month, 1):%Y-%m}", "head": head,
        "branches": branches, "branch": branch, "own_plans": own_plans,
        "may_propose": user.role in BOOK_ROLES and svc.plannable_managers(user).exists()
        and not any(r.plan and r.plan.start == first and r.plan.end == last for r in rows),
        "targets": svc.TARGETS, "today": clock.today(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    """Set a plan for a manager (a branch head, an administrator: approved at once) or propose
    one's own (a manager). ?manager=<id> picks the manager, ?month=YYYY-MM the period."""
    _gate(request)
    user = request.user
    managers = svc.plannable_managers(user).select_related("branch").order_by("branch__code", "full_name",
                                                                              "username")
    wanted = request.GET.get("manager") or request.POST.get("manager")
    chosen = None
    if wanted:
        try:
            chosen = managers.get(pk=int(wanted))
        except (ValueError, TypeError, OverflowError, managers.model.DoesNotExist):
            raise Http404("No such manager") from None
    if not managers.exists():
        raise Http404("Nobody to plan for")
    head = user.role in svc.HEAD_ROLES
    month = _month(request)
    first, last = svc.month_bounds(month)
    initial = {"start": first, "end": last, "manager": chosen.pk if chosen else None}
    form = PlanForm(request.POST or None, initial=initial, managers=list(managers), choose_manager=head)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = svc.plan_create(actor=user, manager=data.get("manager") if head else None, start=data["start"],
                                   end=data["end"], **form.targets())
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("The plan is set and approved.") if head
                             else _("The plan is proposed: it waits for the branch head's approval."))
            return redirect("plan_detail", uplift_id=plan.pk)
    return render(request, "kpis/plan_form.html", {
        "nav_active": NAV, "form": form, "head": head, "chosen": chosen, "month_text": f"{month:%Y-%m}",
        "plan": None}, status=422 if form.errors else 200)


def _detail(request: HttpRequest, plan, rights: svc.Rights, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    progress = svc.plan_progress(plan)
    effect = progress.effect
    candidates = list(svc.low_high_candidates(plan)) if rights.edit else []
    shown = [c.customer.pk for c in effect.customers] if effect else []
    if shown:
        customers_listed(actor=user, customer_ids=shown, via="plan_customers", params={"plan": plan.pk})
    if candidates:
        customers_listed(actor=user, customer_ids=[c.pk for c in candidates], via="plan_candidates",
                         params={"plan": plan.pk})
    return render(request, "kpis/plan_detail.html", {
        "nav_active": NAV, "plan": plan, "rights": rights, "progress": progress, "effect": effect,
        "comments": list(svc.plan_comments(plan)), "candidates": candidates,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "pick_error": forms.get("pick_error"),
        "month_text": f"{plan.start:%Y-%m}", "may_review": rights.review and plan.status == PlanStatus.PROPOSED,
        "is_head": user.role in svc.HEAD_ROLES,
    }, status=status)


@login_required
@require_GET
def plan_detail(request: HttpRequest, uplift_id: int) -> HttpResponse:
    _gate(request)
    plan, rights = svc.get_plan_for_user(request.user, uplift_id)
    return _detail(request, plan, rights)


@login_required
@require_POST
def plan_action(request: HttpRequest, uplift_id: int) -> HttpResponse:
    """approve, return (with a comment), comment, add the ticked customers, remove one."""
    _gate(request)
    user = request.user
    plan, rights = svc.get_plan_for_user(user, uplift_id)
    do = request.POST.get("do", "")
    try:
        if do == "approve":
            form = ApproveForm(request.POST)
            if not form.is_valid():
                return _detail(request, plan, rights, approve_form=form, status=422)
            svc.plan_approve(actor=user, plan=plan, comment=form.cleaned_data["comment"])
            messages.success(request, _("The plan is approved."))
        elif do == "return":
            form = ReturnForm(request.POST)
            if not form.is_valid():
                return _detail(request, plan, rights, return_form=form, status=422)
            try:
                svc.plan_return(actor=user, plan=plan, comment=form.cleaned_data["comment"])
            except Conflict:
                raise
            except ValidationError as e:
                form.add_service_errors(e)
                return _detail(request, plan, rights, return_form=form, status=422)
            messages.success(request, _("The plan is returned to the manager with your comment."))
        elif do == "comment":
            form = CommentForm(request.POST)
            if not form.is_valid():
                return _detail(request, plan, rights, comment_form=form, status=422)
            svc.plan_comment(actor=user, plan=plan, text=form.cleaned_data["text"])
            messages.success(request, _("Comment kept with the plan."))
        elif do == "add_customers":
            if not rights.edit:
                raise PermissionDenied(_("You may read this plan, not change it."))
            ids = request.POST.getlist("customer")
            try:
                added = svc.plan_customers_add(actor=user, plan=plan, customer_ids=ids)
            except Conflict:
                raise
            except ValidationError as e:
                return _detail(request, plan, rights, pick_error=" ".join(e.messages), status=422)
            messages.success(request, _("%(n)s customers named in the plan.") % {"n": len(added)})
        elif do == "remove_customer":
            if not rights.edit:
                raise PermissionDenied(_("You may read this plan, not change it."))
            svc.plan_customer_remove(actor=user, plan=plan, customer_id=request.POST.get("customer", ""))
            messages.success(request, _("The customer is off the plan's list."))
        else:
            raise Http404("No such action")
    except Conflict as e:
        messages.warning(request, " ".join(e.messages))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect(reverse("plan_detail", kwargs={"uplift_id": plan.pk}))


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, uplift_id: int) -> HttpResponse:
    """Change the targets and the note (the manager while proposed or returned: a returned plan
    goes back to the branch head; the branch head at any time)."""
    _gate(request)
    user = request.user
    plan, rights = svc.get_plan_for_user(user, uplift_id)
    if not rights.edit:
        raise PermissionDenied(_("You may read this plan, not change it."))
    form = TargetsForm(request.POST or None, initial=TargetsForm.initial_of(plan))
    if request.method == "POST" and form.is_valid():
        try:
            svc.plan_update(actor=user, plan=plan, **form.targets())
        except Conflict as e:
            messages.warning(request, " ".join(e.messages))
            return redirect("plan_detail", uplift_id=plan.pk)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            resubmitted = plan.manager_id == user.pk and plan.status == PlanStatus.PROPOSED and \
                user.role not in svc.HEAD_ROLES
            messages.success(request, _("The plan is changed and sent to the branch head again.") if resubmitted
                             else _("The plan is changed."))
            return redirect("plan_detail", uplift_id=plan.pk)
    return render(request, "kpis/plan_form.html", {
        "nav_active": NAV, "form": form, "plan": plan, "head": user.role in svc.HEAD_ROLES,
        "month_text": f"{plan.start:%Y-%m}"}, status=422 if form.errors else 200)
