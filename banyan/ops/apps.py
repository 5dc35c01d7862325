from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Banyan in production: backups and restores, the proxy-aware WSGI app, deploy checks."""

    name = "banyan.ops"
    label = "ops"

    def ready(self) -> None:
        from banyan.ops import checks  # noqa: F401 - registers the --deploy checks
