"""`banyan worklists build [--date D] [--manager USERNAME]`: build the day's lists (idempotent)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from banyan import clock
from banyan.org.models import Staff
from banyan.worklists.services import worklists_build


class Command(BaseCommand):
    help = "Build the daily worklists (the nightly job). Running it twice changes nothing."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="Build the lists of a date for every manager (or one).")
        build.add_argument("--date", help="YYYY-MM-DD (default today)")
        build.add_argument("--manager", help="Only this manager's list (username).")

    def handle(self, *args, action, date=None, manager=None, **options):
        try:
            day = dt.date.fromisoformat(date) if date else clock.today()
        except ValueError:
            raise CommandError(f"--date {date}: write the date as YYYY-MM-DD, e.g. 2026-11-23.") from None
        ids = None
        if manager:
            staff = Staff.objects.filter(username=manager).first()
            if staff is None:
                raise CommandError(f"No staff member called {manager}.")
            ids = [staff.pk]
        with clock.frozen(day):
            result = worklists_build(day=day, manager_ids=ids)
        self.stdout.write(f"{day}: built {result.managers} lists, {result.tasks} tasks, "
                          f"{result.suppressed} left out by contact rules")
