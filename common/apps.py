from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Helpers with no knowledge of the domain that every layer may use: the public page cache
    and the cleaning of public input."""

    name = "common"
    verbose_name = "公共组件"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from . import batching, database, pagecache

        database.connect(self)
        pagecache.connect_invalidation()
        batching.participate(pagecache.deferred_invalidation)
