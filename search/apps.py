from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "hall_search"
    verbose_name = "站内搜索"

    def ready(self):
        from catalogue.models import PowerPage

        from . import indexing, receivers

        indexing.connect(PowerPage)
        receivers.connect()
