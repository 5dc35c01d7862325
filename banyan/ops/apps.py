from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Banyan in production: backups and restores."""

    name = "banyan.ops"
    label = "ops"
