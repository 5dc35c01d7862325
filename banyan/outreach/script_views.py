"""The script library page (OUT-2): the bank's scripts and the user's own branch's, grouped by
kind, each objection with how often the answer worked; a branch head (and an admin) adds, edits
and takes out the branch's own scripts. Another branch's scripts are out of reach (404); the
bank's are read-only for a branch head (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from banyan.org.models import Role
from banyan.outreach.models import Script
from banyan.outreach.script_forms import STEP_LABELS, ScriptForm
from banyan.outreach.services import objection_win_rates, script_create, script_deactivate, script_update
from banyan.outreach.views import CALLER_ROLES, OBJECTION_TABS

EDITOR_ROLES = (Role.BRANCH_HEAD, Role.ADMIN)


def visible_scripts(user) -> QuerySet[Script]:
    """The bank's library and the user's own branch's additions; an admin sees every branch's."""
    qs = Script.objects.filter(is_active=True).select_related("branch")
    if user.role == Role.ADMIN:
        return qs
    if user.branch_id:
        return qs.filter(Q(branch__isnull=True) | Q(branch_id=user.branch_id))
    return qs.filter(branch__isnull=True)


def may_edit(user, script: Script) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.BRANCH_HEAD and bool(script.branch_id) and script.branch_id == user.branch_id


def _reader(request: HttpRequest) -> None:
    if request.user.role not in CALLER_ROLES:
        raise Http404("Not for this role")


def _editor(request: HttpRequest) -> None:
    if request.user.role not in EDITOR_ROLES:
        raise PermissionDenied("Only a branch head or an admin edits the script library")


def _script_for_user(user, script_id: int) -> Script:
    script = visible_scripts(user).filter(pk=script_id).first()
    if script is None:
        raise Http404("No such script")
    return script


@login_required
def script_library(request: HttpRequest) -> HttpResponse:
    _reader(request)
    user = request.user
    scripts = list(visible_scripts(user))
    for s in scripts:
        s.step_list = [{"word": STEP_LABELS.get(st.get("step") or "", ""), "text": st.get("text", "")}
                       for st in s.steps or []]
        s.editable = may_edit(user, s)
        s.own = s.branch_id is not None
    branch_rates = {r["objection"]: r for r in objection_win_rates(branch=user.branch)} if user.branch_id else {}
    bank_rates = {r["objection"]: r for r in objection_win_rates()}
    labels = dict(Script.Kind.choices)
    groups = []
    for kind in (Script.Kind.OPENING, Script.Kind.PROBING, Script.Kind.OBJECTION, Script.Kind.BUYING_SIGNAL,
                 Script.Kind.CLOSING):
        of_kind = [s for s in scripts if s.kind == kind]
        group = {"kind": kind, "label": labels[kind], "scripts": of_kind}
        if kind == Script.Kind.OBJECTION:
            group["objections"] = [
                {"code": code, "words": words, "label": Script.Objection(code).label,
                 "scripts": [s for s in of_kind if s.objection == code],
                 "branch_rate": branch_rates.get(code), "bank_rate": bank_rates.get(code)}
                for code, words in OBJECTION_TABS]
        groups.append(group)
    return render(request, "outreach/scripts/library.html", {
        "nav_active": "outreach", "groups": groups, "can_add": user.role in EDITOR_ROLES,
        "branch": user.branch,
    })


def _save(request: HttpRequest, form: ScriptForm, script: Script | None):
    """Run the service; its errors land on the form's fields. Returns the script or None."""
    if not form.is_valid():
        return None
    d = form.cleaned_data
    try:
        if script is None:
            return script_create(actor=request.user, title=d["title"], kind=d["kind"], objection=d["objection"],
                                 steps=form.steps(), branch=d.get("branch"))
        return script_update(actor=request.user, script=script, title=d["title"], kind=d["kind"],
                             objection=d["objection"], steps=form.steps())
    except ValidationError as e:
        for field, errs in e.message_dict.items():
            if field == "steps":
                field = "step_empathise" if d.get("kind") == Script.Kind.OBJECTION else "lines"
            form.add_error(field if field in form.fields else None, errs)
    return None


@login_required
def script_new(request: HttpRequest) -> HttpResponse:
    _reader(request)
    _editor(request)
    initial = {"kind": request.GET.get("kind", Script.Kind.OBJECTION), "objection": request.GET.get("objection", "")}
    form = ScriptForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        script = _save(request, form, None)
        if script is not None:
            messages.success(request, _("Script added: %(title)s.") % {"title": script.title})
            return redirect(reverse("outreach_scripts") + f"#script-{script.pk}")
    return render(request, "outreach/scripts/form.html", {
        "nav_active": "outreach", "form": form, "script": None, "branch": request.user.branch,
    }, status=400 if form.errors else 200)


@login_required
def script_edit(request: HttpRequest, script_id: int) -> HttpResponse:
    _reader(request)
    script = _script_for_user(request.user, script_id)
    if not may_edit(request.user, script):
        raise PermissionDenied("Read-only for you")
    form = ScriptForm(request.POST or None, user=request.user, script=script)
    if request.method == "POST":
        saved = _save(request, form, script)
        if saved is not None:
            messages.success(request, _("Script saved: %(title)s.") % {"title": saved.title})
            return redirect(reverse("outreach_scripts") + f"#script-{saved.pk}")
    return render(request, "outreach/scripts/form.html", {
        "nav_active": "outreach", "form": form, "script": script, "branch": script.branch,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def script_remove(request: HttpRequest, script_id: int) -> HttpResponse:
    _reader(request)
    script = _script_for_user(request.user, script_id)
    if not may_edit(request.user, script):
        raise PermissionDenied("Read-only for you")
    script_deactivate(actor=request.user, script=script)
    messages.success(request, _("Script taken out of the library: %(title)s.") % {"title": script.title})
    return redirect("outreach_scripts")
