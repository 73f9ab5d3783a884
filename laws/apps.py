from django.apps import AppConfig


class LawsConfig(AppConfig):
    name = "laws"
    verbose_name = "法律法规库"

    def ready(self):
        # Imported here: modules that use models load only once the app registry is ready.
        from common import pagecache

        from .models import Law, LawArticle

        # Power pages quote the articles of the library: a changed law changes them.
        pagecache.invalidate_on_change(Law, LawArticle)
