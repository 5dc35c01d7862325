"""`banyan serve`: migrate, collect static files, then run gunicorn (a production server).
It serves `banyan.ops.proxy:application`, which takes the client's address from X-Forwarded-For
only when the request came from a trusted proxy (BANYAN_TRUSTED_PROXIES)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, then serve the web app and API with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("BANYAN_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("BANYAN_THREADS", 4)))

    def handle(self, *args, host, port, workers, threads, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"Banyan is serving on {url}  (Ctrl-C to stop)"))
        self.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "banyan.ops.proxy:application", "--bind", f"{host}:{port}",
                "--workers", str(workers), "--threads", str(threads), "--access-logfile", "-",
                # the path without its query string: searches carry names, mobiles and ID numbers
                "--access-logformat", '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms', "--graceful-timeout", "10"]
        os.execv(sys.executable, argv)
