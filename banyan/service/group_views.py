"""Customer-group pages (客户群, SVC-3): my groups (a branch head: the branch's), a group's page
(members with their consent record, add a member with the wording to read, withdraw, the share
log, record a share), and the customer file's card 所在客户群. A group out of reach answers 404
on every page; the auditor reads. Plain forms: POST, then redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan.customers.selectors import get_customer_for_user, search_customers
from banyan.customers.services import customer_viewed, customers_listed
from banyan.org.api import clean_text
from banyan.org.models import Role
from banyan.service.group_forms import ConsentForm, GroupForm, ShareForm, WithdrawForm, WordingForm
from banyan.service.group_selectors import (
    RUNNER_ROLES,
    addable_customers,
    can_change_group,
    current_members,
    current_wording,
    get_group_for_user,
    group_pool,
    groups_listed,
    memberships_of_customer,
    past_members,
    shareable_pieces,
    shares_of,
    visible_groups,
)
from banyan.service.group_services import (
    consent_warnings,
    consent_wording_save,
    group_create,
    group_member_add,
    group_member_withdraw,
    group_members_read,
    group_share_record,
    wording_for,
)
from banyan.service.models.groups import GroupConsentWording, GroupMembership
from banyan.transitions import Conflict
from banyan.web.htmx import is_htmx

NAV = "groups"
#: Candidates shown for one search on a group's page.
CANDIDATES = 20


def _may_create(user) -> bool:
    return user.role in RUNNER_ROLES or (user.role == Role.ASSISTANT and bool(user.manager_id))


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    may_create = _may_create(user)
    form = GroupForm(request.POST or None)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied(_("Only a relationship manager or a branch head runs a customer group."))
        if form.is_valid():
            try:
                group = group_create(actor=user, **form.cleaned_data)
            except ValidationError as e:
                form.add_service_errors(e)
            else:
                messages.success(request, _("Group created: now add members, each with a consent."))
                return redirect("group_detail", group_id=group.pk)
    groups = list(groups_listed(user))
    return render(request, "service/groups.html", {
        "groups": groups, "form": form, "may_create": may_create, "nav_active": NAV,
        "branch_view": user.role in (Role.BRANCH_HEAD, Role.ADMIN, Role.AUDITOR)})


def _detail(request: HttpRequest, group, can_change: bool, *, share_form: ShareForm | None = None,
            status: int = 200) -> HttpResponse:
    user = request.user
    members = list(current_members(group))
    past = list(past_members(group))
    group_members_read(actor=user, group=group, customer_ids=[m.customer_id for m in members + past],
                       via="group_members")
    q = clean_text(request.GET.get("q", "")).strip()[:50]
    candidates = []
    if q and can_change:
        current_ids = {m.customer_id for m in members}
        found = search_customers(user, q, limit=CANDIDATES * 2).filter(pk__in=group_pool(group).values("pk"))
        candidates = [c for c in found if c.pk not in current_ids][:CANDIDATES]
        customers_listed(actor=user, customer_ids=[c.pk for c in candidates], via="group_candidates",
                         params={"q": q})
    return render(request, "service/group.html", {
        "g": group, "can_change": can_change, "members": members, "past": past, "shares": list(shares_of(group)),
        "share_form": share_form or ShareForm(pieces=shareable_pieces(user) if can_change else ()),
        "q": q, "candidates": candidates, "nav_active": NAV,
    }, status=status)


@login_required
@require_GET
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group, can_change = get_group_for_user(request.user, group_id)
    return _detail(request, group, can_change)


def _writable(request: HttpRequest, group_id: int):
    group, can_change = get_group_for_user(request.user, group_id)
    if not can_change:
        raise PermissionDenied(_("You may read this group, not change it."))
    return group


@login_required
@require_http_methods(["GET", "POST"])
def group_member_add_view(request: HttpRequest, group_id: int, customer_id: int) -> HttpResponse:
    """The consent form: the wording to read to the customer (the bank's newest, filled in for
    this group), how and when the customer agreed."""
    group = _writable(request, group_id)
    customer = addable_customers(request.user, group).filter(pk=customer_id).first()
    if customer is None:
        raise Http404("No such customer")
    member = GroupMembership.objects.filter(group=group, customer=customer, withdrawn_at__isnull=True).first()
    wording = current_wording()
    form = ConsentForm(request.POST or None, initial={"wording_version": wording.version if wording else None})
    if request.method == "POST" and member is None and form.is_valid():
        version = form.cleaned_data["wording_version"]
        try:
            group_member_add(actor=request.user, group=group, customer=customer,
                             consent_channel=form.cleaned_data["channel"], consent_on=form.cleaned_data["date"],
                             wording_version=version)
        except Conflict as e:
            messages.info(request, " ".join(e.messages))
            return redirect("group_detail", group_id=group.pk)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("%(name)s joined the group; the consent is on record.") % {
                "name": customer.name})
            return redirect("group_detail", group_id=group.pk)
        shown = GroupConsentWording.objects.filter(version=version).first() or wording
    else:
        shown = wording
    last_out = (GroupMembership.objects.filter(group=group, customer=customer, withdrawn_at__isnull=False)
                .order_by("-withdrawn_at").first())
    return render(request, "service/group_member_add.html", {
        "g": group, "c": customer, "form": form, "member": member, "last_out": last_out,
        "wording": shown, "wording_text": wording_for(group, shown) if shown else "",
        "warnings": consent_warnings(group, customer), "nav_active": NAV,
    }, status=200 if request.method == "GET" or not form.errors else 422)


@login_required
@require_http_methods(["GET", "POST"])
def group_member_withdraw_view(request: HttpRequest, group_id: int, customer_id: int) -> HttpResponse:
    group = _writable(request, group_id)
    member = (GroupMembership.objects.filter(group=group, customer_id=customer_id, withdrawn_at__isnull=True)
              .select_related("customer").first())
    if member is None:
        if request.method == "POST" and GroupMembership.objects.filter(group=group, customer_id=customer_id).exists():
            messages.info(request, _("This customer has left the group already."))
            return redirect("group_detail", group_id=group.pk)
        raise Http404("Not a member")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group_member_withdraw(actor=request.user, group=group, customer_id=customer_id,
                                  channel=form.cleaned_data["channel"], on=form.cleaned_data["date"],
                                  note=form.cleaned_data["note"])
        except Conflict as e:
            messages.info(request, " ".join(e.messages))
            return redirect("group_detail", group_id=group.pk)
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("%(name)s has left the group: no share there reaches him or her again.") % {
                "name": member.customer.name})
            return redirect("group_detail", group_id=group.pk)
    return render(request, "service/group_withdraw.html", {"g": group, "m": member, "form": form, "nav_active": NAV},
                  status=200 if request.method == "GET" or not form.errors else 422)


@login_required
@require_POST
def group_share_view(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _writable(request, group_id)
    form = ShareForm(request.POST, pieces=shareable_pieces(request.user))
    if form.is_valid():
        try:
            share = group_share_record(actor=request.user, group=group, text=form.cleaned_data["text"],
                                       shared_at=form.cleaned_data["shared_at"], piece_id=form.cleaned_data["piece"])
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            messages.success(request, _("Share recorded: it reached %(n)s members.") % {
                "n": share.recipients.count()})
            return redirect(reverse("group_detail", kwargs={"group_id": group.pk}) + "#shares")
    return _detail(request, group, True, share_form=form, status=422)


@login_required
@require_GET
def customer_groups(request: HttpRequest, customer_id: int) -> HttpResponse:
    """所在客户群: the customer's groups with the consent dates (a card of the file, loaded after
    the page; without JavaScript a page of its own), and the caller's groups the customer could join."""
    user = request.user
    customer = get_customer_for_user(user, customer_id)
    items = memberships_of_customer(customer, user)
    current = {m.group_id for m in items if m.withdrawn_at is None}
    joinable = []
    if not customer.do_not_disturb:
        for g in visible_groups(user).select_related("manager").order_by("name"):
            if g.pk not in current and can_change_group(user, g) and \
                    group_pool(g).filter(pk=customer.pk).exists():
                joinable.append(g)
    context = {"c": customer, "items": items, "joinable": joinable}
    if is_htmx(request):
        return render(request, "service/group_card.html", context)
    customer_viewed(actor=user, customer=customer, via="groups")
    return render(request, "service/group_customer.html", {**context, "nav_active": "book"})


@login_required
@require_http_methods(["GET", "POST"])
def group_wording(request: HttpRequest) -> HttpResponse:
    """The bank's consent wording (an administrator edits; each edit is a new version, and every
    consent keeps the text it was shown)."""
    user = request.user
    if user.role not in (Role.ADMIN, Role.BRANCH_HEAD, Role.AUDITOR):
        raise PermissionDenied
    current = current_wording()
    form = WordingForm(request.POST or None, initial={"text": current.text if current else ""})
    if request.method == "POST":
        if user.role != Role.ADMIN:
            raise PermissionDenied(_("Only an administrator changes the bank's consent wording."))
        if form.is_valid():
            try:
                consent_wording_save(actor=user, text=form.cleaned_data["text"])
            except ValidationError as e:
                form.add_service_errors(e)
            else:
                messages.success(request, _("Consent wording saved as a new version."))
                return redirect("group_wording")
    return render(request, "service/group_wording.html", {
        "form": form, "versions": GroupConsentWording.objects.all()[:20], "may_edit": user.role == Role.ADMIN,
        "nav_active": NAV})
