from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "banyan.web"
    label = "web"
