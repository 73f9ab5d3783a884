from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "网上政务大厅"
