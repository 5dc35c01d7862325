"""Writing complaints (SVC-1): intake (a repeat merged), the owner's routing, actions, the clock's
extension and appraisal pause, new facts, reassignment and resolution with the root cause.

Every state change is exactly-once (DESIGN.md rule 6): it locks the complaint's row (select_for_update)
and checks the state it starts from inside the transaction, so two requests racing each other —
two resolves, a resolve and an extension — find the row changed and the loser writes nothing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock as bank_clock
from banyan.audit.services import audit_log
from banyan.org.models import Role, Staff
from banyan.service.complaints_clock import BASE_DAYS, COMPLEX_DAYS, MAX_DAYS, Clock, ClockError, clock, restart
from banyan.service.models import (
    ActionKind,
    Complaint,
    ComplaintAction,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintRoute,
    ComplaintStatus,
    InformedHow,
    RootCause,
)
from banyan.transitions import Conflict

#: Who may approve an extension beyond 30 days (the 办法's 上级审批): a branch head or above.
SENIOR_ROLES = (Role.BRANCH_HEAD, Role.ADMIN)
#: How long after the decision the customer's manager makes the care call (seed 002).
CARE_AFTER_DAYS = 3


#: API.md's complaint categories with the bank's Chinese names (as migration 0003 seeds them).
DEFAULT_CATEGORIES = (("service", "服务态度"), ("fees", "收费"), ("sales", "产品销售与适当性"), ("wealth", "理财产品"),
                      ("card", "银行卡"), ("loan", "贷款"), ("deposit", "存款"), ("ebanking", "电子银行"),
                      ("other", "其他"))


#: Their English names (as migration 0004 sets them).
DEFAULT_CATEGORY_NAMES_EN = {"service": "Service attitude", "fees": "Fees and charges",
                             "sales": "Product sales and suitability", "wealth": "Wealth products",
                             "card": "Bank cards", "loan": "Loans", "deposit": "Deposits", "ebanking": "E-banking",
                             "other": "Other"}


def complaint_categories_ensure() -> None:
    """The default categories, where missing (a database flushed after its migrations: tests)."""
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        ComplaintCategory.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": DEFAULT_CATEGORY_NAMES_EN[code], "position": position})


def _day(at: dt.datetime) -> dt.date:
    return timezone.localdate(at) if timezone.is_aware(at) else at.date()


def route_owner(*, customer, category: ComplaintCategory, concerned_ids: set[int]) -> Staff:
    """Who handles the complaint — never one of the staff it is about. The bank's rule for the
    category at the customer's branch, else at any branch (a named person, or the holders of a role
    at the customer's branch); else the branch head of the customer's
    branch; when that person is concerned, upward: another branch head of the branch, then the head
    office (an administrator). ValidationError when nobody is left."""
    candidates: list[Staff] = []
    routes = {r.branch_id: r for r in ComplaintRoute.objects.filter(category=category).select_related("owner")}
    for key in (customer.branch_id, None):
        route = routes.get(key)
        if route is None:
            continue
        if route.owner is not None:  # a named service officer
            candidates.append(route.owner)
        else:  # a role: of the customer's branch, or the head office's administrators
            holders = Staff.objects.filter(role=route.owner_role, is_active=True).order_by("pk")
            if route.owner_role != Role.ADMIN:
                holders = holders.filter(branch_id=customer.branch_id)
            candidates += list(holders)
    heads = Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=customer.branch_id, is_active=True).order_by("pk")
    candidates += list(heads)
    candidates += list(Staff.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))
    for staff in candidates:
        if staff.is_active and staff.pk not in concerned_ids:
            return staff
    raise ValidationError({"staff_concerned": [_("Nobody is left to handle this complaint who is not concerned.")]})


def _action(complaint: Complaint, actor, kind: str, text: str, at: dt.datetime | None = None) -> ComplaintAction:
    return ComplaintAction.objects.create(complaint=complaint, actor=actor, kind=kind, text=text[:1000],
                                          at=at or bank_clock.now())


def _clock_of(c: Complaint) -> Clock:
    return Clock(start=c.clock_start, limit_days=c.limit_days, paused_days=c.paused_days, paused_since=c.paused_since)


@transaction.atomic
def complaint_receive(*, actor, customer, channel: str, category: ComplaintCategory, description: str,
                      received_at: dt.datetime, staff_concerned=(), products=()) -> tuple[Complaint, bool]:
    """Take in a complaint. A repeat of an open complaint of the same customer about the same matter
    (the same category) is merged into it: an action records the repeat and the clock runs on.
    Returns (complaint, merged)."""
    errors = {}
    if channel not in ComplaintChannel.values:
        errors["channel"] = [_("Pick a channel.")]
    if not description.strip():
        errors["description"] = [_("Say what the customer complains about.")]
    if received_at > bank_clock.now() + dt.timedelta(minutes=5):
        errors["received_at"] = [_("A complaint cannot be received in the future.")]
    if errors:
        raise ValidationError(errors)
    concerned = list(staff_concerned)
    # the customer's row locked: two intakes of the same repeat at once merge, not open twice
    type(customer).objects.select_for_update().filter(pk=customer.pk).first()
    open_one = (Complaint.objects.select_for_update()
                .filter(customer=customer, category=category, status__in=[ComplaintStatus.OPEN, ComplaintStatus.PAUSED])
                .order_by("pk").first())
    if open_one is not None:
        open_one.repeats += 1
        open_one.save(update_fields=["repeats"])
        open_one.staff_concerned.add(*concerned)
        open_one.products.add(*products)
        _action(open_one, actor, ActionKind.REPEAT, _("Repeat received (%(channel)s): %(text)s") % {
            "channel": ComplaintChannel(channel).label, "text": description.strip()})
        audit_log(actor=actor, action="complaint.repeat_merged", customer_id=customer.pk, obj=open_one)
        if open_one.owner_id in {s.pk for s in concerned}:
            complaint_reassign(actor=None, complaint=open_one, to=route_owner(
                customer=customer, category=category, concerned_ids={s.pk for s in open_one.staff_concerned.all()}),
                note=_("The owner is among the staff concerned."))
            open_one.refresh_from_db()
        return open_one, True
    owner = route_owner(customer=customer, category=category, concerned_ids={s.pk for s in concerned})
    start = _day(received_at)
    c = Complaint.objects.create(
        customer=customer, branch_id=customer.branch_id, channel=channel, category=category,
        description=description.strip(), received_at=received_at, owner=owner, clock_start=start,
        due_date=clock(Clock(start=start), bank_clock.today()), created_by=actor)
    c.staff_concerned.set(concerned)
    c.products.set(list(products))
    _action(c, actor, ActionKind.RECEIVED, _("Received (%(channel)s); owner %(owner)s") % {
        "channel": ComplaintChannel(channel).label, "owner": owner.display_name}, at=received_at)
    audit_log(actor=actor, action="complaint.received", customer_id=customer.pk, obj=c,
              after={"category": category.code, "channel": channel, "owner": owner.username,
                     "due_date": c.due_date})
    return c, False


def _locked(complaint: Complaint, *, states=(ComplaintStatus.OPEN, ComplaintStatus.PAUSED)) -> Complaint:
    """The complaint's row locked for the change; Conflict when it has left the states meanwhile."""
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if c.status not in states:
        raise Conflict(_("This complaint has already been resolved.") if c.status == ComplaintStatus.RESOLVED
                       else _("This complaint changed meanwhile; reload it."))
    return c


@transaction.atomic
def complaint_act(*, actor, complaint: Complaint, text: str) -> ComplaintAction:
    if not text.strip():
        raise ValidationError({"text": [_("Say what was done.")]})
    c = _locked(complaint)
    action = _action(c, actor, ActionKind.NOTE, text.strip())
    audit_log(actor=actor, action="complaint.action", customer_id=c.customer_id, obj=c)
    return action


@transaction.atomic
def complaint_extend(*, actor, complaint: Complaint, days: int, reason: str) -> Complaint:
    """Extend the allowance by `days` (to at most 30 with a reason; to at most 60 only by a branch
    head or above). The regulator's limit is never passed (ValidationError at `days`)."""
    c = _locked(complaint)
    senior = actor.role in SENIOR_ROLES
    try:
        due = clock(_clock_of(c), bank_clock.today(), extend_by=days, reason=reason, senior=senior)
    except ClockError as e:
        words = {"negative": _("An extension adds days."),
                 "reason": _("An extension needs the reason (a complex case)."),
                 "max": _("The regulator allows at most %(n)d days in all.") % {"n": MAX_DAYS},
                 "senior": _("Beyond %(n)d days needs a branch head's approval.") % {"n": COMPLEX_DAYS}}
        raise ValidationError({e.field: [words[e.code]]}) from None
    before = {"due_date": c.due_date, "limit_days": c.limit_days}
    c.limit_days += days
    c.due_date = due
    c.extension_reason = reason.strip()[:500]
    if c.limit_days > COMPLEX_DAYS:
        c.extension_approved_by = actor
    c.save(update_fields=["limit_days", "due_date", "extension_reason", "extension_approved_by"])
    _action(c, actor, ActionKind.EXTEND, _("Extended to %(n)d days (due %(due)s): %(reason)s") % {
        "n": c.limit_days, "due": c.due_date.isoformat(), "reason": c.extension_reason})
    audit_log(actor=actor, action="complaint.extended", customer_id=c.customer_id, obj=c, before=before,
              after={"due_date": c.due_date, "limit_days": c.limit_days}, detail=c.extension_reason[:200])
    return c


@transaction.atomic
def complaint_pause(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """An outside appraisal (鉴定) is out: the clock stops until it is back."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say which appraisal the complaint waits on.")]})
    c = _locked(complaint, states=(ComplaintStatus.OPEN,))
    c.status, c.paused_since = ComplaintStatus.PAUSED, bank_clock.today()
    c.save(update_fields=["status", "paused_since"])
    _action(c, actor, ActionKind.PAUSE, reason.strip())
    audit_log(actor=actor, action="complaint.paused", customer_id=c.customer_id, obj=c, detail=reason[:200])
    return c


@transaction.atomic
def complaint_resume(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """The appraisal is back: the days it took are added to the due date."""
    c = _locked(complaint, states=(ComplaintStatus.PAUSED,))
    today = bank_clock.today()
    c.due_date = clock(_clock_of(c), today)
    c.paused_days += max((today - c.paused_since).days, 0)
    c.status, c.paused_since = ComplaintStatus.OPEN, None
    c.save(update_fields=["status", "paused_since", "paused_days", "due_date"])
    _action(c, actor, ActionKind.RESUME, note.strip() or _("Appraisal back; due %(due)s") % {"due": c.due_date})
    audit_log(actor=actor, action="complaint.resumed", customer_id=c.customer_id, obj=c, after={"due_date": c.due_date})
    return c


@transaction.atomic
def complaint_new_facts(*, actor, complaint: Complaint, text: str, received_on: dt.date | None = None) -> Complaint:
    """New facts and reasons from the customer: the clock restarts from the day they came in, at 15
    days (an extension granted before no longer applies)."""
    if not text.strip():
        raise ValidationError({"text": [_("Say what the new facts are.")]})
    c = _locked(complaint)
    day = received_on or bank_clock.today()
    fresh = restart(day)
    c.clock_start, c.limit_days, c.paused_days = fresh.start, BASE_DAYS, 0
    c.paused_since = day if c.status == ComplaintStatus.PAUSED else None
    c.due_date = clock(fresh, bank_clock.today())
    c.extension_reason, c.extension_approved_by = "", None
    c.save(update_fields=["clock_start", "limit_days", "paused_days", "paused_since", "due_date",
                          "extension_reason", "extension_approved_by"])
    _action(c, actor, ActionKind.FACTS, text.strip())
    audit_log(actor=actor, action="complaint.new_facts", customer_id=c.customer_id, obj=c,
              after={"due_date": c.due_date})
    return c


@transaction.atomic
def complaint_reassign(*, actor, complaint: Complaint, to: Staff, note: str = "") -> Complaint:
    """A branch head hands the complaint to someone else — never to one of the staff concerned."""
    c = _locked(complaint)
    if not to.is_active or to.pk in set(c.staff_concerned.values_list("pk", flat=True)):
        raise ValidationError({"owner": [_("The complaint cannot go to someone it is about.")]})
    if to.role not in (Role.ADMIN,) and to.branch_id != c.branch_id:
        raise ValidationError({"owner": [_("Pick someone of the customer's branch.")]})
    before = c.owner.username
    c.owner = to
    c.save(update_fields=["owner"])
    who = actor or to
    _action(c, who, ActionKind.REASSIGN, _("To %(owner)s. %(note)s") % {"owner": to.display_name, "note": note})
    audit_log(actor=actor, action="complaint.reassigned", customer_id=c.customer_id, obj=c,
              before={"owner": before}, after={"owner": to.username})
    return c


@transaction.atomic
def complaint_resolve(*, actor, complaint: Complaint, resolution: str, cause: str, cause_change: str,
                      cause_owner: Staff | None, satisfaction: int | None = None,
                      informed_how: str = "", informed_at: dt.datetime | None = None) -> Complaint:
    """Record the decision and close the complaint. No resolution without the root cause (its
    category and what changes so that it does not recur): ValidationError at those fields."""
    errors = {}
    if not resolution.strip():
        errors["resolution"] = [_("Say what was decided.")]
    if cause not in RootCause.values:
        errors["root_cause"] = [_("Name the root cause: no complaint is closed without it.")]
    if not cause_change.strip():
        errors["root_cause_change"] = [_("Say what changes so that it does not happen again.")]
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        errors["satisfaction"] = [_("Satisfaction is 1 to 5.")]
    if informed_how and informed_how not in InformedHow.values:
        errors["informed_how"] = [_("Pick how the customer was told.")]
    if errors:
        raise ValidationError(errors)
    c = _locked(complaint)
    now = bank_clock.now()
    if c.status == ComplaintStatus.PAUSED:  # the appraisal came back with the decision
        c.paused_days += max((bank_clock.today() - c.paused_since).days, 0)
        c.paused_since = None
    c.status = ComplaintStatus.RESOLVED
    c.resolution, c.decided_on = resolution.strip(), bank_clock.today()
    c.cause, c.cause_change, c.cause_owner = cause, cause_change.strip()[:1000], cause_owner or actor
    c.satisfaction = satisfaction
    c.informed_how = informed_how or InformedHow.PHONE
    c.informed_at = informed_at or now
    c.save()
    _action(c, actor, ActionKind.RESOLVE, c.resolution)
    audit_log(actor=actor, action="complaint.resolved", customer_id=c.customer_id, obj=c,
              after={"cause": cause, "satisfaction": satisfaction, "decided_on": c.decided_on,
                     "on_time": c.decided_on <= c.due_date})
    return c


@transaction.atomic
def complaint_rate(*, actor, complaint: Complaint, satisfaction: int) -> Complaint:
    """The customer's satisfaction, asked on the care call after the decision."""
    if not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": [_("Satisfaction is 1 to 5.")]})
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if c.status != ComplaintStatus.RESOLVED:
        raise ValidationError({"satisfaction": [_("Satisfaction is asked once the complaint is resolved.")]})
    c.satisfaction = satisfaction
    c.save(update_fields=["satisfaction"])
    audit_log(actor=actor, action="complaint.rated", customer_id=c.customer_id, obj=c,
              after={"satisfaction": satisfaction})
    return c
