from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "公众评议"
    default_auto_field = "django.db.models.BigAutoField"
