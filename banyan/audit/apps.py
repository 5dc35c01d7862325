from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "banyan.audit"
    label = "audit"
