"""The words the hall's index knows, for understanding queries (search.understanding).

Built from the names of the live powers in the index (each word with the number of names it is
in), the built-in lexicon and the administrators' synonyms and intents, the departments' names
and the life-event topics' keywords. From them:

- `known(word)`: is this a word of the catalogue? Unknown words of a query only add to the score;
- `homophones(text)`: catalogue words that sound the same (toneless pinyin, pypinyin's own data):
  营业只照 → 营业执照;
- `near_sounds(text)`: catalogue words that sound the same to a speaker who does not tell zh
  from z, n from l, eng from en (as in Sichuan and much of the south; the fuzzy sounds of every
  Chinese input method): 护造 → 护照, 牛奶 typed 流奶;
- `near_forms(text)`: catalogue words of four characters or more that differ in one character
  (a near-form or mistyped character): 营业执熙 → 营业执照.

One vocabulary per process, rebuilt when the index changed (a generation in the shared cache,
a new value at each change: search.documents.replace_documents), at most every
SEARCH_VOCABULARY_REFRESH_SECONDS: until then the previous one answers (a correction a minute
late is harmless; rebuilding 100,000 names on every publication is not), and while a newer one
is built (in a thread) it answers too.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from pypinyin import lazy_pinyin

from . import lexicon
from .segmentation import TOKEN_RE, normalise, prepare

log = logging.getLogger(__name__)

GENERATION_KEY = "search:index-generation"
CHECK_SECONDS = 1.0
NEAR_FORM_MIN_LENGTH = 4
MAX_WORD_LENGTH = 12


def pinyin_key(text: str) -> str:
    return " ".join(lazy_pinyin(text))


# The sounds that much of the country does not tell apart, as input methods' fuzzy pinyin
# merges them: initials zh/z, ch/c, sh/s, n/l, h/f; finals ang/an, eng/en, ing/in.
_FUZZY_INITIAL = re.compile(r"^(?:([zcs])h|n(?!g?$)|h)")
_FUZZY_FINAL = re.compile(r"([aei])ng$")


def _fuzzy_syllable(syllable: str) -> str:
    syllable = _FUZZY_INITIAL.sub(lambda m: m.group(1) or ("l" if m.group(0) == "n" else "f"),
                                  syllable)  # fmt: skip
    return _FUZZY_FINAL.sub(r"\1n", syllable)


def fuzzy_key(key: str) -> str:
    """A pinyin_key with the sounds many speakers merge merged: 护造 and 护照 share one."""
    return " ".join(_fuzzy_syllable(s) for s in key.split(" "))


def is_chinese(text: str) -> bool:
    return bool(text) and all("\u4e00" <= c <= "\u9fff" for c in text)


@dataclass(frozen=True)
class TopicWords:
    """A live life-event topic as a query meets it: the everyday words that name the event and
    the live powers it lists, in order."""

    topic_id: int
    words: tuple[str, ...]
    power_ids: tuple[int, ...]


@dataclass
class Vocabulary:
    frequency: dict[str, int] = field(default_factory=dict)  # in powers' names
    by_sound: dict[str, list[str]] = field(default_factory=dict)
    by_shape: dict[str, list[str]] = field(default_factory=dict)
    by_fuzzy_sound: dict[str, list[str]] = field(default_factory=dict)
    topics: list[TopicWords] = field(default_factory=list)
    extra: frozenset[str] = frozenset()  # lexicon, departments, topics
    # The words in more than WIDE_DOCUMENTS powers' own words (name, code, legal basis with
    # the cited articles' text), with that number: 直接 is in 2 names of 100,000 but in the
    # legal basis of 10,000 (wide_words).
    wide: dict[str, int] = field(default_factory=dict)

    def known(self, word: str) -> bool:
        """A word of the catalogue or of the lexicon: never corrected."""
        return word in self.frequency or word in self.extra

    def in_names(self, word: str) -> bool:
        """A word of some power's name: a query word the results should have."""
        return word in self.frequency

    def df(self, word: str) -> int:
        return self.frequency.get(word, 0)

    def reach(self, word: str) -> int:
        """How many powers a word of a query finds, as far as it matters: the names it is in,
        or, for a word of the laws' language rather than of the powers' names (直接, 依法: in
        LEGAL_LANGUAGE times more powers' legal basis than names, and in more than
        WIDE_DOCUMENTS), the powers it is in. 检查 and 消防 are in the basis of many powers
        whose names have them too: what those find is what the citizen asked for."""
        names, wide = self.frequency.get(word, 0), self.wide.get(word, 0)
        return wide if wide > LEGAL_LANGUAGE * names else names

    def homophones(self, text: str, key: str | None = None) -> list[str]:
        """Known words of the same length that sound like `text`, most frequent first."""
        key = pinyin_key(text) if key is None else key
        return [w for w in self.by_sound.get(key, ()) if w != text and len(w) == len(text)]

    def near_sounds(self, text: str, key: str | None = None) -> list[str]:
        """Known words of the same length that sound like `text` once the sounds many speakers
        merge are merged (fuzzy_key), most frequent first: the homophones among them too."""
        key = fuzzy_key(pinyin_key(text) if key is None else key)
        return [w for w in self.by_fuzzy_sound.get(key, ()) if w != text and len(w) == len(text)]

    def near_forms(self, text: str) -> list[str]:
        """Known words that differ from `text` in exactly one character."""
        found = []
        for position in range(len(text)):
            for word in self.by_shape.get(_masked(text, position), ()):
                if word != text and word not in found:
                    found.append(word)
        return found


def _masked(word: str, position: int) -> str:
    return word[:position] + "*" + word[position + 1 :]


def build(name_words, extra_words, topics=(), wide=None) -> Vocabulary:
    """A vocabulary from the segmented names of the powers (one string of space-separated words
    per power) and other words (lexicon, departments, topics), which count once each."""
    frequency: dict[str, int] = defaultdict(int)
    for words in name_words:
        for word in set(words.split()):
            if len(word) <= MAX_WORD_LENGTH:
                frequency[word] += 1
    extra = set()
    for word in extra_words:
        word = normalise(word).strip()
        if word and len(word) <= MAX_WORD_LENGTH and TOKEN_RE.fullmatch(word):
            extra.add(word)
    by_sound, by_shape, by_fuzzy_sound = defaultdict(list), defaultdict(list), defaultdict(list)
    for word in sorted({*frequency, *extra}, key=lambda w: (-frequency.get(w, 0), w)):
        if len(word) < 2 or not is_chinese(word):
            continue
        key = pinyin_key(word)
        by_sound[key].append(word)
        by_fuzzy_sound[fuzzy_key(key)].append(word)
        if len(word) >= NEAR_FORM_MIN_LENGTH:
            for position in range(len(word)):
                by_shape[_masked(word, position)].append(word)
    return Vocabulary(
        frequency=dict(frequency),
        by_sound=dict(by_sound),
        by_shape=dict(by_shape),
        by_fuzzy_sound=dict(by_fuzzy_sound),
        topics=list(topics),
        extra=frozenset(extra),
        wide=dict(wide or {}),
    )


def _lexicon_words():
    from .models import Intent, Synonym

    for group in lexicon.abbreviations():
        yield from group
    for rule in (*lexicon.intents(), *lexicon.actions()):
        yield from rule.words
    for rule in lexicon.department_names():
        yield from rule.phrases
    for synonym in Synonym.objects.all():
        yield from synonym.term_list
    for intent in Intent.objects.all():
        yield from intent.word_list


def _catalogue_words():
    from .models import DocumentKind, SearchDocument

    yield from SearchDocument.objects.filter(
        kind__in=[DocumentKind.DEPARTMENT, DocumentKind.TOPIC]
    ).values_list("name_words", flat=True)


TOPIC_SUFFIX = "一件事"


def topic_words(topic) -> tuple[str, ...]:
    """The words that name a topic's event: its keywords and its title without 一件事."""
    title = prepare(topic.title).removesuffix(TOPIC_SUFFIX).strip()
    words = [prepare(w) for w in topic.keyword_list]
    return tuple(w for w in dict.fromkeys([title, *words]) if len(w) >= 2)


def _topics() -> list[TopicWords]:
    from topics.selectors import live_topics, topic_powers

    topics = list(live_topics().only("id", "title", "keywords"))
    powers = topic_powers(topics) if topics else {}
    return [
        TopicWords(t.pk, topic_words(t), tuple(p.pk for p in powers.get(t.pk, ()))) for t in topics
    ]


def load() -> Vocabulary:
    from .models import DocumentKind, SearchDocument

    names = SearchDocument.objects.filter(kind=DocumentKind.POWER).values_list(
        "name_words", flat=True
    )
    extra = list(_lexicon_words())
    for words in _catalogue_words():
        extra.extend(words.split())
    topics = _topics()
    for topic in topics:
        extra.extend(topic.words)
    return build(names.iterator(chunk_size=5000), extra, topics, wide_words())


# A word in this many times more powers' own words than names is of the laws' language.
LEGAL_LANGUAGE = 20
# Words in more powers than this are counted in the powers' own words (Vocabulary.wide). Below
# understanding.BROAD_NAMES: a word is broad there by this count too.
WIDE_DOCUMENTS = 1_000
WIDE_WORDS_KEY = "search:wide-words"
# The counts serve every generation of the index for this long: publications change the index
# every minute of a working day, and the counts of words in a thousand powers or more barely
# move with each; counting them costs seconds of the database (3 s at 100,000 powers on
# PostgreSQL).
WIDE_WORDS_MAX_AGE = 600


def wide_words() -> dict[str, int]:
    """{word: powers} for the words in more than WIDE_DOCUMENTS powers' own words, counted by
    the database's full-text index of them (PostgreSQL's ts_stat, SQLite's fts5vocab), shared
    by every process (the cache). Counted again when the counts are older than
    WIDE_WORDS_MAX_AGE and the index has changed since, by one process: while it counts, the
    others go on with the counts there are."""
    generation = _shared_generation()
    kept = cache.get(WIDE_WORDS_KEY)
    if kept is not None:
        counted_at, of_generation, counts = kept
        if of_generation == generation or time.time() - counted_at < WIDE_WORDS_MAX_AGE:
            return counts
        if not cache.add(f"{WIDE_WORDS_KEY}:counting", 1, timeout=WIDE_WORDS_MAX_AGE):
            return counts  # another process is counting them
    try:
        counts = _count_wide_words()
        cache.set(WIDE_WORDS_KEY, (time.time(), generation, counts), timeout=24 * 3600)
    finally:
        cache.delete(f"{WIDE_WORDS_KEY}:counting")
    return counts


def _count_wide_words() -> dict[str, int]:
    from django.db import connection

    from .models import SearchDocument

    table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            documents = f"SELECT precise_vector FROM {table} WHERE kind = 'power'"  # noqa: S608
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s) WHERE ndoc > %s",
                           [documents, WIDE_DOCUMENTS])  # fmt: skip
        elif connection.vendor == "sqlite":
            # The powers' own words' full-text table (migration 0006), term by term.
            cursor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.hall_search_name_vocab "
                           "USING fts5vocab(main, 'hall_search_name_fts', 'row')")  # fmt: skip
            cursor.execute("SELECT term, doc FROM temp.hall_search_name_vocab WHERE doc > %s",
                           [WIDE_DOCUMENTS])  # fmt: skip
        else:
            return {}
        return dict(cursor.fetchall())


_lock = threading.Lock()
_current: Vocabulary | None = None
_generation = None
_built_at = float("-inf")
_checked_at = float("-inf")


def index_changed():
    """The index or the lexicon changed: vocabularies everywhere are out of date."""
    global _checked_at
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    _checked_at = float("-inf")


def _shared_generation():
    """The generation of the index that every process shares: a new value at each change,
    never one seen before. (A counter started again from 1 when the cache lost it, after
    Redis restarts or a test's rollback, would meet a process's old vocabulary at the same
    number, and that process would go on with it.)"""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    return generation


def current() -> Vocabulary:
    """This process's vocabulary, rebuilt when out of date (see the module's docstring). Once a
    process has one, a newer one is built beside it, in a thread, while the old one answers: no
    search waits for 100,000 names to be read."""
    global _checked_at
    now = time.monotonic()
    refresh = getattr(settings, "SEARCH_VOCABULARY_REFRESH_SECONDS", 60)
    if _current is not None and (now - _checked_at < CHECK_SECONDS or now - _built_at < refresh):
        return _current
    _checked_at = now
    generation = _shared_generation()
    if _current is not None and generation == _generation:
        return _current
    if _current is None or refresh <= 0:
        _rebuild(generation)
    elif not _rebuilding.is_set():
        _rebuilding.set()
        threading.Thread(target=_rebuild_in_background, args=(generation,), daemon=True).start()
    return _current


_rebuilding = threading.Event()


def _rebuild(generation):
    global _current, _generation, _built_at
    with _lock:
        if _current is None or generation != _generation:
            _current, _generation, _built_at = load(), generation, time.monotonic()


def _rebuild_in_background(generation):
    from django.db import connection

    try:
        _rebuild(generation)
    except Exception:  # the old vocabulary goes on answering; the next check tries again
        log.exception("搜索词表重建失败")
    finally:
        _rebuilding.clear()
        connection.close()
