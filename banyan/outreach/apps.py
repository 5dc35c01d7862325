from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "banyan.outreach"
    label = "outreach"
