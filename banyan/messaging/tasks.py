"""The outbox on the beat schedule (every BANYAN_OUTBOX_EVERY seconds): send the queued messages.
Any number of workers may run it at once: each message is locked while it is sent, and only a
queued one goes out, so nothing is sent twice (`message_send`)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from banyan.messaging.services import outbox_send_queued


@shared_task(name="banyan.messages.send_outbox")
def send_outbox(limit: int | None = None) -> dict[str, int]:
    """Send up to `limit` (default BANYAN_OUTBOX_BATCH) of the oldest queued messages; answers
    how many ended sent, blocked or failed."""
    return outbox_send_queued(limit=limit or settings.BANYAN_OUTBOX_BATCH)
