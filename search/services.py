"""Writes of the search package: the search log, and reading editorial best bets."""

from django.db import DatabaseError

from .models import SearchLogEntry, Synonym
from .query import SYNONYMS_CACHE_KEY


def search_log_record(*, query: str, results: int, duration_ms: int, corrected: str = ""):
    """Log a search (query, result count, time, the correction searched instead); nothing
    about the person. Never fails a search: a log that cannot be written is skipped. Returns
    the entry (None when skipped)."""
    try:
        return SearchLogEntry.objects.create(
            query=query[:100], results=results, duration_ms=duration_ms, corrected=corrected[:100]
        )
    except DatabaseError:
        return None


def promotions_for(query: str):
    """Editors' best bets for this query (Wagtail's search promotions), live pages only."""
    from wagtail.contrib.search_promotions.models import Query
    from wagtail.search.utils import normalise_query_string

    # Query.get() would create a row for every string anyone types: only look it up.
    found = Query.objects.filter(query_string=normalise_query_string(query)).first()
    if found is None:
        return []
    promotions = found.editors_picks.select_related("page").order_by("sort_order")
    return [p for p in promotions if p.page is None or p.page.live]


def synonyms_load(path) -> list[str]:
    """Create the synonym groups of a word list (one group per line, # for comments) that do
    not exist yet; administrators' own groups are left as they are. Returns the new groups."""
    from django.core.cache import cache

    existing = {tuple(s.term_list) for s in Synonym.objects.all()}
    created = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        synonym = Synonym(terms=line)
        if tuple(synonym.term_list) not in existing:
            synonym.save()
            existing.add(tuple(synonym.term_list))
            created.append(line)
    cache.delete(SYNONYMS_CACHE_KEY)
    return created
