from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "access"
    verbose_name = "角色与权限"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from . import receivers

        receivers.connect()
