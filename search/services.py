"""Writes of the search package: the search log, and reading editorial best bets."""

import datetime

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from .lexicon import split_terms
from .models import Intent, SearchDocument, SearchLogEntry, Synonym

# A click counts for the search it came from within this time (a search page left open).
CLICK_WINDOW = datetime.timedelta(hours=6)
MAX_TERM_LENGTH = 30


def search_log_record(result) -> SearchLogEntry | None:
    """Log a search (search.engine.SearchPage): the query, the result count, the time, the
    correction searched instead, the situation it was read as (guessed); nothing about the
    person. Never fails a search: a log that cannot be written is skipped. Returns the entry
    (None when skipped)."""
    try:
        return SearchLogEntry.objects.create(
            query=result.query[:100],
            results=result.total,
            duration_ms=result.duration_ms,
            corrected=(result.searched if result.corrected_from else "")[:100],
            guessed="".join(result.guessed)[:100],
            guessed_as="、".join(result.guessed_as)[:300],
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
    return created


def search_click_record(entry_id: int, document_id: int) -> str | None:
    """A citizen opened a result of a logged search: count it (what nobody opens is what the
    search gets wrong) and return the result's address; None for an unknown result. Nothing
    about the person is kept."""
    url = SearchDocument.objects.filter(pk=document_id).values_list("url", flat=True).first()
    if url is None or not url.startswith("/"):
        return None
    since = timezone.now() - CLICK_WINDOW
    try:
        SearchLogEntry.objects.filter(pk=entry_id, searched_at__gte=since).update(
            clicks=F("clicks") + 1
        )
    except DatabaseError:
        pass
    return url


def _terms(text: str, label: str, *, minimum: int) -> list[str]:
    terms = list(dict.fromkeys(split_terms(text or "")))
    if len(terms) < minimum:
        raise ValidationError(f"请填写{label}" + ("（至少两个词）" if minimum > 1 else "") + "。")
    too_long = [t for t in terms if len(t) > MAX_TERM_LENGTH]
    if too_long:
        raise ValidationError(
            f"“{too_long[0][:MAX_TERM_LENGTH]}…”太长：每个词不超过 {MAX_TERM_LENGTH} 个字。"
        )
    return terms


def intent_create(*, phrases: str, words: str, note: str = "") -> Intent:
    """Teach the search that citizens' phrases mean the catalogue's words (搜索意图). Each phrase
    has two characters or more; the fields' own limits hold (the admin's form and this say the
    same)."""
    phrase_list = _terms(phrases, "市民的说法", minimum=1)
    short = [p for p in phrase_list if len(p) < 2]
    if short:
        raise ValidationError(f"“{short[0]}”太短：市民的说法至少两个字。")
    word_list = _terms(words, "目录里的说法", minimum=1)
    intent = Intent(phrases="、".join(phrase_list), words="、".join(word_list), note=note[:200])
    intent.full_clean()
    intent.save()
    return intent


def synonym_create(*, terms: str) -> Synonym:
    """A group of words that mean the same to citizens; an existing group is not repeated."""
    term_list = _terms(terms, "同义词", minimum=2)
    synonym = Synonym(terms="、".join(term_list))
    synonym.full_clean()
    existing = {tuple(s.term_list): s for s in Synonym.objects.all()}
    if tuple(term_list) in existing:
        return existing[tuple(term_list)]
    synonym.save()
    return synonym
