"""Month-end AUM snapshots by date: the nightly job asks whether a month-end is taken (one date of
twelve million rows at 1M customers). Built concurrently on PostgreSQL."""

from django.db import migrations, models

from banyan.migration_operations import AddIndexWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ('holdings', '0007_external_id_unique_constraints'),
    ]

    operations = [
        AddIndexWithoutBlockingWrites(
            model_name='aumsnapshot',
            index=models.Index(fields=['date'], name='aum_snapshot_date'),
        ),
    ]
