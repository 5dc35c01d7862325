"""`banyan content run [--date D]`: run the cultivation content plans that are due (OUT-7) — the
beat's daily job (banyan.outreach.tasks.run_content_plans), for a server without a beat or a rerun
by hand. A plan runs at most once a day: running it twice queues nothing more."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from banyan import clock
from banyan.outreach.content import content_plans_run_due


class Command(BaseCommand):
    help = "Run the cultivation content plans due today: queue their messages in the outbox (consent is checked " \
           "again when they are sent)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run the plans due on a date (default today).")
        run.add_argument("--date", help="YYYY-MM-DD (default today)")

    def handle(self, *args, action, date=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else clock.today()
        except ValueError:
            raise CommandError(f"--date {date}: write the date as YYYY-MM-DD, e.g. 2026-11-23.") from None
        with clock.frozen(day):
            result = content_plans_run_due(day=day)
        excluded = result["excluded"]
        self.stdout.write(f"{day}: ran {result['plans']} plans, queued {result['queued']} messages, "
                          f"left out {sum(excluded.values())} by rule")
        for rule, count in excluded.items():
            self.stdout.write(f"  {rule}: {count}")
