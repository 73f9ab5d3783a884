from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "hall_search"
    verbose_name = "站内搜索"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from catalogue.models import PowerPage
        from common import batching

        from . import indexing, receivers

        indexing.connect(PowerPage)
        receivers.connect()
        # A bulk write of the catalogue indexes each page it writes once, at its end.
        batching.participate(indexing.deferred_indexing)
