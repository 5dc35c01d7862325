from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "banyan.contacts"
    label = "contacts"
