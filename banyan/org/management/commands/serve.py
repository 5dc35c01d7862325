"""`banyan serve`: migrate, collect static files, then run gunicorn (a production server).
It serves `banyan.ops.proxy:application`, which takes the client's address from X-Forwarded-For
only when the request came from a trusted proxy (BANYAN_TRUSTED_PROXIES).

It refuses a published SECRET_KEY (banyan/secret_key.py) unless the database is the demo bank:
with it anyone could forge a session or a manager's calendar-feed address."""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from banyan.secret_key import KEY_FILE, is_development_key


def demo_bank_only() -> bool:
    """The database holds the demo bank (its builder records `demo.built`), whose logins and
    password are printed for all to see: nothing there for a known key to expose."""
    from banyan.audit.models import AuditEvent

    try:
        return AuditEvent.objects.filter(action="demo.built").exists()
    except DatabaseError:  # not migrated yet: nothing says it is the demo
        return False


def refuse_a_published_key() -> None:
    if is_development_key(settings.SECRET_KEY) and not demo_bank_only():
        raise CommandError(
            "Refusing to serve: SECRET_KEY is a published key (the development key or the example's "
            "placeholder), so anyone could forge sign-ins and calendar-feed addresses. Remove SECRET_KEY "
            f"from the environment to use this installation's own key ({settings.VAR_DIR / KEY_FILE}, made "
            "on first start), or set a random one: python3 -c \"import secrets; print(secrets.token_urlsafe(50))\"")


class Command(BaseCommand):
    help = "Migrate, then serve the web app and API with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("BANYAN_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("BANYAN_THREADS", 4)))

    def handle(self, *args, host, port, workers, threads, **options):
        refuse_a_published_key()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Banyan is serving on {url}  (Ctrl-C to stop)"))
        self.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "banyan.ops.proxy:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
                # the path without its query string: searches carry names, mobiles and ID numbers
                "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms', "--graceful-timeout", "10"]
        # the web's database sessions without parallel query, as deploy/gunicorn.conf.py (settings.py says why)
        os.environ.setdefault("BANYAN_DB_PARALLEL_WORKERS", "0")
        os.execv(sys.executable, argv)
