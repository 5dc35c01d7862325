from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "banyan.worklists"
    label = "worklists"
