"""Campaigns, call lists and call outcomes (OUT-1, OUT-3); appointments live in contacts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.calendars.workdays import next_working_day
from banyan.contacts.models import Interaction
from banyan.contacts.services import appointment_create, interaction_log
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.holdings.models import Holding, HoldingStatus, Product, ProductType
from banyan.outreach.models import CallEntry, CallLog, CallStatus, Campaign, CampaignStatus, Exclusion, Script
from banyan.segments.models import SegmentPolicy
from banyan.transitions import transition
from banyan.wealth.suitability import unsuitable

#: The rules that keep a customer off a call list, in the order they are checked (API.md `rule`).
RULES = {
    "do_not_disturb": "客户设置了免打扰",
    "no_phone_consent": "客户未同意电话营销",
    "monthly_call_cap": "本月已致电 3 次（资产≥20万客户每月最多 3 次）",
    "other_campaign": "已在另一个进行中的活动名单中",
}
FILTER_KEYS = {"quadrant", "aum_min", "aum_max", "holds", "not_holds", "maturity_within_days",
               "not_contacted_days", "risk_level", "priority", "rm", "orientation", "interest"}


def _decimal(key: str, value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"filter": [_("%(k)s must be a number.") % {"k": key}]}) from None


def customers_matching(user, spec: dict) -> QuerySet[Customer]:
    """The saved filter of a campaign (OUT-1) over the user's visible customers, set-based:
    quadrant, AUM band, product type held or not held, maturity window, last contact, risk level,
    priority, manager, orientation, a word of the interests."""
    unknown = set(spec) - FILTER_KEYS
    if unknown:
        raise ValidationError({"filter": [_("Unknown filter keys: %(k)s.") % {"k": ", ".join(sorted(unknown))}]})
    qs = visible_customers(user)
    if spec.get("quadrant"):
        qs = qs.filter(segment__quadrant=spec["quadrant"])
    if spec.get("aum_min") not in (None, ""):
        qs = qs.filter(aum__gte=_decimal("aum_min", spec["aum_min"]))
    if spec.get("aum_max") not in (None, ""):
        qs = qs.filter(aum__lt=_decimal("aum_max", spec["aum_max"]))
    active = Holding.objects.filter(status=HoldingStatus.ACTIVE)
    if spec.get("holds"):
        if spec["holds"] not in ProductType.values:
            raise ValidationError({"filter": [_("Unknown product type %(t)s.") % {"t": spec["holds"]}]})
        qs = qs.filter(pk__in=active.filter(product__type=spec["holds"]).values("customer_id"))
    if spec.get("not_holds"):
        qs = qs.exclude(pk__in=active.filter(product__type=spec["not_holds"]).values("customer_id"))
    if spec.get("maturity_within_days") not in (None, ""):
        until = clock.today() + dt.timedelta(days=int(spec["maturity_within_days"]))
        qs = qs.filter(pk__in=active.filter(maturity_date__gte=clock.today(), maturity_date__lte=until)
                       .values("customer_id"))
    if spec.get("not_contacted_days") not in (None, ""):
        since = clock.now() - dt.timedelta(days=int(spec["not_contacted_days"]))
        qs = qs.filter(Q(last_contact_at__lt=since) | Q(last_contact_at__isnull=True))
    if spec.get("risk_level"):
        qs = qs.filter(risk_level=spec["risk_level"])
    if spec.get("priority"):
        qs = qs.filter(segment__is_priority=True)
    if spec.get("rm"):
        qs = qs.filter(rm_id=int(spec["rm"]))
    if spec.get("orientation"):  # the segment's (inferred when the file says nothing), else the file's
        qs = qs.filter(Q(segment__orientation=spec["orientation"])
                       | Q(segment__isnull=True, orientation=spec["orientation"]))
    if spec.get("interest"):  # a word of the customer's interests (基金, 养老, 孩子教育 …)
        qs = qs.filter(interests__contains=str(spec["interest"]).strip())
    return qs


def _month_start() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(clock.today().replace(day=1), dt.time.min))


#: The consent each invitation channel needs (a letter or a hand-delivered card needs none):
#: the rule that names its absence is "no_<channel>_consent".
CONSENT_OF = {"phone": "consent_phone", "sms": "consent_sms", "email": "consent_email", "wechat": "consent_wechat"}


def contact_exclusions(candidates: QuerySet[Customer], *, start: dt.date, end: dt.date, channel: str = "phone",
                       campaign: Campaign | None = None) -> dict[int, str]:
    """Which candidates a contact rule leaves out of a contact by `channel` between `start` and
    `end`, and by which rule (the first that applies): do-not-disturb, the channel's consent, the
    monthly call cap (phone), another active campaign over the same days. A campaign's call list
    and an event's invitations (banyan.events) both ask here. Set-based: a query per rule."""
    policy = SegmentPolicy.current()
    rules: dict[int, str] = {}
    for pk in candidates.filter(do_not_disturb=True).values_list("pk", flat=True):
        rules.setdefault(pk, "do_not_disturb")
    if channel in CONSENT_OF:
        for pk in candidates.filter(**{CONSENT_OF[channel]: False}).values_list("pk", flat=True):
            rules.setdefault(pk, f"no_{channel}_consent")
    if channel == "phone":
        capped = (Interaction.objects.filter(channel="phone", occurred_at__gte=_month_start(),
                                             customer__in=candidates.filter(aum__gte=policy.call_cap_aum))
                  .values("customer_id").annotate(n=Count("pk")).filter(n__gte=policy.call_cap_per_month))
        for row in capped:
            rules.setdefault(row["customer_id"], "monthly_call_cap")
    busy = CallEntry.objects.filter(campaign__status=CampaignStatus.ACTIVE, campaign__end_date__gte=start,
                                    campaign__start_date__lte=end, customer__in=candidates)
    if campaign is not None:
        busy = busy.exclude(campaign=campaign)
    for pk in busy.values_list("customer_id", flat=True):
        rules.setdefault(pk, "other_campaign")
    return rules


def _exclusions(campaign: Campaign, candidates: QuerySet[Customer]) -> dict[int, str]:
    """Which candidates a contact rule leaves off the campaign's call list, and by which rule."""
    return contact_exclusions(candidates, start=campaign.start_date, end=campaign.end_date, channel="phone",
                              campaign=campaign)


@transaction.atomic
def campaign_create(*, actor, name: str, purpose: str, start_date: Any, end_date: Any, goal: str = "",
                    customer_ids: list[int] | None = None, filter: dict | None = None,
                    opening: Script | None = None, product: Product | None = None) -> Campaign:
    """A campaign and its call list. Targets are customer ids or a saved filter, always within
    the actor's visible customers; contact rules leave some out, each with its rule. A campaign
    that promotes a `product` leaves out the customers who may not buy it, with the suitability
    rule (no assessment, expired, product above the level)."""
    errors: dict[str, list[str]] = {}
    dates = {}
    for key, value in (("start_date", start_date), ("end_date", end_date)):
        try:
            dates[key] = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            errors[key] = [_("Enter a date as YYYY-MM-DD.")]
    if not errors and dates["end_date"] < dates["start_date"]:
        errors["end_date"] = [_("The campaign ends before it starts.")]
    if (customer_ids is None) == (filter is None):
        errors["customer_ids"] = [_("Give the targets either as customer_ids or as a filter.")]
    elif customer_ids is not None and not customer_ids:
        errors["customer_ids"] = [_("Choose at least one customer to call.")]
    elif filter is not None and not filter:
        # an empty filter would call the whole book: a campaign says whom it is for
        errors["filter"] = [_("Choose at least one condition (segment, AUM, products, last contact…).")]
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        name=name.strip(), purpose=(purpose or "").strip(), goal=goal.strip(), created_by=actor,
        branch=actor.branch, filter=filter or {}, opening=opening, product=product, **dates,
    )
    if filter is not None:
        candidates = customers_matching(actor, filter)
    else:
        candidates = visible_customers(actor).filter(pk__in=customer_ids)
        missing = set(customer_ids) - set(candidates.values_list("pk", flat=True))
        if missing:  # out of reach and not existing look the same
            raise ValidationError({"customer_ids": [_("Unknown customers: %(ids)s.") % {
                "ids": ", ".join(str(i) for i in sorted(missing))}]})
    if not candidates.exists():  # nothing to call: refused rather than an empty campaign (rolled back)
        raise ValidationError({"filter" if filter is not None else "customer_ids": [
            _("No customer in your book matches these conditions.")]})
    call_list_build(campaign=campaign, candidates=candidates)
    audit_log(actor=actor, action="campaign.created", obj=campaign,
              after={"name": campaign.name, "listed": campaign.entries.count(),
                     "excluded": campaign.exclusions.count(), **({"product": product.code} if product else {})})
    return campaign


def call_list_build(*, campaign: Campaign, candidates: QuerySet[Customer]) -> None:
    # suitability first: a customer who may not buy the product is not called about it at all
    rules = unsuitable(candidates, campaign.product) if campaign.product_id else {}
    for pk, rule in _exclusions(campaign, candidates).items():
        rules.setdefault(pk, rule)
    rows = list(candidates.filter(rm__isnull=False).values_list("pk", "rm_id"))
    CallEntry.objects.bulk_create([CallEntry(campaign=campaign, customer_id=pk, manager_id=rm)
                                   for pk, rm in rows if pk not in rules], batch_size=2000)
    Exclusion.objects.bulk_create([Exclusion(campaign=campaign, customer_id=pk, rule=rule)
                                   for pk, rule in rules.items()], batch_size=2000)


_INTERACTION_OUTCOME = {CallStatus.NOT_REACHED: "not_reached", CallStatus.REFUSED: "refused",
                        CallStatus.INTERESTED: "interested", CallStatus.CALL_BACK: "reached",
                        CallStatus.APPOINTMENT: "appointment"}


@transaction.atomic
def call_outcome_record(*, actor, entry: CallEntry, outcome: str, reason: str = "", note: str = "",
                        objection: str = "", script: Script | None = None, minutes: int = 0,
                        call_back_at: Any = None, appointment_at: Any = None, place: str = "",
                        purpose: str = "", attempts: int | None = None) -> tuple[CallLog, list[str]]:
    """Record one call (OUT-3). The call becomes a contact in the customer's history; a refusal
    keeps its reason; an appointment is booked. Returns the log and any guidance to show.

    Exactly once: the call is recorded as the one after the `attempts` calls the caller saw (by
    default those of `entry` as it was read); when another call was recorded since — a double
    submit, a second tab — this one is refused whole with Conflict."""
    if outcome not in _INTERACTION_OUTCOME:
        raise ValidationError({"outcome": [_("Unknown outcome %(o)s.") % {"o": outcome}]})
    if outcome == CallStatus.APPOINTMENT and not appointment_at:
        raise ValidationError({"appointment_at": [_("An appointment needs a time.")]})
    if outcome == CallStatus.CALL_BACK and not call_back_at:
        # "call me later" without a time: the next working day, at the hour the customer took this call
        now = timezone.localtime(clock.now())
        call_back_at = dt.datetime.combine(next_working_day(now.date()), now.time().replace(second=0, microsecond=0))
    campaign = entry.campaign
    summary = note.strip() or f"{campaign.name}：{CallStatus(outcome).label}"
    call_back = _moment("call_back_at", call_back_at) if call_back_at else None
    seen = entry.attempts if attempts is None else attempts
    called = {"attempts": seen + 1, "status": outcome, "last_called_at": clock.now(), "call_back_at": call_back}
    if outcome != CallStatus.NOT_REACHED:
        called["reached"] = True
    transition(CallEntry.objects.filter(pk=entry.pk, attempts=seen),
               _("A call with this customer was recorded meanwhile; look at it before recording another."),
               **called)
    interaction = interaction_log(actor=actor, customer=entry.customer, channel="phone", purpose="invitation",
                                  occurred_at=called["last_called_at"], summary=summary[:500],
                                  outcome=_INTERACTION_OUTCOME[outcome],
                                  rejection_reason=reason if outcome == CallStatus.REFUSED else "",
                                  next_step=_("Call back") if call_back else "",
                                  next_contact_on=call_back.date() if call_back else None, minutes=minutes)
    log = CallLog.objects.create(entry=entry, staff=actor, outcome=outcome, reason=reason.strip(),
                                 objection=objection, script=script, note=note.strip(), minutes=minutes,
                                 interaction=interaction)
    for field, value in called.items():
        setattr(entry, field, value)
    guidance: list[str] = []
    if outcome == CallStatus.APPOINTMENT:
        _appointment, guidance = appointment_create(
            actor=actor, customer=entry.customer, at=appointment_at, place=place or (actor.branch.name if
                                                                                   actor.branch else ""),
            purpose=purpose or campaign.purpose, campaign_id=campaign.pk)
    audit_log(actor=actor, action="campaign.call_recorded", customer_id=entry.customer_id, obj=log,
              after={"campaign": campaign.pk, "outcome": outcome, "reason": reason})
    return log, guidance


def _moment(field: str, value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise ValidationError({field: [_("Enter a time as YYYY-MM-DD HH:MM.")]}) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@transaction.atomic
def call_entry_mark(*, actor, entry: CallEntry, visited: bool | None = None, sold: bool | None = None) -> CallEntry:
    """The customer came to the branch / bought: the last two steps of the funnel."""
    if visited is not None:
        entry.visited = visited
    if sold is not None:
        entry.sold = sold
        entry.visited = entry.visited or sold
    entry.save(update_fields=["visited", "sold"])
    audit_log(actor=actor, action="campaign.entry_marked", customer_id=entry.customer_id, obj=entry,
              after={"visited": entry.visited, "sold": entry.sold})
    return entry


def funnel(campaign: Campaign, *, entries: QuerySet[CallEntry] | None = None) -> dict[str, int]:
    """listed → called → reached → interested → appointment → visited → sold, in one query, over
    the campaign's call list or the part of it given (`entries`, e.g. the caller's customers)."""
    counts = (campaign.entries if entries is None else entries).aggregate(
        listed=Count("pk"),
        called=Count("pk", filter=Q(attempts__gt=0)),
        reached=Count("pk", filter=Q(reached=True)),
        interested=Count("pk", filter=Q(status__in=[CallStatus.INTERESTED, CallStatus.APPOINTMENT])
                         | Q(visited=True)),
        appointment=Count("pk", filter=Q(status=CallStatus.APPOINTMENT) | Q(visited=True)),
        visited=Count("pk", filter=Q(visited=True)),
        sold=Count("pk", filter=Q(sold=True)),
    )
    return {k: counts[k] for k in ("listed", "called", "reached", "interested", "appointment", "visited", "sold")}


def objection_win_rates(*, branch=None) -> list[dict]:
    """For each kind of objection, how often the answer turned the call (interested or an
    appointment) — recorded outcomes, not opinions (OUT-2)."""
    qs = CallLog.objects.exclude(objection="")
    if branch is not None:
        qs = qs.filter(entry__campaign__branch=branch)
    rows = qs.values("objection").annotate(
        calls=Count("pk"), won=Count("pk", filter=Q(outcome__in=[CallStatus.INTERESTED, CallStatus.APPOINTMENT])))
    return [{"objection": r["objection"], "calls": r["calls"], "won": r["won"],
             "rate": round(100 * r["won"] / r["calls"]) if r["calls"] else 0} for r in rows]


@transaction.atomic
def campaign_checklist_tick(*, actor, campaign: Campaign, item: str, done: bool) -> Campaign:
    """Tick (or untick) one item of seed 004's preparation checklist on the campaign."""
    from banyan.outreach.models import PREPARATION_CHECKLIST

    if item not in dict(PREPARATION_CHECKLIST):
        raise ValidationError({"item": [_("Unknown checklist item %(i)s.") % {"i": item}]})
    before = bool(campaign.checklist.get(item))
    campaign.checklist = {**campaign.checklist, item: bool(done)}
    campaign.save(update_fields=["checklist"])
    audit_log(actor=actor, action="campaign.checklist_ticked", obj=campaign,
              before={item: before}, after={item: bool(done)})
    return campaign


@transaction.atomic
def appointment_set_status(*, actor, appointment, status: str):
    """The meeting took place, the customer did not come, or it was cancelled (OUT-4). A meeting
    that took place in a campaign marks the customer as visited in that campaign's funnel."""
    from banyan.contacts.models import Appointment, AppointmentStatus

    if status not in AppointmentStatus.values or status == AppointmentStatus.SCHEDULED:
        raise ValidationError({"status": [_("Unknown status %(s)s.") % {"s": status}]})
    # Exactly once: only a meeting still scheduled is settled (another tab may have done it first).
    before = AppointmentStatus.SCHEDULED
    transition(Appointment.objects.filter(pk=appointment.pk, status=before),
               _("This meeting was already settled."), status=status)
    appointment.status = status
    if status == AppointmentStatus.DONE and appointment.campaign_id:
        entry = CallEntry.objects.filter(campaign_id=appointment.campaign_id,
                                         customer_id=appointment.customer_id).first()
        if entry is not None and not entry.visited:
            call_entry_mark(actor=actor, entry=entry, visited=True)
    audit_log(actor=actor, action="appointment.status_set", customer_id=appointment.customer_id, obj=appointment,
              before={"status": before}, after={"status": status})
    return appointment


# ------------------------------------------------------------------ the script library (OUT-2)

#: The five steps of answering an objection (seed 004), in order.
OBJECTION_STEPS = ("empathise", "ask", "clarify", "restate", "confirm")
#: The four questions of needs probing (SPIN), in order.
SPIN_STEPS = ("situation", "problem", "implication", "need_payoff")


def _script_clean(*, title: str, kind: str, objection: str, steps: list[dict]) -> dict:
    """A script's fields checked and tidied: a title, a known kind, the objection type for an
    objection script (and none for the others), at least one step with words."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the script a title.")]
    if kind not in Script.Kind.values:
        errors["kind"] = [_("Choose what kind of script this is.")]
    objection = (objection or "").strip() if kind == Script.Kind.OBJECTION else ""
    if kind == Script.Kind.OBJECTION and objection not in Script.Objection.values:
        errors["objection"] = [_("Say which objection this script answers.")]
    kept = [{"step": str(s.get("step") or ""), "text": str(s.get("text") or "").strip()} for s in steps or []]
    kept = [s for s in kept if s["text"]]
    if not kept:
        errors["steps"] = [_("Write at least one step of the script.")]
    if errors:
        raise ValidationError(errors)
    return {"title": title[:100], "kind": kind, "objection": objection, "steps": kept}


def _script_may_edit(actor, script: Script) -> None:
    """Admins edit every script; a branch head only the scripts of their own branch."""
    from django.core.exceptions import PermissionDenied

    from banyan.org.models import Role

    if actor.role == Role.ADMIN:
        return
    if actor.role == Role.BRANCH_HEAD and script.branch_id and script.branch_id == actor.branch_id:
        return
    raise PermissionDenied("Not your branch's script")


@transaction.atomic
def script_create(*, actor, title: str, kind: str, objection: str = "", steps: list[dict], branch=None) -> Script:
    """A branch's own script (or, for an admin with no branch given, the bank's). A branch head
    always adds to their own branch."""
    from django.core.exceptions import PermissionDenied

    from banyan.org.models import Role

    if actor.role == Role.BRANCH_HEAD and actor.branch_id:
        branch = actor.branch
    elif actor.role != Role.ADMIN:
        raise PermissionDenied("Only a branch head or an admin adds scripts")
    fields = _script_clean(title=title, kind=kind, objection=objection, steps=steps)
    script = Script.objects.create(branch=branch, **fields)
    audit_log(actor=actor, action="script.created", obj=script,
              after={**fields, "branch": branch.code if branch else None})
    return script


@transaction.atomic
def script_update(*, actor, script: Script, title: str, kind: str, objection: str = "",
                  steps: list[dict]) -> Script:
    _script_may_edit(actor, script)
    fields = _script_clean(title=title, kind=kind, objection=objection, steps=steps)
    before = {k: getattr(script, k) for k in fields}
    for k, v in fields.items():
        setattr(script, k, v)
    script.save(update_fields=list(fields))
    changed = [k for k in fields if before[k] != fields[k]]
    audit_log(actor=actor, action="script.updated", obj=script,
              before={k: before[k] for k in changed}, after={k: fields[k] for k in changed})
    return script


@transaction.atomic
def script_deactivate(*, actor, script: Script) -> Script:
    """Take a script out of the library (and off the calling screen); the calls that used it keep it."""
    _script_may_edit(actor, script)
    script.is_active = False
    script.save(update_fields=["is_active"])
    audit_log(actor=actor, action="script.deactivated", obj=script, before={"is_active": True},
              after={"is_active": False})
    return script
