"""The daily worklist pages (WL-4..9): the manager's "今日工作" and the branch head's view of each
manager's day. Views parse, call a selector or a service, and render; with htmx (HX-Request) a
task action answers with the card alone, without JavaScript every action is a POST + redirect."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.calendars.workdays import holiday_name, is_working_day
from banyan.contacts.forms import AppointmentForm
from banyan.contacts.models import Outcome
from banyan.customers.forms import ContactForm, ContactMoreForm
from banyan.customers.models import Channel
from banyan.customers.selectors import visible_customers
from banyan.customers.services import customers_listed
from banyan.customers.topics import topics_of
from banyan.messaging.services import (
    coming_festival,
    festival_greeting_targets,
    festival_greetings_queue,
    outbox_send_queued,
)
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff
from banyan.segments.models import SegmentPolicy
from banyan.transitions import Conflict
from banyan.validation import refuse_too_long
from banyan.wealth.maintenance import CardSuggestions
from banyan.web.templatetags.banyan_tags import ymdhm
from banyan.worklists.cards import CardKit
from banyan.worklists.contact_services import task_complete_with_appointment
from banyan.worklists.models import REASON_LABELS, ReasonCode, Task, TaskStatus
from banyan.worklists.planner import rule_words
from banyan.worklists.preview import cached_preview
from banyan.worklists.selectors import (
    OPEN_SHOWN,
    OVERDUE_DAYS,
    OVERDUE_SHOWN,
    DayCounts,
    branch_day_counts,
    branch_managers,
    completion_trend,
    day_counts,
    day_tasks,
    get_task_for_user,
    is_built,
    overdue_cadence_counts,
    overdue_count,
    overdue_tasks,
    worklist_owner,
)
from banyan.worklists.services import (
    holiday_overrides_fresh,
    task_complete,
    task_move,
    task_skip,
)
from banyan.worklists.talking import TalkSettings, detail_text, task_talk
from banyan.worklists.tasks import worklists_build_on_demand

logger = logging.getLogger(__name__)

PREVIEW_DAYS = 7
#: A future date further than this is not previewed: the book will have changed by then.
PREVIEW_LIMIT_DAYS = 31
TREND_DAYS = 7
PREVIEW_NAMES_SHOWN = 12

WEEKDAYS = [gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"), gettext_lazy("Thursday"),
            gettext_lazy("Friday"), gettext_lazy("Saturday"), gettext_lazy("Sunday")]
WEEKDAYS_SHORT = [pgettext_lazy("weekday", "Mon"), pgettext_lazy("weekday", "Tue"), pgettext_lazy("weekday", "Wed"),
                  pgettext_lazy("weekday", "Thu"), pgettext_lazy("weekday", "Fri"), pgettext_lazy("weekday", "Sat"),
                  pgettext_lazy("weekday", "Sun")]

#: Common reasons to skip a task; the manager can add a few words.
SKIP_REASONS = [gettext_lazy("Customer travelling / abroad"), gettext_lazy("Already contacted another way"),
                gettext_lazy("Wrong or dead number"), gettext_lazy("Customer asked not to be called"),
                gettext_lazy("Not the right moment"), gettext_lazy("Other")]

#: The few words added to a skip reason (the reason chosen and these fit the task's 200 characters).
SKIP_NOTE_MAX = 150

#: The card's text limits as the server keeps them (shown as counters, never as a cut).
CARD_LIMITS = {**{name: f.max_length for name, f in ContactForm.base_fields.items() if getattr(f, "max_length", None)},
               "skip_note": SKIP_NOTE_MAX}

#: A task's state, in the words of the page (the model's labels are the engine's).
STATUS_WORDS = {
    TaskStatus.OPEN: pgettext_lazy("task", "To do"),
    TaskStatus.DONE: pgettext_lazy("task", "Done"),
    TaskStatus.SKIPPED: pgettext_lazy("task", "Skipped"),
    TaskStatus.MOVED: pgettext_lazy("task", "Moved"),
    TaskStatus.SUPERSEDED: pgettext_lazy("task", "Carried over"),
    TaskStatus.SUPPRESSED: pgettext_lazy("task", "Left out"),
}

#: Reason badge families: care, money matters, warnings, regular contact, things agreed.
REASON_FAMILY = {
    ReasonCode.BIRTHDAY: "care", ReasonCode.FESTIVAL: "care", ReasonCode.ANNIVERSARY: "care",
    ReasonCode.DEPOSIT_MATURITY: "money", ReasonCode.PRODUCT_MATURITY: "money", ReasonCode.LOAN_MATURITY: "money",
    ReasonCode.CARD_REPAYMENT: "money", ReasonCode.DIVIDEND: "money", ReasonCode.LARGE_INFLOW: "money",
    ReasonCode.NAV_MOVE: "alert", ReasonCode.TAKE_PROFIT: "alert", ReasonCode.STOP_LOSS: "alert",
    ReasonCode.LOAN_OVERDUE: "alert", ReasonCode.LARGE_OUTFLOW: "alert",
    ReasonCode.RISK_ASSESSMENT_EXPIRY: "agreed",
    ReasonCode.MEMO_DUE: "agreed", ReasonCode.FOLLOW_UP: "agreed", ReasonCode.APPOINTMENT: "agreed",
    ReasonCode.OPPORTUNITY_DUE: "agreed",
    ReasonCode.WANTED_PRODUCT: "agreed",
    ReasonCode.SUITABILITY_DRIFT: "alert",
    ReasonCode.COMPLAINT_DUE: "alert", ReasonCode.COMPLAINT_CARE: "care",
    ReasonCode.REFERRAL: "new", ReasonCode.REFERRAL_THANKS: "care",
    ReasonCode.EVENT_INVITATION: "agreed", ReasonCode.EVENT_FOLLOW_UP: "care",
    ReasonCode.NEW_CUSTOMER: "new", ReasonCode.CADENCE_DUE: "cadence",
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _parse_day(text: str | None) -> dt.date | None:
    """A day of the pages' addresses and forms; None for text that is no day (or a year no page
    shows, e.g. 9999-12-31: its next day does not exist)."""
    return clock.parse_day(text)


def _day_asked(request: HttpRequest) -> dt.date:
    """The branch pages' ?date=: today when not given; a date that is none is not found (404)."""
    text = request.GET.get("date")
    if not text:
        return clock.today()
    day = _parse_day(text)
    if day is None:
        raise Http404("No such date")
    return day


def day_label(day: dt.date) -> dict:
    """A date as the page's header shows it: weekday, holiday name, working day or not."""
    holiday_overrides_fresh()
    return {"date": day, "weekday": WEEKDAYS[day.weekday()], "short": WEEKDAYS_SHORT[day.weekday()],
            "holiday": holiday_name(day), "working": is_working_day(day)}


def _branch_name(manager: Staff) -> str:
    """Where a meeting booked from the manager's list is, unless the manager says otherwise."""
    return manager.branch.name if manager.branch_id else ""


def _url_of_day(day: dt.date, today: dt.date) -> str:
    return reverse("worklist_today") if day == today else reverse("worklist_day", args=[day.isoformat()])


# ------------------------------------------------------------------ decorating the cards

@dataclass
class ReasonView:
    code: str
    label: str
    detail: str
    family: str


def reason_views(reasons) -> list[ReasonView]:
    return [ReasonView(r.code, str(REASON_LABELS.get(r.code, r.code)),
                       detail_text(r), REASON_FAMILY.get(r.code, "cadence")) for r in reasons]


def _segment(customer):
    try:
        return customer.segment
    except customer.__class__.segment.RelatedObjectDoesNotExist:
        return None


def _age(birth: dt.date | None, today: dt.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@dataclass
class Refusal:
    """Why a card's action was refused, shown on the card again with what was typed: the words not
    about one field on top (`text`), the others under their field (`fields`), the posted values
    (`data`) back in the inputs — a refusal loses nothing the manager typed."""

    text: str = ""
    fields: dict = field(default_factory=dict)
    data: object = None

    @classmethod
    def of(cls, error: ValidationError, data=None) -> Refusal:
        if not hasattr(error, "error_dict"):
            return cls(" ".join(error.messages), {}, data)
        at_fields = CARD_TEXT_FIELDS + MEETING_FIELDS
        fields = {k: v for k, v in error.message_dict.items() if k in at_fields}
        rest = [m for k, msgs in error.message_dict.items() if k not in at_fields for m in msgs]
        return cls(" ".join(rest), fields, data)


#: The inputs of a card's "done" form whose refusals show under the input, and the meeting's.
CARD_TEXT_FIELDS = ("summary", "rejection_reason", "new_info", "next_step", "next_contact_on", "minutes")
MEETING_FIELDS = tuple(AppointmentForm.base_fields)


def _meeting_form(task: Task, refusal: Refusal, place: str) -> AppointmentForm:
    """The card's "已约见" fields: what was posted when booking was refused, else the branch as the
    place and the task's first reason as the purpose."""
    auto_id = f"task-{task.pk}-meeting-%s"
    data = refusal.data
    if data is not None and data.get("outcome") == Outcome.APPOINTMENT:
        form = AppointmentForm(data, auto_id=auto_id)
        form.is_valid()
        for name in MEETING_FIELDS:  # the service's refusal (a time passed), beside the form's own
            for message in refusal.fields.get(name, []):
                if message not in form.errors.get(name, []):
                    form.add_error(name, message)
        return form
    reasons = task.reason_list
    return AppointmentForm(place=place, purpose=reasons[0].label if reasons else "", auto_id=auto_id)


def decorate(task: Task, today: dt.date, error: str | Refusal = "", *, place: str = "",
             talk: TalkSettings | None = None, manager: Staff | None = None,
             suggestions: CardSuggestions | None = None, kit: CardKit | None = None) -> Task:
    """What the card shows, computed from rows already loaded (no queries, given the bank's talking
    point settings `talk` and the list's manager). `task.talk`: what to say and the manager's notes,
    written when the card shows them, in the reader's language. `suggestions`: the suggested
    messages of the page's cards, read together (wealth.maintenance.CardSuggestions). `kit`: what
    the page's cards write alike, written once (worklists.cards)."""
    c = task.customer
    refusal = error if isinstance(error, Refusal) else Refusal(error)
    task.error = refusal.text
    # A refused card shows every part of its forms with what was typed; otherwise the parts behind
    # "more", "meeting", "skip" and "move" are loaded when opened (task_part_view): most cards are
    # finished with one click, and their forms were 40 % of the cost of writing the day's page.
    task.eager = refusal.data is not None or bool(refusal.text or refusal.fields)
    task.field_errors = {k: v for k, v in refusal.fields.items() if k in CARD_TEXT_FIELDS}
    task.posted = refusal.data
    task.reason_list = reason_views(task.reasons.all())
    task.age = _age(c.birth_date, today)
    task.days_since_contact = (today - timezone.localtime(c.last_contact_at).date()).days if c.last_contact_at \
        else None
    task.segment = _segment(c)
    if hasattr(task, "topic_new_info"):  # loaded with the day's tasks (selectors._with_card_data)
        c.topic_new_info, c.topic_new_info_at = task.topic_new_info, task.topic_new_info_at
    task.topics = SimpleLazyObject(lambda: topics_of(c))  # the customer's topics (issue 16 §3)
    task.talk = SimpleLazyObject(lambda: task_talk(task, settings=talk, today=today,
                                                   manager=(manager or task.manager).display_name))
    task.status_word = STATUS_WORDS.get(task.status, task.status)
    task.rule_text = rule_words(task.rule_code, task.rule_args, fallback=task.rule_note)
    task.kit = (kit or CardKit()).pieces(task)
    if task.status == TaskStatus.OPEN:
        # the card's meeting fields are only written with it when refused (task.eager), else as they open
        task.meeting_form = SimpleLazyObject(lambda: _meeting_form(task, refusal, place))
        # 销售维护 (WEA-3): the message suggested for a take-profit, stop-loss or NAV move reason
        if suggestions is None:
            suggestions = CardSuggestions(actor=manager or task.manager)
        suggestions.add(task)
        task.maintenance = SimpleLazyObject(lambda: suggestions.of(task))
    return task


# ------------------------------------------------------------------ the manager's day

@dataclass
class PreviewDay:
    label: dict
    tasks: list = field(default_factory=list)
    left_out: int = 0

    @property
    def shown(self) -> list:
        return self.tasks[:PREVIEW_NAMES_SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.tasks) - PREVIEW_NAMES_SHOWN)


def _preview(user, manager: Staff, first: dt.date, days: int) -> list[PreviewDay]:
    """The coming days as the engine would plan them today (nothing is stored)."""
    plans = cached_preview(manager=manager, first=first, days=days)
    ids = {p.customer_id for planned in plans.values() for p in planned}
    names = dict(visible_customers(user).filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    out = []
    for day in sorted(plans):
        entry = PreviewDay(day_label(day))
        for p in plans[day]:
            if p.suppressed:
                entry.left_out += 1
                continue
            entry.tasks.append({"customer_id": p.customer_id, "name": names.get(p.customer_id, "—"),
                                "channel": Channel(p.channel).label if p.channel in Channel.values else p.channel,
                                "rule_note": p.rule_note, "reasons": reason_views(p.reasons)})
        out.append(entry)
    return out


def day_context(request: HttpRequest, manager: Staff, day: dt.date, *, readonly: bool,
                card_errors: dict | None = None) -> dict:
    """Everything the day's page shows, for the manager's own page and the branch head's read-only
    drill-down: the list (stored for today and past days; previewed for future days), the figures,
    and for today the overdue tasks, the coming week and who was left out."""
    today = clock.today()
    mode = "today" if day == today else ("past" if day < today else "future")
    build_failed = mode == "today" and not is_built(manager, day) and not _build(request, day, [manager.pk])
    context: dict = {"build_failed": build_failed, "manager": manager, "day": day_label(day), "mode": mode,
                     "readonly": readonly,
                     "today": today, "skip_reasons": SKIP_REASONS, "overdue_days": OVERDUE_DAYS,
                     "limits": CARD_LIMITS,
                     "preview_limit": PREVIEW_LIMIT_DAYS}
    errors = card_errors or {}
    place = _branch_name(manager)
    talk = TalkSettings.load()
    suggestions = CardSuggestions(actor=manager)
    kit = CardKit()
    tasks = day_tasks(manager, day)
    if mode == "today" and request.GET.get("open") != "all":
        tasks, context["open_hidden"] = _first_open(tasks, errors)
    tasks = [decorate(t, today, errors.get(t.pk, ""), place=place, talk=talk, manager=manager,
                      suggestions=suggestions, kit=kit) for t in tasks]
    if mode == "future":
        too_far = (day - today).days > PREVIEW_LIMIT_DAYS
        context["too_far"] = too_far
        context["preview_of_day"] = None if too_far else _preview(request.user, manager, today + dt.timedelta(days=1),
                                                                    (day - today).days)[-1]
        context["stored"] = [t for t in tasks if t.status != TaskStatus.SUPPRESSED]
        context["counts"] = day_counts(tasks, manager.daily_capacity)
        return context
    context["open_tasks"] = [t for t in tasks if t.status == TaskStatus.OPEN]
    context["closed_tasks"] = [t for t in tasks if t.status not in (TaskStatus.OPEN, TaskStatus.SUPPRESSED)]
    context["suppressed"] = [t for t in tasks if t.status == TaskStatus.SUPPRESSED]
    context["built"] = mode == "today" or bool(tasks) or is_built(manager, day)
    context["counts"] = day_counts(tasks, manager.daily_capacity, also_open=context.get("open_hidden", 0))
    if mode == "today":
        show_all = request.GET.get("overdue") == "all"
        overdue = overdue_tasks(manager, day, limit=None if show_all else OVERDUE_SHOWN, also=errors)
        context["overdue"] = [decorate(t, today, errors.get(t.pk, ""), place=place, talk=talk, manager=manager,
                                       suggestions=suggestions, kit=kit) for t in overdue]
        context["overdue_total"] = len(overdue) if show_all else overdue_count(manager, day)
        context["overdue_hidden"] = context["overdue_total"] - len(overdue)
        if not readonly:  # the coming week is planned when asked for: see worklist_week
            context["week_url"], context["week_days"] = reverse("worklist_week"), PREVIEW_DAYS
            festival = coming_festival(today)
            if festival is not None:
                context["festival_greeting"] = {
                    "festival": festival, "count": festival_greeting_targets(manager, festival).count()}
    return context


def _first_open(tasks: list[Task], errors: dict) -> tuple[list[Task], int]:
    """The day's tasks with only the first OPEN_SHOWN open ones in rank order (and any open one whose
    action was just refused, which shows with its refusal), and how many open ones were left out."""
    shown, hidden, seen = [], 0, 0
    for t in tasks:
        if t.status == TaskStatus.OPEN:
            seen += 1
            if seen > OPEN_SHOWN and t.pk not in errors:
                hidden += 1
                continue
        shown.append(t)
    return shown, hidden


@login_required
@require_POST
def festival_greetings_view(request: HttpRequest) -> HttpResponse:
    """节日祝福短信: the greeting SMS for the customers the festival does not call, in one step."""
    owner, away = _owner_or_redirect(request)
    if away is not None:
        return away
    festival = coming_festival(clock.today())
    if festival is None:
        messages.info(request, _("No festival in the coming days."))
        return redirect("worklist_today")
    count = festival_greetings_queue(actor=request.user, manager=owner, festival=festival)
    if settings.CELERY_TASK_ALWAYS_EAGER:  # no worker to work the outbox (single branch): send now
        outbox_send_queued(limit=settings.BANYAN_OUTBOX_BATCH)
    messages.success(request, _("%(festival)s greetings written for %(n)d customers; the outbox sends them.")
                     % {"festival": festival.name_zh, "n": count})
    return redirect("worklist_today")


def _build(request: HttpRequest, day: dt.date, manager_ids: list[int]) -> bool:
    """Build the day's lists the nightly job has not built. A failure must not take the page down:
    the tasks already stored are still shown, with a warning, and the error goes to the log."""
    try:
        worklists_build_on_demand(day=day, manager_ids=manager_ids, actor=request.user)
    except (IntegrityError, ValidationError):
        logger.exception("Building the worklists of %s for managers %s failed", day, manager_ids)
        return False
    return True


def _owner_or_redirect(request: HttpRequest):
    owner = worklist_owner(request.user)
    if owner is None:
        raise Http404("No worklist here")
    if owner.role in (Role.BRANCH_HEAD, Role.ADMIN):
        # their own list holds only what is addressed to them (a complaint due, escalated): shown
        # when there is something on it, else the branch's lists they read
        today = clock.today()
        _build(request, today, [owner.pk])
        if not Task.objects.filter(manager=owner, date__gte=today - dt.timedelta(days=OVERDUE_DAYS), date__lte=today,
                                   status=TaskStatus.OPEN).exists():
            return None, redirect("worklist_branch")
    return owner, None


@login_required
@require_GET
def worklist_today(request: HttpRequest, day: str | None = None) -> HttpResponse:
    """今日工作: the manager's list of the day (today by default), ranked, with reasons and talking
    points, and one action per task."""
    picked = request.GET.get("date")
    if picked is not None:  # the date picker's form
        chosen = _parse_day(picked)
        if chosen is None:
            return redirect("worklist_today")
        return redirect(_url_of_day(chosen, clock.today()))
    owner, other = _owner_or_redirect(request)
    if other is not None:
        return other
    when = clock.today() if day is None else _parse_day(day)
    if when is None:
        raise Http404("No such date")
    return _render_day(request, owner, when)


@login_required
@require_GET
def worklist_week(request: HttpRequest) -> HttpResponse:
    """未来 7 天: the coming days as the engine would plan them now, opened from 今日工作. Planning
    a week runs the triggers over the manager's book (100–300 ms for a book of 600–1,300 customers
    at a bank of a million), so the day's page does not wait for it; once planned it is kept in the
    shared cache until a save changes it (worklists/preview.py)."""
    owner, other = _owner_or_redirect(request)
    if other is not None:
        return other
    first = clock.today() + dt.timedelta(days=1)
    context = {"preview": _preview(request.user, owner, first, PREVIEW_DAYS), "nav_active": "worklist",
               "today_url": reverse("worklist_today")}
    if _is_htmx(request):
        return render(request, "worklists/partials/_preview.html", context)
    return render(request, "worklists/week.html", context)


def _render_day(request, owner: Staff, day: dt.date, *, card_errors=None, status: int = 200) -> HttpResponse:
    context = day_context(request, owner, day, readonly=False, card_errors=card_errors)
    today = clock.today()
    context.update({"nav_active": "worklist", "today_url": reverse("worklist_today"),
                    "prev_url": _url_of_day(day - dt.timedelta(days=1), today),
                    "next_url": _url_of_day(day + dt.timedelta(days=1), today),
                    "picker_url": reverse("worklist_today")})
    context["for_other"] = owner.pk != request.user.pk
    return render(request, "worklists/today.html", context, status=status)


# ------------------------------------------------------------------ task actions

def _page_day(request: HttpRequest, task: Task) -> dt.date:
    """The day of the page the action came from (a form field), so that we return to it."""
    return _parse_day(request.POST.get("page")) or task.date


def _answer(request: HttpRequest, task: Task, *, done_message: str, meeting=None,
            guidance: list[str] | tuple = ()) -> HttpResponse:
    """After an action: the closed line in place of the card (htmx), else back to the page. A
    meeting booked with it ("已约见") is shown with the service's guidance."""
    page = _page_day(request, task)
    if _is_htmx(request):
        t = decorate(task, clock.today())
        t.meeting, t.guidance = meeting, guidance
        # "有意向": the line offers to open a sales opportunity in one step (contacts' offer)
        context = {"t": t, "page_day": page, "oob_counts": task.date == page, "offer_opportunity": True}
        if task.date == page:
            tasks = Task.objects.filter(manager=task.manager, date=page).only("status")
            context["counts"] = day_counts(list(tasks), task.manager.daily_capacity)
        return render(request, "worklists/partials/_task_closed.html", context)
    messages.success(request, done_message)
    for line in guidance:
        messages.warning(request, line)
    return redirect(_url_of_day(page, clock.today()))


def _refused(request: HttpRequest, task: Task, error: ValidationError) -> HttpResponse:
    """The service refused: the card again with the reason on it (htmx), or the page with it."""
    if isinstance(error, Conflict):  # another tab or device closed it first: show it as it is now
        task.refresh_from_db()
        if (closed := _already_closed(request, task)) is not None:
            return closed
    refusal = Refusal.of(error, request.POST)
    if _is_htmx(request):
        owner = task.manager
        return render(request, "worklists/partials/_task_card.html", {
            "t": decorate(task, clock.today(), refusal, place=_branch_name(owner)),
            "page_day": _page_day(request, task),
            "skip_reasons": SKIP_REASONS, "today": clock.today(), "readonly": False, "manager": owner,
            "limits": CARD_LIMITS,
        })
    return _render_day(request, task.manager, _page_day(request, task), card_errors={task.pk: refusal}, status=400)


def _already_closed(request: HttpRequest, task: Task) -> HttpResponse | None:
    """A second click (or a second tab) on a closed task shows it as it is now."""
    if task.status == TaskStatus.OPEN:
        return None
    return _answer(request, task, done_message=_("This task was already closed."))


@login_required
@require_POST
def task_complete_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_task_for_user(request.user, task_id)
    if (closed := _already_closed(request, task)) is not None:
        return closed
    outcome = request.POST.get("outcome") or Outcome.REACHED
    channel = request.POST.get("channel") or task.suggested_channel
    try:
        if outcome not in Outcome.values:
            raise ValidationError({"outcome": [_("Choose a result.")]})
        if channel not in Channel.values:
            raise ValidationError({"channel": [_("Choose a channel.")]})
        more = ContactMoreForm(request.POST)
        # "已约见" asks for the meeting's time, place and purpose, as the calling screen does
        meeting = AppointmentForm(request.POST) if outcome == Outcome.APPOINTMENT else None
        more_ok = more.is_valid()
        if not more_ok or (meeting is not None and not meeting.is_valid()):
            raise ValidationError({**more.errors, **(meeting.errors if meeting is not None else {})})
        contact = {"channel": channel, "summary": request.POST.get("summary") or "", **more.cleaned_data}
        if meeting is None:
            task_complete(actor=request.user, task=task, outcome=outcome, **contact)
        else:
            task, booked, guidance = task_complete_with_appointment(actor=request.user, task=task,
                                                                    **meeting.booking(), **contact)
    except ValidationError as e:
        task.refresh_from_db()  # refused after the task was marked done in memory: all was rolled back
        return _refused(request, task, e)
    if meeting is not None:
        return _answer(request, task, meeting=booked, guidance=guidance,
                       done_message=_("%(name)s: meeting booked for %(at)s.") % {
                           "name": task.customer.name, "at": ymdhm(booked.at)})
    return _answer(request, task, done_message=_("%(name)s: contact recorded.") % {"name": task.customer.name})


#: The parts of an open task's card that load when opened (templates/worklists/partials/_task_<part>.html).
TASK_PARTS = ("more", "meeting", "skip", "move")


@login_required
@require_GET
def task_part_view(request: HttpRequest, task_id: int) -> HttpResponse:
    """One part of a card's forms, as its <details> loads it when opened (htmx): the contact's
    further fields, the meeting's, skipping, moving. Another manager's task is a 404, as for the
    actions themselves."""
    part = request.GET.get("part", "")
    if part not in TASK_PARTS:
        raise Http404("No such part")
    task = get_task_for_user(request.user, task_id)
    if task.status != TaskStatus.OPEN:  # handled meanwhile, in another tab or by the assistant
        return HttpResponse(format_html('<p class="text-secondary mb-0">{}</p>',
                                        _("This task has been handled meanwhile: reload the page.")))
    page = _parse_day(request.GET.get("page")) or task.date
    return render(request, f"worklists/partials/_task_{part}.html", {
        "t": decorate(task, clock.today(), place=_branch_name(task.manager)), "page_day": page,
        "skip_reasons": SKIP_REASONS, "limits": CARD_LIMITS})


@login_required
@require_POST
def task_skip_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_task_for_user(request.user, task_id)
    if (closed := _already_closed(request, task)) is not None:
        return closed
    chosen = (request.POST.get("reason") or "").strip()
    note = (request.POST.get("note") or "").strip()
    reason = "：".join(part for part in (chosen, note) if part)
    try:
        refuse_too_long(note=(note, SKIP_NOTE_MAX))
        task_skip(actor=request.user, task=task, reason=reason)
    except ValidationError as e:
        return _refused(request, task, e)
    return _answer(request, task, done_message=_("%(name)s: skipped.") % {"name": task.customer.name})


@login_required
@require_POST
def task_move_view(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_task_for_user(request.user, task_id)
    if (closed := _already_closed(request, task)) is not None:
        return closed
    to = _parse_day(request.POST.get("to"))
    try:
        if to is None:
            raise ValidationError({"to": [_("Pick the day to move the task to.")]})
        task_move(actor=request.user, task=task, to=to)
    except ValidationError as e:
        return _refused(request, task, e)
    return _answer(request, task, done_message=_("%(name)s: moved to %(day)s.") % {
        "name": task.customer.name, "day": to.isoformat()})


# ------------------------------------------------------------------ the branch head's view

def _branch_for(request: HttpRequest) -> Branch:
    """A branch head's own branch; for an admin the one picked with ?branch=CODE (default: the
    admin's own, else the first). Anyone else: 404."""
    user = request.user
    code = request.GET.get("branch")
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        if code and code != user.branch.code:
            raise Http404("Another branch")
        return user.branch
    if user.role == Role.ADMIN:
        branch = Branch.objects.filter(code=code).first() if code else (user.branch or Branch.objects.first())
        if branch is not None:
            return branch
    raise Http404("No branch view here")


@dataclass
class ManagerDay:
    manager: Staff
    counts: DayCounts
    overdue_cadence: int
    trend: list = field(default_factory=list)


@login_required
@require_GET
def worklist_branch(request: HttpRequest) -> HttpResponse:
    """网点工作: each manager's list of the day, how much of it got done, and whose regular
    contacts are late; a week's completion rate per manager."""
    branch = _branch_for(request)
    today = clock.today()
    day = _day_asked(request)
    managers = list(branch_managers(branch))
    ids = [m.pk for m in managers]
    build_failed = day == today and bool(ids) and not _build(request, day, ids)  # builds only the missing lists
    counts = branch_day_counts(ids, day)
    late = overdue_cadence_counts(ids, clock.now(), SegmentPolicy.current()) if ids else {}
    trend_days = [day - dt.timedelta(days=i) for i in range(TREND_DAYS - 1, -1, -1)]
    trend = completion_trend(ids, trend_days) if ids else {}
    rows = [ManagerDay(m, counts[m.pk], late.get(m.pk, 0), [trend[m.pk][d] for d in trend_days]) for m in managers]
    total = DayCounts(**{f: sum(getattr(r.counts, f) for r in rows) for f in
                         ("planned", "done", "skipped", "moved", "open", "superseded", "suppressed")})
    chart = {
        "names": [r.manager.display_name for r in rows],
        "series": [
            {"name": str(STATUS_WORDS[TaskStatus.DONE]), "data": [r.counts.done for r in rows], "kind": "done"},
            {"name": str(STATUS_WORDS[TaskStatus.SKIPPED]), "data": [r.counts.skipped for r in rows],
             "kind": "skipped"},
            {"name": str(STATUS_WORDS[TaskStatus.MOVED]), "data": [r.counts.moved for r in rows], "kind": "moved"},
            {"name": _("Not done"), "data": [r.counts.unfinished for r in rows], "kind": "open"},
        ],
    }
    return render(request, "worklists/branch.html", {
        "branch": branch, "branches": Branch.objects.order_by("code") if request.user.role == Role.ADMIN else [],
        "day": day_label(day), "is_today": day == today, "today": today,
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "rows": rows, "total": total, "chart": chart, "build_failed": build_failed,
        "trend_days": [day_label(d) for d in trend_days],
        "nav_active": "worklist_branch",
    })


@login_required
@require_GET
def worklist_branch_manager(request: HttpRequest, manager_id: int) -> HttpResponse:
    """One manager's day, read-only, for the branch head."""
    user = request.user
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        branch = user.branch
    elif user.role == Role.ADMIN:
        branch = None
    else:
        raise Http404("No branch view here")
    managers = Staff.objects.filter(role__in=BOOK_ROLES)
    if branch is not None:
        managers = managers.filter(branch=branch)
    manager = managers.select_related("branch").filter(pk=manager_id).first()
    if manager is None:
        raise Http404("No such manager")
    day = _day_asked(request)
    context = day_context(request, manager, day, readonly=True)
    shown = [t.customer_id for key in ("open_tasks", "closed_tasks", "suppressed", "overdue", "stored")
             for t in context.get(key, [])]
    if shown:  # another manager's customers, in bulk: audited as one read (ARC-8)
        customers_listed(actor=user, customer_ids=shown, via="branch_worklist",
                         params={"manager": manager.pk, "date": day.isoformat()})
    base = reverse("worklist_branch_manager", args=[manager.pk])
    context.update({"nav_active": "worklist_branch", "branch": manager.branch, "picker_url": base,
                    "today_url": base, "prev_url": f"{base}?date={day - dt.timedelta(days=1)}",
                    "next_url": f"{base}?date={day + dt.timedelta(days=1)}",
                    "branch_url": reverse("worklist_branch") + (f"?date={day}" if day != clock.today() else "")})
    return render(request, "worklists/branch_manager.html", context)
