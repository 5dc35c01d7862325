"""API v1: the cultivation content library (培育维护, OUT-7), API.md "Cultivation content".

A piece out of the caller's reach (another branch's) and a customer out of reach answer 404, as
ones that do not exist. A draft, an expired piece, a channel the customer has not consented to
(or do-not-disturb) answer 422 at the field; a piece the customer has received already, 409."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers.api import customer_or_404
from banyan.customers.models import Orientation
from banyan.messaging.models import MessageChannel, MessageStatus
from banyan.messaging.services import message_send
from banyan.org.api import ERRORS, ERRORS_409, In, IsoDate, Moment, Page, PathId, actor, clean_text, forbidden
from banyan.org.models import Role
from banyan.outreach.content import APPROVERS, WRITERS, content_piece_approve, content_piece_create, content_send
from banyan.outreach.content_models import ContentKind, ContentPiece, ContentStatus
from banyan.outreach.content_selectors import PieceFilters, get_piece_for_user, pieces_listed
from banyan.segments.models import Quadrant

router = Router(tags=["content"])

KindCode = Literal[tuple(ContentKind.values)]
StatusCode = Literal[tuple(ContentStatus.values)]
ChannelCode = Literal[tuple(MessageChannel.values)]
OrientationCode = Literal[tuple(Orientation.values)]
QuadrantCode = Literal[tuple(Quadrant.values)]


class PieceIn(In):
    kind: KindCode = Field(description="market_note (市场观点), knowledge (理财知识), case (真实案例).")
    title: str = Field(min_length=1, max_length=60)
    body: str = Field(min_length=1, max_length=2000, description="The full text (email, the piece's page). No "
                                                                 "promised return: 保本, 稳赚… are refused (422).")
    short: str | None = Field(None, max_length=300, description="The SMS / WeChat text; needed when the body is "
                                                                "longer than 400 characters.")
    interests: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(default_factory=list, max_length=20,
                                 description="Interest tags, matched in the customer's interests (基金, 养老…).")
    orientations: list[OrientationCode] = Field(default_factory=list, max_length=3)
    quadrants: list[QuadrantCode] = Field(default_factory=list, max_length=4)
    valid_until: IsoDate = Field(description="Not sent after this day.")


class PieceOut(Schema):
    id: int
    kind: KindCode
    title: str
    body: str
    short: str
    interests: list[str]
    orientations: list[str]
    quadrants: list[str]
    valid_until: dt.date
    status: StatusCode
    expired: bool
    version: int
    branch: str | None = Field(description="The branch's code; null for the bank's own library.")
    created_by: str
    approved_by: str | None = Field(description="Username of who approved it.")
    approved_at: Moment | None
    received: int = Field(description="How many customers received it (any version counts once).")


class PiecePageOut(Page):
    items: list[PieceOut]


class SendIn(In):
    channel: ChannelCode = Field(description="sms, wechat or email; consent and do-not-disturb are checked now "
                                             "and again when the outbox sends it.")


class SendOut(Schema):
    piece_id: int
    customer_id: int
    channel: ChannelCode
    message_id: int
    status: Literal[tuple(MessageStatus.values)] = Field(description="The message's fate: sent, queued (quiet "
                                                                     "hours), blocked or failed.")
    sent_at: Moment


def piece_out(p: ContentPiece, received: int | None = None) -> dict:
    from banyan import clock

    return {"id": p.pk, "kind": p.kind, "title": p.title, "body": p.body, "short": p.short,
            "interests": p.tag_list(), "orientations": p.orientations, "quadrants": p.quadrants,
            "valid_until": p.valid_until, "status": p.status, "expired": p.valid_until < clock.today(),
            "version": p.version, "branch": p.branch.code if p.branch_id else None,
            "created_by": p.created_by.username, "approved_by": p.approved_by.username if p.approved_by_id else None,
            "approved_at": p.approved_at,
            "received": received if received is not None else getattr(p, "received", p.deliveries.count())}


class ListQuery(Schema):
    kind: KindCode | None = None
    status: Literal["draft", "approved", "retired", "expired"] | None = None
    q: str | None = Field(None, max_length=50, description="Words of the title, text or tags.")


@router.get("/content", response={200: PiecePageOut, **ERRORS})
def content_list(request, query: Query[ListQuery]):
    """The library the caller may see: the bank's pieces and the caller's branch's, newest first."""
    rows = list(pieces_listed(actor(request), PieceFilters(kind=query.kind or "", status=query.status or "",
                                                           q=clean_text(query.q).strip()))[:500])
    return {"items": [piece_out(p) for p in rows], "count": len(rows)}


@router.post("/content", response={201: PieceOut, **ERRORS})
def content_create(request, payload: PieceIn):
    """A draft (the caller's branch's; an administrator's: the bank's). 403 for roles that write no content."""
    if actor(request).role not in WRITERS:
        raise forbidden()
    piece = content_piece_create(actor=actor(request), kind=payload.kind, title=payload.title, body=payload.body,
                                 short=payload.short or "", interests="、".join(payload.interests),
                                 orientations=payload.orientations, quadrants=payload.quadrants,
                                 valid_until=payload.valid_until)
    return Status(201, piece_out(piece, 0))


@router.post("/content/{id}/approve", response={200: PieceOut, **ERRORS_409})
def content_approve(request, id: PathId):
    """Approve a draft in the caller's name: the branch head (the branch's pieces) or an
    administrator. 403 for other roles; 409 when approved already; 422 when its words promise a return."""
    user = actor(request)
    if user.role not in APPROVERS:
        raise forbidden(_approver_only())
    piece, _may = get_piece_for_user(user, id)
    piece = content_piece_approve(actor=user, piece=piece)
    return piece_out(piece)


def _approver_only() -> str:
    from django.utils.translation import gettext as _

    return _("Only the branch head or an administrator approves content.")


@router.post("/customers/{id}/content/{piece_id}/send", response={201: SendOut, **ERRORS_409})
def content_send_endpoint(request, id: PathId, piece_id: PathId, payload: SendIn):
    """Send one piece to one customer of the caller's reach, now (through the outbox). 404: the
    customer or the piece out of reach; 422: a draft, an expired or replaced piece, or a channel
    the customer may not be reached on; 409: the customer has received this piece (any version)."""
    user = actor(request)
    if user.role in (Role.AUDITOR, Role.LOBBY):
        raise forbidden()
    customer = customer_or_404(request, id)
    piece, _may = get_piece_for_user(user, piece_id)
    delivery = content_send(actor=user, piece=piece, customer=customer, channel=payload.channel)
    message = message_send(message=delivery.message, actor=user)
    return Status(201, {"piece_id": piece.pk, "customer_id": customer.pk, "channel": message.channel,
                        "message_id": message.pk, "status": message.status, "sent_at": delivery.at})
