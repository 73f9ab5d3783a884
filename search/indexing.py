"""Keeping the search and reference indexes in step with powers, one at a time or in bulk.

PowerPage sets `search_auto_update = False`, so modelsearch does not index it on every save; the
handlers here do the same work, except inside `deferred_indexing()`, where saves are collected and
each page is indexed once, in bulk, when the block ends. A bulk import therefore indexes every page
it writes once, instead of three times (create, revision, publish), and the reference index (which
Wagtail's "usage" and our law-citation lookups rely on) likewise.
"""

from collections import defaultdict
from contextlib import contextmanager

from asgiref.local import Local
from django.db.models.signals import post_delete, post_save
from modelsearch.backends import get_search_backends
from modelsearch.index import remove_object
from modelsearch.tasks import insert_or_update_object_task
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

BULK_CHUNK = 500
_state = Local()


@contextmanager
def deferred_indexing():
    """Collect index updates made in the block and apply them, once per object, at its end.

    Use it inside the transaction that writes the pages, so that the index is written in the
    same transaction: all or nothing.
    """
    if getattr(_state, "search", None) is not None:  # nested: the outer block indexes
        yield
        return
    _state.search, _state.references = defaultdict(set), defaultdict(set)
    try:
        with disable_reference_index_auto_update():
            yield
        search, references = _state.search, _state.references
    finally:
        _state.search = _state.references = None
    for model, pks in search.items():
        for objects in _chunks(model.get_indexed_objects(), pks):
            for backend in get_search_backends(with_auto_update=True):
                backend.add_bulk(model, objects)
    for model, pks in references.items():
        for objects in _chunks(model._default_manager.all(), pks):
            for obj in objects:
                ReferenceIndex.create_or_update_for_object(obj)


def index_later(model, pks, *, references=True):
    """Inside deferred_indexing(): index these objects (search and, unless the writer did it
    itself, reference indexes) at the end of the block, as a save would have. For writers that
    insert rows in bulk (catalogue.bulk)."""
    if getattr(_state, "search", None) is None:
        raise RuntimeError("index_later() must be called inside deferred_indexing()")
    _state.search[model].update(pks)
    if references and ReferenceIndex.is_indexed(model):
        _state.references[model].update(pks)


def _chunks(queryset, pks):
    pks = sorted(pks)
    for start in range(0, len(pks), BULK_CHUNK):
        yield list(queryset.filter(pk__in=pks[start : start + BULK_CHUNK]))


def _power_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    pending = getattr(_state, "search", None)
    if pending is not None:
        pending[type(instance)].add(instance.pk)
    else:
        insert_or_update_object_task.enqueue(
            instance._meta.app_label, instance._meta.model_name, str(instance.pk)
        )


def _power_deleted(sender, instance, **kwargs):
    remove_object(instance)


def _any_saved(sender, instance, raw=False, **kwargs):
    pending = getattr(_state, "references", None)
    if pending is not None and not raw and ReferenceIndex.is_indexed(type(instance)):
        pending[type(instance)].add(instance.pk)


def connect(*models):
    post_save.connect(_any_saved, dispatch_uid="search-indexing-references")
    for model in models:
        uid = f"search-indexing-{model._meta.label_lower}"
        post_save.connect(_power_saved, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_power_deleted, sender=model, dispatch_uid=f"{uid}-delete")
