from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "banyan.service"
    label = "service"
