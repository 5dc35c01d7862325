"""Cultivation content (培育维护, seed 000; OUT-7): writing, approving and sending the library's
pieces, and the periodic plans that send them.

Rules a customer would notice:
- a draft is never sent, nor an expired piece; an approved piece is locked (a correction is a new
  version, and whoever received one version never receives another);
- nothing in a piece may promise a return (the words of the sales-maintenance messages,
  banyan.messaging.text.promising_words), checked when it is written and again when approved;
- a piece reaches a customer at most once (ContentDelivery's unique key, whoever sends it, even
  when two runs or two clicks race), and only through the outbox, which checks consent and
  do-not-disturb again at the moment of sending (and holds SMS in the quiet hours)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer, Orientation
from banyan.customers.selectors import visible_customers
from banyan.messaging.models import MessageChannel
from banyan.messaging.services import blocking_rule, message_compose
from banyan.messaging.text import promising_words
from banyan.org.models import Role
from banyan.outreach.content_models import (
    ContentDelivery,
    ContentKind,
    ContentPiece,
    ContentPlan,
    ContentPlanRun,
    ContentStatus,
)
from banyan.outreach.services import customers_matching
from banyan.segments.models import Quadrant
from banyan.transitions import Conflict, transition

#: Who writes pieces and plans: the roles with a book, the branch head, the administrator.
WRITERS = (Role.RM, Role.PLANNER, Role.BRANCH_HEAD, Role.ADMIN)
#: Who approves: a branch head (the branch's pieces) or an administrator (any, the bank's own too).
APPROVERS = (Role.BRANCH_HEAD, Role.ADMIN)

#: The full text goes by SMS or WeChat as it is only when it is this short; else the short text.
SHORT_ENOUGH = 400

#: Why a plan's run left a customer out (API and plan page); the first three are the outbox's rules.
EXCLUSION_RULES = {
    "do_not_disturb": "客户设置了免打扰",
    "no_consent": "客户未同意该渠道",
    "no_address": "没有该渠道的联系方式",
    "no_manager": "客户没有客户经理",
    "no_fitting_piece": "没有适合该客户的内容（兴趣、类型不符）",
    "all_received": "适合的内容都已发过",
}


def _tags(text: str) -> list[str]:
    return [t.strip() for t in (text or "").replace(",", "、").replace("，", "、").split("、") if t.strip()]


def _promise_error(text: str) -> str:
    words = promising_words(text)
    if not words:
        return ""
    return _("Content sent to customers may not promise a return: remove %(words)s.") % {"words": "、".join(words)}


def _clean(*, kind: str, title: str, body: str, short: str, interests: str, orientations: Any, quadrants: Any,
           valid_until: Any) -> dict:
    """The piece's fields checked and tidied; every refusal at its field, promising words named."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    short = (short or "").replace("\r\n", "\n").strip()
    if kind not in ContentKind.values:
        errors["kind"] = [_("Choose a market note, a knowledge piece or a real case.")]
    if not title:
        errors["title"] = [_("Give the piece a title.")]
    elif len(title) > 60:
        errors["title"] = [_("At most %(n)d characters.") % {"n": 60}]
    if not body:
        errors["body"] = [_("Write the text.")]
    elif len(body) > 2000:
        errors["body"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if len(short) > 300:
        errors["short"] = [_("At most %(n)d characters.") % {"n": 300}]
    elif not short and len(body) > SHORT_ENOUGH:
        errors["short"] = [_("A text this long needs a short version (at most 300 characters) for SMS and WeChat.")]
    for field, text in (("title", title), ("body", body), ("short", short)):
        refusal = _promise_error(text)
        if refusal and field not in errors:
            errors[field] = [refusal]
    orientations = [o for o in (orientations or []) if o]
    if any(o not in Orientation.values for o in orientations):
        errors["orientations"] = [_("Unknown orientation.")]
    quadrants = [q for q in (quadrants or []) if q]
    if any(q not in Quadrant.values for q in quadrants):
        errors["quadrants"] = [_("Unknown quadrant.")]
    try:
        until = valid_until if isinstance(valid_until, dt.date) else dt.date.fromisoformat(str(valid_until))
    except ValueError:
        errors["valid_until"] = [_("Enter a date as YYYY-MM-DD.")]
        until = None
    if until is not None and until < clock.today():
        errors["valid_until"] = [_("This date has passed: the piece would never be sent.")]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "title": title, "body": body, "short": short, "interests": "、".join(_tags(interests))[:200],
            "orientations": sorted(set(orientations)), "quadrants": sorted(set(quadrants)), "valid_until": until}


def _may_write(actor) -> None:
    if actor.role not in WRITERS:
        raise PermissionDenied("This role does not write content")


@transaction.atomic
def content_piece_create(*, actor, kind: str, title: str, body: str, short: str = "", interests: str = "",
                         orientations: Any = (), quadrants: Any = (), valid_until: Any) -> ContentPiece:
    """A draft of the library: the branch's (the bank's own for an administrator)."""
    _may_write(actor)
    fields = _clean(kind=kind, title=title, body=body, short=short, interests=interests,
                    orientations=orientations, quadrants=quadrants, valid_until=valid_until)
    branch = None if actor.role == Role.ADMIN else actor.branch
    piece = ContentPiece.objects.create(created_by=actor, branch=branch, created_at=clock.now(), **fields)
    audit_log(actor=actor, action="content.created", obj=piece,
              after={"kind": piece.kind, "title": piece.title, "version": piece.version})
    return piece


def _may_change(actor, piece: ContentPiece) -> None:
    if actor.role == Role.ADMIN or piece.created_by_id == actor.pk:
        return
    if actor.role == Role.BRANCH_HEAD and piece.branch_id and piece.branch_id == actor.branch_id:
        return
    raise PermissionDenied("Not this caller's piece")


@transaction.atomic
def content_piece_update(*, actor, piece: ContentPiece, **values: Any) -> ContentPiece:
    """Edit a draft. An approved piece is locked: correct it with a new version."""
    _may_change(actor, piece)
    if piece.status != ContentStatus.DRAFT:
        raise ValidationError(_("An approved piece is locked: make a new version to change it."))
    current = {k: getattr(piece, k) for k in ("kind", "title", "body", "short", "interests", "orientations",
                                              "quadrants", "valid_until")}
    fields = _clean(**{**current, **values})
    transition(ContentPiece.objects.filter(pk=piece.pk, status=ContentStatus.DRAFT),
               _("This piece was approved meanwhile: it is locked."), **fields)
    changed = [k for k in fields if current[k] != fields[k]]
    for k, v in fields.items():
        setattr(piece, k, v)
    audit_log(actor=actor, action="content.updated", obj=piece, before={k: str(current[k]) for k in changed},
              after={k: str(fields[k]) for k in changed})
    return piece


def may_approve(actor, piece: ContentPiece) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.BRANCH_HEAD and piece.branch_id is not None and piece.branch_id == actor.branch_id


@transaction.atomic
def content_piece_approve(*, actor, piece: ContentPiece) -> ContentPiece:
    """Approve a draft in the approver's name (a branch head: the branch's pieces; an
    administrator: any). The words are checked again; once approved the piece is locked, and the
    version it replaces is retired. Exactly once: a second approval is refused with Conflict."""
    if not may_approve(actor, piece):
        raise PermissionDenied("Only the branch head or an administrator approves")
    fields = {k: getattr(piece, k) for k in ("kind", "title", "body", "short", "interests", "orientations",
                                             "quadrants", "valid_until")}
    if piece.status == ContentStatus.DRAFT:
        _clean(**fields)  # the wording rules may have grown since the draft was written
    now = clock.now()
    transition(ContentPiece.objects.filter(pk=piece.pk, status=ContentStatus.DRAFT),
               _("This piece is approved already."), status=ContentStatus.APPROVED, approved_by=actor,
               approved_at=now)
    piece.status, piece.approved_by, piece.approved_at = ContentStatus.APPROVED, actor, now
    if piece.previous_id:
        ContentPiece.objects.filter(pk=piece.previous_id, status=ContentStatus.APPROVED).update(
            status=ContentStatus.RETIRED)
        ContentPlan.pieces.through.objects.filter(contentpiece_id=piece.previous_id).update(contentpiece_id=piece.pk)
    audit_log(actor=actor, action="content.approved", obj=piece, before={"status": ContentStatus.DRAFT},
              after={"status": ContentStatus.APPROVED, "version": piece.version})
    return piece


@transaction.atomic
def content_piece_new_version(*, actor, piece: ContentPiece) -> ContentPiece:
    """A draft copy of an approved piece to correct it (version + 1, the same lineage)."""
    _may_write(actor)
    if piece.status != ContentStatus.APPROVED:
        raise ValidationError(_("Only an approved piece gets a new version; edit the draft itself."))
    if ContentPiece.objects.filter(previous=piece).exists():
        raise Conflict(_("A new version of this piece exists already."))
    copy = ContentPiece.objects.create(
        kind=piece.kind, title=piece.title, body=piece.body, short=piece.short, interests=piece.interests,
        orientations=piece.orientations, quadrants=piece.quadrants,
        valid_until=max(piece.valid_until, clock.today()), branch=piece.branch, created_by=actor,
        created_at=clock.now(), version=piece.version + 1, lineage=piece.lineage, previous=piece)
    audit_log(actor=actor, action="content.versioned", obj=copy, after={"previous": piece.pk, "version": copy.version})
    return copy


# ------------------------------------------------------------------ fitting and sending

def fits(piece: ContentPiece, customer: Customer, quadrant: str = "", orientation: str = "") -> bool:
    """Does the piece's tagging fit the customer? Each kind of tag given must match: one interest
    found in the customer's interests, the orientation, the value quadrant."""
    tags = piece.tag_list()
    if tags and not any(t in (customer.interests or "") for t in tags):
        return False
    if piece.orientations and (orientation or customer.orientation) not in piece.orientations:
        return False
    return not (piece.quadrants and quadrant not in piece.quadrants)


def content_text(piece: ContentPiece, channel: str) -> tuple[str, str]:
    """(subject, text) of a piece for a channel: email the full text; SMS and WeChat the short one
    (or the full one when short enough). {title} and {manager} are the outbox's placeholders."""
    if channel == MessageChannel.EMAIL:
        return piece.title, f"{{title}}您好：\n\n{piece.body}\n\n—— {{manager}}"
    text = piece.short or piece.body
    return "", f"{{title}}您好，{{manager}}与您分享【{piece.title}】{text}"


def _check_sendable(piece: ContentPiece) -> None:
    if piece.status == ContentStatus.DRAFT:
        raise ValidationError({"piece": [_("A draft is not sent: it waits for approval.")]})
    if piece.status != ContentStatus.APPROVED:
        raise ValidationError({"piece": [_("This piece was replaced by a newer version.")]})
    if piece.valid_until < clock.today():
        raise ValidationError({"piece": [_("This piece expired on %(d)s and is no longer sent.") % {
            "d": piece.valid_until.isoformat()}]})


def _deliver(*, actor, piece: ContentPiece, customer: Customer, channel: str,
             run: ContentPlanRun | None = None, sent_by=None) -> ContentDelivery:
    """The delivery row first (the unique key decides who wins a race), then the message."""
    delivery = ContentDelivery(piece=piece, lineage=piece.lineage, customer=customer, run=run,
                               sent_by=sent_by or actor, channel=channel, at=clock.now())
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        raise Conflict(_("The customer has received this piece already.")) from None
    subject, text = content_text(piece, channel)
    message = message_compose(actor=actor, customer=customer, channel=channel, body=text, subject=subject)
    delivery.message = message
    delivery.save(update_fields=["message"])
    return delivery


@transaction.atomic
def content_send(*, actor, piece: ContentPiece, customer: Customer, channel: str) -> ContentDelivery:
    """A manager sends one piece to one customer of his or her reach (from the file). Refused
    when the piece is a draft, retired or expired, when the customer may not be reached on the
    channel now (do-not-disturb, consent, address: the outbox's rules), and when the customer has
    received the piece (any version) — Conflict, also when two clicks race. The message is queued;
    the caller sends it (message_send), which checks consent once more."""
    if actor.role in (Role.AUDITOR, Role.LOBBY):
        raise PermissionDenied("This role sends no content")
    if not visible_customers(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied("Not this caller's customer")
    if channel not in MessageChannel.values:
        raise ValidationError({"channel": [_("Messages go by SMS, email or WeChat.")]})
    _check_sendable(piece)
    if ContentDelivery.objects.filter(lineage=piece.lineage, customer=customer).exists():
        raise Conflict(_("The customer has received this piece already."))
    rule = blocking_rule(customer, channel)
    if rule:
        from banyan.messaging.services import block_reason

        raise ValidationError({"channel": [block_reason(rule, channel)]})
    delivery = _deliver(actor=actor, piece=piece, customer=customer, channel=channel)
    audit_log(actor=actor, action="content.sent", customer_id=customer.pk, obj=piece,
              after={"piece": piece.pk, "channel": channel, "message": delivery.message_id})
    return delivery


# ------------------------------------------------------------------ plans

def _clean_plan(*, actor, name: str, filter: Any, every_days: Any, channels: Any, pieces: Any) -> dict:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the plan a name.")]
    if not isinstance(filter, dict) or not filter:
        errors["filter"] = [_("Choose at least one condition (orientation, interest, segment, AUM…).")]
    else:
        try:
            customers_matching(actor, filter).exists()
        except (ValidationError, ValueError, TypeError) as e:
            errors["filter"] = list(getattr(e, "messages", [str(e)]))
    try:
        every = int(every_days)
    except (TypeError, ValueError):
        every = 0
    if not 1 <= every <= 365:
        errors["every_days"] = [_("Every 1 to 365 days.")]
    channels = [c for c in (channels or []) if c]
    if not channels or any(c not in MessageChannel.values for c in channels):
        errors["channels"] = [_("Choose SMS, WeChat and/or email.")]
    pieces = list(pieces or [])
    if not pieces:
        errors["pieces"] = [_("Put at least one approved piece in rotation.")]
    elif any(p.status != ContentStatus.APPROVED for p in pieces):
        errors["pieces"] = [_("Only approved pieces go in rotation.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name[:100], "filter": filter, "every_days": every, "channels": list(dict.fromkeys(channels)),
            "pieces": pieces}


@transaction.atomic
def content_plan_create(*, actor, name: str, filter: dict, every_days: int, channels: list[str], pieces: list,
                        first_run_on: dt.date | None = None) -> ContentPlan:
    """A periodic plan over the maker's reach (a manager: the book; a branch head: the branch)."""
    _may_write(actor)
    fields = _clean_plan(actor=actor, name=name, filter=filter, every_days=every_days, channels=channels,
                         pieces=pieces)
    pieces = fields.pop("pieces")
    plan = ContentPlan.objects.create(created_by=actor, branch=actor.branch,
                                      next_run_on=first_run_on or clock.today(), created_at=clock.now(), **fields)
    plan.pieces.set(pieces)
    audit_log(actor=actor, action="content.plan_created", obj=plan,
              after={"name": plan.name, "filter": plan.filter, "every_days": plan.every_days,
                     "channels": plan.channels, "pieces": [p.pk for p in pieces]})
    return plan


def content_plan_run(*, plan: ContentPlan, day: dt.date | None = None, actor=None) -> ContentPlanRun | None:
    """Run a plan for `day` (default today): each customer of the audience gets the first piece
    in rotation that fits and is new to him or her, on the first of the plan's channels the
    customer may be reached on, queued in the outbox in the customer's manager's name. Returns the
    run, or None when the plan ran that day already (two schedulers, a click and the beat: one
    run). Who was left out is counted by rule."""
    day = day or clock.today()
    try:
        with transaction.atomic():
            run = ContentPlanRun.objects.create(plan=plan, day=day, ran_at=clock.now(), ran_by=actor)
    except IntegrityError:
        return None
    pieces = [p for p in plan.pieces.order_by("approved_at", "pk") if p.sendable_on(day)]
    audience = customers_matching(plan.created_by, plan.filter).select_related("segment", "rm", "branch")
    lineages = [p.lineage for p in pieces]
    received: set[tuple] = set(ContentDelivery.objects.filter(customer__in=audience.values("pk"),
                                                              lineage__in=lineages)
                               .values_list("customer_id", "lineage"))
    excluded: Counter = Counter()
    queued = total = 0
    for customer in audience.iterator(chunk_size=1000):
        total += 1
        if not pieces:
            excluded["no_fitting_piece"] += 1
            continue
        rules = [blocking_rule(customer, c) for c in plan.channels]
        if all(rules):
            excluded[rules[0]] += 1
            continue
        channel = plan.channels[rules.index("")]
        if customer.rm_id is None:
            excluded["no_manager"] += 1
            continue
        segment = getattr(customer, "segment", None)
        fitting = [p for p in pieces if fits(p, customer, quadrant=segment.quadrant if segment else "",
                                              orientation=segment.orientation if segment else "")]
        new = [p for p in fitting if (customer.pk, p.lineage) not in received]
        if not fitting:
            excluded["no_fitting_piece"] += 1
            continue
        if not new:
            excluded["all_received"] += 1
            continue
        try:
            with transaction.atomic():
                _deliver(actor=customer.rm, piece=new[0], customer=customer, channel=channel, run=run,
                         sent_by=plan.created_by)
        except Conflict:  # another run or a manager sent it meanwhile
            excluded["all_received"] += 1
            continue
        queued += 1
    run.audience, run.queued, run.excluded = total, queued, dict(excluded)
    run.save(update_fields=["audience", "queued", "excluded"])
    ContentPlan.objects.filter(pk=plan.pk).update(next_run_on=day + dt.timedelta(days=plan.every_days))
    audit_log(actor=actor, action="content.plan_run", obj=plan,
              after={"day": day.isoformat(), "audience": total, "queued": queued, "excluded": dict(excluded)})
    return run


def content_plans_run_due(*, day: dt.date | None = None) -> dict:
    """Every active plan whose next run is due (the beat's job, `banyan content run`; without a
    broker, opening the library runs it). Idempotent: a plan runs at most once a day. Returns the
    plans run, the messages queued and who was left out by which rule ({rule: count})."""
    day = day or clock.today()
    plans = ContentPlan.objects.filter(is_active=True, next_run_on__lte=day).select_related("created_by")
    ran = queued = 0
    excluded: Counter = Counter()
    for plan in plans:
        run = content_plan_run(plan=plan, day=day)
        if run is not None:
            ran += 1
            queued += run.queued
            excluded.update(run.excluded)
    return {"plans": ran, "queued": queued, "excluded": dict(sorted(excluded.items()))}


def delivered_message_ids(piece: ContentPiece) -> list[int]:
    return list(ContentDelivery.objects.filter(piece=piece).exclude(message=None).values_list("message_id", flat=True))

