"""Recording contacts and memos. `interaction_log` is the one way a contact enters the history:
the quick form, the API, the worklist's "done" button and the calling screen all call it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.contacts.models import Appointment, Interaction, Memo, MemoStatus, is_real_contact, real_contact_q
from banyan.customers.models import Customer
from banyan.transitions import transition
from banyan.validation import TOO_LONG, refuse_too_long


def _parse_moment(value: Any) -> dt.datetime:
    if value is None or value == "":
        return clock.now()
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({"occurred_at": [_("Enter a time as YYYY-MM-DD HH:MM.")]}) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


#: The visit review's goal and reasons (VisitReviewForm's limits): its summary stays one contact line.
VISIT_TEXT_MAX = 200


@transaction.atomic
def visit_review(*, actor, customer: Customer, goal: str, reached: bool, why: str = "", next_step: str = "",
                 next_contact_on: Any = None, purpose: str = "") -> Interaction:
    """After a visit (OUT-8, seed 001 登门拜访): its goal, reached or not and why, recorded as the
    visit's contact — the next step and date come back as a follow-up, feeding the next contact."""
    goal, why = (goal or "").strip(), (why or "").strip()
    refuse_too_long(goal=(goal, VISIT_TEXT_MAX), why=(why, VISIT_TEXT_MAX))
    if not goal:
        raise ValidationError({"goal": [_("Say what the visit was for.")]})
    if not reached and not why:
        raise ValidationError({"why": [_("Say why the goal was not reached: it shapes the next contact.")]})
    verdict = _("goal reached") if reached else _("goal not reached")
    summary = "：".join(part for part in (f"{_('Visit')} — {goal}", verdict + (f"（{why}）" if why else "")))
    return interaction_log(actor=actor, customer=customer, channel="visit", purpose=purpose or "other",
                           summary=summary, outcome="reached", next_step=next_step,
                           next_contact_on=next_contact_on)


@transaction.atomic
def interaction_log(*, actor, customer: Customer, channel: str, occurred_at: Any = None, purpose: str = "",
                    summary: str = "", outcome: str = "", rejection_reason: str = "", new_info: str = "",
                    next_step: str = "", next_contact_on: Any = None, minutes: int | None = 0) -> Interaction:
    """Record a contact. Channel alone is enough; the rest is optional. A real contact (two-way
    channel, customer reached) moves the customer's last-contact time, only ever forward: a
    back-dated entry does not move it back. `next_contact_on` comes back as a follow-up task."""
    moment = _parse_moment(occurred_at)
    if moment.date() > clock.today() + dt.timedelta(days=1):
        raise ValidationError({"occurred_at": [_("A contact cannot be recorded in the future.")]})
    if isinstance(next_contact_on, str):
        try:
            next_contact_on = dt.date.fromisoformat(next_contact_on) if next_contact_on.strip() else None
        except ValueError:
            raise ValidationError({"next_contact_on": [_("Enter a date as YYYY-MM-DD.")]}) from None
    interaction = Interaction(
        customer=customer, staff=actor, channel=channel, occurred_at=moment, purpose=purpose or "",
        summary=(summary or "").strip(), outcome=outcome or "", rejection_reason=(rejection_reason or "").strip(),
        new_info=(new_info or "").strip(), next_step=(next_step or "").strip(), next_contact_on=next_contact_on,
        minutes=minutes or 0,
    )
    interaction.full_clean()
    interaction.save()
    if is_real_contact(interaction.channel, interaction.outcome):
        Customer.objects.filter(pk=customer.pk).filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=moment)
        ).update(last_contact_at=moment)
        if customer.last_contact_at is None or customer.last_contact_at < moment:
            customer.last_contact_at = moment
    audit_log(actor=actor, action="interaction.logged", customer_id=customer.pk, obj=interaction,
              after={"channel": channel, "outcome": outcome})
    return interaction


@transaction.atomic
def memo_create(*, actor, customer: Customer, text: str, due_date: Any, product_type: str | None = "") -> Memo:
    """A need or a promise, with the day it comes back. `product_type`: a kind of product the
    customer asked for that the bank could not offer — while the memo is open, a product of that
    type added or put back on sale brings the customer back (worklist reason wanted_product)."""
    if isinstance(due_date, str):
        try:
            due_date = dt.date.fromisoformat(due_date.strip())
        except ValueError:
            raise ValidationError({"due_date": [_("Enter a date as YYYY-MM-DD.")]}) from None
    if isinstance(due_date, dt.date) and due_date < clock.today():
        # a memo is something to come back to: a day already gone would be overdue at birth
        raise ValidationError({"due_date": [_("The due date %(d)s has passed: a memo is due today or later.")
                                            % {"d": due_date.isoformat()}]})
    memo = Memo(customer=customer, author=actor, text=(text or "").strip(), due_date=due_date,
                product_type=(product_type or "").strip())
    memo.full_clean()
    memo.save()
    audit_log(actor=actor, action="memo.created", customer_id=customer.pk, obj=memo,
              after={"text": memo.text, "due_date": due_date, **({"product_type": memo.product_type}
                                                                  if memo.product_type else {})})
    return memo


@transaction.atomic
def memo_complete(*, actor, memo: Memo) -> Memo:
    """Mark an open memo done, exactly once: a memo done already (in another tab, or by the task
    it came back on) is refused with Conflict and nothing is written."""
    done_at = clock.now()
    transition(Memo.objects.filter(pk=memo.pk, status=MemoStatus.OPEN), _("This memo was already done."),
               status=MemoStatus.DONE, done_at=done_at)
    memo.status, memo.done_at = MemoStatus.DONE, done_at
    audit_log(actor=actor, action="memo.completed", customer_id=memo.customer_id, obj=memo)
    return memo


#: Seed 004: "约见成功起码要有2次以上的联系，要让客户熟知你的声音和电话".
APPOINTMENT_MIN_PRIOR_CONTACTS = 2


@transaction.atomic
def appointment_create(*, actor, customer: Customer, at: Any, place: str, purpose: str,
                       campaign_id: int | None = None) -> tuple[Appointment, list[str]]:
    """Book a meeting (OUT-4). Returns the appointment and guidance for the manager: a meeting
    usually needs two or more real contacts before it (shown, not enforced)."""
    moment = _parse_moment(at) if at not in (None, "") else None
    errors: dict[str, list[str]] = {}
    if moment is None:
        errors["at"] = [_("An appointment needs a time.")]
    elif moment < clock.now() - dt.timedelta(hours=1):
        errors["at"] = [_("The appointment time has passed.")]
    place, purpose = (place or "").strip(), (purpose or "").strip()
    if not place:
        errors["place"] = [_("Where will you meet?")]
    for name, value in (("place", place), ("purpose", purpose)):
        limit = Appointment._meta.get_field(name).max_length
        if len(value) > limit:
            errors.setdefault(name, []).append(str(TOO_LONG % {"limit_value": limit, "show_value": len(value)}))
    if errors:
        raise ValidationError(errors)
    appointment = Appointment.objects.create(customer=customer, staff=actor, at=moment, place=place,
                                             purpose=purpose, campaign_id=campaign_id)
    prior = Interaction.objects.filter(real_contact_q(), customer=customer).count()
    guidance = []
    if prior < APPOINTMENT_MIN_PRIOR_CONTACTS:
        guidance.append(_("Only %(n)d real contact(s) with this customer so far: a meeting usually takes two or "
                          "more calls first, so that the customer knows your voice and number. Confirm the day "
                          "before.") % {"n": prior})
    audit_log(actor=actor, action="appointment.created", customer_id=customer.pk, obj=appointment,
              after={"at": moment, "place": appointment.place, "prior_contacts": prior})
    return appointment, guidance
