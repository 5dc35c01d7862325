from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "banyan.messaging"
    label = "messaging"
    verbose_name = "Messages"

    def ready(self) -> None:
        from banyan.messaging import checks  # noqa: F401  (registers the gateway check)
