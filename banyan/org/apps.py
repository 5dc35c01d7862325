from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "banyan.org"
    label = "org"

    def ready(self) -> None:
        from banyan import checks  # noqa: F401 - registers the system checks
