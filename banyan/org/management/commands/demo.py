"""`banyan demo [--customers N] [--seed S] [--if-empty]`: fill an empty database with the demo bank."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from banyan.demo.console import logins_table
from banyan.demo.staff import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Fill an empty database with a realistic demo bank (branches, staff, customers, holdings, history)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=5000, help="How many customers (default 5000).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed builds the same bank.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing (and say so) when the database already holds data.")

    def handle(self, *args, customers: int, seed: int, if_empty: bool, **options):
        from banyan.customers.models import Customer
        from banyan.demo.builder import build_demo, database_is_empty

        if customers < 10:
            raise CommandError("A demo bank needs at least 10 customers (--customers).")
        call_command("migrate", interactive=False, verbosity=0)
        if not database_is_empty():
            if if_empty:
                held = Customer.objects.count()
                self.stdout.write(f"The database already holds data ({held} customers): no demo bank built.")
                self._logins(only_existing=True)
                return
            raise CommandError("The database is not empty: `banyan demo` only fills an empty database. "
                               "Use --if-empty to skip quietly, or point DATABASE_URL at a new database.")
        self.stdout.write(f"Building the demo bank: {customers} customers, seed {seed} …")
        counts = build_demo(customers=customers, seed=seed, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Demo bank ready in {counts['seconds']} s: {counts['customers']} customers, {counts['holdings']} "
            f"holdings, {counts['interactions']} contacts."))
        self._logins(only_existing=False)

    def _logins(self, *, only_existing: bool) -> None:
        rows = demo_logins(only_existing=only_existing)
        if not rows:
            return
        self.stdout.write("")
        # No address here: `banyan serve` prints the one it really binds (make run's PORT=, --port).
        self.stdout.write(f"Log in with one of these (password: {DEMO_PASSWORD}):")
        for line in logins_table(rows):
            self.stdout.write(line)
