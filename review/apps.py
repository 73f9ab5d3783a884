from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "法制办审核"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from . import receivers

        receivers.connect()
