from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "banyan.feeds"
    label = "feeds"
