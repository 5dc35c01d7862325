from django.db import migrations


def seed(apps, schema_editor):
    from banyan.outreach.scripts_seed import LIBRARY

    Script = apps.get_model("outreach", "Script")
    for title, kind, objection, steps in LIBRARY:
        Script.objects.get_or_create(title=title, branch=None, defaults={
            "kind": kind, "objection": objection,
            "steps": [{"step": step or "", "text": text} for step, text in steps]})


def unseed(apps, schema_editor):
    from banyan.outreach.scripts_seed import LIBRARY

    apps.get_model("outreach", "Script").objects.filter(branch=None, title__in=[t for t, *_ in LIBRARY]).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
