from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = "使用手册"
