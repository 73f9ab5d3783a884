"""行使依据 as departments write it, turned into structured citations.

``parse_legal_basis`` is pure text work (no database), so it can be tested on its own;
``link_citations`` looks the titles up in the law library through a lookup that is passed in
(``LawLookup`` for the real library, or any mapping / callable in tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from catalogue.services import CitationData
from laws.models import Law, LawArticle
from laws.numerals import article_numbers, int_to_chinese


class ParsedCitation(NamedTuple):
    """One citation as written: a law title (without 《》) and its articles, or free text.

    ``titled`` is False for text that is not recognisably a law title; it is kept as a free-text
    citation (its ``title`` is the text itself).
    """

    title: str
    articles: str = ""
    quote: str = ""
    titled: bool = True


_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_ARTICLE = (
    rf"第\s*(?P<art>{_NUM})\s*条(?:\s*之\s*(?P<sub>{_NUM}))?"
    rf"(?P<parts>(?:\s*第?\s*[（(]?\s*{_NUM}\s*[)）]?\s*[款项目])*)"
)
_ARTICLE_RE = re.compile(_ARTICLE)
# A reference to a paragraph or item of the article just named: 第十二条第一款、第二款.
_PART_RE = re.compile(rf"第?\s*[（(]?\s*(?P<num>{_NUM})\s*[)）]?\s*(?P<unit>[款项目])")
_BARE_ARTICLE_RE = re.compile(rf"(?P<art>{_NUM})\s*条")
_SEPARATOR_RE = re.compile(r"\s*(?P<sep>以及|[、，,和及与至到\-—~～])\s*")

_PIECE_SPLIT_RE = re.compile(r"[；;\n]+|。(?=\s*[《〈<])")
_NUMBERING_RE = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]"
    r"|\d+\s*[、.．)）](?!\d)|[①-⑳⑴-⒇⒈-⒛])\s*"
)
# (一) (二): the items of a quoted provision, not a new citation.
_QUOTE_ITEM_RE = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）]")
_LABEL_RE = re.compile(
    r"^\s*(?:(?:法律|法定|设定|实施|行使|执法|设立)?依据|根据|依照|按照|参照)\s*[:：]?\s*"
)
_LAW_NAME_END = r"(?:法|条例|规定|办法|细则|决定|规则|意见|通知|规程|目录|令|章程|准则|公告)"
_UNTITLED_LAW_RE = re.compile(rf"^(?P<title>\S.{{1,80}}?{_LAW_NAME_END})\s*(?=第\s*{_NUM}\s*条)")
_CONNECTORS = " \t、，,和及与以及；;。.：:"


def _chinese_number(text: str) -> str:
    """12 → 十二; Chinese numerals stay as written."""
    text = text.strip()
    if text.isdecimal():
        value = int(text)
        if 0 < value < 10000:
            return int_to_chinese(value)
    return text


def _format_article(match: re.Match) -> str:
    text = f"第{_chinese_number(match.group('art'))}条"
    if match.group("sub"):
        text += f"之{_chinese_number(match.group('sub'))}"
    for part in _PART_RE.finditer(match.group("parts") or ""):
        text += f"第{_chinese_number(part.group('num'))}{part.group('unit')}"
    return text


def _read_articles(text: str) -> tuple[str, str]:
    """Read a run of article references at the start of `text`: (articles, the rest)."""
    match = _ARTICLE_RE.match(text)
    if not match:
        return "", text
    parts = [_format_article(match)]
    position = match.end()
    while True:
        separator = _SEPARATOR_RE.match(text, position)
        if not separator:
            break
        after = separator.end()
        joiner = "至" if separator.group("sep") in ("至", "到", "-", "—", "~", "～") else "、"
        following = _ARTICLE_RE.match(text, after)
        if following:
            parts.append(joiner + _format_article(following))
            position = following.end()
            continue
        bare = _BARE_ARTICLE_RE.match(text, after)
        if bare:
            parts.append(f"{joiner}第{_chinese_number(bare.group('art'))}条")
            position = bare.end()
            continue
        part = _PART_RE.match(text, after)
        if part:
            parts.append(f"{joiner}第{_chinese_number(part.group('num'))}{part.group('unit')}")
            position = part.end()
            continue
        break
    return "".join(parts), text[position:]


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", "", title).strip("《》〈〉<> ")


def _normalise_brackets(text: str) -> str:
    return (
        text.replace("<<", "《").replace(">>", "》").replace("〈", "《").replace("〉", "》")
        .replace("«", "《").replace("»", "》")
    )  # fmt: skip


def _split_remainder(rest: str) -> tuple[str, str]:
    """What follows a title: (articles, quote)."""
    rest = rest.strip()
    # A note right after the title (（2019年修正）, （国务院令第412号）) is not part of the
    # reference; it is dropped.
    rest = re.sub(r"^[（(][^（）()]{0,60}[)）]\s*", "", rest)
    rest = re.sub(r"^(?:的|中|之)\s*", "", rest)
    articles, tail = _read_articles(rest)
    tail = re.sub(r"^\s*(?:的规定|之规定|规定)?\s*[:：，,。]?\s*", "", tail).strip()
    if not tail.strip(_CONNECTORS):
        tail = ""
    if not articles and tail and len(tail) <= 50 and "第" in tail and not tail.endswith("。"):
        # 附件第3项, 第二章: a reference that is not an article number.
        articles, tail = tail, ""
    return articles, tail


def _parse_titled_piece(piece: str) -> list[ParsedCitation]:
    """A piece with one or more 《…》 titles; text before the first title is kept as free text
    when it is more than a connector or a label."""
    results: list[ParsedCitation] = []
    first = piece.index("《")
    prefix = _LABEL_RE.sub("", piece[:first]).strip(_CONNECTORS)
    if len(prefix) >= 4:
        results.append(ParsedCitation(title=prefix, titled=False))
    segments = re.split(r"(?=《)", piece[first:])
    for segment in segments:
        if not segment.startswith("《"):
            continue
        close = segment.find("》")
        if close == -1:
            # An unclosed 《: the title runs to the first article reference, if any.
            match = _ARTICLE_RE.search(segment)
            end = match.start() if match else len(segment)
            title, rest = segment[1:end], segment[end:]
        else:
            title, rest = segment[1:close], segment[close + 1 :]
        title = _clean_title(title)
        if not title:
            continue
        articles, quote = _split_remainder(rest)
        results.append(ParsedCitation(title=title, articles=articles, quote=quote.strip()))
    return results


def parse_legal_basis(text: str | None) -> list[ParsedCitation]:
    """Split 行使依据 text into citations.

    Pieces are separated by ；; and line breaks. In each piece every 《title》 starts a
    citation; the article reference after it (第十二条第一款、第十三条; Chinese or Arabic
    numerals, written out in Chinese) becomes ``articles``, text after that (the quoted
    provision) ``quote``; a quoted provision may itself contain ；（一）…；（二）…. A piece
    that is only an article reference (第十三条) continues the previous citation; a piece
    without 《》 that reads "…法第八条" or "…条例第八条" is taken as a law title; anything else
    is free text.
    """
    if not text:
        return []
    results: list[ParsedCitation] = []
    for raw_piece in _PIECE_SPLIT_RE.split(_normalise_brackets(text)):
        piece = raw_piece.strip()
        if not piece.strip(_CONNECTORS):
            continue
        previous = results[-1] if results else None
        piece = _NUMBERING_RE.sub("", piece)
        piece = _LABEL_RE.sub("", piece).strip()
        if not piece:
            continue
        if "《" in piece:
            results.extend(_parse_titled_piece(piece))
            continue
        if previous is not None and previous.titled:
            articles, rest = _read_articles(piece)
            if articles and not rest.strip(_CONNECTORS):
                joined = f"{previous.articles}、{articles}" if previous.articles else articles
                results[-1] = previous._replace(articles=joined)
                continue
            continues = _QUOTE_ITEM_RE.match(raw_piece) or not (
                _NUMBERING_RE.match(raw_piece) or previous.quote.endswith("。")
            )
            if previous.quote and continues and not _UNTITLED_LAW_RE.match(piece):
                # The quoted provision itself had a ；or a line break: keep it together.
                results[-1] = previous._replace(quote=f"{previous.quote}；{raw_piece.strip()}")
                continue
        match = _UNTITLED_LAW_RE.match(piece)
        if match:
            articles, quote = _split_remainder(piece[match.end() :])
            title = _clean_title(match.group("title"))
            results.append(ParsedCitation(title=title, articles=articles, quote=quote.strip()))
            continue
        results.append(ParsedCitation(title=piece.strip(_CONNECTORS), titled=False))
    return results


# --- Linking to the law library ----------------------------------------------------------------

LawsLookup = Callable[[str], "int | None"] | Mapping[str, int]


class LawLookup:
    """Title → law id through ``Law.objects.find_by_title`` (full or short title, 《》 optional,
    the version in force first), cached per title; and the article numbers of a law, cached per
    law. Use one instance per import."""

    def __init__(self):
        self._ids: dict[str, int | None] = {}
        self._ordinals: dict[int, frozenset[int]] = {}

    def __call__(self, title: str) -> int | None:
        key = _clean_title(title)
        if key not in self._ids:
            self._ids[key] = self._find(key)
        return self._ids[key]

    @staticmethod
    def _find(title: str) -> int | None:
        if not title:
            return None
        law_id = Law.objects.find_by_title(title).values_list("pk", flat=True).first()
        if law_id is None:
            # 《中华人民共和国行政许可法（2019年修正）》: try without the version note.
            bare = re.sub(r"[（(][^（）()]*[)）]$", "", title)
            if bare and bare != title:
                law_id = Law.objects.find_by_title(bare).values_list("pk", flat=True).first()
        return law_id

    def article_ordinals(self, law_id: int) -> frozenset[int]:
        if law_id not in self._ordinals:
            self._ordinals[law_id] = frozenset(
                LawArticle.objects.filter(law_id=law_id).values_list("ordinal", flat=True)
            )
        return self._ordinals[law_id]


def _lookup(laws_lookup, title: str) -> int | None:
    if laws_lookup is None:
        return None
    if isinstance(laws_lookup, Mapping):
        cleaned = _clean_title(title)
        found = laws_lookup.get(cleaned)
        if found is None:
            found = laws_lookup.get(cleaned.removeprefix("中华人民共和国"))
        return found
    return laws_lookup(title)


def link_citations(
    citations: Iterable[ParsedCitation], laws_lookup: LawsLookup | None
) -> tuple[list[CitationData], list[str]]:
    """CitationData for each parsed citation, and warnings in Chinese.

    A title the library knows becomes ``CitationData(law_id=…)`` (with a warning when a cited
    article number is not in that law); an unknown title stays as ``CitationData(law_title=…)``
    with a warning, and so does free text. `laws_lookup` is a ``LawLookup``, a callable title →
    law id (or None), or a mapping of titles (full or short) to ids.
    """
    linked: list[CitationData] = []
    warnings: list[str] = []
    ordinals_of = getattr(laws_lookup, "article_ordinals", None)
    for citation in citations:
        law_id = _lookup(laws_lookup, citation.title)
        if law_id is not None:
            linked.append(
                CitationData(law_id=law_id, articles=citation.articles, quote=citation.quote)
            )
            if ordinals_of is not None and citation.articles:
                known = ordinals_of(law_id)
                missing = [n for n in article_numbers(citation.articles) if n not in known]
                if known and missing:
                    names = "、".join(f"第{int_to_chinese(n)}条" for n in missing if n < 10000)
                    warnings.append(f"《{citation.title}》中没有{names}，请核对条款。")
            continue
        linked.append(
            CitationData(law_title=citation.title, articles=citation.articles, quote=citation.quote)
        )
        if citation.titled:
            warnings.append(f"法规库中没有《{citation.title}》，将按文本保存。")
        else:
            warnings.append(
                f"行使依据「{_shorten(citation.title)}」不是“《法规名称》第…条”的格式，将按文本保存。"
            )
    return linked, warnings


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
