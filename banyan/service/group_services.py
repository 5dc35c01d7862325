"""Customer groups (客户群, SVC-3): writes. A group is created by the manager who runs it; a
customer joins only with a consent recorded for that group (date, channel, the wording as shown);
a withdrawal ends the membership at once and is kept; a share is recorded with the members it
reached, and may not promise a return. Every change is audited and happens once: a member added
twice at the same moment is one membership (the second request: Conflict, the API's 409).

Pages, the API and the demo bank call these functions; the caller has checked that the group is
within the actor's reach (group_selectors.get_group_for_user) and that the actor may change it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_bulk_read, audit_log
from banyan.customers.models import Customer
from banyan.messaging.text import promising_words
from banyan.org.models import Role
from banyan.service.group_selectors import RUNNER_ROLES, addable_customers, current_wording
from banyan.service.models.groups import (
    ConsentChannel,
    CustomerGroup,
    GroupConsentWording,
    GroupKind,
    GroupMembership,
    GroupShare,
    ShareKind,
)
from banyan.transitions import Conflict, transition
from banyan.validation import TOO_LONG

NAME_MAX = CustomerGroup._meta.get_field("name").max_length
PURPOSE_MAX = CustomerGroup._meta.get_field("purpose").max_length
WORDING_MAX = 1000
SHARE_MAX = 2000
NOTE_MAX = GroupMembership._meta.get_field("withdrawn_note").max_length


def _too_long(limit: int, text: str) -> list[str]:
    return [str(TOO_LONG % {"limit_value": limit, "show_value": len(text)})]


def _day(value: Any, field: str) -> dt.date:
    """A date given (a date or YYYY-MM-DD), not in the future; today when none is given."""
    if value in (None, ""):
        return clock.today()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None
    if value > clock.today():
        raise ValidationError({field: [_("The date %(d)s is in the future.") % {"d": value.isoformat()}]})
    if value.year < clock.MIN_YEAR:
        raise ValidationError({field: [_("The year must be between 1900 and 2999.")]})
    return value


# --- groups ----------------------------------------------------------------------------------------


@transaction.atomic
def group_create(*, actor, name: str, kind: str = GroupKind.WECHAT, purpose: str = "",
                 manager=None) -> CustomerGroup:
    """A group run by the actor (an assistant: by the manager he or she works for). Only a
    manager of a book or a branch head runs a group."""
    if actor.role == Role.ASSISTANT and actor.manager_id:
        runner = actor.manager
    elif actor.role in RUNNER_ROLES:
        runner = actor
    else:
        raise PermissionDenied(_("Only a relationship manager or a branch head runs a customer group."))
    if manager is not None and manager.pk != runner.pk:
        raise PermissionDenied(_("A group is run by the manager who creates it."))
    errors: dict[str, list[str]] = {}
    name, purpose = (name or "").strip(), (purpose or "").strip()
    if not name:
        errors["name"] = [_("Give the group a name, e.g. 理财沙龙 · 城东.")]
    elif len(name) > NAME_MAX:
        errors["name"] = _too_long(NAME_MAX, name)
    if kind not in GroupKind.values:
        errors["kind"] = [_("Choose the kind of group.")]
    if len(purpose) > PURPOSE_MAX:
        errors["purpose"] = _too_long(PURPOSE_MAX, purpose)
    if runner.branch_id is None:
        errors["name"] = [_("The manager belongs to no branch.")]
    if errors:
        raise ValidationError(errors)
    group = CustomerGroup.objects.create(name=name, kind=kind, purpose=purpose, manager=runner,
                                         branch_id=runner.branch_id, created_on=clock.today(),
                                         created_at=clock.now(), created_by=actor)
    audit_log(actor=actor, action="group.created", obj=group,
              after={"name": name, "kind": kind, "manager": runner.pk, "branch": runner.branch_id})
    return group


# --- the consent wording -----------------------------------------------------------------------------


def wording_for(group: CustomerGroup, wording: GroupConsentWording | str) -> str:
    """The wording as the customer is shown it for this group: {group}, {manager}, {kind} and
    {bank} filled in (plain replacement: any other brace in a bank's text stays as written)."""
    text = wording.text if isinstance(wording, GroupConsentWording) else wording
    values = {"group": group.name, "manager": group.manager.display_name,
              "kind": str(GroupKind(group.kind).label), "bank": settings.BANYAN_BANK_NAME}
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@transaction.atomic
def consent_wording_save(*, actor, text: str) -> GroupConsentWording:
    """A new version of the bank's wording (administrators). Consents given before keep the text
    they were shown."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator changes the bank's consent wording."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write the wording read to the customer.")]})
    if len(text) > WORDING_MAX:
        raise ValidationError({"text": _too_long(WORDING_MAX, text)})
    last = current_wording()
    if last is not None and last.text == text:
        return last
    wording = GroupConsentWording.objects.create(version=(last.version + 1) if last else 1, text=text,
                                                 created_at=clock.now(), created_by=actor)
    audit_log(actor=actor, action="group.wording_changed", obj=wording,
              before={"version": last.version} if last else None, after={"version": wording.version, "text": text})
    return wording


# --- members -------------------------------------------------------------------------------------------


def consent_warnings(group: CustomerGroup, customer: Customer) -> list[str]:
    """What the person recording a consent should know, without stopping it.

    A WeChat group's consent is its own consent: the customer agrees to be in this group and
    read what is shared there. It does not turn on the customer's WeChat marketing consent (the
    file's consent_wechat stays as it is, and no 1:1 WeChat message follows from it), so a customer
    without that consent may join — and the recorder is told, to say so to the customer."""
    warnings = []
    if group.kind == GroupKind.WECHAT and not customer.consent_wechat:
        warnings.append(_("%(name)s has not agreed to WeChat messages from the bank: this consent covers "
                          "this group only, not messages to the customer one by one.") % {"name": customer.name})
    return warnings


@transaction.atomic
def group_member_add(*, actor, group: CustomerGroup, customer: Customer | None = None,
                     customer_id: int | None = None, consent_channel: str, consent_on: Any = None,
                     wording_version: int | None = None, consent_text: str | None = None) -> GroupMembership:
    """Add a customer with a consent recorded now: the channel it was given on, its date (today
    when none is given; never in the future) and the wording shown — a version of the bank's
    wording (the newest when none is named), or a text of its own (a paper form's), stored as
    shown. The customer must be of the group's pool (the runner's book, a branch head's branch)
    and visible to the actor (404 otherwise: the caller cannot tell a customer out of reach).

    Refused: a customer on do-not-disturb — the customer asked the bank not to approach him or
    her; a group's messages are an approach, and the standing instruction is changed on the
    customer's file (an audited change of its own, with the customer), not overridden here. A
    member already: Conflict. Joining again after a withdrawal needs a consent given on or after
    the day of the withdrawal: the old consent was withdrawn and does not count again."""
    if customer is None:
        customer = addable_customers(actor, group).filter(pk=customer_id).first()
    elif not addable_customers(actor, group).filter(pk=customer.pk).exists():
        customer = None
    if customer is None:
        raise Http404("No such customer")
    errors: dict[str, list[str]] = {}
    if consent_channel not in ConsentChannel.values:
        errors["consent.channel"] = [_("Say how the customer gave consent.")]
    try:
        day = _day(consent_on, "consent.date")
    except ValidationError as e:
        errors.update(e.message_dict)
        day = None
    wording: GroupConsentWording | None = None
    text = (consent_text or "").strip()
    if wording_version is not None and text:
        errors["consent.text"] = [_("Name a version of the bank's wording or give the wording shown, not both.")]
    elif text:
        if len(text) > WORDING_MAX:
            errors["consent.text"] = _too_long(WORDING_MAX, text)
    else:
        wording = (GroupConsentWording.objects.filter(version=wording_version).first()
                   if wording_version is not None else current_wording())
        if wording is None:
            errors["consent.wording_version"] = [_("There is no such version of the consent wording.")]
        else:
            text = wording_for(group, wording)
    if customer.do_not_disturb:
        errors["customer_id"] = [_("%(name)s asked not to be disturbed: lift do-not-disturb on the customer's "
                                   "file with the customer first.") % {"name": customer.name}]
    if errors:
        raise ValidationError(errors)
    last_out = (group.memberships.filter(customer=customer, withdrawn_on__isnull=False)
                .order_by("-withdrawn_on").values_list("withdrawn_on", flat=True).first())
    if last_out is not None and day < last_out:
        raise ValidationError({"consent.date": [
            _("%(name)s left this group on %(d)s: joining again needs a new consent, given on that day or "
              "later.") % {"name": customer.name, "d": last_out.isoformat()}]})
    already = _("%(name)s is a member of this group already.") % {"name": customer.name}
    if group.memberships.filter(customer=customer, withdrawn_at__isnull=True).exists():
        raise Conflict(already)
    try:
        with transaction.atomic():  # a savepoint: the loser of a race is refused, nothing written
            membership = GroupMembership.objects.create(
                group=group, customer=customer, consent_on=day, consent_channel=consent_channel,
                consent_wording=wording, consent_text=text, recorded_by=actor, joined_at=clock.now())
    except IntegrityError:
        raise Conflict(already) from None
    audit_log(actor=actor, action="group.member_added", customer_id=customer.pk, obj=membership,
              after={"group": group.pk, "consent_channel": consent_channel, "consent_on": day,
                     "wording_version": wording.version if wording else None})
    return membership


@transaction.atomic
def group_member_withdraw(*, actor, group: CustomerGroup, customer_id: int, channel: str,
                          on: Any = None, note: str = "") -> GroupMembership:
    """The customer leaves the group (at any time, by any channel): the membership ends — kept,
    with the day and how the withdrawal was given — and no later share reaches him or her.
    Not a member: 404; withdrawn already (another request first): Conflict."""
    membership = group.memberships.filter(customer_id=customer_id, withdrawn_at__isnull=True).first()
    if membership is None:
        if group.memberships.filter(customer_id=customer_id).exists():
            raise Conflict(_("This customer has left the group already."))
        raise Http404("Not a member")
    errors: dict[str, list[str]] = {}
    if channel not in ConsentChannel.values:
        errors["channel"] = [_("Say how the customer asked to leave.")]
    try:
        day = _day(on, "date")
    except ValidationError as e:
        errors.update(e.message_dict)
        day = None
    if day is not None and day < membership.consent_on:
        errors["date"] = [_("The customer joined on %(d)s: a withdrawal cannot be earlier.") % {
            "d": membership.consent_on.isoformat()}]
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _too_long(NOTE_MAX, note)
    if errors:
        raise ValidationError(errors)
    now = clock.now()
    changes = {"withdrawn_at": now, "withdrawn_on": day, "withdrawn_channel": channel, "withdrawn_note": note,
               "withdrawn_by": actor}
    transition(GroupMembership.objects.filter(pk=membership.pk, withdrawn_at__isnull=True),
               _("This customer has left the group already."), **changes)
    for name, value in changes.items():
        setattr(membership, name, value)
    audit_log(actor=actor, action="group.member_withdrawn", customer_id=membership.customer_id, obj=membership,
              after={"group": group.pk, "channel": channel, "withdrawn_on": day, **({"note": note} if note else {})})
    return membership


def group_members_read(*, actor, group: CustomerGroup, customer_ids: list[int], via: str) -> None:
    """The list of a group's members was shown (a page, the API): one audit event naming them."""
    audit_bulk_read(actor=actor, action="customer.listed", via=via, customer_ids=customer_ids, obj=group,
                    filter={"group": group.pk})


# --- shares ------------------------------------------------------------------------------------------


def share_recipients(group: CustomerGroup, at: dt.datetime):
    """The memberships a share at `at` reached: joined by that day and not withdrawn by it (a
    member who left that very day is not reached: never messaged there again)."""
    day = timezone.localtime(at).date()
    return group.memberships.filter(consent_on__lte=day).exclude(withdrawn_on__lte=day)


def _library_piece(actor, piece_id: Any):
    """The content library's piece a share names: approved (by a named person), still valid and
    within the actor's reach — a draft, an expired or a retired piece is refused at the field."""
    from banyan.outreach.content_models import ContentStatus
    from banyan.outreach.content_selectors import visible_pieces

    try:
        piece = visible_pieces(actor).select_for_update(of=("self",)).get(pk=int(piece_id))
    except (ValueError, TypeError, OverflowError, ObjectDoesNotExist):
        raise ValidationError({"piece_id": [_("No such piece in the content library.")]}) from None
    if piece.status == ContentStatus.DRAFT:
        raise ValidationError({"piece_id": [_("A draft is not shared: it waits for approval.")]})
    if piece.status != ContentStatus.APPROVED:
        raise ValidationError({"piece_id": [_("This piece was replaced by a newer version.")]})
    if piece.valid_until < clock.today():
        raise ValidationError({"piece_id": [_("This piece expired on %(d)s and is no longer shared.") % {
            "d": piece.valid_until.isoformat()}]})
    return piece


@transaction.atomic
def group_share_record(*, actor, group: CustomerGroup, text: str = "", shared_at: dt.datetime | None = None,
                       piece_id: int | None = None) -> GroupShare:
    """Record what was shared in the group (Banyan does not post to WeChat) and when: free text,
    or a piece of the content library (OUT-7; kind "library", its text the piece's short text,
    approved by a named person). Like a sales-maintenance message, free text may not promise a
    return (banyan.messaging.text.promising_words): a group's post reaches many customers at
    once. Not in the future."""
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    piece = None
    if piece_id is not None:
        if text:
            errors["text"] = [_("A piece of the library is shared as written: leave the text empty.")]
        try:
            piece = _library_piece(actor, piece_id)
        except ValidationError as e:
            errors.update(e.message_dict)
        else:
            text = (piece.short or piece.body).strip()[:SHARE_MAX]
    elif not text:
        errors["text"] = [_("Write what was shared.")]
    elif len(text) > SHARE_MAX:
        errors["text"] = _too_long(SHARE_MAX, text)
    else:
        promising = promising_words(text)
        if promising:
            errors["text"] = [_("A post in a customer group may not promise a return: remove %(words)s.") % {
                "words": "、".join(promising)}]
    now = clock.now()
    at = shared_at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=1):
        errors["shared_at"] = [_("A share is recorded after it was made: the time is in the future.")]
    if errors:
        raise ValidationError(errors)
    share = GroupShare.objects.create(group=group, kind=ShareKind.LIBRARY if piece else ShareKind.TEXT, text=text,
                                      content_ref=piece, shared_at=at, shared_by=actor, recorded_at=now)
    reached = list(share_recipients(group, at).values_list("pk", "customer_id"))
    share.recipients.set([pk for pk, _c in reached])
    audit_log(actor=actor, action="group.shared", obj=share, customer_ids=[c for _pk, c in reached],
              after={"group": group.pk, "text": text[:300], "shared_at": at, "reached": len(reached),
                     **({"piece": piece.pk} if piece else {})})
    return share
