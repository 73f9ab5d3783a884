"""Keep the search vocabulary fresh when administrators change it, and the hall's index in step
with page privacy (glue only)."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from catalogue.models import DepartmentPage, PowerPage
from catalogue.signals import powers_bulk_created

from . import vocabulary
from .documents import index_objects
from .indexing import index_later
from .models import DictionaryWord, Intent, Synonym
from .query import lexicon_changed
from .segmentation import DICTIONARY_VERSION_KEY, dictionary_changed


def _lexicon_changed(**_kwargs):
    lexicon_changed()
    vocabulary.index_changed()


def _dictionary_changed(**_kwargs):
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

    page = Page.objects.filter(pk=instance.page_id).first()
    if page is None:
        return
    subtree = Page.objects.filter(path__startswith=page.path)
    for model in (DepartmentPage, PowerPage):
        index_objects(model, model.objects.filter(pk__in=subtree.values("pk")))


def _powers_bulk_created(sender, pages, **kwargs):
    # The bulk writer wrote the reference index itself.
    index_later(sender, [page.pk for page in pages], references=False)


def connect():
    from wagtail.models import PageViewRestriction

    powers_bulk_created.connect(_powers_bulk_created, dispatch_uid="search-bulk-created")

    for signal in (post_save, post_delete):
        signal.connect(_privacy_changed, sender=PageViewRestriction,
                       dispatch_uid=f"search-privacy-{signal}")  # fmt: skip

    for signal in (post_save, post_delete):
        signal.connect(_lexicon_changed, sender=Synonym, dispatch_uid=f"synonyms-{signal}")
        signal.connect(_lexicon_changed, sender=Intent, dispatch_uid=f"intents-{signal}")
        signal.connect(_dictionary_changed, sender=DictionaryWord, dispatch_uid=f"dict-{signal}")
