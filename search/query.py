"""The rules for the words of a query, shared by the database engine (search.engine) and
Elasticsearch (search.es_hall): synonym groups (cached), a word's alternatives, and the soft words
that say what a citizen wants to know about a power rather than which power."""

from django.core.cache import cache

from .models import Synonym
from .segmentation import normalise, query_words

SYNONYMS_CACHE_KEY = "search:synonyms"

# Words citizens add to say what they want to know about a power, not which power: 罚款标准,
# 办理流程, 需要什么材料. They are highlighted and rank higher the powers that contain them, but
# are not required to match.
SOFT_WORDS = frozenset("标准 基准 流程 材料 条件 时限 费用 收费 多少钱 需要 什么 办法 规定".split())


def synonym_groups() -> list[list[str]]:
    groups = cache.get(SYNONYMS_CACHE_KEY)
    if groups is None:
        groups = [s.term_list for s in Synonym.objects.all()]
        cache.set(SYNONYMS_CACHE_KEY, groups, 300)
    return groups


def expand(word: str, groups: list[list[str]]) -> list[list[str]]:
    """Alternatives for a query word: itself, and each synonym (as its own list of words)."""
    alternatives = [[word]]
    for group in groups:
        normalised = [normalise(term) for term in group]
        # 办狗证 is one unknown word to the segmenter: a synonym inside it counts too.
        if word in normalised or any(len(t) > 1 and t in word for t in normalised):
            for term in normalised:
                words = query_words(term)
                if term != word and words and words not in alternatives:
                    alternatives.append(words)
    return alternatives
