"""On PostgreSQL, a customer's branch, manager and assistant are checked once per statement, not
once per row (issue 15 §1, session 25), as a holding's are since holdings 0016, with its functions.

A customers feed's first load of 1M customers made ~2M look-ups at COMMIT (the branch and the
manager of each; Django's keys are deferred), which the feed's floor ("the write alone", tables
without keys) does not pay. Here the keys `Customer.branch`, `Customer.rm` and `Customer.assistant`
are replaced, on PostgreSQL only, by triggers doing what they did:
- customers inserted: one statement trigger over the statement's rows locks the branches and staff
  they name FOR KEY SHARE, as the keys locked them, and refuses a customer naming one that does not
  exist (SQLSTATE 23503, foreign_key_violation);
- a customer's branch, manager or assistant changed (a book handed over, a feed's new manager): a
  row trigger, only where one of them changed. Not a statement trigger: its transition tables would
  copy every customer of a holdings feed's AUM refresh;
- a branch or a staff member deleted while a customer still names them, or renumbered: refused.
What it costs: a row trigger's dynamic query per customer whose branch, manager or assistant
changes, ~20 µs against the key's ~5 µs (a hand-over of 20,000 customers at bank1m: 0.95-1.19 s
against 0.72-0.75 s); what it saves, per customer inserted: 14-27 µs of the keys' checks at COMMIT
(100,000 customers inserted in the feed's chunks: 1.44-2.74 s of checks, 0.13-0.20 s left).
`Customer.referrer` (a customer naming another) keeps its key. The models keep `db_constraint=True`:
SQLite keeps the keys. banyan/customers/tests/test_customer_checks.py checks them."""

import importlib

from django.db import migrations

checks = importlib.import_module("banyan.holdings.migrations.0016_holdings_checked_per_statement")

KEYS = [("customers_customer", "branch_id", "org_branch", "customers_customer_branch_id_6f75e537_fk_org_branch_id"),
        ("customers_customer", "rm_id", "org_staff", "customers_customer_rm_id_f59d8ee6_fk_org_staff_id"),
        ("customers_customer", "assistant_id", "org_staff", "customers_customer_assistant_id_deee13fc_fk_org_staff_id")]


class Migration(migrations.Migration):

    dependencies = [("customers", "0008_agreed_contact_frequency"),
                    ("holdings", "0016_holdings_checked_per_statement")]

    operations = [checks.checked_per_statement(KEYS)]
