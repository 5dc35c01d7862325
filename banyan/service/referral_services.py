"""Referrals and hand-offs (转介绍 / 内部转介, SVC-2): writes. The pages, the API and (later) the
lobby's walk-ins all call these functions; every change is audited and happens once — an answer
or an outcome is one conditional UPDATE (banyan/transitions.py): the second of two racing requests
is refused with Conflict (the API's 409) and writes nothing.

A referred prospect is written as a customer record in the receiver's book (source 转介绍, the
referrer linked, no account yet, phone consent as given): the worklist engine plans per customer
for the customer's manager, so the first contact (reason `referral`) lands on the receiver's list
with no second kind of "person" in the bank; the record is the one that becomes the customer when
the account is opened (the receiver records it, or the feed brings the same mobile: merged)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.calendars.workdays import next_working_day
from banyan.contacts.models import Interaction, Memo, Opportunity, OpportunityStage
from banyan.customers import identity
from banyan.customers.models import Channel, Customer, Source
from banyan.customers.services import customer_create, customer_update
from banyan.holdings.models import Holding, ProductType
from banyan.org.models import BOOK_ROLES, Staff
from banyan.service.models import (
    OPEN_REFERRAL_STATUSES,
    Conversion,
    Referral,
    ReferralKind,
    ReferralStatus,
)
from banyan.transitions import Conflict, transition
from banyan.validation import TOO_LONG

S = ReferralStatus
NEED_MAX = Referral._meta.get_field("need").max_length
REASON_MAX = Referral._meta.get_field("decline_reason").max_length
NAME_MAX = Customer._meta.get_field("name").max_length
#: Who may receive a referral or a hand-off: the staff who keep a book (managers, planners — a
#: private banker is a senior manager: Staff.is_senior).
RECEIVING_ROLES = BOOK_ROLES
#: The statuses from which a referral may still convert (a declined or lost one is over).
CONVERTIBLE = (S.PENDING, S.ACCEPTED, S.WON)


def answer_days() -> int:
    """Working days the receiver has to accept or decline (BANYAN_REFERRAL_ANSWER_DAYS, default 2)."""
    return max(1, int(getattr(settings, "BANYAN_REFERRAL_ANSWER_DAYS", 2)))


def answer_deadline(now: dt.datetime) -> dt.datetime:
    """The end of the N-th working day after today: a referral sent on Friday afternoon with two
    days to answer must be answered by Tuesday evening; a holiday week does not count."""
    day = now.date()
    for _i in range(answer_days()):
        day = next_working_day(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _too_long(limit: int, text: str) -> str:
    return str(TOO_LONG % {"limit_value": limit, "show_value": len(text)})


def _receiver(to: Any, *, branch_id: int | None, errors: dict[str, list[str]]) -> Staff | None:
    """The colleague named by username (or given), active, of the branch, keeping a book. A
    username of another branch reads as one that does not exist."""
    if isinstance(to, Staff):
        staff: Staff | None = to
        username = to.username
    else:
        username = (to or "").strip()
        if not username:
            errors["to"] = [_("Name the colleague who takes it (a username).")]
            return None
        staff = Staff.objects.filter(username=username, is_active=True).select_related("branch").first()
    if staff is None or not staff.is_active or (branch_id is not None and staff.branch_id != branch_id):
        errors["to"] = [_("No colleague of the branch has the username %(u)s.") % {"u": username}]
        return None
    if staff.role not in RECEIVING_ROLES:
        errors["to"] = [_("%(name)s does not take referrals: choose a manager or a planner.") % {
            "name": staff.display_name}]
        return None
    return staff


def _is_priority(customer: Customer) -> bool:
    from banyan.segments.models import CustomerSegment

    return CustomerSegment.objects.filter(customer=customer, is_priority=True).exists()


def _prospect_fields(prospect: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The prospect's name, mobile and consent to be contacted, checked; errors under prospect.*."""
    unknown = set(prospect) - {"name", "mobile", "consent_phone", "consent_channel", "consent_on"}
    for k in unknown:
        errors[f"prospect.{k}"] = [_("Unknown field.")]
    name = (prospect.get("name") or "").strip()
    if not name:
        errors["prospect.name"] = [_("Give the name of the person referred.")]
    elif len(name) > NAME_MAX:
        errors["prospect.name"] = [_too_long(NAME_MAX, name)]
    mobile = ""
    try:
        mobile = identity.validate_mobile(str(prospect.get("mobile") or ""))
    except ValidationError as e:
        errors["prospect.mobile"] = e.messages
    if prospect.get("consent_phone") is not True:
        errors["prospect.consent_phone"] = [
            _("A prospect is contacted only with their consent: confirm they agreed to a call.")]
    channel = prospect.get("consent_channel") or Channel.PHONE
    if channel not in Channel.values:
        errors["prospect.consent_channel"] = [_("Choose how the consent was given.")]
    consent_on = prospect.get("consent_on") or clock.today()
    if isinstance(consent_on, str):
        try:
            consent_on = dt.date.fromisoformat(consent_on)
        except ValueError:
            errors["prospect.consent_on"] = [_("Enter a date as YYYY-MM-DD.")]
            consent_on = None
    if isinstance(consent_on, dt.date) and consent_on > clock.today():
        errors["prospect.consent_on"] = [_("The consent cannot be given in the future.")]
    return {"name": name, "mobile": mobile, "consent_channel": channel, "consent_on": consent_on}


def _prospect_number() -> str:
    """A number for a prospect's record until core banking gives one: YX (意向) and 10 digits."""
    for _i in range(20):
        number = f"YX{secrets.randbelow(10**10):010d}"
        if not Customer.objects.filter(external_id=number).exists():
            return number
    raise RuntimeError("no free prospect number")  # pragma: no cover - 10^10 numbers


@transaction.atomic
def referral_create(*, actor, to: Any, need: str, customer: Customer | None = None,
                    prospect: dict[str, Any] | None = None, referrer_customer: Customer | None = None,
                    product_type: str = "", kind: str | None = None) -> Referral:
    """Pass a customer (or a prospect) and a need to a colleague. The caller resolved `customer`
    and `referrer_customer` through the visibility gate (404 out of reach). Refused, naming the
    field, with nothing written: neither or both of customer and prospect, a customer referring
    themselves, a prospect's mobile that is not a mainland mobile or is already on file, a
    prospect without consent to be contacted, an unknown / inactive / other-branch username, a
    colleague who keeps no book, a hand-off to oneself, a priority customer handed to staff who
    are not senior (seed 002's tiering), a need missing or too long. The same customer and need
    already open with the same receiver: Conflict (a double click sends once).

    `kind`: customer (a referrer customer is named), handoff (no referrer: a need of one's
    customer), walk_in (the lobby's; credited to the caller). To oneself (a customer refers a
    friend to their own manager): accepted at once."""
    errors: dict[str, list[str]] = {}
    need = (need or "").strip()
    if not need:
        errors["need"] = [_("Say what the person needs.")]
    elif len(need) > NEED_MAX:
        errors["need"] = [_too_long(NEED_MAX, need)]
    if product_type and product_type not in ProductType.values:
        errors["product_type"] = [_("Choose a product type.")]
    if (customer is None) == (prospect is None):
        errors["customer_id"] = [_("Name the customer referred, or the prospect's name and mobile — one of them.")]
    if referrer_customer is not None and customer is not None and referrer_customer.pk == customer.pk:
        errors["referrer_customer_id"] = [_("A customer cannot refer themselves.")]
    kind = kind or (ReferralKind.CUSTOMER if referrer_customer is not None else ReferralKind.HANDOFF)
    if kind not in ReferralKind.values:
        errors["kind"] = [_("Choose the kind of referral.")]
    if kind == ReferralKind.HANDOFF and prospect is not None:
        errors["referrer_customer_id"] = [_("Name the customer who referred this prospect.")]
    branch_id = customer.branch_id if customer is not None else actor.branch_id
    receiver = _receiver(to, branch_id=branch_id, errors=errors)
    fields: dict[str, Any] = {}
    if prospect is not None:
        fields = _prospect_fields(prospect, errors)
        if fields["mobile"] and "prospect.mobile" not in errors:
            on_file = Customer.objects.filter(Q(mobile=fields["mobile"]) | Q(mobile2=fields["mobile"])).first()
            if on_file is not None:
                from banyan.customers.selectors import visible_customers

                if visible_customers(actor).filter(pk=on_file.pk).exists():
                    errors["prospect.mobile"] = [_("%(name)s has this mobile already: refer them as a customer.") % {
                        "name": on_file.name}]
                else:
                    errors["prospect.mobile"] = [_("This mobile belongs to a customer of the bank already: "
                                                   "their manager takes the referral.")]
    if receiver is not None and kind == ReferralKind.HANDOFF and customer is not None:
        if receiver.pk == actor.pk:
            errors["to"] = [_("Hand it to a colleague, not to yourself.")]
        elif receiver.pk == customer.rm_id:
            errors["to"] = [_("%(name)s keeps this customer already.") % {"name": receiver.display_name}]
        elif not receiver.is_senior and _is_priority(customer):
            errors["to"] = [_("%(c)s is a priority customer: hand the need to senior staff (a private banker "
                              "or a senior planner).") % {"c": customer.name}]
    if errors:
        raise ValidationError(errors)
    assert receiver is not None
    if customer is not None and Referral.objects.filter(customer=customer, receiver=receiver, need=need,
                                                        status__in=OPEN_REFERRAL_STATUSES).exists():
        raise Conflict(_("This need of %(c)s is with %(r)s already.") % {"c": customer.name,
                                                                         "r": receiver.display_name})
    now = clock.now()
    if prospect is not None:
        try:
            customer = customer_create(actor=actor, external_id=_prospect_number(), name=fields["name"], rm=receiver,
                                       mobile=fields["mobile"], referrer=referrer_customer,
                                       source=Source.WALK_IN if kind == ReferralKind.WALK_IN else Source.REFERRAL,
                                       consent_phone=True, consent_sms=False, consent_email=False,
                                       consent_wechat=False)
        except ValidationError as e:
            raise ValidationError({f"prospect.{k}": v for k, v in e.message_dict.items()}) from None
    assert customer is not None
    to_self = receiver.pk == actor.pk
    referral = Referral.objects.create(
        kind=kind, customer=customer, prospect=prospect is not None, referrer_customer=referrer_customer,
        sender=actor, receiver=receiver, branch_id=receiver.branch_id or customer.branch_id, need=need,
        product_type=product_type or "",
        consent_channel=fields.get("consent_channel", ""), consent_on=fields.get("consent_on"),
        status=S.ACCEPTED if to_self else S.PENDING, answered_at=now if to_self else None,
        answer_by=answer_deadline(now), created_at=now)
    audit_log(actor=actor, action="referral.sent", customer_id=customer.pk, obj=referral,
              after={"kind": kind, "to": receiver.username, "need": need, "prospect": referral.prospect,
                     "referrer": referrer_customer.pk if referrer_customer else None, "status": referral.status})
    return referral


def _must_be_receiver(actor, referral: Referral) -> None:
    """Visible to the caller (the sender, the branch head) but not theirs to answer: 403."""
    if referral.receiver_id != actor.pk:
        raise PermissionDenied(_("Only %(name)s, who received it, answers this referral.") % {
            "name": referral.receiver.display_name})


def _late(referral: Referral, now: dt.datetime) -> bool:
    return referral.status == S.PENDING and referral.answer_by < now


def _refuse_late(referral: Referral, now: dt.datetime) -> None:
    """Past its deadline and still pending: time it out (its own transaction: it stays timed out
    though the answer is refused) and refuse the answer."""
    if _late(referral, now):
        referrals_time_out(now=now)
        referral.refresh_from_db()
        raise Conflict(_("The time to answer has passed: the referral went back to %(name)s.") % {
            "name": referral.sender.display_name})


def referral_accept(*, actor, referral: Referral) -> Referral:
    """The receiver takes it on, once, before the deadline. From then on the receiver may open the
    customer's brief (banyan.service.referral_selectors.handoff_customer_for_user) while it is open."""
    _must_be_receiver(actor, referral)
    now = clock.now()
    _refuse_late(referral, now)
    return _accept(actor=actor, referral=referral, now=now)


@transaction.atomic
def _accept(*, actor, referral: Referral, now: dt.datetime) -> Referral:
    if referral.status != S.PENDING:
        raise Conflict(_("This referral was answered already (%(s)s).") % {"s": S(referral.status).label})
    transition(Referral.objects.filter(pk=referral.pk, status=S.PENDING, answer_by__gte=now),
               _("This referral was answered already."), status=S.ACCEPTED, answered_at=now)
    referral.status, referral.answered_at = S.ACCEPTED, now
    audit_log(actor=actor, action="referral.accepted", customer_id=referral.customer_id, obj=referral,
              before={"status": S.PENDING}, after={"status": S.ACCEPTED})
    return referral


def _give_back(referrals) -> None:
    """A declined or timed-out prospect's record goes back to the sender's book (or unassigned in
    the branch when the sender keeps no book, e.g. the lobby)."""
    for r in referrals:
        if not r.prospect:
            continue
        sender_keeps_book = r.sender.role in BOOK_ROLES and r.sender.is_active
        Customer.objects.filter(pk=r.customer_id, rm_id=r.receiver_id).update(
            rm_id=r.sender_id if sender_keeps_book else None, updated_at=clock.now())


def referral_decline(*, actor, referral: Referral, reason: str) -> Referral:
    """The receiver declines, with a reason the sender reads; a prospect goes back to the sender."""
    _must_be_receiver(actor, referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you decline: the sender reads it.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_too_long(REASON_MAX, reason)]})
    now = clock.now()
    _refuse_late(referral, now)
    return _decline(actor=actor, referral=referral, reason=reason, now=now)


@transaction.atomic
def _decline(*, actor, referral: Referral, reason: str, now: dt.datetime) -> Referral:
    if referral.status != S.PENDING:
        raise Conflict(_("This referral was answered already (%(s)s).") % {"s": S(referral.status).label})
    transition(Referral.objects.filter(pk=referral.pk, status=S.PENDING, answer_by__gte=now),
               _("This referral was answered already."), status=S.DECLINED, answered_at=now, decline_reason=reason,
               closed_at=now)
    referral.status, referral.answered_at, referral.decline_reason, referral.closed_at = S.DECLINED, now, reason, now
    _give_back([referral])
    audit_log(actor=actor, action="referral.declined", customer_id=referral.customer_id, obj=referral,
              before={"status": S.PENDING}, after={"status": S.DECLINED, "reason": reason})
    return referral


@transaction.atomic
def referral_outcome(*, actor, referral: Referral, outcome: str, note: str = "") -> Referral:
    """The receiver closes an accepted referral won or lost; it comes back to the sender (the
    "sent" list). Won converts it (credit to both) unless it converted already."""
    _must_be_receiver(actor, referral)
    if outcome not in (S.WON, S.LOST):
        raise ValidationError({"outcome": [_("Choose won or lost.")]})
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise ValidationError({"note": [_too_long(REASON_MAX, note)]})
    if outcome == S.LOST and not note:
        raise ValidationError({"note": [_("Say why it was lost: the sender reads it.")]})
    if referral.status != S.ACCEPTED:
        raise Conflict(_("Only an accepted referral gets an outcome; this one is %(s)s.") % {
            "s": S(referral.status).label})
    now = clock.now()
    changes: dict[str, Any] = {"status": outcome, "outcome_note": note, "closed_at": now}
    if outcome == S.WON and referral.converted_at is None:
        changes.update(converted_at=now, conversion=Conversion.SALE)
    transition(Referral.objects.filter(pk=referral.pk, status=S.ACCEPTED),
               _("Someone recorded the outcome first."), **changes)
    for k, v in changes.items():
        setattr(referral, k, v)
    audit_log(actor=actor, action="referral.closed", customer_id=referral.customer_id, obj=referral,
              before={"status": S.ACCEPTED}, after={"status": outcome, "note": note,
                                                    "converted": referral.converted_at is not None})
    return referral


@transaction.atomic
def referral_account_opened(*, actor, referral: Referral, opened_on: dt.date | None = None) -> Referral:
    """The receiver records that the referred prospect opened an account: the prospect's record
    is a customer from then on (account opened that day: the new-customer care follows) and the
    referral converts."""
    _must_be_receiver(actor, referral)
    if not referral.prospect or referral.customer.account_opened_on is not None:
        raise Conflict(_("%(c)s has an account already.") % {"c": referral.customer.name})
    if referral.status not in (S.ACCEPTED, S.WON):
        raise Conflict(_("Accept the referral first."))
    opened_on = opened_on or clock.today()
    if opened_on > clock.today():
        raise ValidationError({"opened_on": [_("The account cannot be opened in the future.")]})
    now = clock.now()
    changes: dict[str, Any] = {}
    if referral.converted_at is None:
        changes = {"converted_at": now, "conversion": Conversion.ACCOUNT}
        transition(Referral.objects.filter(pk=referral.pk, converted_at__isnull=True),
                   _("Someone recorded it first."), **changes)
    customer_update(actor=actor, customer=referral.customer, account_opened_on=opened_on)
    for k, v in changes.items():
        setattr(referral, k, v)
    audit_log(actor=actor, action="referral.converted", customer_id=referral.customer_id, obj=referral,
              after={"conversion": Conversion.ACCOUNT, "opened_on": opened_on})
    return referral


# ------------------------------------------------------------------ the sweeps (set-based)


@transaction.atomic
def referrals_time_out(*, now: dt.datetime | None = None) -> int:
    """Referrals nobody answered in time go back to the sender (status timed_out; a prospect
    back into the sender's book). One UPDATE for all; idempotent."""
    now = now or clock.now()
    late = list(Referral.objects.filter(status=S.PENDING, answer_by__lt=now).select_related("sender")
                .select_for_update(of=("self",)))
    if not late:
        return 0
    ids = [r.pk for r in late]
    done = Referral.objects.filter(pk__in=ids, status=S.PENDING).update(status=S.TIMED_OUT, closed_at=now)
    _give_back(late)
    audit_log(actor=None, action="referral.timed_out", data={"count": done, "referrals": ids},
              customer_ids=[r.customer_id for r in late])
    return done


def _merge_prospects(now: dt.datetime) -> int:
    """A prospect whose mobile core banking's customer feed brought as a new customer (an account
    opened, another record): the referral follows the real customer, the prospect's contacts,
    memos and opportunities move to it, and the prospect's record goes. A few rows a day."""
    real = Customer.objects.filter(Q(mobile=OuterRef("customer__mobile")) | Q(mobile2=OuterRef("customer__mobile")),
                                   account_opened_on__isnull=False).exclude(pk=OuterRef("customer_id"))
    found = (Referral.objects.filter(prospect=True, customer__account_opened_on__isnull=True,
                                     status__in=CONVERTIBLE)
             .exclude(customer__mobile="").filter(Exists(real)).select_related("customer"))
    merged = 0
    for r in found:
        prospect = r.customer
        target = (Customer.objects.filter(Q(mobile=prospect.mobile) | Q(mobile2=prospect.mobile),
                                          account_opened_on__isnull=False).exclude(pk=prospect.pk)
                  .order_by("-account_opened_on", "-pk").first())
        if target is None:
            continue
        for model in (Interaction, Memo, Opportunity):
            model.objects.filter(customer=prospect).update(customer=target)
        Referral.objects.filter(customer=prospect).update(customer=target)
        Referral.objects.filter(referrer_customer=prospect).update(referrer_customer=target)
        Referral.objects.filter(pk=r.pk, converted_at__isnull=True).update(converted_at=now,
                                                                           conversion=Conversion.ACCOUNT)
        if target.referrer_id is None and prospect.referrer_id and prospect.referrer_id != target.pk:
            Customer.objects.filter(pk=target.pk).update(referrer_id=prospect.referrer_id, source=Source.REFERRAL)
        audit_log(actor=None, action="referral.merged", customer_id=target.pk, obj=r,
                  data={"prospect": prospect.external_id, "customer": target.external_id})
        prospect.delete()
        merged += 1
    return merged


@transaction.atomic
def referrals_convert(*, now: dt.datetime | None = None) -> int:
    """Referrals whose referred became a customer or bought since: converted (credit to both, the
    referrer's thanks). Two UPDATEs over all open ones — an account opened on a prospect's record,
    then a sale (an opportunity won, or a product bought since the referral) — and the merge of
    prospects the feed brought under another number. Idempotent."""
    now = now or clock.now()
    merged = _merge_prospects(now)
    open_ones = Referral.objects.filter(converted_at__isnull=True, status__in=CONVERTIBLE)
    accounts = open_ones.filter(prospect=True, customer__account_opened_on__isnull=False).update(
        converted_at=now, conversion=Conversion.ACCOUNT)
    won = Opportunity.objects.filter(customer_id=OuterRef("customer_id"), stage=OpportunityStage.WON,
                                     won_at__gte=OuterRef("created_at"))
    bought = Holding.objects.filter(customer_id=OuterRef("customer_id"),
                                    purchase_date__gte=OuterRef("created_day"))
    sales = (open_ones.annotate(created_day=TruncDate("created_at")).filter(Exists(won) | Exists(bought))
             .update(converted_at=now, conversion=Conversion.SALE))
    return merged + accounts + sales


def referrals_refresh(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The nightly sweep (and the referral pages, before they show): time-outs and conversions."""
    now = now or clock.now()
    return {"timed_out": referrals_time_out(now=now), "converted": referrals_convert(now=now)}


def receiving_colleagues(actor) -> list[Staff]:
    """The colleagues of the actor's branch who may receive: managers and planners, seniors first."""
    if not actor.branch_id:
        return []
    return list(Staff.objects.filter(branch_id=actor.branch_id, role__in=RECEIVING_ROLES, is_active=True)
                .order_by("-is_senior", "role", "full_name", "username"))

