from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "banyan.worklists"
    label = "worklists"

    def ready(self) -> None:
        from banyan.worklists import generations

        generations.connect()
