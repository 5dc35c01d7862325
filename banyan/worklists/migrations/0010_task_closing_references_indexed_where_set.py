"""A task's interaction and closer are set when it is closed: indexed only where set. A bank-wide
build writes tens of thousands of open tasks at a time, each of which updated two indexes of
NULLs (issue 15 §3: 0.15–0.3 s of a 1M-customer build). The lookups by either (Django's SET_NULL
when an interaction or a staff member is deleted) name a value, which the partial index serves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0007_wanted_product_type'),
        ('customers', '0008_agreed_contact_frequency'),
        ('worklists', '0009_wanted_product_reason'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='task',
            name='closed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='task',
            name='interaction',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contacts.interaction'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('interaction__isnull', False)), fields=['interaction'], name='task_interaction'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('closed_by__isnull', False)), fields=['closed_by'], name='task_closed_by'),
        ),
    ]
