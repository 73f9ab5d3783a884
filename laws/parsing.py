"""Reading law texts in the Markdown format of LawRefBook/Laws (see fixtures/laws/NOTICE.md)."""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from .models import LawLevel
from .numerals import chinese_to_int

FILENAME_RE = re.compile(r"^(?P<name>.+)\((?P<date>\d{4}-\d{2}-\d{2})\)\.md$")
# An article starts a paragraph with 第X条 and a space; "第五条规定的…" at the start of a
# paragraph is a reference, not a new article.
ARTICLE_START_RE = re.compile(
    r"^(第[零〇一二两三四五六七八九十百千]+条)(?:之[一二三四五六七八九十]+)?[\s　]+"
)
DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
EFFECTIVE_RE = re.compile(r"自(\d{4}年\d{1,2}月\d{1,2}日)起施行")

FOLDER_LEVELS = {
    "行政法规": LawLevel.ADMINISTRATIVE_REGULATION,
    "部门规章": LawLevel.DEPARTMENTAL_RULE,
    "地方性法规": LawLevel.LOCAL_REGULATION,
}
AUTHORITY_PATTERNS = [
    ("全国人民代表大会常务委员会", "全国人民代表大会常务委员会"),
    ("全国人民代表大会", "全国人民代表大会"),
    ("国务院", "国务院"),
]


class LawFormatError(ValueError):
    """The file is not in the expected format; the message says where, in Chinese."""


@dataclass
class ParsedArticle:
    number: str
    ordinal: int
    chapter: str
    text: str


@dataclass
class ParsedLaw:
    title: str
    version_date: datetime.date
    level: str
    issuing_authority: str
    promulgation_date: datetime.date | None
    effective_date: datetime.date | None
    history: str
    source: str
    articles: list[ParsedArticle] = field(default_factory=list)

    @property
    def short_title(self):
        return self.title.removeprefix("中华人民共和国")


def parse_date(text: str) -> datetime.date | None:
    match = DATE_RE.search(text)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    return datetime.date(year, month, day)


def parse_law_file(path: Path, root: Path) -> ParsedLaw:
    relative = path.relative_to(root)
    name_match = FILENAME_RE.match(path.name)
    if not name_match:
        raise LawFormatError(f"{relative}：文件名应为“名称(YYYY-MM-DD).md”")
    try:
        version_date = datetime.date.fromisoformat(name_match["date"])
    except ValueError as error:
        raise LawFormatError(f"{relative}：文件名中的日期无效") from error
    folders = relative.parts[:-1]
    level = FOLDER_LEVELS.get(folders[0], LawLevel.LAW) if folders else LawLevel.LAW
    text = path.read_text(encoding="utf-8")
    if "<!-- INFO END -->" not in text:
        raise LawFormatError(f"{relative}：缺少 <!-- INFO END --> 分隔行")
    head, body = text.split("<!-- INFO END -->", 1)
    head_lines = [line.strip() for line in head.splitlines() if line.strip()]
    if not head_lines or not head_lines[0].startswith("# "):
        raise LawFormatError(f"{relative}：第一行应为“# 标题”")
    title = head_lines[0][2:].strip()
    history_lines = [line.strip("　 ）)") for line in head_lines[1:]]
    promulgation_date = parse_date(history_lines[0]) if history_lines else None

    authority = ""
    if level == LawLevel.DEPARTMENTAL_RULE and len(folders) > 1:
        authority = folders[1]
        if not authority.startswith("国家") and not authority.startswith("国务院"):
            authority = "国家" + authority
    else:
        first = history_lines[0] if history_lines else ""
        for needle, label in AUTHORITY_PATTERNS:
            if needle in first:
                authority = label
                break
        if not authority and level == LawLevel.ADMINISTRATIVE_REGULATION:
            authority = "国务院"

    articles = _parse_articles(body, relative)
    if not articles:
        raise LawFormatError(f"{relative}：没有找到任何“第X条”")
    effective_date = None
    for article in reversed(articles[-5:]):
        found = EFFECTIVE_RE.search(article.text)
        if found:
            effective_date = parse_date(found.group(1))
            break
        if "自公布之日起施行" in article.text:
            effective_date = promulgation_date or version_date
            break

    return ParsedLaw(
        title=title,
        version_date=version_date,
        level=level,
        issuing_authority=authority,
        promulgation_date=promulgation_date,
        effective_date=effective_date,
        history="\n".join(history_lines),
        source=f"LawRefBook/Laws {relative.as_posix()}",
        articles=articles,
    )


def _parse_articles(body: str, relative: Path) -> list[ParsedArticle]:
    articles: list[ParsedArticle] = []
    chapter, section = "", ""
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            chapter, section = " ".join(line[3:].split()), ""
            continue
        if line.startswith("### "):
            section = " ".join(line[4:].split())
            continue
        if line.startswith("#"):
            continue
        match = ARTICLE_START_RE.match(line)
        if match and not match.group(0).startswith(match.group(1) + "之"):
            number = match.group(1)
            ordinal = chinese_to_int(number[1:-1])
            if articles and ordinal <= articles[-1].ordinal:
                # A later 第X条 that does not advance is a quotation inside an article.
                articles[-1].text += "\n" + line
                continue
            place = f"{chapter} {section}".strip()
            articles.append(ParsedArticle(number, ordinal, place, line[match.end() :].strip()))
        elif articles:
            articles[-1].text += "\n" + line
    return articles


def iter_law_files(root: Path):
    yield from sorted(path for path in root.rglob("*.md") if path.name != "NOTICE.md")
