"""On PostgreSQL, a month-end snapshot's customer, manager and branch are checked once per statement,
not once per row (session 26), with the functions of holdings 0016.

The month-end snapshot (`aum_snapshot_take`) writes one row per customer in one INSERT … SELECT: at
1M customers its three keys made 3M look-ups and FOR KEY SHARE locks at COMMIT, one at a time
(at bank1m the month-end took 31.7 s with the keys, 14.4 s with these triggers: medians of three
runs of benchmarks/bench_checks.py). The price is holdings 0016's: a single-row INSERT pays the
statement trigger's call (~0.14 ms more than a key, measured on audit 0006's). Here they are replaced, on PostgreSQL only, by the triggers of holdings 0016: the rows
a statement inserts lock the customers, managers and branches they name FOR KEY SHARE, each once,
and a row naming one that does not exist is refused (SQLSTATE 23503); a snapshot's customer,
manager or branch changed by an update (a manager deleted: Django sets it to NULL first, which the
check skips) is checked by a row trigger; a customer, staff member or branch deleted or renumbered
while snapshots name them is refused (Django deletes a customer's snapshots and clears a manager's
or a branch's before). SQLite keeps the keys. banyan/holdings/tests/test_snapshot_checks.py checks
them; benchmarks/bench_checks.py measures them against the keys."""

import importlib

from django.db import migrations

checks = importlib.import_module("banyan.holdings.migrations.0016_holdings_checked_per_statement")

KEYS = [("holdings_aumsnapshot", "customer_id", "customers_customer",
         "holdings_aumsnapshot_customer_id_0a2bde6a_fk_customers"),
        ("holdings_aumsnapshot", "rm_id", "org_staff", "holdings_aumsnapshot_rm_id_1190d8c9_fk_org_staff_id"),
        ("holdings_aumsnapshot", "branch_id", "org_branch", "holdings_aumsnapshot_branch_id_b8c44f85_fk_org_branch_id")]


class Migration(migrations.Migration):

    dependencies = [("holdings", "0016_holdings_checked_per_statement")]

    operations = [checks.checked_per_statement(KEYS)]
