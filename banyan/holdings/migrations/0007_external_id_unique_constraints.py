"""Holdings' and transactions' core-banking numbers stay unique, by constraints instead of
`unique=True` (see customers 0007): one index fewer to write per row of a feed, 150 MB less at 1M
customers. Each constraint's index is built first, concurrently on PostgreSQL, then the old
constraint and its LIKE index are dropped."""

from django.db import migrations, models

from banyan.migration_operations import AddUniqueConstraintWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('holdings', '0006_account_number_index'),
    ]

    operations = [
        AddUniqueConstraintWithoutBlockingWrites(
            model_name='holding',
            constraint=models.UniqueConstraint(fields=('external_id',), name='holding_external_id_unique'),
        ),
        AddUniqueConstraintWithoutBlockingWrites(
            model_name='transaction',
            constraint=models.UniqueConstraint(fields=('external_id',), name='transaction_external_id_unique'),
        ),
        migrations.AlterField(
            model_name='holding',
            name='external_id',
            field=models.CharField(blank=True, max_length=40, null=True),
        ),
        migrations.AlterField(
            model_name='transaction',
            name='external_id',
            field=models.CharField(max_length=40),
        ),
    ]
