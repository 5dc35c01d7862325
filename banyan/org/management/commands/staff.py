"""`banyan staff add USERNAME --role ROLE --branch CODE [--manager USERNAME]` (password on stdin),
`[--mobile 13800001111]` (the work mobile customers are given), and, beyond API.md,
`[--wechat id] [--name 张敏] [--capacity 20] [--senior] [--private-banker]`;
`banyan staff deactivate USERNAME` and `banyan staff reactivate USERNAME`;
`banyan staff move USERNAME --branch CODE [--on YYYY-MM-DD]` (the review counts the days before in
the old branch)."""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from banyan.org.models import Role, Staff
from banyan.org.services import branch_ensure, staff_create, staff_deactivate, staff_reactivate


def _refused(username: str, verb: str, error: ValidationError) -> CommandError:
    """Every reason on its own line (a refused password has several); the command exits with 1."""
    reasons = [f"  {field}: {message}" for field, messages in error.message_dict.items() for message in messages]
    return CommandError("\n".join([f"{username} was not {verb}:", *reasons]))


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
        add.add_argument("--private-banker", action="store_true",
                         help="A private banker: the private-banking tier's customers go to them.")
        add.add_argument("--mobile", default="", help="Work mobile given to customers (11 digits).")
        add.add_argument("--wechat", default="", help="Work WeChat ID given to customers.")
        off = sub.add_parser("deactivate", help="Stop a login: its API tokens, sessions and calendar address "
                                                "are revoked.")
        off.add_argument("username")
        on = sub.add_parser("reactivate", help="Let a stopped login sign in again (with its password; nothing "
                                               "revoked comes back).")
        on.add_argument("username")
        move = sub.add_parser("move", help="The staff member works at another branch from a day (default today); "
                                           "a manager hands the book over first.")
        move.add_argument("username")
        move.add_argument("--branch", required=True, help="The new branch's code.")
        move.add_argument("--on", default=None, help="The first day at the new branch, YYYY-MM-DD.")

    def handle(self, *args, action, username, **options):
        if action == "add":
            self._add(username, **options)
            return
        if action == "move":
            self._move(username, **options)
            return
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            raise CommandError(f"No staff member called {username}.")
        service, verb = (staff_deactivate, "deactivated") if action == "deactivate" else (staff_reactivate,
                                                                                          "reactivated")
        try:
            service(actor=None, staff=staff)
        except ValidationError as e:
            raise _refused(username, verb, e) from None
        self.stdout.write(self.style.SUCCESS(f"{username} {verb}."))

    def _move(self, username, *, branch, on=None, **options):
        from banyan import clock
        from banyan.org.models import Branch
        from banyan.org.services import staff_move

        staff = Staff.objects.filter(username=username).first()
        target = Branch.objects.filter(code=branch).first()
        day = clock.parse_day(on) if on else clock.today()
        if staff is None or target is None or day is None:
            raise CommandError(f"No staff member called {username}." if staff is None else
                               f"No branch {branch}." if target is None else "Write the day as YYYY-MM-DD.")
        try:
            staff_move(actor=None, staff=staff, branch=target, on=day)
        except ValidationError as e:
            raise _refused(username, "moved", e) from None
        self.stdout.write(self.style.SUCCESS(f"{username} works at {target} from {day}."))

    def _add(self, username, *, role, branch, manager=None, name="", capacity=20, senior=False, mobile="",
             wechat="", private_banker=False, **options):
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
            with transaction.atomic():  # a refused login leaves no new branch behind
                staff = staff_create(actor=None, username=username, password=password, role=role,
                                     branch=branch_ensure(code=branch), full_name=name, manager=boss,
                                     daily_capacity=capacity, is_senior=senior, is_private_banker=private_banker,
                                     work_mobile=mobile, work_wechat=wechat)
        except ValidationError as e:
            raise _refused(username, "created", e) from None
        self.stdout.write(self.style.SUCCESS(f"Created {staff.username} ({staff.get_role_display()}) in {branch}."))
