"""The stale marks' triggers again, marking a date-time's day in the bank's time zone only
(settings.TIME_ZONE when this ran), instead of its UTC date and the days either side: with those,
every contact logged today marked yesterday stale too, and every review then recounted yesterday
for the whole bank. A change of TIME_ZONE needs these triggers made again by a migration like this
one (banyan/kpis/tests/test_kept.py checks a contact just after midnight and just before)."""

import datetime as dt
import importlib
import zoneinfo

from django.conf import settings
from django.db import migrations

stale = importlib.import_module("banyan.kpis.migrations.0003_stale_triggers")


def banks_day(vendor: str, expr: str) -> list[str]:
    """The date-time's date in the bank's time zone (on SQLite, under each offset the zone has in
    a year: one for Asia/Shanghai)."""
    zone = settings.TIME_ZONE
    if vendor == "postgresql":
        return [f"(({expr}) AT TIME ZONE '{zone}')::date"]
    offsets = sorted({zoneinfo.ZoneInfo(zone).utcoffset(dt.datetime(2026, month, 1)) for month in (1, 7)})
    return [f"date({expr}, '{int(o.total_seconds() // 60):+d} minutes')" for o in offsets]


def forwards(apps, schema_editor):
    stale.drop(apps, schema_editor)
    stale.create(apps, schema_editor, dates=banks_day)


def backwards(apps, schema_editor):
    stale.drop(apps, schema_editor)
    stale.create(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [("kpis", "0004_kept_once")]

    operations = [migrations.RunPython(forwards, backwards)]
