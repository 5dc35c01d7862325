"""A group share's `content_ref` becomes a ForeignKey to the content library's piece (OUT-7). A
number that names no piece (written before the library existed) is forgotten first: the share
keeps its text and becomes a plain text share."""

import django.db.models.deletion
from django.db import migrations, models


def forget_dangling(apps, schema_editor):
    share = apps.get_model("service", "GroupShare")
    piece = apps.get_model("outreach", "ContentPiece")
    (share.objects.filter(content_ref__isnull=False).exclude(content_ref__in=piece.objects.values("pk"))
     .update(content_ref=None, kind="text"))


class Migration(migrations.Migration):

    dependencies = [
        ("outreach", "0007_content_library"),
        ("service", "0004_complaint_settings"),
    ]

    operations = [
        migrations.RunPython(forget_dangling, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="groupshare",
            name="content_ref",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="group_shares", to="outreach.contentpiece",
                                    verbose_name="content library piece"),
        ),
    ]
