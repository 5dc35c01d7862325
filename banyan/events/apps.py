from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "banyan.events"
    label = "events"
