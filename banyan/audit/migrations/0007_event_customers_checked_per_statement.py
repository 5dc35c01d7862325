"""On PostgreSQL, the event a bulk read's customers name is checked once per statement, not once per
row (session 26), with the functions of holdings 0016.

A bulk read or export writes one event and one `AuditEventCustomer` row per customer it showed:
the key `AuditEventCustomer.event` then made a look-up and a FOR KEY SHARE lock of that same event
per customer at COMMIT (a bulk read of 100,000 customers at bank1m: 4.03 s with the key, 3.31 s
with these triggers, medians of three runs of benchmarks/bench_checks.py --bulk-read). Here it is
replaced, on PostgreSQL only, by triggers doing what it did: the rows a statement inserts lock the
events they name FOR KEY SHARE, each once, and a row naming no event is refused (SQLSTATE 23503);
an update changing the event is checked by a row trigger; an event deleted or renumbered while rows
name it is refused (Django deletes them first: on_delete=CASCADE).

The triggers also keep the check where a key cannot be: PostgreSQL refuses a foreign key to a table
partitioned by month of its time stamp (docs/scale.md §5 step 1; its primary key becomes (id, at)),
so partitioning the trail used to drop this key. SQLite keeps the key.
banyan/audit/tests/test_event_customer_checks.py and holdings' test_partitioned_history check them."""

import importlib

from django.db import migrations

checks = importlib.import_module("banyan.holdings.migrations.0016_holdings_checked_per_statement")

KEYS = [("audit_auditeventcustomer", "event_id", "audit_auditevent",
         "audit_auditeventcust_event_id_e456185d_fk_audit_aud")]


class Migration(migrations.Migration):

    dependencies = [("audit", "0006_actor_checked_per_statement")]

    operations = [checks.checked_per_statement(KEYS)]
