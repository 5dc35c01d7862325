"""On PostgreSQL, an audit event's actor is checked once per statement, not once per row (issue 15
§1, session 25), with the functions of holdings 0016.

A feed writes an audit event per row, and a feed uploaded by a person names that person in every
one: the key `AuditEvent.actor` then made a look-up (and a FOR KEY SHARE lock) of the same staff
row per event at COMMIT — 0.74-0.79 s per 100,000 events at bank1m, ~37 s for a 5M-holding load,
as much as writing the events. Here it is replaced, on PostgreSQL only, by triggers doing what it
did: the events a statement inserts lock the staff they name FOR KEY SHARE and are refused if one
does not exist (SQLSTATE 23503); an event's actor changed by an update is checked by a row trigger
(nothing of Banyan's updates an event); a staff member deleted or renumbered while events name them
is refused (Django protects them the same way: on_delete=PROTECT). SQLite keeps the key.
banyan/audit/tests/test_actor_checks.py checks them."""

import importlib

from django.db import migrations

checks = importlib.import_module("banyan.holdings.migrations.0016_holdings_checked_per_statement")

KEYS = [("audit_auditevent", "actor_id", "org_staff", "audit_auditevent_actor_id_270bb4b7_fk_org_staff_id")]


class Migration(migrations.Migration):

    dependencies = [("audit", "0005_event_customers"),
                    ("holdings", "0016_holdings_checked_per_statement")]

    operations = [checks.checked_per_statement(KEYS)]
