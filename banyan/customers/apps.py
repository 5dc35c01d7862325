from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "banyan.customers"
    label = "customers"
