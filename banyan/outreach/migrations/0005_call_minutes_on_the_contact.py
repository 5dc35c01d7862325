"""A campaign call's minutes now live on the contact it recorded (contacts 0005), where the daily
calling target counts every phone contact's minutes: the calls recorded before are copied over."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def copy_minutes(apps, schema_editor):
    CallLog = apps.get_model("outreach", "CallLog")
    Interaction = apps.get_model("contacts", "Interaction")
    logged = CallLog.objects.filter(interaction=OuterRef("pk"), minutes__gt=0).order_by("-pk").values("minutes")[:1]
    Interaction.objects.filter(pk__in=CallLog.objects.filter(minutes__gt=0).values("interaction")).update(
        minutes=Subquery(logged))


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0005_interaction_minutes'),
        ('outreach', '0004_fk_indexes_covered_by_composites'),
    ]

    operations = [
        migrations.RunPython(copy_minutes, migrations.RunPython.noop),
    ]
