"""What a citizen's query means, before any index is asked: the same for the database and for
Elasticsearch (search.engine passes the result to either).

1. Characters: full-width to half-width, lower case and traditional to simplified
   (search.segmentation.prepare, with OpenCC's own tables): 營業執照 → 营业执照.
2. Typos: a stretch of the query that is no word of the catalogue (nor a run of its words: 失业
   登记) but sounds like one (toneless pinyin; else with the sounds merged that many speakers
   merge, zh/z, n/l, eng/en…: 护造 → 护照) or, four characters or longer, differs from one in a
   single character, is corrected: 营业只照 → 营业执照. A correction of three characters or
   more is sure; of two, a suggestion, and never of an everyday word (小区 is not 校区, though
   the catalogue only knows 校区).
   search.engine decides whether to search the corrected words (and says so on the page).
3. Departments: their everyday names (卫健委, 人社局, 区市监局) rank that department's powers
   higher; the name itself is then not required to match.
4. Intents: citizens' phrases (养条狗, 孩子出生, 公司不做了) stand for the catalogue's words
   (犬类准养证; 出生医学证明…): any of them may match. Action words (丢了, 到期, 改名) only add
   to the score of the powers named with the catalogue's action (补领, 换发, 变更).
   An intent says what is wanted, the words beside it where it is said from: when all the
   words find only a few powers (暂停营业 燃气), what the intent alone finds follows them
   (intent_alone; search.engine._find_powers).
   No phrase in the query whole, but its words those of one rule's phrases (转外地医院看病:
   外地, 医院, 看病, as in 在外地看病, 转到外地医院)? It is read as that rule when the words
   as said find few powers (Situations, `guess`; search.engine._find_powers).
   Life events: a query that names a topic's event (孩子出生, 开个奶茶店) ranks the topic's
   powers higher; one that asks what the event takes (要办哪些, 什么手续) lists them first,
   in the topic's order (`listed`).
5. Words: the rest is cut into words; words the catalogue does not know (家里, 刚) and soft words
   (标准, 材料) only add to the score, so that everyday filler does not empty the results.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache

import rjieba

from . import lexicon
from .query import SOFT_WORDS, expand, intent_rules, lexicon_version, synonym_groups
from .segmentation import STOP_WORDS, prepare, query_words
from .vocabulary import TOPIC_SUFFIX, Vocabulary, is_chinese
from .vocabulary import current as current_vocabulary

CHINESE_RUN = re.compile(r"[\u4e00-\u9fff]+")
MAX_WINDOW = 8
# A department's powers rank this much higher when the query names the department.
DEPARTMENT_BOOST = 1.5
# The powers of a life-event topic the query names rank this much higher.
TOPIC_BOOST = 2.0
# A power named with an action on what one already has (FOLLOW_UP_ACTIONS: 注销, 变更, 补领)
# that the query does not ask for ranks this much lower (Understanding.unasked): who wants to
# open a garage (想开个汽车修理店) wants 机动车维修经营备案 before its （终止） and （变更）.
UNASKED_FACTOR = 0.7
# Everyday words around a need that say nothing about which power: never required.
FILLER_WORDS = frozenset(
    "家里 我家 我们 咱们 自己 想 想要 打算 准备 应该 可以 能 能不能 可不可以 需不需要 要不要 "
    "哪些 哪个 哪里 在哪 在哪里 去哪 去哪里 到哪 到哪里 找谁 谁 啥 咋 咋办 怎么弄 如何办理 "
    "办证 办理 手续 证件 有关 相关 一条 一只 一个 条 只 个 刚 刚刚 已经 现在 马上 快 "
    "了 啦 呀 吗 呢 吧 嘛 的话 一下 下 还 也 都 就 那 这 这个 那个 一些 些 怎么 办什么 "
    "办哪些 要办 什么 哪 多久 几天 多长时间 流程 需要".split()
)
# A query asking what is to be done (要办哪些, 办什么, 什么手续, 做哪些事) rather than how to do
# one thing (怎么注销, 丢了怎么办) or which licence (开餐馆要办什么证: the words find it); or
# naming the event as the national programme does (企业注销一件事: 高效办成一件事).
LIST_QUESTION = re.compile(
    r"办理?些?(什么|啥|哪些|哪几)(?![证照执许])|(哪些|什么|啥)(手续|事)|做(什么|啥|哪些)|一件事"
)
# Said between the words of an event's name: 开个奶茶店 names 开奶茶店, 注册一家公司 注册公司.
MEASURE_WORDS = re.compile(r"一?[个家间]")
# A 的 between two Chinese characters (_possessives_joined).
POSSESSIVE = re.compile(r"[\u4e00-\u9fff]的(?=[\u4e00-\u9fff])")


@dataclass
class Correction:
    text: str  # the whole query, corrected
    changes: list[tuple[str, str]]  # (as typed, as corrected)
    sure: bool


@dataclass
class Understanding:
    query: str  # as typed, cleaned
    text: str  # normalised and simplified
    words: list[str] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)  # synonyms, with this query's intents
    boost: list[str] = field(default_factory=list)  # words that only add to the score
    soft: frozenset[str] = frozenset()  # query words not required to match
    department_ids: list[int] = field(default_factory=list)
    department_names: list[str] = field(default_factory=list)
    # Life-event topics the query names (孩子出生 → 新生儿出生一件事), and their powers, which
    # rank TOPIC_BOOST higher among the results.
    topic_ids: list[int] = field(default_factory=list)
    favoured: list[int] = field(default_factory=list)
    # The same powers when the query asks what the event takes (LIST_QUESTION): the results
    # begin with them, in the topics' order, whether or not they have the query's words.
    listed: list[int] = field(default_factory=list)
    correction: Correction | None = None
    intents: list[str] = field(default_factory=list)  # the words that are citizens' phrases
    # Any one of the required words will do (intent_alone, for a query with two phrases).
    either: bool = False
    # The required words that, with their alternatives, are in more than BROAD_NAMES powers'
    # names (审批, or 要审批 for its 审批): when any one word will do, they only rank, as long
    # as a narrower word is left to find the powers (search.engine).
    broad: frozenset[str] = frozenset()
    # The words that are whole words of the powers' names, of three characters or more (居住证).
    whole: frozenset[str] = frozenset()
    # No phrase of the lexicon is in the query, but its words are those of one rule's phrases
    # (转外地医院看病 and 在外地看病, 外地就医…): the query read as that rule says (Situations),
    # searched when the query as said finds few powers (search.engine._find_powers).
    guess: Understanding | None = None
    # Actions on what one already has (FOLLOW_UP_ACTIONS) the query does not ask for: a power
    # named with one ranks lower (UNASKED_FACTOR).
    unasked: tuple[str, ...] = ()
    saying: list[str] = field(default_factory=list)  # in the guess: the words that say it
    guessed_as: list[str] = field(default_factory=list)  # and the rule's catalogue words

    @property
    def required(self) -> list[str]:
        """The words a power must have (those not soft)."""
        return [w for w in self.words if w not in self.soft]

    @property
    def demoted(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the actions it does not ask for, those it asks for): a power named with one of the
        first and none of the second ranks UNASKED_FACTOR lower (证照遗失补领、换发 is spared
        for 执照遗失补办). The same on every backend."""
        return self.unasked, tuple(a for a in FOLLOW_UP_ACTIONS if a not in self.unasked)

    def soft_when(self, any_word: bool) -> frozenset[str]:
        """The words not required when the search asks for every word or (any_word) for any:
        when any one word will do, a broad word (审批) would find most of a city's catalogue,
        so it only ranks and the narrower words find the powers. The same on every backend."""
        return self.soft | self.broad if any_word or self.either else self.soft


def intent_alone(understood: Understanding) -> Understanding | None:
    """The query with only its intents required, the other words adding to the score: a
    citizen's phrase (店子要关, 屋头困难) says what is wanted, the words beside it (税务, 政府)
    where it is said from, and a power need not have them (search.engine searches so when the
    query as said finds few). With two phrases or more (开饭馆 办健康证: a licence and a
    certificate, rarely in one power), any one of them will do (`either`). None when the query
    has no intent, or one and nothing else required."""
    intents = set(understood.intents)
    required = understood.required
    # A name's own word of three characters or more beside the phrase (读书 … 居住证) is a
    # second thing asked for, as a second phrase is.
    asked = intents | (understood.whole & set(required))
    others = {w for w in required if w not in asked}
    either = len([w for w in required if w in asked]) > 1
    if not intents or not (others or either):
        return None
    phrases = asked & set(required)
    if phrases and phrases <= understood.broad:
        # 收粮食 … 要报备: 报备 stands for 备案, 登记, 许可…, most of a city's catalogue
        # (BROAD_NAMES, a cost rule); any of the narrower words will do, the phrase ranks.
        return replace(understood, soft=understood.soft | asked, either=True)
    return replace(understood, soft=understood.soft | others, either=either)


# A query with this many words or more, two of them required, tells a situation in a sentence
# (any_words).
SENTENCE_WORDS = 3


def any_words(understood: Understanding) -> Understanding | None:
    """The query with any of its required words enough (`either`), when it has no intent and
    tells a situation in a sentence (SENTENCE_WORDS words or more, two of them required:
    家养 外省 检疫 证明): few powers have every word a citizen happened to say, and the one
    wanted may lack one of them (证明 for 检疫合格证). search.engine searches so when the query
    as said finds few; the more of the words a power has, the higher it ranks. None
    otherwise."""
    required = understood.required
    if understood.intents or understood.either or len(required) < 2:
        return None
    if len(understood.words) < SENTENCE_WORDS:
        return None
    return replace(understood, either=True)


# --- Typos ------------------------------------------------------------------------------------


def _shares_a_character(a: str, b: str) -> bool:
    return any(x == y for x, y in zip(a, b, strict=True))


def _protected(word: str, vocabulary: Vocabulary) -> bool:
    """Never corrected: words of the catalogue, filler and, of two characters, any word of
    jieba's general dictionary (without guessing new words): 小区 is no typo of 校区 because
    the catalogue never says 小区."""
    if vocabulary.known(word) or word in STOP_WORDS or word in FILLER_WORDS:
        return True
    return len(word) == 2 and rjieba.cut(word, False) == [word]


def _made_of_known_words(window: str, vocabulary: Vocabulary) -> bool:
    """Is `window` a run of the catalogue's words of two characters or more (失业 登记)?"""
    ends = {0}
    for end in range(2, len(window) + 1):
        if any(start in ends and vocabulary.known(window[start:end])
               for start in range(0, end - 1)):  # fmt: skip
            ends.add(end)
    return len(window) in ends


def _said(window: str) -> bool:
    """Is `window` a run of everyday words (of jieba's general dictionary, two characters or
    more each)? Then it says what it says: 出租停车 (to let for parking) is 出租 停车, no
    mistyped 出租汽车, though it differs from it in one character. A mistyped character makes
    no word with its neighbours (营业执熙: 营业 执 熙)."""
    return all(len(piece) > 1 for piece in rjieba.cut(window, False))


def _sounding_alike(window: str, key: str, vocabulary: Vocabulary, *, exactly: bool) -> list[str]:
    """Known words that sound like `window` and share a character with it: the homophones,
    else (not `exactly`) those that sound alike to a speaker who merges zh and z, n and l…"""
    found = [w for w in vocabulary.homophones(window, key) if _shares_a_character(w, window)]
    if found or exactly:
        return found
    return [w for w in vocabulary.near_sounds(window, key) if _shares_a_character(w, window)]


def find_correction(text: str, vocabulary: Vocabulary, phrases: Phrases) -> Correction | None:
    """The query with its typos corrected (see the module's docstring), or None. The `phrases`
    (intents' phrases, departments' names) are never corrected."""
    from pypinyin import lazy_pinyin

    changes, corrected, sure = [], text, True
    for run in CHINESE_RUN.finditer(text):
        chars = run.group()
        if len(chars) < 2:
            continue
        sounds = lazy_pinyin(chars)
        used = [False] * len(chars)
        for start, end, _phrase in phrases.find(chars):
            used[start:end] = [True] * (end - start)
        for length in range(min(len(chars), MAX_WINDOW), 1, -1):
            for start in range(len(chars) - length + 1):
                if any(used[start : start + length]):
                    continue
                window = chars[start : start + length]
                if _protected(window, vocabulary):
                    if length > 1 and vocabulary.known(window):
                        used[start : start + length] = [True] * length
                    continue
                if _made_of_known_words(window, vocabulary):
                    continue  # 失业 登记 is no typo of 停业登记, the catalogue's single word
                key = " ".join(sounds[start : start + length])
                # A word and one more character (身份证丢) is no typo of a longer word, unless it
                # sounds exactly like one (身份正 is 身份证).
                extended = length >= 3 and (
                    vocabulary.known(window[:-1]) or vocabulary.known(window[1:])
                )
                candidates = _sounding_alike(window, key, vocabulary, exactly=extended)
                if not candidates and not extended and length >= 4 and not _said(window):
                    candidates = vocabulary.near_forms(window)
                if not candidates:
                    continue
                best = max(candidates, key=vocabulary.df)
                changes.append((window, best))
                corrected = corrected.replace(window, best, 1)
                used[start : start + length] = [True] * length
                sure = sure and length >= 3
    if not changes:
        return None
    return Correction(corrected, changes, sure)


# --- Departments ------------------------------------------------------------------------------

_REGION_PREFIX = re.compile(r"^.{0,4}?[区县市]")


def department_aliases(departments) -> dict[str, list[int]]:
    """Everyday names → department ids, from the departments' own names (区人社局, 人社局) and
    the lexicon's everyday names (卫健委 → departments whose title has 卫生健康)."""
    aliases: dict[str, list[int]] = {}

    def add(name, pk):
        name = prepare(name).strip()
        if len(name) >= 3 and pk not in aliases.setdefault(name, []):
            aliases[name].append(pk)

    for department in departments:
        short = department.short_name or ""
        for name in (department.title, short, _REGION_PREFIX.sub("", short)):
            if name:
                add(name, department.pk)
    for rule in lexicon.department_names():
        matching = [
            d.pk
            for d in departments
            if any(w in d.title or w in (d.short_name or "") for w in rule.words)
        ]
        for phrase in rule.phrases:
            for pk in matching:
                if len(prepare(phrase)) >= 2:
                    aliases.setdefault(prepare(phrase), [])
                    if pk not in aliases[prepare(phrase)]:
                        aliases[prepare(phrase)].append(pk)
    return aliases


class Phrases:
    """Phrases to find in a text: at each position the longest that starts there, the text read
    once whatever the number of phrases (they are indexed by their first character)."""

    def __init__(self, phrases=()):
        self._by_first: dict[str, list[str]] = {}
        for phrase in sorted({p for p in phrases if p}, key=len, reverse=True):
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def longest_at(self, text: str, position: int) -> str | None:
        for phrase in self._by_first.get(text[position], ()):
            if text.startswith(phrase, position):
                return phrase
        return None

    def find(self, text: str, also: Phrases | None = None) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, phrase) of these phrases (and of `also`'s) in text. One
        of these that would cut one of `also`'s in two gives way to it: in 想领养老金 the
        catalogue's 养老金, not the phrase 想领养."""
        found, position = [], 0
        while position < len(text):
            phrase = self.longest_at(text, position)
            other = also.longest_at(text, position) if also is not None else None
            if other and (phrase is None or len(other) > len(phrase)):
                phrase = other
            elif phrase and also is not None and also.crossed(text, position, len(phrase)):
                phrase = None
            if phrase:
                found.append((position, position + len(phrase), phrase))
                position += len(phrase)
            else:
                position += 1
        return found

    def crossed(self, text: str, start: int, length: int) -> bool:
        """Does one of these phrases begin inside text[start:start + length] and end after it?"""
        end = start + length
        return any(
            len(phrase) > end - inner
            for inner in range(start + 1, end)
            if (phrase := self.longest_at(text, inner))
        )


def _known_words_in(text: str, vocabulary: Vocabulary) -> set[str]:
    """The catalogue's words of three characters or more that occur in the text."""
    found = set()
    for run in CHINESE_RUN.finditer(text):
        chars = run.group()
        for length in range(3, min(len(chars), MAX_WINDOW) + 1):
            for start in range(len(chars) - length + 1):
                if vocabulary.known(chars[start : start + length]):
                    found.add(chars[start : start + length])
    return found


def _possessives_joined(text: str, vocabulary: Vocabulary) -> str:
    """The text without the 的 that splits one of the catalogue's names' words in two: 本地居住
    的证件 → 本地居住证件 (居住证), 检疫的证明 → 检疫证明. Any other 的 is left (我的 身份证)."""
    for match in reversed(list(POSSESSIVE.finditer(text))):
        at = match.start() + 1
        if any(
            vocabulary.in_names(text[at - left : at] + text[at + 1 : at + 1 + right])
            for left in range(1, min(4, at) + 1)
            for right in range(1, 4)
            if left + right >= 3
        ):
            text = text[:at] + text[at + 1 :]
    return text


# The most pieces a phrase typed with spaces is read from (外地 医院 看病: three).
MAX_PIECES = 6


def _pieces_joined(text: str, lexicon: Lexicon) -> str:
    """A citizen's phrase, an abbreviation or a department's everyday name typed in pieces
    (外地 医院 看病, 人社 局) is read as if typed whole, as an intent an editor confirmed from
    the search log is written."""
    pieces = text.split()
    if len(pieces) < 2:
        return text
    joined, start = [], 0
    while start < len(pieces):
        end = _phrase_end(pieces, start, lexicon)
        joined.append("".join(pieces[start:end]))
        start = end
    return " ".join(joined) if len(joined) < len(pieces) else text


def _phrase_end(pieces: list[str], start: int, lexicon: Lexicon) -> int:
    """Where the longest phrase of the lexicon that begins with pieces[start] ends (start + 1
    when none does). Only whole pieces join, one of them not a word of the names: a phrase never
    takes half of a word the citizen set apart, and the catalogue's own words side by side
    (检疫 证明) are searched as the words they are."""
    for end in range(min(len(pieces), start + MAX_PIECES), start + 1, -1):
        phrase = "".join(pieces[start:end])
        known = phrase in lexicon.intents or phrase in lexicon.abbreviations
        if (known or phrase in lexicon.aliases) and not all(
            map(lexicon.vocabulary.in_names, pieces[start:end])
        ):
            return end
    return start + 1


def _remove(text: str, spans) -> str:
    for start, end, _ in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


# --- Situations: the intents' phrases as a whole ------------------------------------------

# How sure a guess must be: the summed rarity (log of rules / rules with it) of the two-character
# stretches it shares with a rule's phrases, in stretches found in one rule only (log of rules:
# 6.5 among 700). One such stretch is a coincidence; two, or three less rare ones, are a
# situation, when no other rule shares as much.
GUESS_MIN_SCORE = 1.7  # × log(rules)
GUESS_MIN_SHARED = 2
GUESS_MARGIN = 1.0


def _stretches(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if is_chinese(text[i : i + 2])}


class Situations:
    """The intents' rules as a small index of their phrases' two-character stretches: a query
    in which no phrase occurs whole may still say what a rule's phrases say between them
    (转外地医院看病: 外地, 医院, 看病, as in 在外地看病, 去外地医院看病, 外地就医). `guess`
    returns that rule when the shared stretches are rare enough among the rules."""

    def __init__(self, intents: dict[str, list[str]]):
        rules: dict[tuple[str, ...], set[str]] = {}
        for phrase, words in intents.items():
            rules.setdefault(tuple(words), set()).update(_stretches(phrase))
        self.rules = list(rules)
        self.by_stretch: dict[str, list[int]] = {}
        for index, stretches in enumerate(rules.values()):
            for stretch in stretches:
                self.by_stretch.setdefault(stretch, []).append(index)
        count = max(1, len(self.rules))
        self.rarity = {s: math.log(count / len(ids)) for s, ids in self.by_stretch.items()}
        self.min_score = GUESS_MIN_SCORE * math.log(max(count, 2))

    def guess(self, words: list[str]) -> tuple[tuple[str, ...], set[str]] | None:
        """(the rule's catalogue words, the query's words that say it) or None. Only the
        stretches inside the query's words count (not 地医 across 外地 医院)."""
        shared: dict[int, set[str]] = {}
        for word in words:
            for stretch in _stretches(word):
                for index in self.by_stretch.get(stretch, ()):
                    shared.setdefault(index, set()).add(stretch)
        scored = [
            (sum(self.rarity[s] for s in stretches), -index, stretches)
            for index, stretches in shared.items()
            if len(stretches) >= GUESS_MIN_SHARED
        ]
        if not scored:
            return None
        scored.sort(reverse=True)
        score, index, stretches = scored[0]
        if score < self.min_score or (len(scored) > 1 and scored[1][0] > score - GUESS_MARGIN):
            return None
        saying = {w for w in words if _stretches(w) & stretches}
        return self.rules[-index], saying


def _guess(result: Understanding, situations: Situations, unknown) -> Understanding | None:
    """The query read as the rule Situations.guess finds: the words that say it (外地 医院
    看病) replaced by one term made of them (外地医院看病), which stands for the rule's words as
    a phrase of the lexicon would (`saying`: those words, as typed). Only when one of them is
    `unknown` to the catalogue's names (看病): a query in the catalogue's words (身份证 遗失
    补办) means what it says."""
    found = situations.guess([w for w in result.words if w not in SOFT_WORDS])
    if found is None:
        return None
    words, saying = found
    if not saying & unknown:
        return None
    said = [w for w in result.words if w in saying]
    phrase = "".join(said)
    return replace(
        result,
        words=[*(w for w in result.words if w not in saying), phrase],
        groups=[*result.groups, [phrase, *words]],
        intents=[phrase],
        saying=said,
        guessed_as=list(words),
    )


# --- Intents and actions ----------------------------------------------------------------------


@cache
def _action_words() -> dict[str, tuple[str, ...]]:
    actions: dict[str, tuple[str, ...]] = {}
    for rule in lexicon.actions():
        for phrase in rule.phrases:
            actions[prepare(phrase)] = tuple(prepare(w) for w in rule.words)
    return actions


# Everyday verbs that are also words of the catalogue: never required of a result.
CITIZEN_VERBS = frozenset(
    "申请 申领 领取 报名 到期 快到期 办 交 缴 缴纳 要交 咨询 提交 开具 开 注册".split()
)


def action_words(text: str, vocabulary: Vocabulary) -> list[str]:
    """The catalogue's action words for the query's action words (丢了 → 补领、挂失…), where
    the query has them as words; a phrase the catalogue never uses (调走, 弄丢) wherever it is:
    档案要调走 is cut 要调 / 走. The catalogue's own words (证明 in 出生证明) only as words."""
    actions = _action_words()
    tokens = list(rjieba.cut(text))
    tokens += [
        phrase
        for phrase in actions
        if len(phrase) > 1 and phrase in text and not vocabulary.in_names(phrase)
    ]
    words = []
    for token in tokens:
        for word in actions.get(token, ()):
            if word not in words:
                words.append(word)
    return words


# --- All together -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """What understanding a query needs, prepared once (search.engine keeps it while the
    vocabulary, the synonyms, the intents and the departments stay the same)."""

    vocabulary: Vocabulary
    groups: list[list[str]]  # synonyms and abbreviations
    intents: dict[str, list[str]]
    aliases: dict[str, list[int]]  # departments' everyday names
    names: Phrases  # the aliases
    protected: Phrases  # intents' phrases and the aliases: never corrected
    whole: Phrases  # intents' phrases and the abbreviations, kept whole
    abbreviations: frozenset[str]
    grouped: frozenset[str]  # every term of the groups, prepared
    situations: Situations  # the intents' phrases as a whole (guess)


def compile_lexicon(*, vocabulary, groups, intents, aliases) -> Lexicon:
    abbreviations = frozenset(prepare(t) for group in groups for t in group if len(t) > 1)
    return Lexicon(
        vocabulary=vocabulary,
        groups=groups,
        intents=intents,
        aliases=aliases,
        names=Phrases(aliases),
        protected=Phrases([*intents, *aliases]),
        whole=Phrases([*intents, *abbreviations]),
        abbreviations=abbreviations,
        grouped=frozenset(prepare(t) for group in groups for t in group),
        situations=Situations(intents),
    )


_prepared: Lexicon | None = None
_prepared_for = None


def current_lexicon(departments) -> Lexicon:
    """The lexicon for this process's vocabulary (search.vocabulary.current), the synonyms and
    intents of the shared cache's version and these departments: prepared again only when one
    of them changed, not for every search."""
    global _prepared, _prepared_for
    vocabulary = current_vocabulary()
    key = (lexicon_version(), tuple((d.pk, d.title, d.short_name) for d in departments))
    prepared = _prepared
    if prepared is None or prepared.vocabulary is not vocabulary or _prepared_for != key:
        prepared = compile_lexicon(vocabulary=vocabulary, groups=synonym_groups(),
                                   intents=intent_rules(),
                                   aliases=department_aliases(departments))  # fmt: skip
        _prepared, _prepared_for = prepared, key
    return prepared


def _name_events(result: Understanding, vocabulary: Vocabulary):
    """The life-event topics the query names, and their powers (`favoured`; `listed` as well
    when the query asks what the event takes)."""
    text = result.text
    compact = MEASURE_WORDS.sub("", text)
    for topic in vocabulary.topics:
        if any(word in text or word in compact for word in topic.words):
            result.topic_ids.append(topic.topic_id)
            result.favoured += [pk for pk in topic.power_ids if pk not in result.favoured]
    if result.favoured and LIST_QUESTION.search(text):
        result.listed = list(result.favoured)


def understand(query: str, lexicon: Lexicon, *, correct: bool = True) -> Understanding:
    vocabulary, intents, aliases = lexicon.vocabulary, lexicon.intents, lexicon.aliases
    text = prepare(query)
    result = Understanding(query=query, text=text)
    if correct:
        result.correction = find_correction(text, vocabulary, lexicon.protected)

    _name_events(result, vocabulary)

    # 一件事 names the national programme, not what is wanted (企业注销一件事: 企业注销).
    rest = _possessives_joined(text.replace(TOPIC_SUFFIX, " "), vocabulary)
    rest = _pieces_joined(rest, lexicon)
    named = lexicon.names.find(rest)
    without = _remove(rest, named)
    if named and query_words(without):
        rest = without
        for _, _, name in named:
            result.department_names.append(name)
            for pk in aliases[name]:
                if pk not in result.department_ids:
                    result.department_ids.append(pk)

    # Abbreviations and the catalogue's own longer words are kept whole, so that 结婚证 is not
    # read as the intent 结婚, nor 户口迁移 as 户口迁.
    known = Phrases(_known_words_in(rest, vocabulary))
    query_groups = [list(g) for g in lexicon.groups]
    words, spans = [], []
    for start, end, phrase in lexicon.whole.find(rest, also=known):
        if phrase in intents:
            query_groups.append([phrase, *intents[phrase]])
            result.intents.append(phrase)
        elif phrase not in lexicon.abbreviations:
            continue  # a word of the catalogue: segmentation keeps it
        spans.append((start, end, phrase))
        if phrase not in words:
            words.append(phrase)
    rest = _remove(rest, spans)

    for word in query_words(rest):
        if word not in words and word not in FILLER_WORDS:
            words.append(word)
            if word in intents:  # kept whole by a longer word around it (老人去世 → 去世)
                query_groups.append([word, *intents[word]])
                result.intents.append(word)
    if any(len(word) > 1 for word in words):
        words = [word for word in words if len(word) > 1 or word.isascii()]
    if not words:
        words = [w for w in query_words(text) if w not in FILLER_WORDS] or query_words(text)
    result.words = words
    result.groups = query_groups
    result.boost = [w for w in action_words(text, vocabulary) if w not in words]
    grouped = lexicon.grouped | {
        prepare(t) for group in query_groups[len(lexicon.groups) :] for t in group
    }
    unknown = {
        w for w in words if is_chinese(w) and not vocabulary.in_names(w) and w not in grouped
    }
    # How a citizen says what is to be done (申请, 领取, 到期) ranks the powers that do it higher,
    # but a power that does not use the word is still what they want.
    verbs = {w for w in words if w in CITIZEN_VERBS}
    # A number told in a sentence (今年65了, 82岁) is how old, how many, not a word of a name.
    numbers = (
        {w for w in words if w.isdigit() and len(w) <= 3} if any(map(is_chinese, words)) else set()
    )
    result.soft = frozenset(SOFT_WORDS | unknown | verbs | numbers)
    result.broad = _broad(result, vocabulary)
    result.whole = frozenset(w for w in words if len(w) >= 3 and vocabulary.in_names(w))
    result.unasked = _unasked(result)
    if not result.intents:
        result.guess = _guess(result, lexicon.situations, unknown)
        if result.guess is not None:
            result.guess.unasked = _unasked(result.guess)
    return result


# What one does with what one already has, as the catalogue names it: a query that asks for none
# of them wants the thing itself (机动车维修经营备案, not its （终止）).
FOLLOW_UP_ACTIONS = (
    "注销 变更 延续 换发 换领 换证 补办 补领 补发 补证 遗失 挂失 更正 迁移 迁出 转出 转移 "
    "歇业 停业 暂停 恢复 复业 终止 撤销 解除 过户 转让 补缴 退费 作废 缴销 封存 解封"
).split()


def _unasked(result: Understanding) -> tuple[str, ...]:
    """The FOLLOW_UP_ACTIONS that nothing the query says, nor what it stands for, names."""
    meant = (
        t for w in result.words for alternative in expand(w, result.groups) for t in alternative
    )
    said = " ".join([result.text, *result.boost, *meant])
    return tuple(a for a in FOLLOW_UP_ACTIONS if a not in said)


# A word in more powers' names than this, or in more powers' own words (legal basis included:
# Vocabulary.reach), with its synonyms and an intent's words, is broad (Understanding.broad):
# 审批 in 19,000 names of 100,000, 直接 in 2 names but 10,000 legal bases. A cost rule, as
# RANK_CANDIDATES is: finding every power with any word of a sentence reads most of a city's
# catalogue (0.5 s at 100,000), but a few thousand at most are cheap, so no word of the demo
# catalogue's 1,143 is broad.
BROAD_NAMES = 2_000


def _broad(result: Understanding, vocabulary: Vocabulary) -> frozenset[str]:
    """The required words of `result` that are broad (Understanding.broad), when a narrower
    required word is left; otherwise none."""
    required = result.required

    def reach(word):
        alternatives = expand(word, result.groups)
        return sum(min((vocabulary.reach(t) for t in alternative), default=0)
                   for alternative in alternatives)  # fmt: skip

    broad = {w for w in required if reach(w) > BROAD_NAMES}
    return frozenset(broad) if broad and len(broad) < len(required) else frozenset()
