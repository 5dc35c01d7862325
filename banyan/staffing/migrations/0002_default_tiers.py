"""The bank's first tiers (issue 16 §7, seed 002's 二八原则 and 合适的人员): 私人银行 from
¥6,000,000 of AUM (a private banker), 贵宾 from ¥500,000 (a senior manager, co-covered by the
branch head), 大众 below (any manager; an assistant may serve them). The administrator edits them
on the tiers' settings page; the seed writes them only into an empty table (banyan/seeding.py)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_TIERS = (
    # code, name, English name, from AUM, coverage, order
    ("private", "私人银行", "Private banking", Decimal("6000000"), "private_banker", 1),
    ("priority", "贵宾", "Priority", Decimal("500000"), "branch_head_co_cover", 2),
    ("mass", "大众", "Mass", Decimal("0"), "assistant_ok", 3),
)


def seed(apps, schema_editor):
    tier = apps.get_model("staffing", "Tier")
    if tier.objects.exists():  # the bank's own tiers: never added to
        return
    tier.objects.bulk_create([tier(code=code, name=name, name_en=name_en, min_aum=min_aum, coverage=coverage,
                                   sort_order=order)
                              for code, name, name_en, min_aum, coverage, order in DEFAULT_TIERS])


def unseed(apps, schema_editor):
    apps.get_model("staffing", "Tier").objects.filter(code__in=[t[0] for t in DEFAULT_TIERS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("staffing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
