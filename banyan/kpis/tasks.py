"""The review on the beat schedule: each day at BANYAN_REPORTS_AT (default 07:00, after the nightly
job has taken the month-end snapshot) the monthly reports are checked. From the first working day
of a month on, the past month's report of every branch with a branch head is built and its heads are
emailed — once: the report's row is unique per branch and month and the send is claimed, so the
days after (and a run missed on the first working day, made up the next) find nothing left to do
but what failed. Without a broker no beat runs: opening the reports page does the same check
(banyan/kpis/report_views.py), and `banyan kpis report` runs it by hand.

First, the same morning run counts the bank's review of the running and the past month, quarter
and year (`review_warm`): that keeps their closed days (banyan.kpis.kept), so that the first
branch head to open a review does not wait for the whole bank's days to be counted. It runs on
the primary: a review on the replica (banyan.replica) only reads what was kept."""

from __future__ import annotations

from celery import shared_task

from banyan.kpis.report import monthly_reports_due


@shared_task(name="banyan.kpis.monthly_reports")
def monthly_reports(day: str | None = None) -> dict | None:
    """The past month's reports when due (None before the month's first working day)."""
    import datetime as dt

    from banyan import replica

    today = dt.date.fromisoformat(day) if day else None
    review_warm(today=today)
    # the reports read the review's replica, if any: once it has the figures just kept, they are
    # read there instead of counted again from the rows (a minute at most: then counted)
    replica.replayed(timeout=60)
    return monthly_reports_due(today=today)


def review_warm(*, today=None) -> list[str]:
    """The bank's review of the periods the branch heads read most, counted once: their closed
    days are kept from then on. Returns the periods' labels."""
    from banyan import clock, replica
    from banyan.kpis.figures import Scope, review
    from banyan.kpis.periods import Period

    today = today or clock.today()
    periods = []
    for kind in ("month", "quarter", "year"):
        running = Period.of(kind, today)
        periods += [running, running.previous()]
    with replica.on_primary():  # keeping figures writes: the replica, if any, only reads them
        for period in periods:
            review(Scope(), period)
    return [p.label() for p in periods]
