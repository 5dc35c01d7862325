from django.apps import AppConfig, apps


class WebConfig(AppConfig):
    name = "banyan.web"
    label = "web"

    def ready(self):
        from banyan.validation import use_banyan_length_messages

        # Every Banyan model's text fields refuse a too-long text in Banyan's words (services, API).
        use_banyan_length_messages(m for m in apps.get_models() if m.__module__.startswith("banyan."))
