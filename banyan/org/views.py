"""The branch head's pages (SEG-4, ARC-8): the branch overview, reassigning a customer, handing over
a whole book. Branch heads act on their own branch, admins on any; everyone else gets 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from banyan import clock
from banyan.contacts.models import Interaction
from banyan.customers.selectors import get_customer_for_user, visible_customers
from banyan.customers.services import book_hand_over, customer_assign, customers_listed
from banyan.org.forms import AssignForm, HandOverForm, MyContactForm, WorkloadForm
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff
from banyan.org.selectors import can_assign, managers_in_branch
from banyan.org.services import staff_contact_set, staff_workload_set

#: "Contacts in the last N days" and "not contacted for M+ days" on the overview.
CONTACT_WINDOW_DAYS = 30
STALE_DAYS = 60
UNASSIGNED_SHOWN = 20


def _branch_for(request: HttpRequest) -> Branch:
    """The branch the page is about: a branch head's own; for an admin the one picked with
    ?branch=CODE (default: the admin's own, else the first). Anyone else: 404."""
    user = request.user
    code = request.GET.get("branch")
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        if code and code != user.branch.code:
            raise Http404("Another branch")  # a branch head sees their own branch only
        return user.branch
    if user.role == Role.ADMIN:
        if code:
            branch = Branch.objects.filter(code=code).first()
            if branch is None:
                raise Http404("No such branch")
            return branch
        branch = user.branch or Branch.objects.order_by("code").first()
        if branch is not None:
            return branch
    raise Http404("No branch view here")


@dataclass
class BookRow:
    """One line of the overview table: a manager's book, or the branch's unassigned customers."""

    manager: Staff | None
    book_size: int
    book_aum: Decimal
    contacts_30d: int
    stale: int
    avg_completeness: float | None
    share: float = 0.0  # percent of the branch's AUM

    @property
    def stale_share(self) -> float:
        return 100.0 * self.stale / self.book_size if self.book_size else 0.0


def _book_figures(stale_before: dt.datetime):
    """Annotations shared by the managers' rows and the unassigned row (all on the same join)."""
    return {
        "stale": Count("pk", filter=Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=stale_before)),
        "avg_completeness": Avg("completeness"),
    }


def branch_rows(user, branch: Branch) -> tuple[list[BookRow], BookRow]:
    """The overview's rows and its totals row. A fixed number of queries whatever the branch's
    size: managers with their book figures (one grouped query), contacts per book (one grouped
    query), the unassigned customers' figures (one aggregate)."""
    now = clock.now()
    stale_before = now - dt.timedelta(days=STALE_DAYS)
    stale_q = Q(book__last_contact_at__isnull=True) | Q(book__last_contact_at__lt=stale_before)
    managers = list(managers_in_branch(branch).select_related("branch").annotate(
        stale=Count("book", filter=stale_q), avg_completeness=Avg("book__completeness"),
    ).order_by(F("book_aum").desc(nulls_last=True), "full_name"))
    manager_ids = [m.pk for m in managers]

    contacts = dict(
        Interaction.objects.filter(occurred_at__gte=now - dt.timedelta(days=CONTACT_WINDOW_DAYS))
        .filter(Q(customer__rm_id__in=manager_ids) | Q(customer__rm__isnull=True, customer__branch=branch))
        .values("customer__rm_id").annotate(n=Count("pk")).values_list("customer__rm_id", "n")
    )
    rows = [BookRow(manager=m, book_size=m.book_size, book_aum=m.book_aum or Decimal(0),
                    contacts_30d=contacts.get(m.pk, 0), stale=m.stale, avg_completeness=m.avg_completeness)
            for m in managers]

    unassigned = visible_customers(user).filter(branch=branch, rm__isnull=True).aggregate(
        n=Count("pk"), aum=Sum("aum"), **_book_figures(stale_before))
    if unassigned["n"]:
        rows.append(BookRow(manager=None, book_size=unassigned["n"], book_aum=unassigned["aum"] or Decimal(0),
                            contacts_30d=contacts.get(None, 0), stale=unassigned["stale"],
                            avg_completeness=unassigned["avg_completeness"]))

    total_size = sum(r.book_size for r in rows)
    total_aum = sum((r.book_aum for r in rows), Decimal(0))
    weighted = sum((r.avg_completeness or 0) * r.book_size for r in rows)
    total = BookRow(manager=None, book_size=total_size, book_aum=total_aum,
                    contacts_30d=sum(r.contacts_30d for r in rows), stale=sum(r.stale for r in rows),
                    avg_completeness=weighted / total_size if total_size else None, share=100.0 if rows else 0.0)
    for r in rows:
        r.share = float(100 * r.book_aum / total_aum) if total_aum else 0.0
    return rows, total


@login_required
def branch_overview(request: HttpRequest) -> HttpResponse:
    """The branch's managers and their books, at a glance (网点客户经理一览)."""
    branch = _branch_for(request)
    user = request.user
    rows, total = branch_rows(user, branch)
    unassigned = list(visible_customers(user).filter(branch=branch, rm__isnull=True)
                      .order_by("-aum", "pk").only("pk", "name", "external_id", "aum", "created_at")[:UNASSIGNED_SHOWN])
    if unassigned:  # customers listed by name: one audited read (ARC-8)
        customers_listed(actor=user, customer_ids=[c.pk for c in unassigned], via="branch_unassigned",
                         params={"branch": branch.code})
    # Managers who have left but still keep customers: their books wait for a hand-over.
    orphaned = list(Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=False)
                    .annotate(book_size=Count("book")).filter(book_size__gt=0).order_by("full_name"))
    chart = {
        "names": [r.manager.display_name for r in rows if r.manager],
        # 万元, two decimals: the bar chart reads in the unit a branch head thinks in.
        "aum_wan": [float(round(r.book_aum / 10000, 2)) for r in rows if r.manager],
        "label": _("Book AUM (10k CNY)"),
    }
    return render(request, "org/branch_overview.html", {
        "branch": branch,
        "branches": Branch.objects.order_by("code") if user.role == Role.ADMIN else [],
        "rows": rows,
        "total": total,
        "unassigned": unassigned,
        "unassigned_count": next((r.book_size for r in rows if r.manager is None), 0),
        "orphaned": orphaned,
        "chart": chart,
        "contact_window_days": CONTACT_WINDOW_DAYS,
        "stale_days": STALE_DAYS,
        "nav_active": "branch",
    })


@login_required
@require_POST
def customer_assign_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Put one customer in another manager's book; back to the customer file with a message."""
    user = request.user
    if not can_assign(user):
        raise Http404("No such customer")
    customer = get_customer_for_user(user, customer_id)  # 404 for another branch's customer
    form = AssignForm(request.POST, user=user)
    if form.is_valid():
        try:
            customer_assign(actor=user, customer=customer, rm=form.cleaned_data["rm"],
                            assistant=form.cleaned_data["assistant"])
        except ValidationError as e:
            for message in e.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(customer)s is now in %(manager)s's book.") % {
                "customer": customer.name, "manager": form.cleaned_data["rm"].display_name})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("customer_detail", customer.pk)


@login_required
@require_POST
def staff_workload_view(request: HttpRequest, staff_id: int) -> HttpResponse:
    """A manager's daily capacity and seniority, from the overview's table (their branch's head or an admin)."""
    user = request.user
    if not can_assign(user):
        raise Http404("No staff here")
    qs = Staff.objects.filter(role__in=BOOK_ROLES)
    if user.role == Role.BRANCH_HEAD:
        qs = qs.filter(branch_id=user.branch_id)
    staff = qs.filter(pk=staff_id).select_related("branch").first()
    if staff is None:
        raise Http404("No such manager")
    form = WorkloadForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        staff_workload_set(actor=user, staff=staff, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, f"{staff.display_name}：{' '.join(e.messages)}")
    else:
        messages.success(request, _("%(name)s: %(n)d contacts a day.") % {"name": staff.display_name,
                                                                          "n": staff.daily_capacity})
    return redirect(_overview_url(user, staff.branch))


def _overview_url(user, branch: Branch | None) -> str:
    url = reverse("branch_overview")
    if user.role == Role.ADMIN and branch is not None:
        url += "?" + urlencode({"branch": branch.code})
    return url


@login_required
def book_hand_over_view(request: HttpRequest) -> HttpResponse:
    """Three steps: choose from/to (GET), confirm with the number of customers and the AUM that
    will move (POST), hand over (POST with confirm)."""
    user = request.user
    if not can_assign(user):
        raise Http404("No hand-over here")
    if request.method != "POST":
        form = HandOverForm(user=user, initial={"from_rm": request.GET.get("from") or None})
        return render(request, "org/hand_over.html", {"form": form, "nav_active": "branch"})

    form = HandOverForm(request.POST, user=user)
    if not form.is_valid():
        return render(request, "org/hand_over.html", {"form": form, "nav_active": "branch"}, status=400)
    from_rm, to_rm = form.cleaned_data["from_rm"], form.cleaned_data["to_rm"]
    keep_assistant = form.cleaned_data["keep_assistant"]
    if request.POST.get("confirm") != "1":
        book = visible_customers(user).filter(rm=from_rm).aggregate(n=Count("pk"), aum=Sum("aum"))
        return render(request, "org/hand_over_confirm.html", {
            "form": form, "from_rm": from_rm, "to_rm": to_rm, "keep_assistant": keep_assistant,
            "book_size": book["n"], "book_aum": book["aum"] or Decimal(0), "nav_active": "branch",
        })
    try:
        moved = book_hand_over(actor=user, from_rm=from_rm, to_rm=to_rm, keep_assistant=keep_assistant)
    except ValidationError as e:
        for fieldname, errors in e.message_dict.items():
            form.add_error(fieldname if fieldname in form.fields else None, errors)
        return render(request, "org/hand_over.html", {"form": form, "nav_active": "branch"}, status=400)
    messages.success(request, _("Handed %(n)s customers over to %(name)s.") % {"n": moved,
                                                                               "name": to_rm.display_name})
    return redirect(_overview_url(user, to_rm.branch))


@login_required
def my_contact_view(request: HttpRequest) -> HttpResponse:
    """One's own work mobile and WeChat ID (seed 004: let the customer know your number): the
    messages' {manager_mobile}. Every login sets only its own."""
    user = request.user
    if request.method == "POST":
        form = MyContactForm(request.POST)
        if form.is_valid():
            try:
                staff_contact_set(actor=user, staff=user, **form.cleaned_data)
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Your work mobile and WeChat ID are saved."))
                return redirect("my_contact")
    else:
        form = MyContactForm(initial={"work_mobile": user.work_mobile, "work_wechat": user.work_wechat})
    return render(request, "org/my_contact.html", {"form": form})
