"""The hall's search index as a Wagtail search backend ("hall" in WAGTAILSEARCH_BACKENDS), so
that Wagtail's own machinery keeps it in step: saves and deletes of indexed models (through
modelsearch's signal handlers and search.indexing), and `manage.py update_index`. Searching it is
search.engine's job; Wagtail's own search API keeps using the default backend."""

from modelsearch.backends.base import BaseIndex, BaseSearchBackend

from common.database import maintain

from . import es_hall
from .documents import index_objects, unindex_object
from .models import SearchDocument


class HallIndex(BaseIndex):
    # During a rebuild (HallRebuilder): the ids of the documents found up to date and kept.
    kept = None

    def get_key(self):
        return "hall"

    def add_model(self, model):
        pass

    def refresh(self):
        pass

    def reset(self):
        SearchDocument.objects.all().delete()

    def add_item(self, item):
        self.add_items(type(item), [item])

    def add_items(self, model, items):
        kept = index_objects(model, items)
        if self.kept is not None:
            self.kept.update(kept)

    def delete_item(self, item):
        unindex_object(item)


class HallRebuilder:
    """Rebuild in place: searches keep working while `update_index` runs. Every document written
    during the rebuild is a new row, and every one found up to date is kept (search.documents),
    so whatever existed before and was neither rewritten nor kept is stale."""

    def __init__(self, index):
        self.index = index
        self.stale = []
        self.started = None

    def start(self):
        self.stale = list(SearchDocument.objects.values_list("pk", flat=True))
        self.started = es_hall.rebuild_started()
        self.index.kept = set()
        return self.index

    def finish(self):
        kept, self.index.kept = self.index.kept, None
        stale = [pk for pk in self.stale if pk not in kept]
        for start in range(0, len(stale), 900):
            SearchDocument.objects.filter(pk__in=stale[start : start + 900]).delete()
        es_hall.rebuild_finished(self.started)
        # What was written, now and by the publications before (each its own segment of the
        # full-text index, or dead rows beside the new ones on PostgreSQL), is merged and the
        # planner's statistics refreshed (common.database): after `update_index` the index is
        # in one piece even when the rebuild itself found everything up to date.
        maintain()


class HallSearchBackend(BaseSearchBackend):
    index_class = HallIndex
    rebuilder_class = HallRebuilder

    def search(self, *args, **kwargs):
        raise NotImplementedError("请使用 search.engine.search_hall 搜索网上政务大厅。")

    autocomplete = search


SearchBackend = HallSearchBackend
