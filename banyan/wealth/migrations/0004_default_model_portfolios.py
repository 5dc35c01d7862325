"""The default model portfolios (模型组合), one per customer risk level, as the product ships them;
the bank edits them on the settings page.

Targets follow the usual shape of Chinese banks' asset-allocation advice: the lower the level, the
more in deposits and R1–R2 products; nothing above the customer's own level (C2 holds nothing above
R2), so that the diagnosis never points at what suitability forbids. Every customer keeps three to
six months of spending liquid (demand deposits, T+0 products)."""

from django.db import migrations

# level, name, English name, (R1..R5), (deposits, wealth, funds, bonds, insurance, precious metals)
DEFAULTS = [
    ("C1", "谨慎型配置", "Conservative", (100, 0, 0, 0, 0), (60, 25, 0, 10, 5, 0)),
    ("C2", "稳健型配置", "Cautious", (50, 50, 0, 0, 0), (40, 35, 5, 10, 10, 0)),
    ("C3", "平衡型配置", "Balanced", (30, 40, 30, 0, 0), (25, 30, 20, 10, 10, 5)),
    ("C4", "成长型配置", "Growth", (20, 25, 30, 25, 0), (15, 25, 35, 10, 10, 5)),
    ("C5", "进取型配置", "Aggressive", (10, 20, 25, 25, 20), (10, 20, 45, 10, 10, 5)),
]


def seed(apps, schema_editor):
    ModelPortfolio = apps.get_model("wealth", "ModelPortfolio")
    for level, name, name_en, risks, classes in DEFAULTS:
        r1, r2, r3, r4, r5 = risks
        deposit, wealth, fund, bond, insurance, metal = classes
        ModelPortfolio.objects.get_or_create(risk_level=level, defaults={
            "name": name, "name_en": name_en, "r1_pct": r1, "r2_pct": r2, "r3_pct": r3, "r4_pct": r4, "r5_pct": r5,
            "deposit_pct": deposit, "wealth_pct": wealth, "fund_pct": fund, "bond_pct": bond,
            "insurance_pct": insurance, "precious_metal_pct": metal, "liquid_months_min": 3, "liquid_months_max": 6,
            "note": "默认配置"})


def unseed(apps, schema_editor):
    apps.get_model("wealth", "ModelPortfolio").objects.filter(note="默认配置").delete()


class Migration(migrations.Migration):
    dependencies = [("wealth", "0003_diagnosis_model_portfolios")]

    operations = [migrations.RunPython(seed, unseed)]
