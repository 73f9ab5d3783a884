"""Keep the search vocabulary fresh when administrators change it, and the hall's index in step
with page privacy (glue only)."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save


def _synonyms_changed(**_kwargs):
    from .engine import SYNONYMS_CACHE_KEY

    cache.delete(SYNONYMS_CACHE_KEY)


def _dictionary_changed(**_kwargs):
    from .segmentation import DICTIONARY_VERSION_KEY, dictionary_changed

    try:
        cache.incr(DICTIONARY_VERSION_KEY)
        cache.touch(DICTIONARY_VERSION_KEY, None)
    except ValueError:
        cache.set(DICTIONARY_VERSION_KEY, 2, timeout=None)
    dictionary_changed()


def _privacy_changed(instance, **_kwargs):
    """A page made private (or public again) takes its whole subtree out of (or back into) the
    hall's index: documents hold live, public pages only."""
    from wagtail.models import Page

    from catalogue.models import DepartmentPage, PowerPage

    from .documents import index_objects

    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None:
        return
    subtree = Page.objects.filter(path__startswith=page.path)
    for model in (DepartmentPage, PowerPage):
        index_objects(model, model.objects.filter(pk__in=subtree.values("pk")))


def connect():
    from wagtail.models import PageViewRestriction

    from .models import DictionaryWord, Synonym

    for signal in (post_save, post_delete):
        signal.connect(_privacy_changed, sender=PageViewRestriction,
                       dispatch_uid=f"search-privacy-{signal}")  # fmt: skip

    for signal in (post_save, post_delete):
        signal.connect(_synonyms_changed, sender=Synonym, dispatch_uid=f"synonyms-{signal}")
        signal.connect(_dictionary_changed, sender=DictionaryWord, dispatch_uid=f"dict-{signal}")
