"""Planner statistics after bulk work. SQLite has no autovacuum: without ANALYZE its planner
guesses, and with a manager's filter beside a search key it guesses wrong (it scans the manager's
whole book instead of seeking the key: 90 ms instead of 10 ms at 200,000 customers). Run after
bulk loads — the demo, feeds, the nightly segment job."""

from django.db import connection


def refresh_planner_statistics() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=2000")  # sampled: seconds, not minutes, at a million rows
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
