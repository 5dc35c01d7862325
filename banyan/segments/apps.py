from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "banyan.segments"
    label = "segments"
