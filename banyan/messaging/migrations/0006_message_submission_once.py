"""The compose page's one-time key: a form posted twice writes one message. The column is nullable
(instant on PostgreSQL); its unique index is built without holding the outbox's writes."""

from django.db import migrations, models

from banyan.migration_operations import AddUniqueConstraintWithoutBlockingWrites


class Migration(migrations.Migration):
    atomic = False  # CREATE UNIQUE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("messaging", "0005_maintenance_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="submission",
            field=models.CharField(blank=True, editable=False, max_length=36, null=True),
        ),
        AddUniqueConstraintWithoutBlockingWrites(
            model_name="message",
            constraint=models.UniqueConstraint(fields=("submission",), name="message_submission_once"),
        ),
    ]
