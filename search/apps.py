from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "hall_search"
    verbose_name = "站内搜索"
