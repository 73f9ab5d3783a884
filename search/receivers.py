"""Keep the search vocabulary fresh when administrators change it (glue only)."""

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


def connect():
    from .models import DictionaryWord, Synonym

    for signal in (post_save, post_delete):
        signal.connect(_synonyms_changed, sender=Synonym, dispatch_uid=f"synonyms-{signal}")
        signal.connect(_dictionary_changed, sender=DictionaryWord, dispatch_uid=f"dict-{signal}")
