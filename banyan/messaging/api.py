"""API v1: a customer's messages (OUT-6), a compatible extension of API.md.

`POST /customers/{id}/messages` writes and sends at once. A message that a contact rule stops is
not an error: it is created (201) with status "blocked" and the rule, as the outbox keeps it."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers.api import customer_or_404
from banyan.customers.services import customer_records_read
from banyan.messaging.models import BlockRule, Message, MessageChannel, MessageStatus, TemplateCode
from banyan.messaging.selectors import messages_of
from banyan.messaging.services import message_compose, message_send
from banyan.messaging.text import mask_address
from banyan.org.api import ERRORS, In, Moment, Page, PathId, actor

router = Router(tags=["messages"])

MessageChannelCode = Literal[tuple(MessageChannel.values)]
TemplateCodeLit = Literal[tuple(TemplateCode.values)]
MessageStatusCode = Literal[tuple(MessageStatus.values)]
BlockRuleCode = Literal[tuple(BlockRule.values)]


class FillIns(In):
    date: str | None = Field(None, max_length=40, description="The day (and time) the message is about: "
                             "ISO 8601 (2026-11-28T10:00) or words (11月28日上午10:00).")
    product: str | None = Field(None, max_length=60, description="For a maturity reminder; default: the "
                                "customer's next maturing product.")
    detail: str | None = Field(None, max_length=60, description="The event or festival, e.g. 理财沙龙, 中秋节.")


class MessageIn(In):
    channel: MessageChannelCode
    template: TemplateCodeLit | None = Field(None, description="A template kind; the customer's branch's version "
                                             "wins over the bank's.")
    body: str | None = Field(None, max_length=5000, description="The text; replaces the template's. May use the "
                             "placeholders {title} {name} {manager} {manager_mobile} {branch} {date} {product} "
                             "{detail}; a clause in [[…]] is left out when a placeholder in it is empty.")
    subject: str | None = Field(None, max_length=120, description="Email only; replaces the template's.")
    context: FillIns | None = None


class MessageOut(Schema):
    id: int
    customer_id: int
    staff: str = Field(description="Username of the sender.")
    channel: MessageChannelCode
    to: str = Field(description="The address used, masked (138****5678, w***@example.com).")
    subject: str
    body: str
    template: TemplateCodeLit
    status: MessageStatusCode = Field(description="queued, sent, failed (the gateway refused: may be resent) or "
                                      "blocked (a contact rule at send time: final).")
    rule: BlockRuleCode | None = Field(description="For a blocked message: do_not_disturb, no_consent, no_address.")
    status_detail: str = Field(description="Why it was blocked (in Chinese) or what the gateway said.")
    gateway_id: str
    attempts: int
    created_at: Moment
    sent_at: Moment | None


class MessagePageOut(Page):
    items: list[MessageOut]


def message_out(m: Message) -> dict:
    data = {f: getattr(m, f) for f in ("id", "customer_id", "channel", "subject", "body", "status", "status_detail",
                                       "gateway_id", "attempts", "created_at", "sent_at")}
    data.update(staff=m.staff.username, to=mask_address(m.channel, m.to), template=m.template_code,
                rule=m.rule or None)
    return data


@router.post("/customers/{id}/messages", response={201: MessageOut, **ERRORS})
def message_create(request, id: PathId, payload: MessageIn):
    """Write a message from a template or a text and send it now. Consent, do-not-disturb and the
    address are checked at the moment of sending: a refused message answers 201 with status
    "blocked" and its rule; nothing reaches the customer. An SMS or WeChat message written in the
    bank's quiet hours answers status "queued" (status_detail says when it goes out)."""
    customer = customer_or_404(request, id)
    message = message_compose(actor=actor(request), customer=customer, template=payload.template,
                              channel=payload.channel, body=payload.body, subject=payload.subject,
                              context=payload.context.model_dump(exclude_none=True) if payload.context else None)
    return Status(201, message_out(message_send(message=message)))


@router.get("/customers/{id}/messages", response={200: MessagePageOut, **ERRORS})
def message_list(request, id: PathId, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    """The customer's messages, newest first."""
    customer = customer_or_404(request, id)
    qs = messages_of(customer)
    items = [message_out(m) for m in qs[offset:offset + limit]]
    customer_records_read(actor=actor(request), customer=customer, via="api_messages", records=len(items))
    return {"items": items, "count": qs.count()}
