"""Audit events keep what an act was about as values (`data`: the filter, the count, via which
page), rendered per action in the reader's language instead of English text in `detail`.

A nullable column without a default: on PostgreSQL a change of the catalogue only, instant on a
table of millions of events (no rewrite, no long lock)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_fk_indexes_covered_by_composites'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='data',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
