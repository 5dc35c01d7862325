"""Outreach on the beat schedule: the cultivation content plans (OUT-7) that are due, each day at
BANYAN_CONTENT_AT (default 09:30, after the quiet hours). A plan runs at most once a day — its run
row is unique per day — so two beats, or the beat and a click on 立即执行, make one run; the
messages are queued in the outbox, which checks consent when it sends them. Without a broker the
content library's pages run the due plans when opened (banyan/outreach/content_views.py)."""

from __future__ import annotations

from celery import shared_task

from banyan.outreach.content import content_plans_run_due


@shared_task(name="banyan.content.run_plans")
def run_content_plans(day: str | None = None) -> dict:
    """Run every active plan whose next run is due; answers how many plans ran and messages were queued."""
    import datetime as dt

    return content_plans_run_due(day=dt.date.fromisoformat(day) if day else None)
