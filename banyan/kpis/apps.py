from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "banyan.kpis"
    label = "kpis"
