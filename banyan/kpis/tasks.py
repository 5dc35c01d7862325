"""The review on the beat schedule: each day at BANYAN_REPORTS_AT (default 07:00, after the nightly
job has taken the month-end snapshot) the monthly reports are checked. From the first working day
of a month on, the past month's report of every branch with a branch head is built and its heads are
emailed — once: the report's row is unique per branch and month and the send is claimed, so the
days after (and a run missed on the first working day, made up the next) find nothing left to do
but what failed. Without a broker no beat runs: opening the reports page does the same check
(banyan/kpis/report_views.py), and `banyan kpis report` runs it by hand."""

from __future__ import annotations

from celery import shared_task

from banyan.kpis.report import monthly_reports_due


@shared_task(name="banyan.kpis.monthly_reports")
def monthly_reports(day: str | None = None) -> dict | None:
    """The past month's reports when due (None before the month's first working day)."""
    import datetime as dt

    return monthly_reports_due(today=dt.date.fromisoformat(day) if day else None)
