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

keys = importlib.import_module("banyan.worklists.migrations.0011_reasons_checked_per_statement")

EVENTS = """
CREATE TRIGGER audit_event_actor_i AFTER INSERT ON audit_auditevent
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statement_rows_name_existing('actor_id', 'org_staff');
CREATE TRIGGER audit_event_actor_u AFTER UPDATE OF actor_id ON audit_auditevent
    FOR EACH ROW WHEN (OLD.actor_id IS DISTINCT FROM NEW.actor_id)
    EXECUTE FUNCTION row_names_existing('actor_id', 'org_staff');
CREATE TRIGGER audit_staff_events_d AFTER DELETE ON org_staff
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statement_rows_gone_unnamed('audit_auditevent', 'actor_id');
CREATE TRIGGER audit_staff_events_u BEFORE UPDATE OF id ON org_staff
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION row_renumbered_unnamed('audit_auditevent', 'actor_id');
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_actor_i ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_event_actor_u ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_staff_events_d ON org_staff;
DROP TRIGGER IF EXISTS audit_staff_events_u ON org_staff;
"""

KEYS = [("audit_auditevent", "actor_id", "org_staff", "audit_auditevent_actor_id_270bb4b7_fk_org_staff_id")]


def forwards(apps, schema_editor):
    keys.replace_keys(schema_editor, KEYS, [EVENTS])


def backwards(apps, schema_editor):
    keys.restore_keys(schema_editor, KEYS, DROP)


class Migration(migrations.Migration):

    dependencies = [("audit", "0005_event_customers"),
                    ("holdings", "0016_holdings_checked_per_statement")]

    operations = [migrations.RunPython(forwards, backwards)]
