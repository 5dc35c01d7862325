"""设置: the bank's worklist settings (issue 3, items 3–5). An administrator edits; a branch head
reads; anyone else gets 404. Without JavaScript every change is a POST + redirect; a refused
change shows the page again (400) with the reason next to what was refused. The talking-point
preview follows the typing with htmx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.segments.models import SegmentPolicy
from banyan.web.forms import add_service_errors
from banyan.web.settings_access import settings_edit_required, settings_editable
from banyan.worklists.models import HolidayOverride, ReasonCode
from banyan.worklists.reasons import MARKETING, SENSITIVE
from banyan.worklists.services import holiday_overrides_load
from banyan.worklists.settings_forms import HolidayForm, MixRuleForm, PolicyForm, ReasonRuleForm, TalkingPointForm
from banyan.worklists.settings_services import (
    CADENCE_ORIENTATIONS,
    PLACEHOLDERS,
    SAMPLE,
    example_detail,
    holiday_override_add,
    holiday_override_delete,
    library_is_working_day,
    mix_rule,
    mix_rule_reset,
    mix_rule_save,
    policy_save,
    reason_rule_reset,
    reason_rule_save,
    render_template,
    rule_rows,
    talking_point_reset,
    talking_point_save,
    talking_point_slots,
    template_errors,
    year_calendar,
)
from banyan.worklists.views import REASON_FAMILY

YEAR_MIN, YEAR_MAX = 2000, 2099


# one gate for every settings tab
_can_edit, _require_edit = settings_editable, settings_edit_required


def _mark(form):
    """Bootstrap's red border on the fields that were refused."""
    if form.is_bound:
        for name in form.errors:
            if name in form.fields:
                widget = form.fields[name].widget
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
    return form


def _base(request: HttpRequest, tab: str, can_edit: bool) -> dict:
    return {"nav_active": "settings", "tab": tab, "can_edit": can_edit}


# ------------------------------------------------------------------ 联系规则 (reason rules, policy)

def _mix_rows(form: MixRuleForm | None) -> tuple[list[dict], bool]:
    """The mixing rule's table: per reason, its two boxes (as saved, or as just submitted) and the defaults."""
    state = mix_rule()
    if form is not None and form.is_bound:
        sensitive, marketing = set(form.data.getlist("sensitive")), set(form.data.getlist("marketing"))
    else:
        sensitive, marketing = state.sensitive, state.marketing
    rows = [{"code": code, "label": label, "family": REASON_FAMILY.get(code, "cadence"),
             "sensitive": code in sensitive, "marketing": code in marketing,
             "default_sensitive": code in SENSITIVE, "default_marketing": code in MARKETING}
            for code, label in ReasonCode.choices]
    return rows, state.custom


def _rules_page(request: HttpRequest, *, bound: ReasonRuleForm | None = None, policy_form: PolicyForm | None = None,
                mix_form: MixRuleForm | None = None, status: int = 200) -> HttpResponse:
    can_edit = _can_edit(request)
    rows = []
    for row in rule_rows():
        form = bound if bound is not None and bound.code == row.code else ReasonRuleForm(
            code=row.code, initial={"lead_days": row.lead_days, "weight": row.weight, "enabled": row.enabled})
        rows.append((row, _mark(form), REASON_FAMILY.get(row.code, "cadence")))
    policy = SegmentPolicy.current()
    if policy_form is None:
        initial = {f: getattr(policy, f) for f in PolicyForm.base_fields if f != "recompute"}
        initial = {f: f"{v.normalize():f}" if isinstance(v, Decimal) else v for f, v in initial.items()}
        policy_form = PolicyForm(initial={**initial, "recompute": True})
    context = _base(request, "rules", can_edit)
    mix_rows, mix_custom = _mix_rows(mix_form)
    context.update({"rows": rows, "policy": policy, "policy_form": _mark(policy_form),
                    "overridden": sum(1 for row, _f, _family in rows if row.override is not None),
                    "mix_rows": mix_rows, "mix_custom": mix_custom, "mix_form": mix_form})
    return render(request, "worklists/settings/rules.html", context, status=status)


@login_required
@require_GET
def settings_rules(request: HttpRequest) -> HttpResponse:
    """联系规则: each reason's days ahead, weight and on/off, and the segmentation policy."""
    return _rules_page(request)


@login_required
@require_POST
def settings_rule_save(request: HttpRequest, code: str) -> HttpResponse:
    _require_edit(request)
    if code not in ReasonCode.values:
        raise Http404("No such reason")
    label = ReasonCode(code).label
    anchor = reverse("settings_rules") + f"#reason-{code}"
    if request.POST.get("action") == "reset":
        if reason_rule_reset(actor=request.user, code=code):
            messages.success(request, _("%(reason)s: back to the defaults.") % {"reason": label})
        return redirect(anchor)
    form = ReasonRuleForm(request.POST, code=code)
    if form.is_valid():
        try:
            reason_rule_save(actor=request.user, code=code, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("%(reason)s: saved. Lists built from now on use it.") % {"reason": label})
            return redirect(anchor)
    return _rules_page(request, bound=form, status=400)


@login_required
@require_POST
def settings_policy_save(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            _policy, recomputed = policy_save(actor=request.user, recompute=form.cleaned_data["recompute"],
                                              **form.values())
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if recomputed is not None:
                messages.success(request, _("Policy saved; %(n)d customers re-segmented.") % {"n": recomputed})
            else:
                messages.success(request, _("Policy saved."))
            return redirect(reverse("settings_rules") + "#policy")
    return _rules_page(request, policy_form=form, status=400)


@login_required
@require_POST
def settings_mix_save(request: HttpRequest) -> HttpResponse:
    """不混谈的事项: which reasons make a call sensitive, and which offers such a call leaves out."""
    _require_edit(request)
    anchor = reverse("settings_rules") + "#mix-rule"
    if request.POST.get("action") == "reset":
        if mix_rule_reset(actor=request.user):
            messages.success(request, _("Reasons that do not mix: back to the defaults."))
        return redirect(anchor)
    form = MixRuleForm(request.POST)
    if form.is_valid():
        try:
            mix_rule_save(actor=request.user, sensitive=form.cleaned_data["sensitive"],
                          marketing=form.cleaned_data["marketing"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("Reasons that do not mix: saved. Every task shows it at once."))
            return redirect(anchor)
    return _rules_page(request, mix_form=form, status=400)


# ------------------------------------------------------------------ 话术模板 (talking points)

def _preview(text: str, code: str, orientation: str = "") -> dict:
    """The preview of a template: the sample line, or why it cannot be filled in."""
    errors = template_errors(text)
    if errors:
        return {"errors": errors}
    try:
        return {"line": render_template(text, code, orientation)}
    except ValidationError as e:
        return {"errors": e.messages}


def _talking_points_page(request: HttpRequest, *, bound: TalkingPointForm | None = None,
                         status: int = 200) -> HttpResponse:
    can_edit = _can_edit(request)
    bound_key = None
    if bound is not None:
        bound_key = (bound.data.get("code"), bound.data.get("orientation") or "")
    slots = []
    for slot in talking_point_slots():
        if bound_key == (slot.code, slot.orientation):
            form, text = _mark(bound), bound.data.get("text", "")
        else:
            form = TalkingPointForm(initial={"code": slot.code, "orientation": slot.orientation, "text": slot.text},
                                    auto_id=f"id_tp_{slot.key}_%s")
            text = slot.text
        slots.append({"slot": slot, "form": form, "preview": _preview(text, slot.code, slot.orientation),
                      "example": example_detail(slot.code, slot.orientation),
                      "family": REASON_FAMILY.get(slot.code, "cadence")})
    context = _base(request, "talking_points", can_edit)
    context.update({"slots": slots, "placeholders": ["{" + p + "}" for p in PLACEHOLDERS], "sample": SAMPLE,
                    "customised": sum(1 for s in slots if s["slot"].custom is not None)})
    return render(request, "worklists/settings/talking_points.html", context, status=status)


@login_required
@require_GET
def settings_talking_points(request: HttpRequest) -> HttpResponse:
    """话术模板: the default line of each reason and the bank's own, with a preview."""
    return _talking_points_page(request)


@login_required
@require_POST
def settings_talking_point_save(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    code = request.POST.get("code") or ""
    orientation = request.POST.get("orientation") or ""
    if code not in ReasonCode.values or orientation not in CADENCE_ORIENTATIONS:
        raise Http404("No such talking point")
    key = f"{code}-{orientation or 'any'}"
    anchor = reverse("settings_talking_points") + f"#tp-{key}"
    label = ReasonCode(code).label
    if request.POST.get("action") == "reset":
        if talking_point_reset(actor=request.user, code=code, orientation=orientation):
            messages.success(request, _("%(reason)s: the default talking point applies again.") % {"reason": label})
        return redirect(anchor)
    form = TalkingPointForm(request.POST, auto_id=f"id_tp_{key}_%s")
    if form.is_valid():
        try:
            saved = talking_point_save(actor=request.user, code=code, orientation=orientation,
                                       text=form.cleaned_data["text"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if saved is None:
                messages.success(request, _("%(reason)s: same as the default; the default applies.")
                                 % {"reason": label})
            else:
                messages.success(request, _("%(reason)s: talking point saved. Every task shows it at once.")
                                 % {"reason": label})
            return redirect(anchor)
    return _talking_points_page(request, bound=form, status=400)


@login_required
@require_GET
def settings_talking_point_preview(request: HttpRequest) -> HttpResponse:
    """The preview of what is being typed (htmx): the line for the sample customer, or why not."""
    _can_edit(request)
    code = request.GET.get("code") or ""
    orientation = request.GET.get("orientation") or ""
    if code not in ReasonCode.values or orientation not in CADENCE_ORIENTATIONS:
        raise Http404("No such reason")
    return render(request, "worklists/settings/_preview.html",
                  {"preview": _preview((request.GET.get("text") or "").strip(), code, orientation)})


# ------------------------------------------------------------------ 节假日调整 (holidays)

def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    return min(max(year, YEAR_MIN), YEAR_MAX)


def _holidays_page(request: HttpRequest, *, form: HolidayForm | None = None, status: int = 200) -> HttpResponse:
    can_edit = _can_edit(request)
    holiday_overrides_load()  # the table as it is now, whoever changed it
    year = _year(request)
    rows = [{"row": row, "library_working": library_is_working_day(row.date)}
            for row in HolidayOverride.objects.order_by("date")]
    context = _base(request, "holidays", can_edit)
    context.update({"year": year, "calendars": [year_calendar(year), year_calendar(year + 1)],
                    "prev_year": year - 1 if year > YEAR_MIN else None,
                    "next_year": year + 1 if year < YEAR_MAX else None,
                    "this_year": clock.today().year,
                    "rows": rows, "form": _mark(form or HolidayForm(initial={"is_working_day": "0"}))})
    return render(request, "worklists/settings/holidays.html", context, status=status)


@login_required
@require_GET
def settings_holidays(request: HttpRequest) -> HttpResponse:
    """节假日调整: the year's holidays and make-up workdays as the calendar sees them, and the
    bank's own table for years the library does not know yet."""
    return _holidays_page(request)


def _back_to_holidays(request: HttpRequest, day: dt.date | None = None) -> HttpResponse:
    """Back to the years the page showed, or to the changed day's year when it was not shown."""
    url = reverse("settings_holidays")
    try:
        year = int(request.POST.get("year") or "")
    except ValueError:
        year = None
    if day is not None and (year is None or day.year not in (year, year + 1)):
        year = day.year
    return redirect(f"{url}?year={year}" if year else url)


@login_required
@require_POST
def settings_holiday_add(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = HolidayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            holiday_override_add(actor=request.user, date=data["date"], is_working_day=data["is_working_day"],
                                 name=data["name"])
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            kind = _("working day") if data["is_working_day"] else _("day off")
            messages.success(request, _("%(date)s added as a %(kind)s; the calendar uses it now.")
                             % {"date": data["date"].isoformat(), "kind": kind})
            return _back_to_holidays(request, data["date"])
    return _holidays_page(request, form=form, status=400)


@login_required
@require_POST
def settings_holiday_delete(request: HttpRequest, override_id: int) -> HttpResponse:
    _require_edit(request)
    try:
        row = holiday_override_delete(actor=request.user, override_id=override_id)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return _back_to_holidays(request)
    messages.success(request, _("%(date)s removed from the table; the calendar follows the official schedule "
                                "again.") % {"date": row.date.isoformat()})
    return _back_to_holidays(request, row.date)

