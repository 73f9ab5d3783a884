from django.apps import AppConfig


class LawsConfig(AppConfig):
    name = "laws"
    verbose_name = "法律法规库"
