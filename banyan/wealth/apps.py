from django.apps import AppConfig


class WealthConfig(AppConfig):
    name = "banyan.wealth"
    label = "wealth"
