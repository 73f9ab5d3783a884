from django.apps import AppConfig


class TopicsConfig(AppConfig):
    name = "topics"
    verbose_name = "高效办成一件事"

    def ready(self):
        from . import receivers

        receivers.connect()
