"""The demo's monthly review reports (issue 14 §5): last month's report of each branch, as the beat
makes them on the first working day of a month, so that the branch head's 经营检视月报 page lists
them on `make run`. The demo's heads have no email address: nothing is sent."""

from __future__ import annotations

import datetime as dt

from banyan.kpis.report import monthly_reports_build, previous_month


def make_monthly_reports(today: dt.date) -> str:
    result = monthly_reports_build(month=previous_month(today), actor=None)
    missing = f", {len(result['without_pdf'])} without their PDF (no Pango here)" if result["without_pdf"] else ""
    return f"monthly review reports of {result['month']}: {len(result['built'])} branches{missing}"
