from django.apps import AppConfig


class HoldingsConfig(AppConfig):
    name = "banyan.holdings"
    label = "holdings"
