"""The account number keeps one plain index instead of two: `db_index=True` on a CharField also made
a varchar_pattern_ops index on PostgreSQL (for LIKE, which nothing asks of an account number) — one
more write per holding. The new index is built first, concurrently on PostgreSQL (millions of
holdings keep taking writes), then the two old ones are dropped."""

from django.db import migrations, models

from banyan.migration_operations import AddIndexWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('holdings', '0005_fk_indexes_covered_by_composites'),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name='holding',
            index=models.Index(fields=['account_no'], name='holding_account_no'),
        ),
        migrations.AlterField(
            model_name='holding',
            name='account_no',
            field=models.CharField(blank=True, max_length=32, verbose_name='account number'),
        ),
    ]
