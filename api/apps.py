from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    label = "disclosure_api"
    verbose_name = "开放接口"
