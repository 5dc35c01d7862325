from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "banyan.staffing"
    label = "staffing"
