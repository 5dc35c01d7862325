"""设置 · 投诉分类与分派 (SVC-1): the bank's complaint categories and routing rules. An administrator
edits; a branch head reads; anyone else gets 404 (as the other settings tabs). Without JavaScript
every change is a POST + redirect; a refused change shows the page again (400) with the reason at
the field, nothing written (banyan.service.complaint_settings)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from banyan.forms import BanyanForm
from banyan.org.models import Branch, Role, Staff
from banyan.service.complaint_settings import (
    STANDARD_CODES,
    complaint_category_add,
    complaint_category_delete,
    complaint_category_update,
    complaint_route_delete,
    complaint_route_save,
)
from banyan.service.models import ComplaintCategory, ComplaintRoute
from banyan.web.forms import add_service_errors
from banyan.web.settings_access import settings_edit_required, settings_editable

#: How a rule's role reads (the customer's branch's holder, or the head office).
ROLE_LABELS = {
    Role.BRANCH_HEAD: gettext_lazy("The branch head of the customer's branch"),
    Role.LOBBY: gettext_lazy("The lobby manager of the customer's branch"),
    Role.ADMIN: gettext_lazy("The head office (an administrator)"),
}


# one gate for every settings tab
_can_edit, _require_edit = settings_editable, settings_edit_required


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        else:
            w.attrs.setdefault("class", "form-select form-select-sm" if isinstance(w, forms.Select)
                               else "form-control form-control-sm")
    return form


class CategoryAddForm(BanyanForm):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=30,
                           help_text=gettext_lazy("As the API names it; never changed afterwards."))
    name = forms.CharField(label=gettext_lazy("Chinese name"), max_length=50, required=False)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=50, required=False)
    position = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=999)


class CategoryEditForm(BanyanForm):
    name = forms.CharField(label=gettext_lazy("Chinese name"), max_length=50, required=False)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=50, required=False)
    position = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=999)
    active = forms.BooleanField(label=gettext_lazy("Offered at intake"), required=False)

    def __init__(self, *args, category: ComplaintCategory, **kwargs):
        kwargs.setdefault("initial", {k: getattr(category, k) for k in ("name", "name_en", "position", "active")})
        super().__init__(*args, prefix=f"cat-{category.pk}", **kwargs)
        self.category = category
        for field in self.fields.values():  # the row's inputs belong to the row's form (a table cell each)
            field.widget.attrs["form"] = f"category-form-{category.pk}"


class RouteForm(BanyanForm):
    category = forms.ModelChoiceField(label=gettext_lazy("Category"), queryset=ComplaintCategory.objects.none(),
                                      empty_label="—", required=False)
    branch = forms.ModelChoiceField(label=gettext_lazy("Branch"), queryset=Branch.objects.none(), required=False,
                                    empty_label=gettext_lazy("All branches"))
    owner = forms.ChoiceField(label=gettext_lazy("Goes to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ComplaintCategory.objects.filter(active=True)
        self.fields["branch"].queryset = Branch.objects.order_by("code")
        self.fields["branch"].label_from_instance = lambda b: f"{b.code} {b.name}"
        people = (Staff.objects.filter(is_active=True).exclude(role=Role.AUDITOR)
                  .select_related("branch").order_by("branch__code", "role", "username"))
        self.fields["owner"].choices = [
            ("", "—"),
            (_("A role"), [(f"role:{r}", label) for r, label in ROLE_LABELS.items()]),
            (_("A named person"), [(f"staff:{s.pk}", _person(s)) for s in people]),
        ]

    def target(self) -> dict:
        """`owner` as the service takes it: {"owner_role": …} or {"owner": Staff}."""
        kind, _sep, value = self.cleaned_data["owner"].partition(":")
        if kind == "role":
            return {"owner_role": value}
        return {"owner": Staff.objects.filter(pk=int(value)).first()}


def _person(s: Staff) -> str:
    where = s.branch.code if s.branch_id else _("head office")
    return f"{s.display_name} · {Role(s.role).label} · {where}"


def _route_target(route: ComplaintRoute) -> str:
    if route.owner_id:
        return _person(route.owner)
    return str(ROLE_LABELS.get(route.owner_role, route.owner_role))


def _page(request: HttpRequest, *, add_form: CategoryAddForm | None = None, edit_form: CategoryEditForm | None = None,
          route_form: RouteForm | None = None, status: int = 200) -> HttpResponse:
    can_edit = _can_edit(request)
    categories = list(ComplaintCategory.objects.annotate(used=Count("complaints", distinct=True))
                      .order_by("position", "code"))
    rows = []
    for c in categories:
        form = edit_form if edit_form is not None and edit_form.category.pk == c.pk else None
        rows.append({"c": c, "form": _styled(form or CategoryEditForm(category=c)) if can_edit else None,
                     "deletable": not c.used and c.code not in STANDARD_CODES})
    routes = list(ComplaintRoute.objects.select_related("category", "branch", "owner", "owner__branch")
                  .order_by("category__position", "category__code", "branch__code"))
    if can_edit and add_form is None:
        add_form = CategoryAddForm(initial={"position": max((c.position for c in categories), default=0) + 1})
    return render(request, "service/complaint_settings.html", {
        "tab": "complaints", "can_edit": can_edit, "rows": rows,
        "routes": [{"r": r, "to": _route_target(r)} for r in routes],
        "add_form": _styled(add_form) if add_form else None,
        "route_form": _styled(route_form or RouteForm()) if can_edit else None,
        "nav_active": "settings",
    }, status=status)


def _category_or_404(category_id: int) -> ComplaintCategory:
    category = ComplaintCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise Http404("No such category")
    return category


@login_required
@require_GET
def complaint_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def complaint_category_add_view(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = CategoryAddForm(request.POST)
    if form.is_valid():
        try:
            category = complaint_category_add(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Category %(name)s added: it is offered at intake.") % {"name": category.name})
            return redirect("complaint_settings")
    return _page(request, add_form=form, status=400)


@login_required
@require_POST
def complaint_category_save_view(request: HttpRequest, category_id: int) -> HttpResponse:
    """Save a category's row (rename, reorder, (de)activate), or delete one never used."""
    _require_edit(request)
    category = _category_or_404(category_id)
    form = CategoryEditForm(request.POST, category=category)
    if request.POST.get("action") == "delete":
        try:
            complaint_category_delete(actor=request.user, category=category)
        except ValidationError as e:
            form.is_valid()
            add_service_errors(form, e)
            return _page(request, edit_form=form, status=400)
        messages.success(request, _("Category %(name)s deleted.") % {"name": category.name})
        return redirect("complaint_settings")
    if form.is_valid():
        try:
            complaint_category_update(actor=request.user, category=category, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": form.cleaned_data["name"].strip()})
            return redirect("complaint_settings")
    return _page(request, edit_form=form, status=400)


@login_required
@require_POST
def complaint_route_save_view(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = RouteForm(request.POST)
    if form.is_valid():
        try:
            complaint_route_save(actor=request.user, category=form.cleaned_data["category"],
                                 branch=form.cleaned_data["branch"], **form.target())
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Routing rule saved: new complaints follow it."))
            return redirect("complaint_settings")
    return _page(request, route_form=form, status=400)


@login_required
@require_POST
def complaint_route_delete_view(request: HttpRequest, route_id: int) -> HttpResponse:
    _require_edit(request)
    route = ComplaintRoute.objects.filter(pk=route_id).first()
    if route is None:
        raise Http404("No such rule")
    complaint_route_delete(actor=request.user, route=route)
    messages.success(request, _("Routing rule removed."))
    return redirect("complaint_settings")
