"""Chinese word segmentation for the hall's search, at index time and at query time.

Library: rjieba, the Python binding of jieba-rs (MIT). It segments exactly like jieba (same
349,000-word dictionary and HMM for unknown words) about a hundred times faster, which keeps a
full `update_index` of 10,000 powers within seconds; and it accepts words at run time, which the
domain dictionary (`search.models.DictionaryWord`, editable in the admin) uses.

Index text is cut in "search mode": a long word is indexed together with its parts
(建设工程规划许可证 → 建设 工程 建设工程 规划 许可 许可证), so 许可 finds 行政许可 and 规划许可
finds 建设工程规划许可证核发.
"""

import functools
import re
import threading
import time
import unicodedata

import rjieba

from .models import DictionaryWord

# Domain terms that the general dictionary splits or misses.
# Domain terms the general dictionary lacks. Only whole terms: a word added here is no longer
# split, so a prefix of a longer common word (规划许可 in 规划许可证) must not be added.
BUILTIN_WORDS = (
    "行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认",
    "行政奖励", "行政裁决", "其他行政权力", "营业执照", "工商登记", "居民身份证", "好差评",
    "网约车", "社会保障卡", "出生医学证明", "不动产登记", "婚姻登记", "法制办", "代开",
)  # fmt: skip
STOP_WORDS = frozenset(
    "的 了 和 与 或 及 在 是 我 你 要 想 去 怎么 怎样 如何 哪里 哪儿 什么 吗 呢 啊 吧 办 请问 一下 "
    "怎么办 怎样办 丢了 需要 要办 办个".split()
)
TOKEN_RE = re.compile(r"[\w]+", re.UNICODE)
MAX_QUERY_TOKENS = 12

_loaded_words: set[str] = set()
_lock = threading.Lock()
DICTIONARY_VERSION_KEY = "search:dictionary-version"
# Look at the shared version at most this often: segmenting a search or a document calls here
# many times, and each look is a cache round trip.
DICTIONARY_CHECK_SECONDS = 1.0
_dictionary_version = None
_dictionary_checked_at = float("-inf")


def add_words(words):
    """Teach the segmenter domain words (idempotent, process-wide)."""
    with _lock:
        for word in words:
            word = word.strip()
            if word and word not in _loaded_words:
                rjieba.add_word(word, 100000, None)
                _loaded_words.add(word)


add_words(BUILTIN_WORDS)


def ensure_dictionary():
    """Load the administrators' words (search.models.DictionaryWord) into this process, again
    whenever they change (a version number in the shared cache says so)."""
    global _dictionary_version, _dictionary_checked_at
    from django.core.cache import cache

    now = time.monotonic()
    if now - _dictionary_checked_at < DICTIONARY_CHECK_SECONDS:
        return
    _dictionary_checked_at = now
    version = cache.get(DICTIONARY_VERSION_KEY, 1)
    if version == _dictionary_version:
        return

    add_words(DictionaryWord.objects.values_list("word", flat=True))
    _dictionary_version = version


def dictionary_changed():
    """This process changed the dictionary: look again at the next segmentation."""
    global _dictionary_checked_at
    _dictionary_checked_at = float("-inf")


# Control and format characters (Unicode categories Cc, Cf, Cs, Co), but line breaks and tabs.
_INVISIBLE = "".join(
    chr(c) for c in range(0x10000)
    if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Co") and chr(c) not in "\n\t"
)  # fmt: skip
_INVISIBLE_TABLE = str.maketrans("", "", _INVISIBLE)
# The same categories beyond the first plane (format characters, private use).
_INVISIBLE_ASTRAL = re.compile(
    "[\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\U000f0000-\U0010ffff]"
)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no control characters."""
    text = unicodedata.normalize("NFKC", text or "")
    if not text.isprintable():
        text = _INVISIBLE_ASTRAL.sub("", text.translate(_INVISIBLE_TABLE))
    return text.lower()


@functools.cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters to simplified, by OpenCC's own tables (營業執照 → 营业执照)."""
    if not text or text.isascii():
        return text
    return _converter().convert(text)


def prepare(query: str) -> str:
    """A query as the index reads: normalised and simplified."""
    if len(query) <= MAX_REMEMBERED:
        return _prepared(query)
    return simplified(normalise(query))


# Queries and the lexicon's terms are short and come again and again: each is converted once.
MAX_REMEMBERED = 100


@functools.lru_cache(maxsize=65536)
def _prepared(text: str) -> str:
    return simplified(normalise(text))


def index_tokens(text: str) -> list[str]:
    """Tokens to index for a text: words and their parts, Latin words and numbers whole."""
    ensure_dictionary()
    tokens = []
    for word in rjieba.cut_for_search(normalise(text)):
        for piece in TOKEN_RE.findall(word):
            tokens.append(piece)
    return tokens


def index_text(text: str) -> str:
    return " ".join(index_tokens(text))


def query_words(query: str) -> list[str]:
    """The words of a query (precise mode), without stop words and punctuation."""
    ensure_dictionary()
    text = prepare(query)
    if len(text) > MAX_REMEMBERED:
        return list(_cut(text))
    # Remembered per dictionary: a word the administrators add cuts the text anew.
    return list(_remembered_cut(text, len(_loaded_words)))


def _cut(text: str) -> tuple[str, ...]:
    words = []
    for word in rjieba.cut(text):
        for piece in TOKEN_RE.findall(word):
            if piece not in STOP_WORDS and piece not in words:
                words.append(piece)
    if any(len(word) > 1 for word in words):
        # Single Chinese characters beside real words are particles (不、和、证…): they would
        # match nearly everything.
        words = [word for word in words if len(word) > 1 or word.isascii()]
    return tuple(words[:MAX_QUERY_TOKENS])


@functools.lru_cache(maxsize=65536)
def _remembered_cut(text: str, _dictionary_size: int) -> tuple[str, ...]:
    return _cut(text)


def bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters, for recall whatever the segmentation:
    规划许可证 → 规划 划许 许可 可证. Latin words and numbers are kept whole."""
    grams = []
    for run in TOKEN_RE.findall(normalise(text)):
        if run.isascii():
            grams.append(run)
        elif len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
