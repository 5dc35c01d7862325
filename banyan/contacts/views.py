"""Sales opportunity pages (销售机会, issue 11 §5): the pipeline (the manager's opportunities by
stage, moved in place with htmx; the branch head's per manager) and the customer file's card.
Views parse, call a selector or a service, and render; without JavaScript every form still works
by POST + redirect."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan import clock
from banyan.contacts.forms import OpportunityForm
from banyan.contacts.models import OPEN_STAGES, Interaction, OpportunitySource, OpportunityStage
from banyan.contacts.opportunities import NEXT_STAGES, opportunity_create, opportunity_stage
from banyan.contacts.selectors import (
    CLOSED_DAYS_CHOICES,
    CLOSED_DAYS_DEFAULT,
    PipelineFilters,
    get_opportunity_for_user,
    open_opportunities,
    pipeline_by_manager,
    pipeline_columns,
    recent_closed_opportunities,
    sales_by_customer,
    visible_opportunities,
)
from banyan.customers.models import Channel
from banyan.customers.selectors import get_customer_for_user
from banyan.customers.services import customers_listed
from banyan.holdings.models import ProductType
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff
from banyan.transitions import Conflict
from banyan.web.htmx import is_htmx

#: Who has a pipeline of their own book (an assistant: the manager's book, lobby: the customers
#: they look after); a branch head sees the branch's, an admin a branch picked.
OWN_BOOK_ROLES = (Role.RM, Role.PLANNER, Role.ASSISTANT, Role.LOBBY)


@dataclass
class Scope:
    """Whose pipeline the page shows."""

    base: object  # the opportunities in reach
    branch: Branch | None = None  # the branch view (branch head, admin)
    managers: list | None = None  # the branch's managers, for the per-manager table and the filter


def _scope(request: HttpRequest) -> Scope:
    user = request.user
    if user.role in OWN_BOOK_ROLES:
        return Scope(visible_opportunities(user))
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        branch = user.branch
    elif user.role == Role.ADMIN:
        code = request.GET.get("branch") or request.POST.get("branch")
        branch = Branch.objects.filter(code=code).first() if code else (user.branch or Branch.objects.first())
        if branch is None:
            raise Http404("No such branch")
    else:
        raise Http404("No pipeline here")
    managers = list(Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True)
                    .order_by("full_name", "username"))
    return Scope(visible_opportunities(user).filter(customer__branch_id=branch.pk), branch, managers)


def _filters(request: HttpRequest, scope: Scope) -> PipelineFilters:
    """The filters asked for (GET, or the fields a move posts back); a value that is none is left
    out, except a manager who is not of the branch: not found."""
    data = request.GET if request.method == "GET" else request.POST
    manager_id = None
    asked = data.get("manager") or ""
    if asked and scope.managers is not None:
        manager_id = next((m.pk for m in scope.managers if str(m.pk) == asked), None)
        if manager_id is None:
            raise Http404("No such manager in the branch")
    closed = data.get("closed") or ""
    return PipelineFilters(
        manager_id=manager_id,
        product_type=data.get("type", "") if data.get("type", "") in ProductType.values else "",
        source=data.get("source", "") if data.get("source", "") in OpportunitySource.values else "",
        overdue=data.get("overdue") in ("1", "on"),
        closed_days=int(closed) if closed.isdigit() and int(closed) in CLOSED_DAYS_CHOICES else CLOSED_DAYS_DEFAULT,
    )


def _board(request: HttpRequest, scope: Scope, filters: PipelineFilters, *, card_errors: dict | None = None) -> dict:
    today = clock.today()
    columns = pipeline_columns(scope.base, filters, today=today)
    shown = [o.customer_id for column in columns for o in column.items]
    _decorate([o for column in columns for o in column.items], card_errors)
    open_columns = [c for c in columns if c.stage in OPEN_STAGES]
    params = filters.as_params()
    if scope.branch is not None and request.user.role == Role.ADMIN:
        params["branch"] = scope.branch.code
    return {
        "columns": columns, "filters": filters, "params": params, "query": urlencode(params),
        "open_count": sum(c.count for c in open_columns),
        "open_amount": sum((c.amount for c in open_columns), Decimal(0)),
        "branch_view": scope.branch is not None, "today": today, "shown": shown,
    }


def _decorate(items: list, errors: dict | None) -> None:
    """What a card's move form needs: the stages it may go to, the customer's recent sales for
    "won", and the refusal of the last move."""
    sales = sales_by_customer([o.customer_id for o in items if o.stage in OPEN_STAGES])
    for o in items:
        o.next_stages = [(s, OpportunityStage(s).label) for s in NEXT_STAGES[o.stage]]
        o.forward = [(s, label) for s, label in o.next_stages if s in OPEN_STAGES]
        o.sales = sales.get(o.customer_id, [])
        o.error = (errors or {}).get(o.pk, "")


@login_required
@require_GET
def pipeline(request: HttpRequest) -> HttpResponse:
    """销售机会: the opportunities by stage — open, contacted, proposed, won, lost — with each stage's
    count and expected amount, the overdue ones marked; the branch head's per manager above."""
    scope = _scope(request)
    filters = _filters(request, scope)
    context = _board(request, scope, filters)
    if scope.managers is not None:
        context["rows"] = pipeline_by_manager(scope.base, scope.managers, filters)
        context["managers"] = scope.managers
        context["branch"] = scope.branch
        context["branches"] = Branch.objects.order_by("code") if request.user.role == Role.ADMIN else []
    if context["shown"]:  # customers in bulk: audited as one read (ARC-8)
        customers_listed(actor=request.user, customer_ids=context["shown"], via="pipeline", params=request.GET)
    context.update({
        "nav_active": "pipeline", "stages": OpportunityStage.choices,
        "types": ProductType.choices, "sources": OpportunitySource.choices, "closed_choices": CLOSED_DAYS_CHOICES,
    })
    return render(request, "contacts/pipeline.html", context)


@login_required
@require_POST
def stage_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """Move an opportunity on (the board's buttons, the customer card's). With htmx the board (or
    the customer's card) comes back with the sums updated; a refusal shows on the card."""
    opportunity = get_opportunity_for_user(request.user, opportunity_id)
    back = request.POST.get("back")
    holding = request.POST.get("holding") or ""
    error = ""
    try:
        if holding and not holding.isdigit():
            raise ValidationError({"holding_id": [_("Name a sale of this customer.")]})
        opportunity_stage(actor=request.user, opportunity=opportunity, stage=request.POST.get("stage") or "",
                          reason=request.POST.get("reason") or "", holding_id=int(holding) if holding else None,
                          no_product=request.POST.get("no_product") == "1")
    except ValidationError as e:
        error = " ".join(e.messages)
        if isinstance(e, Conflict):
            opportunity.refresh_from_db()
    if back == "customer" and is_htmx(request):
        return _customer_card(request, opportunity.customer, errors={opportunity.pk: error} if error else None,
                              status=400 if error else 200)
    if not is_htmx(request):
        if back == "customer":
            (messages.error if error else messages.success)(request, error or _("%(name)s: %(stage)s.") % {
                "name": opportunity.customer.name, "stage": OpportunityStage(opportunity.stage).label})
            return redirect("customer_detail", opportunity.customer_id)
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("%(name)s: %(stage)s.") % {
                "name": opportunity.customer.name, "stage": OpportunityStage(opportunity.stage).label})
        scope = _scope(request)
        return redirect(f"{reverse('opportunity_pipeline')}?{urlencode(_board_params(request, scope))}")
    scope = _scope(request)
    filters = _filters(request, scope)
    context = _board(request, scope, filters, card_errors={opportunity.pk: error} if error else None)
    return render(request, "contacts/partials/_pipeline_board.html", context, status=400 if error else 200)


def _board_params(request: HttpRequest, scope: Scope) -> dict:
    params = _filters(request, scope).as_params()
    if scope.branch is not None and request.user.role == Role.ADMIN:
        params["branch"] = scope.branch.code
    return params


# ------------------------------------------------------------------ the customer file's card


def _customer_card(request: HttpRequest, customer, *, form: OpportunityForm | None = None, opened=None,
                   errors: dict | None = None, status: int = 200) -> HttpResponse:
    items = list(open_opportunities(customer))
    _decorate(items, errors)
    for o in items:
        o.overdue = o.due_date < clock.today()
    context = {"c": customer, "items": items, "closed": recent_closed_opportunities(customer), "opened": opened,
               "form": form or OpportunityForm(with_source=True), "today": clock.today()}
    if is_htmx(request):
        return render(request, "contacts/partials/_customer_opportunities.html", context, status=status)
    return render(request, "contacts/customer_opportunities.html", {**context, "nav_active": "book"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_opportunities(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The 销售机会 card of the customer file: the open ones (moved in place) and a form to open one."""
    customer = get_customer_for_user(request.user, customer_id)
    if request.method == "GET":
        return _customer_card(request, customer)
    offer = request.POST.get("back") == "offer"  # the offer after an "interested" contact
    interaction = _contact_of(customer, request.POST.get("interaction")) if offer else None
    form = OpportunityForm(request.POST, with_source=not offer)
    if form.is_valid():
        fields = form.opening()
        if offer:
            fields["source"] = OpportunitySource.WALK_IN if interaction is not None and \
                interaction.channel == Channel.BRANCH else OpportunitySource.CALL
        try:
            opened = opportunity_create(actor=request.user, customer=customer, interaction=interaction, **fields)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            if not is_htmx(request):
                messages.success(request, _("Sales opportunity opened: %(need)s.") % {"need": opened.need})
                return redirect("customer_detail", customer.pk)
            if offer:
                return render(request, "contacts/partials/_opportunity_offered.html", {"c": customer, "opened": opened})
            return _customer_card(request, customer, opened=opened)
    if offer and is_htmx(request):
        return render(request, "contacts/partials/_opportunity_offer_again.html",
                      {"c": customer, "interaction": interaction, "form": form}, status=400)
    return _customer_card(request, customer, form=form, status=400)


def _contact_of(customer, interaction_id) -> Interaction | None:
    """The contact an offer came from, if it is this customer's (else none: the opportunity is
    opened all the same, linked to nothing)."""
    if not (interaction_id or "").isdigit() or len(interaction_id) > 18:
        return None
    return Interaction.objects.filter(pk=int(interaction_id), customer=customer).first()
