"""`banyan staff add USERNAME --role ROLE --branch CODE [--manager USERNAME]` (password on stdin),
and, beyond API.md, `[--name 张敏] [--capacity 20] [--senior]`."""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from banyan.org.models import Role, Staff
from banyan.org.services import branch_ensure, staff_create


class Command(BaseCommand):
    help = "Manage staff logins."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a staff login; the password is read from standard input.")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--branch", required=True, help="Branch code; created when it does not exist.")
        add.add_argument("--manager", help="For an assistant: the manager they work for.")
        add.add_argument("--name", default="", help="Display name, e.g. 张敏")
        add.add_argument("--capacity", type=int, default=20,
                         help="Contacts a day on the manager's worklist (default 20).")
        add.add_argument("--senior", action="store_true", help="A senior manager: priority customers go to them.")

    def handle(self, *args, action, username, role, branch, manager=None, name="", capacity=20, senior=False,
               **options):
        if sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise CommandError("No password given on standard input.")
        boss = None
        if manager:
            boss = Staff.objects.filter(username=manager).first()
            if boss is None:
                raise CommandError(f"No staff member called {manager}.")
        try:
            staff = staff_create(actor=None, username=username, password=password, role=role,
                                 branch=branch_ensure(code=branch), full_name=name, manager=boss,
                                 daily_capacity=capacity, is_senior=senior)
        except ValidationError as e:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in e.message_dict.items())) from None
        self.stdout.write(self.style.SUCCESS(f"Created {staff.username} ({staff.get_role_display()}) in {branch}."))
