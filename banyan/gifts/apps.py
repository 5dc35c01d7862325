from django.apps import AppConfig


class GiftsConfig(AppConfig):
    name = "banyan.gifts"
    label = "gifts"
