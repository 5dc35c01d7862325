"""`banyan segments recompute`: recompute every customer's segment (after feeds, or on demand)."""

from django.core.management.base import BaseCommand

from banyan.segments.services import nightly_refresh


class Command(BaseCommand):
    help = "Recompute value quadrants, potential scores and tiers for the whole bank."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("recompute", help="Recompute all segments.")

    def handle(self, *args, action, **options):
        self.stdout.write(f"segmented {nightly_refresh()} customers")
