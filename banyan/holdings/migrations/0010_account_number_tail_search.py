"""A customer is found by the tail of an account or card number (尾号, ARC-7): each holding keeps its
number reversed (`account_search_key`), so that a tail is a prefix — an index range, as the
customers' mobile tails are an index lookup. The reversed number's index serves the whole number
too, so the number's own index goes: one index per holding still, as before.

Cheap on PostgreSQL, where millions of holdings keep taking writes: the column is added with a
constant default (a catalogue change, no rewrite), filled by id ranges in short transactions of
their own, its index built and the old one dropped CONCURRENTLY."""

from django.db import migrations, models

from banyan.migration_operations import AddIndexWithoutBlockingWrites, RemoveIndexWithoutBlockingWrites

#: Holdings filled per UPDATE (each its own transaction: no long-held row locks, no huge WAL burst).
BATCH = 50_000


def fill_keys(apps, schema_editor):
    """The key of every stored holding, as holdings.models.account_search_key makes it (REVERSE is
    PostgreSQL's, and Django's own on SQLite)."""
    Holding = apps.get_model("holdings", "Holding")
    table = schema_editor.quote_name(Holding._meta.db_table)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {table}")
        low, high = cursor.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, BATCH):
            cursor.execute(
                f"UPDATE {table} SET account_no_reversed = "
                f"REVERSE(UPPER(REPLACE(REPLACE(account_no, ' ', ''), '-', ''))) "
                f"WHERE id >= %s AND id < %s AND account_no <> ''", [start, start + BATCH])


class Migration(migrations.Migration):
    atomic = False  # the fill's batches commit one by one; CONCURRENTLY runs outside a transaction

    dependencies = [
        ('holdings', '0009_snapshot_completeness'),
    ]

    operations = [
        migrations.AddField(
            model_name='holding',
            name='account_no_reversed',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=True),
        AddIndexWithoutBlockingWrites(
            model_name='holding',
            index=models.Index(fields=['account_no_reversed'], name='holding_account_reversed'),
        ),
        RemoveIndexWithoutBlockingWrites(
            model_name='holding',
            name='holding_account_no',
        ),
    ]
