from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "职权目录"

    def ready(self):
        from disclosure import pagecache

        pagecache.connect_invalidation()
