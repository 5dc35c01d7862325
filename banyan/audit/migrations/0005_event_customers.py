"""The customers a bulk read or export showed, one narrow row each (customer, event), so that one
event records a page of the book or a CSV of 1,832 customers, and "who saw customer X" is still a
lookup on the primary key. A new, empty table: its indexes cost nothing to build."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_event_data'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEventCustomer',
            fields=[
                ('pk', models.CompositePrimaryKey('customer_id', 'event', blank=True, editable=False, primary_key=True,
                                                  serialize=False)),
                ('customer_id', models.BigIntegerField()),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='customers',
                                            to='audit.auditevent')),
            ],
        ),
    ]
