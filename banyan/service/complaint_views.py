"""Complaint pages (SVC-1): mine, one complaint (actions, clock, decision with the root cause), a new
complaint from the customer's file or a contact, and the branch's view with the monthly Excel."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.selectors import get_customer_for_user
from banyan.forms import BanyanForm
from banyan.org.models import Branch, Role, Staff
from banyan.service.complaint_selectors import (
    branch_figures,
    complaints_list,
    get_complaint_for_user,
    is_overdue,
    may_note,
    may_work,
    month_bounds,
    monthly_statistics,
    monthly_workbook,
    visible_complaints,
)
from banyan.service.complaints import (
    complaint_act,
    complaint_extend,
    complaint_new_facts,
    complaint_pause,
    complaint_reassign,
    complaint_receive,
    complaint_resolve,
    complaint_resume,
)
from banyan.service.models import ComplaintCategory, ComplaintChannel, ComplaintStatus, InformedHow, RootCause
from banyan.transitions import Conflict


class ComplaintForm(BanyanForm):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ComplaintChannel.choices)
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=ComplaintCategory.objects.none(),
                                      empty_label=None)
    description = forms.CharField(label=gettext_lazy("What the customer complains about"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    received_at = forms.DateTimeField(label=gettext_lazy("Received on"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    staff_concerned = forms.ModelMultipleChoiceField(label=gettext_lazy("Staff concerned"), required=False,
                                                     queryset=Staff.objects.none(),
                                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ComplaintCategory.objects.filter(active=True)
        self.fields["staff_concerned"].queryset = Staff.objects.filter(branch_id=customer.branch_id, is_active=True)
        self.fields["staff_concerned"].label_from_instance = lambda s: s.display_name


class ResolveForm(BanyanForm):
    resolution = forms.CharField(label=gettext_lazy("Decision"), max_length=2000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    informed_how = forms.ChoiceField(label=gettext_lazy("Customer informed"), choices=InformedHow.choices)
    satisfaction = forms.TypedChoiceField(label=gettext_lazy("Customer satisfaction"), coerce=int, required=False,
                                          empty_value=None,
                                          choices=[("", "—")] + [(i, str(i)) for i in range(5, 0, -1)])
    root_cause = forms.ChoiceField(label=gettext_lazy("Root cause"), required=False,
                                   choices=[("", "—"), *RootCause.choices])
    root_cause_change = forms.CharField(label=gettext_lazy("What changes so that it does not happen again"),
                                        max_length=1000, required=False)


def _styled(form: forms.Form) -> forms.Form:
    """Bootstrap's classes on the widgets (no inline script: the pages' CSP refuses it)."""
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple):
            w.attrs["class"] = "form-check-input"
        else:
            w.attrs["class"] = "form-select" if isinstance(w, forms.Select) else "form-control"
    return form


def _field_errors(form: forms.Form, error: ValidationError) -> None:
    for field, msgs in error.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


#: A contact's channel as the complaint's (the rest: other).
_FROM_CONTACT = {"phone": "phone", "visit": "branch", "branch": "branch", "letter": "letter", "wechat": "online",
                 "email": "online"}


def complaint_intake_url(customer, contact) -> str:
    """The registration of a complaint opened from a contact logged with purpose complaint."""
    query = urlencode({"text": contact.summary or "", "channel": _FROM_CONTACT.get(contact.channel, "other")})
    return f"{reverse('complaint_new', args=[customer.pk])}?{query}"


@login_required
@require_GET
def complaint_list(request):
    status = request.GET.get("status") or None
    if status not in (None, *ComplaintStatus.values):
        status = None
    rows = list(complaints_list(request.user, status=status)[:300])
    today = clock.today()
    return render(request, "service/complaints.html", {
        "rows": [(c, is_overdue(c, today)) for c in rows], "status": status, "statuses": ComplaintStatus.choices,
        "nav_active": "complaints", "is_head": request.user.role == Role.BRANCH_HEAD})


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request, customer_id: int):
    """登记投诉 from the customer's file (or a contact logged with purpose complaint: ?from=contact)."""
    customer = get_customer_for_user(request.user, customer_id)
    if request.user.role == Role.AUDITOR:
        raise PermissionDenied
    initial = {"received_at": timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"), "channel": "branch",
               "description": request.GET.get("text", "")[:2000]}
    if request.GET.get("channel") in ComplaintChannel.values:
        initial["channel"] = request.GET["channel"]
    form = _styled(ComplaintForm(request.POST or None, customer=customer, initial=initial))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            c, merged = complaint_receive(actor=request.user, customer=customer, channel=d["channel"],
                                          category=d["category"], description=d["description"],
                                          received_at=d["received_at"], staff_concerned=list(d["staff_concerned"]))
        except ValidationError as e:
            _field_errors(form, e)
        else:
            messages.success(request, _("Merged into the open complaint of the same matter.") if merged
                             else _("Complaint registered; owner %(owner)s, decision due %(due)s.") % {
                                 "owner": c.owner.display_name, "due": c.due_date.isoformat()})
            if visible_complaints(request.user).filter(pk=c.pk).exists():
                return redirect("complaint_detail", c.pk)
            return redirect("customer_detail", customer.pk)
    return render(request, "service/complaint_new.html", {"customer": customer, "form": form,
                                                          "nav_active": "complaints"},
                  status=400 if form.errors else 200)


def _detail(request, c, *, resolve_form=None, error="", status=200):
    today = clock.today()
    return render(request, "service/complaint.html", {
        "c": c, "actions": c.actions.select_related("actor"), "overdue": is_overdue(c, today),
        "days_left": (c.due_date - today).days, "may_work": may_work(request.user, c),
        "may_note": may_note(request.user, c), "is_head": request.user.role == Role.BRANCH_HEAD,
        "resolve_form": _styled(resolve_form or ResolveForm()), "error": error, "nav_active": "complaints",
        "concerned": c.staff_concerned.all(),
        "owners": Staff.objects.filter(branch_id=c.branch_id, is_active=True).exclude(
            pk__in=c.staff_concerned.values("pk")).exclude(pk=c.owner_id) if request.user.role == Role.BRANCH_HEAD
        else []}, status=status)


@login_required
@require_GET
def complaint_detail(request, complaint_id: int):
    c = get_complaint_for_user(request.user, complaint_id)
    audit_log(actor=request.user, action="complaint.read", customer_id=c.customer_id, obj=c)
    return _detail(request, c)


@login_required
@require_POST
def complaint_step(request, complaint_id: int, step: str):
    """One step on a complaint: action, extend, pause, resume, facts, reassign, resolve."""
    c = get_complaint_for_user(request.user, complaint_id)
    p = request.POST
    allowed = may_note(request.user, c) if step == "action" else may_work(request.user, c)
    if not allowed:
        raise PermissionDenied
    form = None
    try:
        if step == "action":
            complaint_act(actor=request.user, complaint=c, text=p.get("text", ""))
        elif step == "extend":
            try:
                days = int(p.get("days", ""))
            except ValueError:
                raise ValidationError({"days": [_("Enter a whole number of days.")]}) from None
            complaint_extend(actor=request.user, complaint=c, days=days, reason=p.get("reason", ""))
        elif step == "pause":
            complaint_pause(actor=request.user, complaint=c, reason=p.get("reason", ""))
        elif step == "resume":
            complaint_resume(actor=request.user, complaint=c)
        elif step == "facts":
            complaint_new_facts(actor=request.user, complaint=c, text=p.get("text", ""))
        elif step == "reassign":
            if request.user.role != Role.BRANCH_HEAD:
                raise PermissionDenied
            to = Staff.objects.filter(pk=p.get("owner") or 0).first() if (p.get("owner") or "").isdigit() else None
            if to is None:
                raise ValidationError({"owner": [_("Pick the new owner.")]})
            complaint_reassign(actor=request.user, complaint=c, to=to)
        elif step == "resolve":
            form = ResolveForm(p)
            if not form.is_valid():
                return _detail(request, c, resolve_form=form, status=400)
            d = form.cleaned_data
            complaint_resolve(actor=request.user, complaint=c, resolution=d["resolution"], cause=d["root_cause"],
                              cause_change=d["root_cause_change"], cause_owner=request.user,
                              satisfaction=d["satisfaction"], informed_how=d["informed_how"])
        else:
            raise Http404("No such step")
    except Conflict as e:
        return _detail(request, get_complaint_for_user(request.user, complaint_id), error=" ".join(e.messages),
                       status=409)
    except ValidationError as e:
        if form is not None:
            _field_errors(form, e)
            return _detail(request, c, resolve_form=form, status=400)
        return _detail(request, get_complaint_for_user(request.user, complaint_id), error=" ".join(e.messages),
                       status=400)
    return redirect("complaint_detail", c.pk)


def _branch_of(request) -> Branch:
    user = request.user
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        return user.branch
    raise Http404("No branch view here")


@login_required
@require_GET
def complaint_branch(request):
    """The branch head's view: open, overdue, average days to decide, by category, the root causes'
    Pareto chart, and the month's statistics to report upward."""
    branch = _branch_of(request)
    qs = visible_complaints(request.user).filter(branch=branch)
    figures = branch_figures(qs)
    first, last = month_bounds(None)
    top = max((n for _l, n, _p in figures.pareto), default=0)
    bars = [{"label": label, "n": n, "cum": cum, "h": round(140 * n / top) if top else 0,
             "x": 40 + i * 70, "cy": round(160 - 140 * cum / 100)} for i, (label, n, cum) in enumerate(figures.pareto)]
    audit_log(actor=request.user, action="complaints.branch_viewed", data={"branch": branch.code})
    return render(request, "service/complaints_branch.html", {
        "branch": branch, "f": figures, "bars": bars, "line": " ".join(f"{b['x'] + 25},{b['cy']}" for b in bars),
        "chart_width": 60 + 70 * len(bars), "month": f"{first:%Y-%m}", "nav_active": "complaints",
        "today": clock.today()})


@login_required
@require_GET
def complaint_branch_export(request):
    """The month's statistics as an Excel workbook (what a branch reports upward), audited as an export."""
    if request.user.role != Role.BRANCH_HEAD:
        raise PermissionDenied
    branch = _branch_of(request)
    first, last = month_bounds(request.GET.get("month") or None)
    qs = visible_complaints(request.user).filter(branch=branch)
    stats = monthly_statistics(qs, first, last)
    data = monthly_workbook(stats, branch.name)
    audit_log(actor=request.user, action="complaints.exported", data={"branch": branch.code, "month": f"{first:%Y-%m}",
                                                                      "rows": len(stats["rows"])},
              customer_ids=[c.customer_id for c in stats["rows"]])
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="complaints-{branch.code}-{first:%Y-%m}.xlsx"'
    return response

