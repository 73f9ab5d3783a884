from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "法制办审核"

    def ready(self):
        from . import receivers

        receivers.connect()
