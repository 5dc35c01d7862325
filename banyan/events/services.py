"""Writes of client events (EVT-1..4): the plan and its approval, invitations through the contact
rules of campaigns, answers with capacity and a waiting list, check-in exactly once, what was
learned at the door, closing and the review. Reads are in banyan.events.selectors."""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.events.models import (
    DEFAULT_CHECKLIST,
    INVITING,
    UPCOMING,
    Answer,
    Channel,
    Event,
    EventExclusion,
    EventStaff,
    EventStatus,
    EventType,
    Invitation,
    Recurrence,
    StaffRole,
)
from banyan.org.models import Role
from banyan.outreach.services import contact_exclusions, customers_matching
from banyan.transitions import Conflict, transition
from banyan.validation import refuse_too_long
from banyan.wealth.suitability import unsuitable

#: Roles that plan events (a lobby manager checks guests in; an auditor reads).
PLANNERS = (Role.RM, Role.PLANNER, Role.BRANCH_HEAD, Role.ADMIN)
#: A customer invited to another event within this many days of this one is left out ("other_event").
EVENT_SPACING_DAYS = 7
#: The personal RSVP link stops working this long after it was written, and in any case once the
#: event is over, held or cancelled.
RSVP_MAX_AGE = dt.timedelta(days=60)
RSVP_SALT = "banyan.events.rsvp"
#: Messages that carry a link (the rest are hand-delivered or said on the phone).
MESSAGE_CHANNELS = (Channel.SMS, Channel.EMAIL)

#: The rules that keep a customer off the invitations, in words (API.md `rule`): the campaign's
#: (banyan.outreach.services.contact_exclusions), the suitability rules, and the event's own.
RULES = {
    "do_not_disturb": "客户设置了免打扰",
    "no_phone_consent": "客户未同意电话营销",
    "no_sms_consent": "客户未同意接收短信",
    "no_email_consent": "客户未同意接收邮件",
    "no_wechat_consent": "客户未同意接收微信",
    "monthly_call_cap": "本月致电次数已达上限",
    "other_campaign": "已在另一个进行中的电话邀约名单中",
    "other_event": f"已受邀参加前后 {EVENT_SPACING_DAYS} 天内的另一场活动",
    "already_invited": "已邀约过本场活动",
    "no_manager": "客户没有客户经理",
    "no_assessment": "未做风险测评",
    "assessment_expired": "风险测评已过期",
    "risk_above_level": "产品风险高于客户风险等级",
}


# ------------------------------------------------------------------ small helpers

def _moment(field: str, value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: [_("Enter a time as YYYY-MM-DD HH:MM.")]}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _money(field: str, value: Any, *, required: bool = False) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: [_("Enter a number, e.g. 100000.00.")]}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({field: [_("Enter an amount of at least 0.")]})
    return amount.quantize(Decimal("0.01"))


def event_day(event: Event) -> dt.date:
    return timezone.localdate(event.starts_at)


def new_code() -> str:
    """A check-in code: short enough to type at the door, random enough not to be guessed."""
    return secrets.token_urlsafe(9)[:12]


def _may_manage(actor, event: Event) -> bool:
    """The organiser, the branch head of the event's branch and an administrator run the event."""
    return (actor.role == Role.ADMIN or event.organiser_id == actor.pk
            or (actor.role == Role.BRANCH_HEAD and actor.branch_id == event.branch_id))


def _require_manage(actor, event: Event) -> None:
    if not _may_manage(actor, event):
        raise PermissionDenied(_("Only the organiser or the branch head may do this."))


def _text_limits(errors: dict[str, list[str]], **texts: Any) -> None:
    """A text longer than its column is refused at its field (the form shows a counter, not a cut)."""
    for name, text in texts.items():
        try:
            refuse_too_long(**{name: (str(text or ""), Event._meta.get_field(name).max_length)})
        except ValidationError as e:
            errors.update(e.message_dict)


# ------------------------------------------------------------------ the plan (EVT-1, EVT-2)

@transaction.atomic
def event_create(*, actor, name: str, type: str, starts_at: Any, place: str, ends_at: Any = None,
                 capacity: int | None = None, budget: Any = None, theme: str = "", method: str = "",
                 recurrence: str = Recurrence.ONCE, target_filter: dict | None = None,
                 target_ids: list[int] | None = None, product=None, budget_per_group: dict | None = None,
                 checklist: list[str] | None = None, follow_up_days: int | None = None, review_days: int = 30,
                 staff: list[tuple[Any, str]] = ()) -> Event:
    """An event of the actor's branch. A branch head's (or an administrator's) event is approved
    at once; a manager's waits for the branch head (event_approve) before invitations go out."""
    if actor.role not in PLANNERS or not actor.branch_id:
        raise PermissionDenied(_("Only a manager or the branch head plans client events."))
    errors: dict[str, list[str]] = {}
    _text_limits(errors, name=name, theme=theme, place=place, method=method)
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if type not in EventType.values:
        errors["type"] = [_("Choose the kind of event.")]
    if not (place or "").strip():
        errors["place"] = [_("Say where the event takes place.")]
    if recurrence not in Recurrence.values:
        errors["recurrence"] = [_("Choose how often it recurs.")]
    start = end = None
    try:
        start = _moment("starts_at", starts_at)
    except ValidationError as e:
        errors.update(e.message_dict)
    if start is not None:
        try:
            end = _moment("ends_at", ends_at) if ends_at not in (None, "") else start + dt.timedelta(hours=2)
        except ValidationError as e:
            errors.update(e.message_dict)
        if end is not None and end <= start:
            errors["ends_at"] = [_("The event ends before it starts.")]
        if start.date() < clock.today():
            errors["starts_at"] = [_("An event is planned for today or later.")]
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("At least one seat.")]
    try:
        budget = _money("budget", budget)
    except ValidationError as e:
        errors.update(e.message_dict)
    groups: dict[str, str] = {}
    for group, amount in (budget_per_group or {}).items():
        try:
            groups[str(group)[:40]] = str(_money("budget_per_group", amount, required=True))
        except ValidationError as e:
            errors.update(e.message_dict)
    if target_filter:
        try:
            customers_matching(actor, target_filter)  # the keys and values are checked now, not at inviting
        except ValidationError as e:
            errors["target_filter"] = e.messages
    if errors:
        raise ValidationError(errors)
    approved = actor.role in (Role.BRANCH_HEAD, Role.ADMIN)
    items = checklist if checklist is not None else list(DEFAULT_CHECKLIST)
    event = Event.objects.create(
        branch_id=actor.branch_id, organiser=actor, name=name.strip()[:100], type=type, theme=(theme or "").strip(),
        starts_at=start, ends_at=end, place=place.strip(), capacity=capacity, budget=budget,
        method=(method or "").strip(), recurrence=recurrence, target_filter=target_filter or {},
        target_ids=list(dict.fromkeys(int(i) for i in target_ids or [])), product=product,
        budget_per_group=groups, checklist=[{"item": str(i).strip()[:100], "done": False} for i in items
                                            if str(i).strip()],
        follow_up_days=settings.BANYAN_EVENT_FOLLOW_UP_DAYS if follow_up_days is None else follow_up_days,
        review_days=review_days,
        status=EventStatus.APPROVED if approved else EventStatus.DRAFT,
        approved_by=actor if approved else None, approved_at=clock.now() if approved else None)
    for member, role in staff:
        event_staff_add(actor=actor, event=event, staff=member, role=role)
    audit_log(actor=actor, action="event.created", obj=event,
              after={"name": event.name, "type": type, "starts_at": start, "status": event.status})
    return event


#: The plan's fields an edit may change (the page 修改计划 and PATCH /api/v1/events/{id}).
EDITABLE = frozenset({"name", "type", "theme", "starts_at", "ends_at", "place", "capacity", "method", "recurrence",
                      "budget", "budget_per_group", "target_filter", "target_ids", "product", "follow_up_days",
                      "review_days"})
#: A change of these after invitations went out must reach the guests ("时间地点已变更").
MOVING = ("starts_at", "ends_at", "place")
#: Guests who still count on the event (a "no" needs no news of a new time).
STILL_COMING = (Answer.INVITED, Answer.ACCEPTED, Answer.WAITING, Answer.MAYBE)


def _budget_up(event: Event, budget: Decimal | None, groups: dict[str, str]) -> bool:
    """Does the edit spend more than the branch head approved: the budget in all, or a group's
    amount per head, higher (or newly given)?"""
    if budget is not None and (event.budget is None or budget > event.budget):
        return True
    old = event.budget_per_group or {}
    return any(g not in old or Decimal(a) > Decimal(old[g]) for g, a in groups.items())


@transaction.atomic
def event_update(*, actor, event: Event, **fields: Any) -> Event:
    """Change the plan before it is held: theme, type, time, place, capacity, target, method,
    recurrence, budgets, product. Only the given fields change; all are checked first, and a
    refusal names its field (nothing half-written).

    - A held, reviewed or cancelled event no longer changes (Conflict: 409).
    - Capacity is never set below the seats already accepted (guests included).
    - A new time or place once invitations are out: every guest who still counts on the event is
      flagged to be told again (`Invitation.reinform`, shown to the inviting manager on the event
      page and in the API's invitations) and the event shows 时间地点已变更 (`moved_at`).
      `event.reinform` says how many guests that is. Nothing is sent by itself: the manager tells
      the guest in the way the invitation went, then ticks 已告知 (invitation_reinformed).
    - A manager's edit of an approved event that spends more sends it back to the branch head's
      approval (draft); see below."""
    _require_manage(actor, event)
    event = (Event.objects.select_for_update(of=("self",))  # the product is an outer join: lock the event only
             .select_related("branch", "organiser", "product").get(pk=event.pk))
    if event.status not in UPCOMING:
        raise Conflict(_("The event has taken place or was cancelled: its plan no longer changes."))
    unknown = sorted(set(fields) - EDITABLE)
    if unknown:
        raise ValidationError({key: [_("Unknown field.")] for key in unknown})
    errors: dict[str, list[str]] = {}
    _text_limits(errors, **{k: fields[k] for k in ("name", "theme", "place", "method") if k in fields})
    new: dict[str, Any] = {}

    def check(key: str, fn) -> None:
        if key in fields:
            try:
                new[key] = fn(fields[key])
            except ValidationError as e:
                errors.update(e.message_dict if hasattr(e, "error_dict") else {key: e.messages})

    def required(key: str, limit: int, message: str):
        def clean(value):
            value = (value or "").strip()
            if not value:
                raise ValidationError({key: [message]})
            return value[:limit]
        return clean

    def choice(key: str, values, message: str):
        def clean(value):
            if value not in values:
                raise ValidationError({key: [message]})
            return value
        return clean

    check("name", required("name", 100, _("This field is required.")))
    check("place", required("place", 200, _("Say where the event takes place.")))
    check("type", choice("type", EventType.values, _("Choose the kind of event.")))
    check("recurrence", choice("recurrence", Recurrence.values, _("Choose how often it recurs.")))
    check("theme", lambda v: (v or "").strip()[:200])
    check("method", lambda v: (v or "").strip()[:200])
    check("starts_at", lambda v: _moment("starts_at", v))
    check("ends_at", lambda v: _moment("ends_at", v))
    check("budget", lambda v: _money("budget", v))
    check("product", lambda v: v)
    check("target_ids", lambda v: list(dict.fromkeys(int(i) for i in v or [])))

    def days(key: str, low: int, high: int):
        def clean(value):
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValidationError({key: [_("Enter a whole number from %(low)s to %(high)s.") % {
                    "low": low, "high": high}]})
            return value
        return clean

    check("follow_up_days", days("follow_up_days", 0, 30))
    check("review_days", days("review_days", 1, 365))

    def groups(value):
        out = {}
        for group, amount in (value or {}).items():
            out[str(group)[:40]] = str(_money("budget_per_group", amount, required=True))
        return out

    check("budget_per_group", groups)

    def target(value):
        if value:
            try:
                customers_matching(actor, value)
            except ValidationError as e:
                raise ValidationError({"target_filter": e.messages}) from None
        return value or {}

    check("target_filter", target)
    if "capacity" in fields and fields["capacity"] is not None:
        capacity = fields["capacity"]
        if not isinstance(capacity, int) or capacity < 1:
            errors["capacity"] = [_("At least one seat.")]
        else:
            taken = seats_taken(event)
            if capacity < taken:
                errors["capacity"] = [_("%(taken)s seats are taken by guests who accepted (companions included): "
                                        "the capacity cannot be lower. Ask guests to decline first, or keep "
                                        "%(taken)s seats or more.") % {"taken": taken}]
            else:
                new["capacity"] = capacity
    elif "capacity" in fields:
        new["capacity"] = None  # no limit
    start = new.get("starts_at", event.starts_at)
    end = new.get("ends_at", event.ends_at)
    if "starts_at" in new and "ends_at" not in fields:  # the event keeps its length
        end = new["ends_at"] = start + (event.ends_at - event.starts_at)
    if "starts_at" in new and start.date() < clock.today():
        errors["starts_at"] = [_("An event is planned for today or later.")]
    if ("starts_at" in new or "ends_at" in new) and end <= start and "ends_at" not in errors:
        errors["ends_at"] = [_("The event ends before it starts.")]
    if errors:
        raise ValidationError(errors)

    changed = {k: v for k, v in new.items() if getattr(event, k) != v}
    if not changed:
        event.reinform = 0
        return event
    before = {k: getattr(event, k) for k in changed}
    # A manager's approved plan goes back to the branch head only when it spends more: the head
    # approved a sum of the branch's money; a new time, place, theme or a smaller budget is the
    # organiser's job (the guests are told), and asking again for those would stall every event
    # for a typo. A branch head's (or an administrator's) own edit stays approved.
    back_to_approval = (event.status in INVITING and actor.role not in (Role.BRANCH_HEAD, Role.ADMIN)
                        and ("budget" in changed or "budget_per_group" in changed)
                        and _budget_up(event, changed.get("budget", event.budget),
                                       changed.get("budget_per_group", {})))
    for key, value in changed.items():
        setattr(event, key, value)
    moved = [k for k in MOVING if k in changed]
    event.reinform = 0
    if moved:
        still = Invitation.objects.filter(event=event, answer__in=STILL_COMING)
        event.reinform = still.count()
        if event.reinform:
            still.update(reinform=True)
            event.moved_at = clock.now()
    if back_to_approval:
        event.status, event.approved_by, event.approved_at = EventStatus.DRAFT, None, None
    event.save()
    after = {k: (v.pk if hasattr(v, "pk") else v) for k, v in changed.items()}
    before = {k: (v.pk if hasattr(v, "pk") else v) for k, v in before.items()}
    if back_to_approval:
        before["status"], after["status"] = "approved", EventStatus.DRAFT
    if event.reinform:
        after["guests_to_reinform"] = event.reinform
    audit_log(actor=actor, action="event.updated", obj=event, before=before, after=after)
    return event


@transaction.atomic
def invitation_reinformed(*, actor, invitation: Invitation) -> Invitation:
    """The inviting manager told the guest of the new time or place (已告知): once."""
    transition(Invitation.objects.filter(pk=invitation.pk, reinform=True),
               _("This guest was told of the change already."), reinform=False)
    invitation.reinform = False
    audit_log(actor=actor, action="event.guest_reinformed", customer_id=invitation.customer_id,
              obj=invitation.event, after={"event": invitation.event_id})
    return invitation


#: How far the next occurrence of a recurring event lies.
_NEXT = {Recurrence.WEEKLY: 7, Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3}


def _next_start(start: dt.datetime, recurrence: str) -> dt.datetime:
    if recurrence == Recurrence.WEEKLY:
        return start + dt.timedelta(days=7)
    local = timezone.localtime(start)
    month = local.month - 1 + _NEXT[recurrence]
    year, month = local.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return timezone.make_aware(dt.datetime.combine(dt.date(year, month, min(local.day, last)),
                                                   local.time().replace(tzinfo=None)))


@transaction.atomic
def event_repeat(*, actor, event: Event) -> Event:
    """The next occurrence of a recurring event (每周/每月/每季度): the same plan, staff and
    checklist (unticked) at the next date to come, a new plan to approve (approved at once for the
    branch head)."""
    _require_manage(actor, event)
    if event.recurrence == Recurrence.ONCE:
        raise ValidationError(_("This event does not recur."))
    length = event.ends_at - event.starts_at
    start = _next_start(event.starts_at, event.recurrence)
    while start.date() < clock.today():  # a series picked up late goes on from the next date to come
        start = _next_start(start, event.recurrence)
    nxt = event_create(actor=actor, name=event.name, type=event.type, starts_at=start, ends_at=start + length,
                       place=event.place, capacity=event.capacity, budget=event.budget, theme=event.theme,
                       method=event.method, recurrence=event.recurrence, target_filter=event.target_filter or None,
                       target_ids=event.target_ids or None, product=event.product,
                       budget_per_group=event.budget_per_group, checklist=[i["item"] for i in event.checklist],
                       follow_up_days=event.follow_up_days, review_days=event.review_days,
                       staff=[(s.staff, s.role) for s in EventStaff.objects.filter(event_id=event.pk)
                              .select_related("staff")])
    audit_log(actor=actor, action="event.repeated", obj=nxt, data={"from": event.pk})
    return nxt


@transaction.atomic
def event_staff_add(*, actor, event: Event, staff, role: str) -> EventStaff:
    """A colleague of the branch takes a role at the event (and sees it from then on)."""
    _require_manage(actor, event)
    if role not in StaffRole.values:
        raise ValidationError({"role": [_("Choose the role.")]})
    if staff.branch_id != event.branch_id or not staff.is_active:
        raise ValidationError({"staff": [_("Choose a colleague of the event's branch.")]})
    row, _created = EventStaff.objects.get_or_create(event=event, staff=staff, role=role)
    audit_log(actor=actor, action="event.staff_added", obj=event, after={"staff": staff.username, "role": role})
    return row


@transaction.atomic
def event_checklist_tick(*, actor, event: Event, index: int, done: bool) -> Event:
    """Tick (or untick) one item of the materials and equipment checklist."""
    _require_manage(actor, event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    items = list(event.checklist)
    if not 0 <= index < len(items):
        raise ValidationError({"item": [_("Unknown checklist item.")]})
    before = items[index]["done"]
    items[index] = {**items[index], "done": bool(done)}
    event.checklist = items
    event.save(update_fields=["checklist"])
    audit_log(actor=actor, action="event.checklist_ticked", obj=event,
              before={items[index]["item"]: before}, after={items[index]["item"]: bool(done)})
    return event


@transaction.atomic
def event_checklist_add(*, actor, event: Event, item: str) -> Event:
    _require_manage(actor, event)
    item = (item or "").strip()[:100]
    if not item:
        raise ValidationError({"item": [_("Name the item.")]})
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.checklist = [*event.checklist, {"item": item, "done": False}]
    event.save(update_fields=["checklist"])
    audit_log(actor=actor, action="event.checklist_added", obj=event, after={"item": item})
    return event


@transaction.atomic
def event_approve(*, actor, event: Event) -> Event:
    """The branch head approves a manager's plan; invitations may go out from then on."""
    if not (actor.role == Role.ADMIN or (actor.role == Role.BRANCH_HEAD and actor.branch_id == event.branch_id)):
        raise PermissionDenied(_("Only the branch head approves an event."))
    now = clock.now()
    # invitations out already (an edit that spent more sent the plan back): it is open again
    status = EventStatus.OPEN if Invitation.objects.filter(event_id=event.pk).exists() else EventStatus.APPROVED
    transition(Event.objects.filter(pk=event.pk, status=EventStatus.DRAFT),
               _("This event is not waiting for approval."), status=status, approved_by=actor,
               approved_at=now)
    event.status, event.approved_by, event.approved_at = status, actor, now
    audit_log(actor=actor, action="event.approved", obj=event, before={"status": "draft"},
              after={"status": status})
    return event


@transaction.atomic
def event_cancel(*, actor, event: Event, reason: str) -> Event:
    _require_manage(actor, event)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the event is cancelled.")]})
    before = event.status
    transition(Event.objects.filter(pk=event.pk, status__in=UPCOMING), _("This event can no longer be cancelled."),
               status=EventStatus.CANCELLED, cancel_reason=reason[:200])
    event.status, event.cancel_reason = EventStatus.CANCELLED, reason[:200]
    audit_log(actor=actor, action="event.cancelled", obj=event, before={"status": before},
              after={"status": "cancelled", "reason": reason})
    return event


@transaction.atomic
def event_close(*, actor, event: Event) -> Event:
    """The event took place: from now on who accepted and did not come is a no-show, every guest's
    follow-up comes on the inviting manager's list, and the RSVP links stop working."""
    _require_manage(actor, event)
    if clock.now() < event.starts_at:
        raise ValidationError(_("The event has not started yet."))
    before = event.status
    now = clock.now()
    transition(Event.objects.filter(pk=event.pk, status__in=INVITING), _("This event was already closed."),
               status=EventStatus.HELD, closed_at=now)
    event.status, event.closed_at = EventStatus.HELD, now
    audit_log(actor=actor, action="event.closed", obj=event, before={"status": before}, after={"status": "held"})
    return event


@transaction.atomic
def event_review_complete(*, actor, event: Event, actual_cost: Any, note: str = "") -> Event:
    """The organiser records what the event cost and the lessons: the event is reviewed."""
    _require_manage(actor, event)
    cost = _money("actual_cost", actual_cost, required=True)
    transition(Event.objects.filter(pk=event.pk, status__in=(EventStatus.HELD, EventStatus.REVIEWED)),
               _("Only an event that took place is reviewed."), status=EventStatus.REVIEWED, actual_cost=cost,
               review_note=(note or "").strip(), reviewed_at=clock.now())
    before = {"status": event.status, "actual_cost": event.actual_cost}
    event.refresh_from_db()
    audit_log(actor=actor, action="event.reviewed", obj=event, before=before,
              after={"status": "reviewed", "actual_cost": cost})
    return event


@transaction.atomic
def event_cost_record(*, actor, event: Event, actual_cost: Any) -> Event:
    _require_manage(actor, event)
    cost = _money("actual_cost", actual_cost)
    before = event.actual_cost
    event.actual_cost = cost
    event.save(update_fields=["actual_cost"])
    audit_log(actor=actor, action="event.cost_recorded", obj=event, before={"actual_cost": before},
              after={"actual_cost": cost})
    return event


# ------------------------------------------------------------------ invitations (EVT-3)

def rsvp_token(invitation: Invitation) -> str:
    """The personal RSVP link's token: the invitation's code (the guest's own, shown on the QR code
    anyway), signed with SECRET_KEY and timestamped. Keyed by the code, not the row, so that the
    links of a whole list are written before the invitations are saved (one bulk insert each)."""
    return signing.dumps({"c": invitation.code}, salt=RSVP_SALT)


def rsvp_path(invitation: Invitation) -> str:
    return reverse("event_rsvp", args=[rsvp_token(invitation)])


class RsvpRefused(Exception):
    """Why a link does not open: "invalid" (tampered, unknown), "expired", "closed" (the event was
    held or cancelled)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_of_token(token: str) -> Invitation:
    """The invitation a link names, or RsvpRefused. Never says more than why."""
    try:
        value = signing.loads(token, salt=RSVP_SALT, max_age=RSVP_MAX_AGE)
    except signing.SignatureExpired:
        raise RsvpRefused("expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise RsvpRefused("invalid") from None
    if not isinstance(value, dict) or not isinstance(value.get("c"), str):
        raise RsvpRefused("invalid")
    invitation = Invitation.objects.select_related("event", "customer").filter(code=value["c"][:12]).first()
    if invitation is None:
        raise RsvpRefused("invalid")
    if invitation.event.status == EventStatus.DRAFT and clock.now() < invitation.event.ends_at:
        raise RsvpRefused("paused")  # an edit sent the plan back to the branch head's approval
    if invitation.event.status not in INVITING or clock.now() >= invitation.event.ends_at:
        raise RsvpRefused("closed")
    return invitation


def invitation_text(*, event: Event, customer: Customer, link: str) -> str:
    from banyan.events.selectors import greeting

    when = timezone.localtime(event.starts_at)
    return (f"{greeting(customer)}您好！{event.branch.name}诚邀您参加{event.get_type_display()}“{event.name}”，"
            f"{when.month}月{when.day}日 {when:%H:%M}，{event.place}。请点此回复是否参加：{link} 拒收请回复T")


def _targets(actor, event: Event, customer_ids: list[int] | None, filter: dict | None) -> QuerySet[Customer]:
    if customer_ids is None and filter is None:  # the plan's own target list
        if event.target_ids:
            customer_ids = list(event.target_ids)
        elif event.target_filter:
            filter = event.target_filter
        else:
            raise ValidationError({"customer_ids": [_("Give the guests as customer_ids or as a filter.")]})
    if customer_ids is not None and filter is not None:
        raise ValidationError({"customer_ids": [_("Give the guests either as customer_ids or as a filter.")]})
    if filter is not None:
        if not filter:
            raise ValidationError({"filter": [_("Choose at least one condition (segment, AUM, products, last "
                                                "contact…).")]})
        try:
            return customers_matching(actor, filter)
        except ValidationError as e:
            raise ValidationError({"filter": e.messages}) from None
    if not customer_ids:
        raise ValidationError({"customer_ids": [_("Choose at least one customer to invite.")]})
    ids = list(dict.fromkeys(int(i) for i in customer_ids))
    candidates = visible_customers(actor).filter(pk__in=ids)
    missing = set(ids) - set(candidates.values_list("pk", flat=True))
    if missing:  # out of reach and not existing look the same
        raise ValidationError({"customer_ids": [_("Unknown customers: %(ids)s.") % {
            "ids": ", ".join(str(i) for i in sorted(missing))}]})
    return candidates


def _may_invite(actor, event: Event) -> bool:
    if _may_manage(actor, event):
        return True
    return EventStaff.objects.filter(event=event, staff=actor).exists()


@transaction.atomic
def invitations_send(*, actor, event: Event, channel: str, customer_ids: list[int] | None = None,
                     filter: dict | None = None, base_url: str = "") -> tuple[list[int], list[tuple[int, str]]]:
    """Invite the actor's customers (ids, a saved filter, or the plan's target list) by `channel`.
    The contact rules of campaigns apply (do-not-disturb, the channel's consent, the monthly call
    cap for a call, another active campaign), then another event within EVENT_SPACING_DAYS, and for
    an event that promotes a product the suitability rules: who is left out says by which rule.
    SMS and email invitations are written to the outbox with a personal RSVP link (consent is
    checked again when they are sent); a phone invitation goes on the event's call list.
    Set-based: a few queries and bulk inserts, whatever the list's size.

    Returns (invited customer ids, [(customer id, rule)])."""
    if not _may_invite(actor, event):
        raise PermissionDenied(_("Only the event's organiser and staff invite to it."))
    if channel not in Channel.values or channel == Channel.WALK_IN:
        raise ValidationError({"channel": [_("Invite by phone, SMS, email, WeChat, mail or hand delivery.")]})
    if event.status == EventStatus.DRAFT:
        raise ValidationError(_("The branch head has not approved this event yet: invitations wait."))
    if event.status not in INVITING:
        raise ValidationError(_("The event has taken place or was cancelled: no more invitations."))
    candidates = _targets(actor, event, customer_ids, filter)
    day = event_day(event)
    rules: dict[int, str] = {}
    for pk in Invitation.objects.filter(event=event, customer__in=candidates).values_list("customer_id", flat=True):
        rules[pk] = "already_invited"
    if event.product_id:  # a customer who may not buy the product is not invited to hear about it
        for pk, rule in unsuitable(candidates, event.product).items():
            rules.setdefault(pk, rule)
    for pk, rule in contact_exclusions(candidates, start=clock.today(), end=day, channel=channel).items():
        rules.setdefault(pk, rule)
    near = (Invitation.objects.filter(customer__in=candidates, event__status__in=UPCOMING,
                                      event__starts_at__date__gte=day - dt.timedelta(days=EVENT_SPACING_DAYS),
                                      event__starts_at__date__lte=day + dt.timedelta(days=EVENT_SPACING_DAYS))
            .exclude(event=event).exclude(answer=Answer.DECLINED).values_list("customer_id", flat=True))
    for pk in near:
        rules.setdefault(pk, "other_event")
    # in a set order (the call list's, and the same every time: PostgreSQL returns rows in none)
    rows = list(candidates.order_by("pk").values_list("pk", "rm_id", "name", "gender", "mobile", "email"))
    if not rows:
        raise ValidationError({"filter" if filter is not None else "customer_ids": [
            _("No customer in your book matches these conditions.")]})
    for pk, rm, *_rest in rows:
        if rm is None:
            rules.setdefault(pk, "no_manager")
    invited_rows = [r for r in rows if r[0] not in rules]
    now = clock.now()
    # the inviting manager is the guest's own manager: the follow-up belongs on that list
    invitations = [Invitation(event=event, customer_id=pk, manager_id=rm, channel=channel, code=new_code(),
                              invited_at=now) for pk, rm, *_rest in invited_rows]
    if channel in MESSAGE_CHANNELS and invitations:
        _invitation_messages(actor=actor, event=event, channel=channel, base_url=base_url,
                             invitations=invitations, rows={r[0]: r for r in invited_rows})
    Invitation.objects.bulk_create(invitations, batch_size=2000)
    EventExclusion.objects.bulk_create(
        [EventExclusion(event=event, customer_id=pk, manager=actor, rule=rule) for pk, rule in rules.items()
         if rule != "already_invited"], batch_size=2000, ignore_conflicts=True)
    if event.status == EventStatus.APPROVED:
        Event.objects.filter(pk=event.pk, status=EventStatus.APPROVED).update(status=EventStatus.OPEN)
        event.status = EventStatus.OPEN
    invited = [i.customer_id for i in invitations]
    audit_log(actor=actor, action="event.invited", obj=event,
              data={"channel": channel, "invited": len(invited), "excluded": len(rules)})
    return invited, sorted(rules.items())


def _invitation_messages(*, actor, event: Event, channel: str, base_url: str, invitations: list[Invitation],
                         rows: dict[int, tuple]) -> None:
    """One outbox line per SMS/email invitation with the guest's own link, written in one bulk
    insert before the invitations (which then point at them); the outbox
    (banyan.messaging.services.outbox_send_queued) sends them, checking consent at that moment."""
    from banyan.messaging.models import Message, MessageStatus, TemplateCode
    from banyan.messaging.services import address_of

    messages = []
    for inv in invitations:
        _pk, _rm, name, gender, mobile, email = rows[inv.customer_id]
        customer = Customer(pk=inv.customer_id, name=name, gender=gender, mobile=mobile, email=email)
        body = invitation_text(event=event, customer=customer, link=base_url.rstrip("/") + rsvp_path(inv))
        messages.append(Message(
            customer_id=inv.customer_id, staff=actor, channel=channel, to=address_of(customer, channel),
            subject=f"邀请函：{event.name}"[:120] if channel == Channel.EMAIL else "", body=body,
            template_code=TemplateCode.INVITATION, status=MessageStatus.QUEUED, created_at=clock.now()))
    for inv, message in zip(invitations, Message.objects.bulk_create(messages, batch_size=2000), strict=True):
        inv.message_id = message.pk

def seats_taken(event: Event, *, excluding: int | None = None) -> int:
    qs = Invitation.objects.filter(event=event, answer=Answer.ACCEPTED)
    if excluding is not None:
        qs = qs.exclude(pk=excluding)
    return qs.aggregate(n=Sum(F("guests") + 1))["n"] or 0


def _promote_waiting(event: Event) -> list[int]:
    """Seats freed: the first on the waiting list who fit take them, in the order they answered."""
    if event.capacity is None:
        waiting = list(Invitation.objects.filter(event=event, answer=Answer.WAITING).values_list("pk", flat=True))
        Invitation.objects.filter(pk__in=waiting).update(answer=Answer.ACCEPTED)
        return waiting
    free = event.capacity - seats_taken(event)
    promoted = []
    for pk, guests in Invitation.objects.filter(event=event, answer=Answer.WAITING).order_by(
            "answered_at", "pk").values_list("pk", "guests"):
        if guests + 1 > free:
            break  # first come, first served: nobody jumps the queue with a smaller party
        free -= guests + 1
        promoted.append(pk)
    Invitation.objects.filter(pk__in=promoted).update(answer=Answer.ACCEPTED)
    return promoted


@transaction.atomic
def rsvp_record(*, invitation: Invitation, answer: str, guests: int = 0, actor=None, via: str = "staff",
                base_url: str = "") -> Invitation:
    """The guest's answer: yes (a seat, or the waiting list when the event is full), maybe or no.
    A "no" from a guest who had a seat gives it to the first on the waiting list. The event's row
    is locked while seats are counted, so two answers never take the last seat twice."""
    mapping = {"yes": Answer.ACCEPTED, "no": Answer.DECLINED, "maybe": Answer.MAYBE}
    if answer not in mapping:
        raise ValidationError({"answer": [_("Answer yes, no or maybe.")]})
    if not 0 <= int(guests) <= 10:
        raise ValidationError({"guests": [_("Between 0 and 10 guests.")]})
    guests = int(guests) if answer == "yes" else 0
    event = Event.objects.select_for_update().get(pk=invitation.event_id)
    if event.status not in INVITING:
        raise ValidationError(_("The event has taken place or was cancelled: answers are closed."))
    inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if inv.checked_in_at is not None:
        raise ValidationError(_("The guest has already checked in."))
    before = {"answer": inv.answer, "guests": inv.guests}
    new = mapping[answer]
    if new == Answer.ACCEPTED:
        queue = inv.answer != Answer.WAITING and Invitation.objects.filter(event=event, answer=Answer.WAITING).exists()
        fits = not queue and (event.capacity is None
                              or seats_taken(event, excluding=inv.pk) + guests + 1 <= event.capacity)
        if not fits:
            new = Answer.WAITING
    if new in (Answer.ACCEPTED, Answer.WAITING) and inv.answer not in (Answer.ACCEPTED, Answer.WAITING):
        inv.answered_at = clock.now()  # the waiting list's order: when the guest said yes
    elif inv.answered_at is None:
        inv.answered_at = clock.now()
    inv.answer, inv.guests = new, guests
    inv.save(update_fields=["answer", "guests", "answered_at"])
    promoted = _promote_waiting(event) if before["answer"] == Answer.ACCEPTED and new != Answer.ACCEPTED else []
    if before["answer"] == Answer.ACCEPTED and new == Answer.ACCEPTED and guests < before["guests"]:
        promoted = _promote_waiting(event)
    if new == Answer.ACCEPTED and before["answer"] != Answer.ACCEPTED and inv.channel in MESSAGE_CHANNELS:
        _confirmation_queue(event=event, invitation=inv, base_url=base_url)
    audit_log(actor=actor, action="event.rsvp", customer_id=inv.customer_id, obj=event, before=before,
              after={"answer": new, "guests": guests, "via": via, **({"promoted": promoted} if promoted else {})})
    return inv


def _confirmation_queue(*, event: Event, invitation: Invitation, base_url: str) -> None:
    """The confirmation of a seat, by the channel the invitation came by: the check-in code, and the
    personal link whose page shows the QR code (an SMS carries no picture). To the outbox: consent
    is checked when it is sent."""
    from banyan.events.selectors import greeting
    from banyan.messaging.models import Message, MessageStatus, TemplateCode
    from banyan.messaging.services import address_of

    customer = Customer.objects.get(pk=invitation.customer_id)
    when = timezone.localtime(event.starts_at)
    link = base_url.rstrip("/") + rsvp_path(invitation)
    body = (f"{greeting(customer)}您好，已为您保留{event.branch.name}“{event.name}”的座位（{when.month}月{when.day}日 "
            f"{when:%H:%M}，{event.place}）。入场签到码 {invitation.code}，签到二维码：{link}")
    Message.objects.create(customer=customer, staff_id=invitation.manager_id, channel=invitation.channel,
                           to=address_of(customer, invitation.channel), body=body,
                           subject=f"报名确认：{event.name}"[:120] if invitation.channel == Channel.EMAIL else "",
                           template_code=TemplateCode.APPOINTMENT_CONFIRMATION, status=MessageStatus.QUEUED,
                           created_at=clock.now())


@transaction.atomic
def invitation_call_record(*, actor, invitation: Invitation, reached: bool, answer: str = "", guests: int = 0,
                           note: str = "", minutes: int = 0) -> Invitation:
    """A call of the event's call list: a contact in the customer's history (phone, invitation);
    the answer given on the phone is recorded as the guest's RSVP."""
    if answer and not reached:
        raise ValidationError({"answer": [_("A customer not reached gave no answer.")]})
    # a yes is the guest's answer (the invitation's RSVP), not a meeting booked: 已约见 has its meeting
    outcome = "not_reached" if not reached else "refused" if answer == "no" else "reached"
    interaction_log(actor=actor, customer=invitation.customer, channel="phone", purpose="invitation",
                    summary=(note.strip() or f"活动邀约：{invitation.event.name}")[:500], outcome=outcome,
                    rejection_reason=f"谢绝邀请：{invitation.event.name}"[:200] if outcome == "refused" else "",
                    minutes=minutes)
    Invitation.objects.filter(pk=invitation.pk).update(called_at=clock.now())
    if answer:
        invitation = rsvp_record(invitation=invitation, answer=answer, guests=guests, actor=actor, via="phone")
    audit_log(actor=actor, action="event.invitation_called", customer_id=invitation.customer_id, obj=invitation.event,
              after={"reached": reached, "answer": answer})
    return invitation


# ------------------------------------------------------------------ check-in (EVT-3)

def _attendance_contact(*, actor, invitation: Invitation, event: Event):
    manager = invitation.manager
    return interaction_log(actor=manager, customer=invitation.customer, channel="event", purpose="care",
                           occurred_at=clock.now(), summary=f"参加活动：{event.name}"[:500], outcome="reached")


def checkin(*, actor, event: Event, invitation: Invitation) -> tuple[Invitation, bool]:
    """Check a guest in. Exactly once: a conditional UPDATE on "not yet checked in" decides, so a
    second scan, a second tab or twenty parallel taps count one attendance and one contact.
    Returns (the invitation, whether this request checked the guest in)."""
    if event.status not in INVITING:
        raise ValidationError(_("Check-in is closed: the event was held or cancelled."))
    if clock.today() < event_day(event):
        raise ValidationError(_("Check-in opens on the day of the event."))
    with transaction.atomic():
        now = clock.now()
        updated = Invitation.objects.filter(pk=invitation.pk, checked_in_at__isnull=True).update(
            checked_in_at=now, checked_in_by=actor)
        if not updated:
            return Invitation.objects.select_related("customer").get(pk=invitation.pk), False
        inv = Invitation.objects.select_related("customer", "manager").get(pk=invitation.pk)
        if inv.answer != Answer.ACCEPTED:  # came without a seat booked: the seat is theirs now
            Invitation.objects.filter(pk=inv.pk).update(answer=Answer.ACCEPTED, answered_at=inv.answered_at or now)
            inv.answer = Answer.ACCEPTED
        contact = _attendance_contact(actor=actor, invitation=inv, event=event)
        Invitation.objects.filter(pk=inv.pk).update(interaction=contact)
        inv.interaction = contact
        audit_log(actor=actor, action="event.checked_in", customer_id=inv.customer_id, obj=event,
                  after={"walk_in": inv.walk_in})
        return inv, True


def walk_in(*, actor, event: Event, customer: Customer) -> tuple[Invitation, bool]:
    """A customer who came without an invitation: added to the guests and checked in."""
    if event.status not in INVITING:
        raise ValidationError(_("Check-in is closed: the event was held or cancelled."))
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(event=event, customer=customer, manager_id=customer.rm_id or actor.pk,
                                            channel=Channel.WALK_IN, walk_in=True, answer=Answer.ACCEPTED,
                                            answered_at=clock.now(), code=new_code())
    except IntegrityError:  # invited after all, or a parallel walk-in of the same guest
        inv = Invitation.objects.get(event=event, customer=customer)
    return checkin(actor=actor, event=event, invitation=inv)


# ------------------------------------------------------------------ after the event (EVT-4)

@transaction.atomic
def learned_record(*, actor, invitation: Invitation, new_info: str = "", need: str = "",
                   expected_amount: Any = None, product=None) -> dict:
    """What was learned at the event about one guest, in seconds: new information goes on the
    attendance contact (the file learns it), a need opens a sales opportunity (source event)."""
    from banyan.contacts.opportunities import opportunity_create

    new_info, need = (new_info or "").strip(), (need or "").strip()
    if not new_info and not need:
        raise ValidationError({"new_info": [_("Write what you learned, or the need.")]})
    if invitation.checked_in_at is None:
        raise ValidationError(_("The guest did not check in."))
    out: dict = {}
    if new_info:
        contact = invitation.interaction
        if contact is None:
            raise ValidationError(_("The guest did not check in."))
        text = f"{contact.new_info}；{new_info}" if contact.new_info else new_info
        contact.new_info = text[:500]
        contact.save(update_fields=["new_info"])
        out["new_info"] = contact.new_info
    if need:
        out["opportunity"] = opportunity_create(
            actor=actor, customer=invitation.customer, need=need, source="event", event_id=invitation.event_id,
            expected_amount=expected_amount, product=product, interaction=invitation.interaction)
    audit_log(actor=actor, action="event.learned", customer_id=invitation.customer_id, obj=invitation.event,
              after={"new_info": bool(new_info), "need": need})
    return out

