"""The stale marks' triggers again, each statement marking each of its days once (SELECT DISTINCT).
Before, a table whose rows give their day from one column (a task's date, a transaction's date)
marked it once per row: a bank-wide worklist build inserted 66,000 marks of its one day at 1M
customers (0.1-0.3 s of the build), a feed of a million transactions a million marks. On SQLite the
triggers are per row, as before.
After worklists 0010, which on SQLite remakes the tasks' table and so drops its triggers: this
makes them again (test_kept checks every table has its three)."""

import importlib

from django.db import migrations

stale = importlib.import_module("banyan.kpis.migrations.0003_stale_triggers")
banks_day = importlib.import_module("banyan.kpis.migrations.0005_stale_on_the_banks_day").banks_day


def forwards(apps, schema_editor):
    stale.drop(apps, schema_editor)
    stale.create(apps, schema_editor, dates=banks_day, distinct=True)


def backwards(apps, schema_editor):
    stale.drop(apps, schema_editor)
    stale.create(apps, schema_editor, dates=banks_day)


class Migration(migrations.Migration):

    dependencies = [("kpis", "0005_stale_on_the_banks_day"), ("worklists", "0010_task_closing_references_indexed_where_set")]

    operations = [migrations.RunPython(forwards, backwards)]
