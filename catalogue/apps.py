from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "职权目录"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from . import checks, receivers  # noqa: F401 - checks registers itself

        receivers.connect()
