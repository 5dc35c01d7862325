"""`banyan messages send [--limit N]`: send the queued messages (the worker's job; idempotent)."""

from django.core.management.base import BaseCommand

from banyan.messaging.services import outbox_send_queued


class Command(BaseCommand):
    help = "Send the queued messages of the outbox. Running it twice sends nothing twice."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="Send the oldest queued messages.")
        send.add_argument("--limit", type=int, default=500, help="At most this many (default 500).")

    def handle(self, *args, action, limit=500, **options):
        counts = outbox_send_queued(limit=limit)
        self.stdout.write(f"sent {counts['sent']}, blocked {counts['blocked']}, failed {counts['failed']}")
