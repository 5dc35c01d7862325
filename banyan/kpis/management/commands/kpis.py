"""`banyan kpis report [--month YYYY-MM]`: build and send the monthly review reports (issue 14 §5) —
the beat's job (banyan.kpis.tasks.monthly_reports), for a server without a beat or a run by hand.
Default: the month before today. A report is built once per branch and month and sent once: a
second run prints what exists and sends only what failed before."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from banyan.kpis.report import monthly_reports_build


def _month(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{text.strip()}-01")
    except ValueError:
        raise CommandError(f"--month {text}: write the month as YYYY-MM, e.g. 2026-10.") from None


class Command(BaseCommand):
    help = "The review's monthly reports: build each branch's (Excel and PDF summary) and email its branch heads."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="Build and send the monthly reports (default: last month).")
        report.add_argument("--month", help="YYYY-MM (default: the month before today)")

    def handle(self, *args, action, month=None, **options):
        try:
            result = monthly_reports_build(month=_month(month) if month else None)
        except ValidationError as e:
            raise CommandError(" ".join(m for ms in e.message_dict.values() for m in ms)) from None
        out = self.stdout
        out.write(f"{result['month']}: built {len(result['built'])} reports, "
                  f"{len(result['existing'])} already built")
        for code in result["built"]:
            out.write(f"  built {code}" + (" (no PDF: WeasyPrint/Pango missing)" if code in result["without_pdf"]
                                           else ""))
        for code in result["existing"]:
            out.write(f"  already built {code}")
        for code, users in result["sent"].items():
            out.write(f"  sent {code} to {', '.join(users)}")
        for code, users in result["failed"].items():
            out.write(self.style.WARNING(f"  NOT sent {code} to {', '.join(users)} (the mail relay refused; "
                                         "the next run retries)"))
        for code, users in result["no_address"].items():
            out.write(self.style.WARNING(f"  no email address for {', '.join(users)} ({code})"))
