"""On PostgreSQL, an account movement's customer is checked once per statement, not once per row
(session 26), with the functions of holdings 0016.

The transactions feed writes a chunk's movements by COPY (bulk._insert), and a bank's first load is
a year of them: ~4M per 1M customers (generate.py), each checked by the key `Transaction.customer`
at COMMIT with a look-up and a FOR KEY SHARE lock of its customer (500,000 movements written in
statements of 5,000 at bank1m: 11.22 s with the key, 7.79 s with these triggers, medians of three
runs of benchmarks/bench_checks.py --transactions). Here the key is
replaced, on PostgreSQL only, by triggers doing what it did: the movements a statement inserts lock
their customers FOR KEY SHARE, each once, and one naming no customer is refused (SQLSTATE 23503); a
movement moved to another customer by an update is checked by a row trigger; a customer deleted or
renumbered while movements name them is refused (Django deletes them first: on_delete=CASCADE).
The price is holdings 0016's: a single-row INSERT pays the statement trigger's call. SQLite keeps
the key. banyan/holdings/tests/test_transaction_checks.py checks them."""

import importlib

from django.db import migrations

checks = importlib.import_module("banyan.holdings.migrations.0016_holdings_checked_per_statement")

KEYS = [("holdings_transaction", "customer_id", "customers_customer",
         "holdings_transaction_customer_id_15766544_fk_customers")]


class Migration(migrations.Migration):

    dependencies = [("holdings", "0017_snapshots_checked_per_statement")]

    operations = [checks.checked_per_statement(KEYS)]
