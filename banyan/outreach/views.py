"""The phone-invitation cockpit (issue 4, OUT-1..5): campaigns and their call lists, the calling
screen with the script library at hand, appointments with an iCalendar feed, daily targets.

Every read of a customer goes through the outreach selectors (which start from
visible_customers); a campaign or entry out of reach answers 404. Without JavaScript every
action is a POST + redirect."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.contacts.forms import SERVICE_FIELDS, AppointmentForm, OpportunityForm
from banyan.contacts.models import Appointment, AppointmentStatus, Interaction, OpportunitySource, is_stranger
from banyan.contacts.opportunities import opportunity_create
from banyan.contacts.selectors import upcoming_appointments
from banyan.contacts.services import appointment_create
from banyan.customers.selectors import get_customer_for_user, visible_customers
from banyan.customers.services import customers_listed
from banyan.customers.topics import topics_of
from banyan.events.selectors import calendar_entries, events_for_calendar
from banyan.holdings.models import Holding, HoldingStatus
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.org.services import calendar_address_renew
from banyan.outreach import ical
from banyan.outreach.forms import CallForm, CampaignForm
from banyan.outreach.models import PREPARATION_CHECKLIST, CallEntry, CallLog, CallStatus, Script
from banyan.outreach.selectors import (
    call_list,
    call_target,
    calling_progress,
    entry_for_user,
    exclusions,
    get_campaign_for_user,
    visible_campaigns,
    visible_funnel,
)
from banyan.outreach.services import (
    RULES,
    appointment_set_status,
    call_entry_mark,
    call_outcome_record,
    campaign_checklist_tick,
    campaign_create,
    customers_matching,
    objection_win_rates,
)
from banyan.transitions import Conflict
from banyan.wealth.offers import offers_for
from banyan.wealth.suitability import rule_words
from banyan.worklists.models import ReasonCode, Task
from banyan.worklists.talking import detail_text, task_talk

FILTER_FIELDS = ("quadrant", "aum_min", "aum_max", "holds", "not_holds", "maturity_within_days",
                 "not_contacted_days", "risk_level", "priority")

FUNNEL_STEPS = [("listed", gettext_lazy("Listed")), ("called", gettext_lazy("Called")),
                ("reached", gettext_lazy("Reached")), ("interested", gettext_lazy("Interested")),
                ("appointment", gettext_lazy("Appointment")), ("visited", gettext_lazy("Visited")),
                ("sold", gettext_lazy("Sold"))]

#: The five steps of answering an objection (seed 004), in the words of the course.
STEP_WORDS = {"empathise": "表达同理心", "ask": "请求提问", "clarify": "澄清真正原因", "restate": "再次陈述利益",
              "confirm": "确认客户是否接受", "situation": "S 背景", "problem": "P 难点", "implication": "I 影响",
              "need_payoff": "N 需求回报"}

#: Objection tabs in the order the course teaches them, with the customer's own words.
OBJECTION_TABS = [("delay", "我考虑考虑"), ("not_interested", "我不需要"), ("distrust", "不信任"),
                  ("misunderstanding", "误解"), ("unmet_need", "无法满足")]

STATUS_CLASS = {CallStatus.PENDING: "secondary", CallStatus.NOT_REACHED: "warning", CallStatus.REFUSED: "danger",
                CallStatus.INTERESTED: "info", CallStatus.CALL_BACK: "primary", CallStatus.APPOINTMENT: "success"}

CALLER_ROLES = (Role.RM, Role.PLANNER, Role.ASSISTANT, Role.BRANCH_HEAD, Role.ADMIN)
HISTORY_DAYS = 7
#: The next best offers the calling screen shows (the file shows them all).
CALL_OFFERS = 3
WEEKS = 6


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _caller(request: HttpRequest) -> None:
    if request.user.role not in CALLER_ROLES:
        raise Http404("Not for this role")


def title_of(customer) -> str:
    """王先生 / 李女士 (compound surnames kept whole), as the worklist talks."""
    from banyan.worklists.services import _title

    return _title(customer.name, customer.gender)


def _age(birth, today) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _funnel_rows(counts: dict) -> list[dict]:
    """Each step with its share of the list and its conversion from the step before."""
    rows, prev = [], None
    top = counts.get("listed") or 0
    for key, label in FUNNEL_STEPS:
        n = counts.get(key, 0)
        rows.append({"key": key, "label": str(label), "n": n,
                     "share": round(100 * n / top) if top else 0,
                     "conversion": (round(100 * n / prev) if prev else None) if prev is not None else None})
        prev = n
    return rows


# ------------------------------------------------------------------ campaigns (OUT-1)

@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    _caller(request)
    user = request.user
    form = CampaignForm(request.POST or None, user=user)
    preview = None
    if request.method == "POST" and request.POST.get("action") == "preview":
        form.is_valid()
        bad = set(form.errors) & set(FILTER_FIELDS)
        preview = {"error": _("Correct the filter first.")} if bad else _preview_count(user, form.filter_spec())
        if _is_htmx(request):
            return render(request, "outreach/partials/_preview.html", {"preview": preview})
        form = CampaignForm(request.POST, user=user)  # shown again without the errors of unfilled fields
        form.is_valid()
        form._errors = ErrorDict({k: v for k, v in form.errors.items() if k in FILTER_FIELDS})
    elif request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(actor=user, name=form.cleaned_data["name"],
                                       purpose=form.cleaned_data["purpose"], goal=form.cleaned_data["goal"],
                                       start_date=form.cleaned_data["start_date"],
                                       end_date=form.cleaned_data["end_date"], filter=form.filter_spec(),
                                       opening=form.cleaned_data["opening"], product=form.cleaned_data["product"])
        except ValidationError as e:
            for field, errs in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            messages.success(request, _("Campaign created: %(n)d customers listed, %(x)d left out by a contact "
                                        "rule.") % {"n": campaign.entries.count(), "x": campaign.exclusions.count()})
            return redirect("outreach_campaign", campaign.pk)
    campaigns = []
    for c in visible_campaigns(user).select_related("created_by"):
        counts = visible_funnel(user, c)
        campaigns.append({"c": c, "counts": counts, "funnel": _funnel_rows(counts)})
    return render(request, "outreach/campaigns.html", {
        "nav_active": "outreach", "campaigns": campaigns, "form": form, "preview": preview,
        "open_form": request.method == "POST",
    }, status=400 if request.method == "POST" and form.errors else 200)


def _preview_count(user, spec: dict) -> dict:
    try:
        qs = customers_matching(user, spec)
    except ValidationError as e:
        return {"error": "; ".join(m for msgs in e.message_dict.values() for m in msgs)}
    return {"count": qs.count(), "not_reachable": qs.filter(Q(do_not_disturb=True) | Q(consent_phone=False)).count()}


@login_required
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _caller(request)
    user = request.user
    campaign = get_campaign_for_user(user, campaign_id)
    entries = list(call_list(user, campaign).select_related("manager"))
    counts = visible_funnel(user, campaign)
    rows = _funnel_rows(counts)
    left_out = [{"customer": x.customer, "rule": RULES[x.rule] if x.rule in RULES else rule_words(x.rule)}
                for x in exclusions(user, campaign).order_by("-customer__aum")]
    customers_listed(actor=user, customer_ids=[e.customer_id for e in entries] + [x["customer"].pk for x in left_out],
                     via="campaign", params={"campaign": campaign.pk})  # the call list, by name (ARC-8)
    checklist = [{"code": code, "text": text, "done": bool(campaign.checklist.get(code))}
                 for code, text in PREPARATION_CHECKLIST]
    pending = sum(1 for e in entries if e.status == CallStatus.PENDING)
    for e in entries:
        e.status_class = STATUS_CLASS.get(e.status, "secondary")
    return render(request, "outreach/campaign.html", {
        "nav_active": "outreach", "campaign": campaign, "entries": entries, "funnel": rows, "counts": counts,
        "left_out": left_out, "checklist": checklist, "checklist_done": sum(1 for i in checklist if i["done"]),
        "pending": pending, "show_manager": user.role in (Role.BRANCH_HEAD, Role.ADMIN),
        "funnel_data": {"labels": [r["label"] for r in rows], "values": [r["n"] for r in rows],
                        "conversion": [r["conversion"] for r in rows]},
    })


@login_required
@require_POST
def checklist_save(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _caller(request)
    campaign = get_campaign_for_user(request.user, campaign_id)
    ticked = set(request.POST.getlist("done"))
    for code, _text in PREPARATION_CHECKLIST:
        if bool(campaign.checklist.get(code)) != (code in ticked):
            campaign_checklist_tick(actor=request.user, campaign=campaign, item=code, done=code in ticked)
    messages.success(request, _("Preparation checklist saved."))
    return redirect(reverse("outreach_campaign", args=[campaign.pk]) + "#checklist")


@login_required
@require_POST
def entry_mark(request: HttpRequest, campaign_id: int, customer_id: int) -> HttpResponse:
    """The customer came to the branch / bought (the funnel's last two steps)."""
    _caller(request)
    campaign = get_campaign_for_user(request.user, campaign_id)
    entry = entry_for_user(request.user, campaign, customer_id)
    what = request.POST.get("mark")
    if what not in ("visited", "sold"):
        raise Http404("No such mark")
    call_entry_mark(actor=request.user, entry=entry, **{what: True})
    return redirect(reverse("outreach_campaign", args=[campaign.pk]) + "#call-list")


# ------------------------------------------------------------------ the calling screen (OUT-3)

def _next_entry(user, campaign, after: int | None = None) -> CallEntry | None:
    """The next customer to call: pending first (largest AUM first), then call-backs that are due."""
    entries = call_list(user, campaign)
    pending = entries.filter(status=CallStatus.PENDING)
    if after:
        pending = pending.exclude(customer_id=after)
    entry = pending.first()
    if entry is None:
        due = entries.filter(status=CallStatus.CALL_BACK, call_back_at__lte=clock.now()).order_by("call_back_at")
        entry = (due.exclude(customer_id=after) if after else due).first()
    return entry


def _scripts(user) -> dict:
    qs = Script.objects.filter(is_active=True)
    qs = qs.filter(Q(branch__isnull=True) | Q(branch_id=user.branch_id)) if user.branch_id else qs.filter(
        branch__isnull=True)
    by_kind: dict[str, list] = defaultdict(list)
    for s in qs:
        s.step_list = [{"word": STEP_WORDS.get(st.get("step") or "", ""), "text": st.get("text", "")}
                       for st in (s.steps or [])]
        by_kind[s.kind].append(s)
    rates = {r["objection"]: r for r in objection_win_rates(branch=user.branch)}
    tabs = []
    for code, words in OBJECTION_TABS:
        tabs.append({"code": code, "words": words,
                     "scripts": [s for s in by_kind[Script.Kind.OBJECTION] if s.objection == code],
                     "rate": rates.get(code)})
    return {"tabs": tabs, "probing": by_kind[Script.Kind.PROBING], "signals": by_kind[Script.Kind.BUYING_SIGNAL],
            "closing": by_kind[Script.Kind.CLOSING]}


def _opening_lines(campaign, customer, user) -> list[str]:
    if not campaign.opening:
        return []
    title = title_of(customer)
    lines = []
    for st in campaign.opening.steps or []:
        text = st.get("text", "").replace("王先生", title)
        if user.branch:
            text = text.replace("XX支行", user.branch.name)
        text = text.replace("XX银行", settings.BANYAN_BANK_NAME)
        lines.append(text.replace("理财经理XX", f"理财经理{user.display_name}"))
    return lines


def _facts(entry: CallEntry, user) -> dict:
    c = entry.customer
    today = clock.today()
    holdings = list(Holding.objects.filter(customer=c, status=HoldingStatus.ACTIVE).select_related("product")
                    .order_by("maturity_date", "-amount")[:6])
    last = Interaction.objects.filter(customer=c).select_related("staff").first()
    tasks = Task.objects.filter(customer=c, date=today).select_related("manager").prefetch_related("reasons")
    reasons, talks = [], []
    for t in tasks:
        for r in t.reasons.all():
            label = str(ReasonCode(r.code).label) if r.code in ReasonCode.values else r.code
            detail = detail_text(r)
            reasons.append(f"{label}：{detail}" if detail else label)
        if t.status != "suppressed":  # the worklist's words on the same call: its topics and its notes
            talks.append(task_talk(t, today=today))
    calls = list(entry.calls.order_by("-at")[:5])
    return {"c": c, "title": title_of(c), "age": _age(c.birth_date, today), "holdings": holdings, "last": last,
            "reasons": reasons, "calls": calls, "worklist_talk": talks[0] if talks else None,
            "offers": offers_for(c, today=today).offers[:CALL_OFFERS],  # 为您推荐 (WEA-4)
            # issue 16: the customer's topics to open with; a stranger (never reached in person or by
            # phone) is offered no product until the first real contact (seed 004)
            "topics": topics_of(c), "stranger": is_stranger(c),
            "days_since": (today - timezone.localtime(c.last_contact_at).date()).days if c.last_contact_at else None}


def _seen_attempts(request: HttpRequest) -> int | None:
    """The calls the screen showed when the manager submitted (a double submit is refused)."""
    seen = request.POST.get("attempts", "")
    return int(seen) if seen.isdigit() and len(seen) < 6 else None


def _meeting_form(request: HttpRequest) -> tuple[AppointmentForm, bool]:
    """The one appointment form of a posted call, and whether the call ended in a meeting. For any
    other outcome it only keeps what was typed (unbound: no errors for fields not needed)."""
    if request.POST.get("outcome") == CallStatus.APPOINTMENT:
        return AppointmentForm(request.POST), True
    return AppointmentForm(initial={k: request.POST.get(k, "") for k in ("at", "place", "purpose")}), False


def _meeting_args(meeting: AppointmentForm | None) -> dict:
    if meeting is None:
        return {"appointment_at": None, "place": "", "purpose": ""}
    booking = meeting.booking()
    return {"appointment_at": booking["at"], "place": booking["place"], "purpose": booking["purpose"]}


def _call_errors(form: CallForm, meeting: AppointmentForm, error: ValidationError) -> None:
    """call_outcome_record's refusal: the meeting's under the meeting's fields, the rest on the call's."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errs in error.message_dict.items():
        if SERVICE_FIELDS.get(field, field) in meeting.fields:
            meeting.add_service_errors(ValidationError({field: errs}))
        else:
            form.add_error(field if field in form.fields else None, errs)


@login_required
def call_screen(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _caller(request)
    user = request.user
    campaign = get_campaign_for_user(user, campaign_id)
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if request.method == "POST":
        entry = entry_for_user(user, campaign, customer_id)
        form = CallForm(request.POST)
        meeting, wanted = _meeting_form(request)
        # "有意向" with a need typed: a sales opportunity is opened with the call (both or neither)
        opening = request.POST.get("outcome") == CallStatus.INTERESTED and OpportunityForm.asked(request.POST)
        opportunity = OpportunityForm(request.POST if opening else None)
        call_ok = form.is_valid()
        meeting_ok = meeting.is_valid() if wanted else True
        if call_ok and meeting_ok and (not opening or opportunity.is_valid()):
            d = form.cleaned_data
            objection = d.get("objection") or ""
            script = Script.objects.filter(kind=Script.Kind.OBJECTION, objection=objection, is_active=True).first() \
                if objection else None
            try:
                with transaction.atomic():
                    log, guidance = call_outcome_record(
                        actor=user, entry=entry, outcome=d["outcome"], reason=form.reason_value(),
                        note=d.get("note") or "", objection=objection, script=script, minutes=d.get("minutes") or 0,
                        call_back_at=d.get("call_back_at"), attempts=_seen_attempts(request),
                        **_meeting_args(meeting if wanted else None))
                    if opening:
                        try:
                            opportunity_create(actor=user, customer=entry.customer, source=OpportunitySource.CALL,
                                               interaction=log.interaction, **opportunity.opening())
                        except ValidationError as e:
                            opportunity.add_service_errors(e)
                            raise
            except ValidationError as e:
                entry.refresh_from_db()  # a call recorded meanwhile (Conflict) shows on the screen
                if not opportunity.errors:
                    _call_errors(form, meeting, e)
            else:
                messages.success(request, _("Saved: %(title)s — %(outcome)s.") % {
                    "title": title_of(entry.customer), "outcome": CallStatus(d["outcome"]).label})
                for line in guidance:
                    messages.warning(request, line)
                nxt = _next_entry(user, campaign, after=entry.customer_id)
                url = reverse("outreach_call", args=[campaign.pk])
                return redirect(f"{url}?customer={nxt.customer_id}" if nxt else url)
        status = 400
    else:
        entry = entry_for_user(user, campaign, customer_id) if customer_id else _next_entry(user, campaign)
        form = CallForm(initial={"minutes": 0})
        meeting = AppointmentForm(place=user.branch.name if user.branch else "", purpose=campaign.purpose)
        opportunity = OpportunityForm()
        status = 200
    context = {"nav_active": "outreach", "campaign": campaign, "entry": entry, "form": form,
               "meeting_form": meeting, "opportunity_form": opportunity, "counts": visible_funnel(user, campaign)}
    if entry is not None:
        context.update(_facts(entry, user))
        context["opening_lines"] = _opening_lines(campaign, entry.customer, user)
        context["scripts"] = _scripts(user)
        upcoming = call_list(user, campaign).filter(status=CallStatus.PENDING).exclude(pk=entry.pk)[:5]
        context["upcoming"] = upcoming
        context["status_class"] = STATUS_CLASS.get(entry.status, "secondary")
    return render(request, "outreach/call.html", context, status=status)


# ------------------------------------------------------------------ appointments (OUT-4)

def _start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(clock.today(), dt.time.min))


def _my_appointments(user):
    return (Appointment.objects.filter(staff=user, customer__in=visible_customers(user))
            .select_related("customer").order_by("at"))


@login_required
def appointments(request: HttpRequest) -> HttpResponse:
    _caller(request)
    user = request.user
    start = _start_of_today()
    qs = _my_appointments(user)
    upcoming = list(qs.filter(at__gte=start))
    unsettled = list(qs.filter(at__lt=start, at__gte=start - dt.timedelta(days=14),
                               status=AppointmentStatus.SCHEDULED))
    for a in upcoming + unsettled:
        a.title = title_of(a.customer)
    token = ical.feed_token(user)
    feed_url = request.build_absolute_uri(reverse("outreach_ics", args=[token]))
    return render(request, "outreach/appointments.html", {
        "nav_active": "outreach", "upcoming": upcoming, "unsettled": unsettled, "feed_url": feed_url,
        "client_events": events_for_calendar(user, start),  # organised, staffed or invited to (EVT)
        "statuses": [(AppointmentStatus.DONE, AppointmentStatus.DONE.label),
                     (AppointmentStatus.NO_SHOW, AppointmentStatus.NO_SHOW.label),
                     (AppointmentStatus.CANCELLED, AppointmentStatus.CANCELLED.label)],
    })


@login_required
@require_POST
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    _caller(request)
    try:
        appointment = _my_appointments(request.user).get(pk=appointment_id)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment") from None
    try:
        appointment_set_status(actor=request.user, appointment=appointment, status=request.POST.get("status", ""))
    except Conflict as e:  # settled meanwhile, in another tab
        messages.warning(request, " ".join(e.messages))
    except ValidationError:
        messages.error(request, _("Choose what happened to the meeting."))
    else:
        messages.success(request, _("Meeting with %(title)s: %(status)s.") % {
            "title": title_of(appointment.customer), "status": AppointmentStatus(appointment.status).label})
    nxt = request.POST.get("next", "")
    if nxt.startswith("/customers/"):
        return redirect(nxt)
    return redirect("outreach_appointments")


@login_required
@require_POST
def appointments_feed_renew(request: HttpRequest) -> HttpResponse:
    """重新生成订阅链接: the owner's calendar address changes; the old one answers 404."""
    _caller(request)
    calendar_address_renew(actor=request.user, staff=request.user)
    messages.success(request, _("A new calendar address is ready: the old one no longer works. "
                                "Subscribe to the new one on your phone."))
    return redirect(reverse("outreach_appointments") + "#feed")


@require_GET
def appointments_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The manager's meetings for a phone's calendar: no login (the token is the secret)."""
    user = ical.feed_owner(token)
    if user is None:
        raise Http404("No such feed")
    since = _start_of_today() - dt.timedelta(days=30)
    events = []
    for a in _my_appointments(user).filter(at__gte=since).exclude(status=AppointmentStatus.CANCELLED):
        events.append({"uid": f"appointment-{a.pk}", "start": a.at, "end": a.at + dt.timedelta(hours=1),
                       "summary": f"约见 {title_of(a.customer)}", "location": a.place, "description": a.purpose,
                       "status": "CONFIRMED" if a.status == AppointmentStatus.SCHEDULED else None})
    events += calendar_entries(user, since)  # client events organised, staffed or invited to (EVT)
    body = ical.calendar(events, name=f"榕树 · {user.display_name}的约见", stamp=clock.now(),
                         host=request.get_host().split(":")[0] or "banyan")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="banyan-appointments.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def customer_appointments(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The 约见 card of the customer file: upcoming meetings and a form to book one."""
    _caller(request)
    customer = get_customer_for_user(request.user, customer_id)
    branch = request.user.branch.name if request.user.branch else ""
    form = AppointmentForm(request.POST or None, place=branch)
    guidance: list[str] = []
    booked = None
    if request.method == "POST" and form.is_valid():
        try:
            booked, guidance = appointment_create(actor=request.user, customer=customer, **form.booking())
        except ValidationError as e:
            form.add_service_errors(e)
        else:
            if not _is_htmx(request):
                messages.success(request, _("Meeting booked."))
                for line in guidance:
                    messages.warning(request, line)
                return redirect("customer_detail", customer.pk)
            form = AppointmentForm(place=form.cleaned_data["place"])
    upcoming = list(upcoming_appointments(customer))
    context = {"c": customer, "form": form, "upcoming": upcoming, "guidance": guidance, "booked": booked}
    status = 400 if form.errors else 200
    if _is_htmx(request):
        return render(request, "outreach/partials/_customer_appointments.html", context, status=status)
    return render(request, "outreach/customer_appointments.html", {**context, "nav_active": "book"}, status=status)


# ------------------------------------------------------------------ daily targets (OUT-5)

def _bar(value: int, target: int) -> dict:
    return {"value": value, "target": target, "pct": min(100, round(100 * value / target)) if target else 0,
            "met": bool(target) and value >= target}


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    _caller(request)
    user = request.user
    today = clock.today()
    by_week = request.GET.get("by") == "week"
    if user.role in (Role.BRANCH_HEAD, Role.ADMIN) and user.branch_id:
        managers = list(Staff.objects.filter(branch_id=user.branch_id, role__in=BOOK_ROLES, is_active=True)
                        .order_by("full_name", "username"))
    else:
        managers = [user]
    if by_week:
        monday = today - dt.timedelta(days=today.weekday())
        first = monday - dt.timedelta(weeks=WEEKS - 1)
        periods = [(first + dt.timedelta(weeks=i), min(first + dt.timedelta(weeks=i, days=6), today))
                   for i in range(WEEKS)]
    else:
        first = today - dt.timedelta(days=HISTORY_DAYS - 1)
        periods = [(first + dt.timedelta(days=i),) * 2 for i in range(HISTORY_DAYS)]
    data = calling_progress(managers, first, today)
    rows = []
    for m in managers:
        calls_target, minutes_target = call_target(m)
        days = data.get(m.pk, {})
        today_row = days.get(today, {"calls": 0, "minutes": 0})
        history = []
        for lo, hi in periods:
            calls = sum(v["calls"] for d, v in days.items() if lo <= d <= hi)
            minutes = sum(v["minutes"] for d, v in days.items() if lo <= d <= hi)
            n_days = sum(1 for i in range((hi - lo).days + 1) if (lo + dt.timedelta(days=i)).weekday() < 5) or 1
            history.append({"lo": lo, "hi": hi, "calls": calls, "minutes": minutes,
                            "met": calls >= calls_target * (n_days if by_week else 1)})
        rows.append({"manager": m, "calls": _bar(today_row["calls"], calls_target),
                     "minutes": _bar(today_row["minutes"], minutes_target), "history": history,
                     "week_calls": sum(h["calls"] for h in history),
                     "week_minutes": sum(h["minutes"] for h in history)})
    label_fmt = "%m-%d"
    chart = {"periods": [p[0].strftime(label_fmt) + (f"~{p[1].strftime(label_fmt)}" if by_week else "")
                         for p in periods],
             "series": [{"name": r["manager"].display_name, "data": [h["calls"] for h in r["history"]]} for r in rows],
             "target": rows[0]["calls"]["target"] if len(rows) == 1 and not by_week else None,
             "label": _("Call records")}
    today_logs = []
    if len(managers) == 1:
        today_logs = list(CallLog.objects.filter(staff=user, at__date=today,
                                                 entry__customer__in=visible_customers(user))
                          .select_related("entry__customer", "entry__campaign").order_by("-at"))
        for log in today_logs:
            log.title = title_of(log.entry.customer)
    return render(request, "outreach/progress.html", {
        "nav_active": "outreach", "rows": rows, "single": len(managers) == 1, "by_week": by_week,
        "periods": periods, "chart": chart, "today": today, "today_logs": today_logs,
    })
