"""The rules for the words of a query, shared by the database engine (search.engine) and
Elasticsearch (search.es_hall): synonym groups (cached), a word's alternatives, and the soft words
that say what a citizen wants to know about a power rather than which power."""

import functools
import uuid

from django.core.cache import cache

from . import lexicon
from .models import Intent, Synonym
from .segmentation import normalise, prepare, query_words

SYNONYMS_CACHE_KEY = f"search:synonyms:{lexicon.fingerprint()}"
INTENTS_CACHE_KEY = f"search:intents:{lexicon.fingerprint()}"
# Changed whenever the administrators' synonyms or intents change: search.understanding keeps
# its prepared lexicon while this stays the same.
LEXICON_VERSION_KEY = "search:lexicon-version"

# Words citizens add to say what they want to know about a power, not which power: 罚款标准,
# 办理流程, 需要什么材料. They are highlighted and rank higher the powers that contain them, but
# are not required to match.
SOFT_WORDS = frozenset(
    "标准 基准 流程 材料 条件 时限 费用 收费 多少钱 需要 什么 办法 规定 政府".split()
)


def synonym_groups() -> list[list[str]]:
    """The built-in abbreviations (search/lexicon/abbreviations.txt) and the administrators'
    synonym groups."""
    groups = cache.get(SYNONYMS_CACHE_KEY)
    if groups is None:
        admin = [s.term_list for s in Synonym.objects.all()]
        builtin = [list(g) for g in lexicon.abbreviations() if list(g) not in admin]
        groups = [*builtin, *admin]
        cache.set(SYNONYMS_CACHE_KEY, groups, 300)
    return groups


def intent_rules() -> dict[str, list[str]]:
    """Citizens' phrase → the catalogue's words: the built-in intents (search/lexicon/
    intents.txt) and the administrators' (search.models.Intent), which win."""
    rules = cache.get(INTENTS_CACHE_KEY)
    if rules is None:
        rules = {}
        admin = [(i.phrase_list, i.word_list) for i in Intent.objects.all()]
        for phrases, words in [*((r.phrases, r.words) for r in lexicon.intents()), *admin]:
            for phrase in phrases:
                if len(phrase) > 1:
                    rules[prepare(phrase)] = [prepare(w) for w in words]
        cache.set(INTENTS_CACHE_KEY, rules, 300)
    return rules


def lexicon_changed():
    """The administrators changed synonyms or intents: every process reads them again."""
    cache.delete_many([SYNONYMS_CACHE_KEY, INTENTS_CACHE_KEY])
    cache.set(LEXICON_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def lexicon_version() -> str:
    version = cache.get(LEXICON_VERSION_KEY)
    if version is None:
        cache.add(LEXICON_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(LEXICON_VERSION_KEY, "")
    return version


def expand(word: str, groups: list[list[str]]) -> list[list[str]]:
    """Alternatives for a query word: itself, and each synonym (as its own list of words)."""
    alternatives = [[word]]
    for group in groups:
        normalised = _normalised(tuple(group))
        # 办狗证 is one unknown word to the segmenter: a synonym inside it counts too. Not an
        # action's (补办 inside 营业执照补办): actions only rank (search.understanding), and
        # 补领 alone would find every power that reissues anything.
        if word in normalised or (
            any(len(t) > 1 and t in word for t in normalised) and not _actions(normalised)
        ):
            for term in normalised:
                words = query_words(term)
                if term != word and words and words not in alternatives:
                    alternatives.append(words)
    return alternatives


@functools.lru_cache(maxsize=8192)
def _normalised(group: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalise(term) for term in group)


@functools.cache
def _action_terms() -> frozenset[str]:
    """The catalogue's action words (search/lexicon/actions.txt: 补领, 变更…)."""
    return frozenset(normalise(w) for rule in lexicon.actions() for w in rule.words)


def _actions(terms: tuple[str, ...]) -> bool:
    """Whether every term of a group is an action word (补办、补领、补发、补证)."""
    return all(term in _action_terms() for term in terms)
