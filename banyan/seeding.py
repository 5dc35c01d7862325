"""The rows the data migrations seed — call scripts, message templates, the risk questionnaire and
the suitability policy, the model portfolios, the customer groups' consent wording, the complaint
categories. `migrate` writes them once; a `flush` empties them and nothing writes them again.

`reseed()` puts back whatever of them is missing, by running the migrations' own seed functions
against the current models (each is idempotent: it adds only what is not there). The demo bank
calls it before it builds, so `banyan flush && banyan demo` builds the same bank as a fresh
database; the tests call it after a flush."""

from __future__ import annotations

import importlib

#: (migration module, seed function): the data migrations whose rows the application relies on.
SEEDING_MIGRATIONS = (
    ("banyan.outreach.migrations.0002_seed_scripts", "seed"),
    ("banyan.messaging.migrations.0002_default_templates", "seed"),
    ("banyan.messaging.migrations.0005_maintenance_templates", "seed"),
    ("banyan.messaging.migrations.0007_introduction_and_manager_mobile", "seed"),
    ("banyan.wealth.migrations.0002_default_questionnaire", "seed"),
    ("banyan.wealth.migrations.0004_default_model_portfolios", "seed"),
    ("banyan.service.migrations.0001_customer_groups", "seed"),
    ("banyan.service.migrations.0003_complaints", "seed_categories"),
    ("banyan.service.migrations.0004_complaint_settings", "english_names"),
    ("banyan.staffing.migrations.0002_default_tiers", "seed"),
)


def reseed() -> None:
    """Put back what the data migrations seeded and is missing (idempotent)."""
    from django.apps import apps

    for module, function in SEEDING_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
