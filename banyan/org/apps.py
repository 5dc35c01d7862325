from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "banyan.org"
    label = "org"
