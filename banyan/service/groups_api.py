"""API v1: customer groups (客户群, SVC-3), API.md "Service quality". A group out of the caller's
reach answers 404 on every path, as one that does not exist; the auditor reads (every write of
the API answers 403 for that role at the door)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    Id,
    In,
    Int,
    IsoDate,
    IsoDateTime,
    Moment,
    Page,
    PathId,
    actor,
    forbidden,
    invalid,
    omittable,
)
from banyan.service.group_selectors import get_group_for_user, groups_listed, shares_of
from banyan.service.group_services import (
    consent_warnings,
    group_create,
    group_member_add,
    group_member_withdraw,
    group_members_read,
    group_share_record,
)
from banyan.service.models.groups import ConsentChannel, CustomerGroup, GroupKind, GroupMembership, GroupShare

router = Router(tags=["groups"])

GroupKindCode = Literal[tuple(GroupKind.values)]
ConsentChannelCode = Literal[tuple(ConsentChannel.values)]


class GroupIn(In):
    name: str = Field(min_length=1, max_length=60, description="e.g. 城东支行理财沙龙.")
    kind: GroupKindCode = Field("wechat", description="wechat (a WeChat group), salon (a salon club), other.")
    purpose: str | None = Field(None, max_length=200)


class ConsentIn(In):
    channel: ConsentChannelCode = Field(description="How the customer agreed: in_person, phone, wechat, paper.")
    date: IsoDate | None = Field(None, description="When; omitted: today. Not in the future; after a withdrawal "
                                                   "from the same group, on that day or later.")
    wording_version: Int | None = Field(None, ge=1, le=1_000_000,
                                        description="The version of the bank's wording shown (omitted, and no "
                                                    "text: the newest).")
    text: str | None = Field(None, min_length=1, max_length=1000,
                             description="The wording shown, when it was not the bank's (a paper form's): stored "
                                         "as given. Not with wording_version.")


class MemberIn(In):
    customer_id: Id = Field(description="A customer of the group's manager (of the branch, for a branch head's "
                                        "group) whom the caller may see.")
    consent: ConsentIn


class WithdrawIn(In):
    channel: ConsentChannelCode = Field(description="How the customer asked to leave.")
    date: IsoDate | None = Field(None, description="When; omitted: today.")
    note: str | None = Field(None, max_length=200)


class ShareIn(In):
    """Free `text`, or `piece_id`: a piece of the content library (approved, still valid), shared as
    its short text (kind "library")."""

    text: str = omittable(min_length=1, max_length=2000,
                          description="What was shared; no promised return. Omitted with piece_id.")
    piece_id: Id = omittable(description="A piece of the content library (OUT-7): approved and still valid; "
                                         "a draft, expired or retired piece is refused at this field.")
    shared_at: IsoDateTime | None = Field(None, description="When; omitted: now. Not in the future.")


class GroupOut(Schema):
    id: int
    name: str
    kind: GroupKindCode
    manager: str = Field(description="Username of who runs the group.")
    branch: str = Field(description="The branch's code.")
    purpose: str
    created_on: dt.date
    members: int = Field(description="Current members.")


class GroupPageOut(Page):
    items: list[GroupOut]


class GroupConsentOut(Schema):
    channel: ConsentChannelCode
    date: dt.date
    wording_version: int | None = Field(description="The bank's version shown; null for a wording of its own.")
    text: str = Field(description="The wording as shown to the customer.")
    recorded_by: str
    recorded_at: Moment


class WithdrawalOut(Schema):
    channel: ConsentChannelCode
    date: dt.date
    note: str
    recorded_by: str
    recorded_at: Moment


class MemberOut(Schema):
    customer_id: int
    name: str
    current: bool = Field(description="False once withdrawn: kept in the history, never reached by a later share.")
    consent: GroupConsentOut
    withdrawal: WithdrawalOut | None


class MemberAddedOut(MemberOut):
    warnings: list[str] = Field(description="What the recorder should tell the customer (e.g. no WeChat consent "
                                            "for one-to-one messages: this consent covers the group only).")


class ShareOut(Schema):
    id: int
    text: str
    kind: Literal["text", "library"]
    content_ref: int | None = Field(description="The content library's piece (OUT-7), when shared from it.")
    shared_at: Moment
    shared_by: str
    reached: int = Field(description="Members the share reached (current at the time).")


class GroupDetailOut(GroupOut):
    members_list: list[MemberOut] = Field(description="Current members, then those who withdrew.")
    shares: list[ShareOut] = Field(description="Newest first.")


def group_out(g: CustomerGroup, members: int) -> dict:
    return {"id": g.pk, "name": g.name, "kind": g.kind, "manager": g.manager.username, "branch": g.branch.code,
            "purpose": g.purpose, "created_on": g.created_on, "members": members}


def member_out(m: GroupMembership) -> dict:
    withdrawal = None
    if m.withdrawn_at is not None:
        withdrawal = {"channel": m.withdrawn_channel, "date": m.withdrawn_on, "note": m.withdrawn_note,
                      "recorded_by": m.withdrawn_by.username, "recorded_at": m.withdrawn_at}
    return {"customer_id": m.customer_id, "name": m.customer.name, "current": m.withdrawn_at is None,
            "consent": {"channel": m.consent_channel, "date": m.consent_on,
                        "wording_version": m.consent_wording.version if m.consent_wording_id else None,
                        "text": m.consent_text, "recorded_by": m.recorded_by.username, "recorded_at": m.joined_at},
            "withdrawal": withdrawal}


def share_out(s: GroupShare, reached: int) -> dict:
    return {"id": s.pk, "text": s.text, "kind": s.kind, "content_ref": s.content_ref_id, "shared_at": s.shared_at,
            "shared_by": s.shared_by.username, "reached": reached}


def _writable(request, id: int) -> CustomerGroup:
    group, can_change = get_group_for_user(actor(request), id)
    if not can_change:
        raise forbidden()
    return group


@router.get("/groups", response={200: GroupPageOut, **ERRORS})
def group_list(request):
    """The groups the caller may see: a manager's own (an assistant's manager's), a branch head's
    branch; the auditor and the administrator every group."""
    items = [group_out(g, g.member_count) for g in groups_listed(actor(request))]
    return {"items": items, "count": len(items)}


@router.post("/groups", response={201: GroupOut, **ERRORS})
def group_create_endpoint(request, payload: GroupIn):
    """A group run by the caller (an assistant: by his or her manager). 403 for roles that run no group."""
    group = group_create(actor=actor(request), name=payload.name, kind=payload.kind, purpose=payload.purpose or "")
    return Status(201, group_out(group, 0))


@router.get("/groups/{id}", response={200: GroupDetailOut, **ERRORS})
def group_get(request, id: PathId):
    """The group, its members with their consent record (and the withdrawn, with the withdrawal)
    and what was shared. A bulk read of the members: audited."""
    group, _can_change = get_group_for_user(actor(request), id)
    members = sorted(group.memberships.select_related("customer", "consent_wording", "recorded_by", "withdrawn_by"),
                     key=lambda m: (m.withdrawn_at is not None, m.customer.name, m.pk))
    shares = [share_out(s, s.reached) for s in shares_of(group)]
    group_members_read(actor=actor(request), group=group, customer_ids=[m.customer_id for m in members],
                       via="api_group_members")
    current = sum(1 for m in members if m.withdrawn_at is None)
    return {**group_out(group, current), "members_list": [member_out(m) for m in members], "shares": shares}


@router.post("/groups/{id}/members", response={201: MemberAddedOut, **ERRORS_409})
def group_member_add_endpoint(request, id: PathId, payload: MemberIn):
    """Add a member with the consent given: channel, date, and the wording shown (a version of the
    bank's, or the text itself). 404: a customer the caller may not see or not of the group's
    manager; 422: the customer is on do-not-disturb, or re-joins with a consent older than his or
    her withdrawal; 409: a member already (exactly once under parallel requests)."""
    group = _writable(request, id)
    c = payload.consent
    membership = group_member_add(actor=actor(request), group=group, customer_id=payload.customer_id,
                                  consent_channel=c.channel, consent_on=c.date, wording_version=c.wording_version,
                                  consent_text=c.text)
    return Status(201, {**member_out(membership), "warnings": consent_warnings(group, membership.customer)})


@router.post("/groups/{id}/members/{customer_id}/withdraw", response={200: MemberOut, **ERRORS_409})
def group_member_withdraw_endpoint(request, id: PathId, customer_id: PathId, payload: WithdrawIn):
    """The customer leaves the group: kept in the history with the day and how it was given, never
    reached by a later share. 404: not a member; 409: withdrawn already."""
    group = _writable(request, id)
    membership = group_member_withdraw(actor=actor(request), group=group, customer_id=customer_id,
                                       channel=payload.channel, on=payload.date, note=payload.note or "")
    return member_out(membership)


@router.post("/groups/{id}/shares", response={201: ShareOut, **ERRORS})
def group_share_endpoint(request, id: PathId, payload: ShareIn):
    """Record what was shared in the group and when (Banyan does not post to WeChat); it reached
    the members current at the time. Free `text` or a library piece (`piece_id`). 422 for wording
    that promises a return (保本, 稳赚…) and for a draft, expired or retired piece."""
    group = _writable(request, id)
    if payload.text is None and payload.piece_id is None:
        raise invalid("text", _("Write what was shared, or name a piece of the content library (piece_id)."))
    share = group_share_record(actor=actor(request), group=group, text=payload.text or "",
                               shared_at=payload.shared_at, piece_id=payload.piece_id)
    return Status(201, share_out(share, share.recipients.count()))

