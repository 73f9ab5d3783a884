"""Cell text into catalogue values, the way departments write them: time limits in working days
(20、20个工作日、二十个工作日、即办), dates (2019年4月23日, Excel serial numbers), the choices
(事项类型 by name or national code, 行使层级, 权力来源, 状态), fees, steps and materials as stream
blocks, tags. Each parser raises ValueError with a Chinese message, or returns its problems.

Lengths, ranges and defaults come from the catalogue's models and blocks, never restated here."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from functools import cache

from django.db.backends.base.operations import BaseDatabaseOperations
from taggit.models import Tag

from catalogue import blocks
from catalogue.choices import ExerciseLevel, PowerSource, PowerStatus, PowerType
from catalogue.models import LegalBasis, PowerPage
from laws.numerals import NUMERAL, chinese_to_int

from .cells import compact

# --- What the catalogue allows, read from its models and blocks -------------------------------

_MODELS = {"PowerPage": PowerPage, "LegalBasis": LegalBasis, "Tag": Tag}


@cache
def field_max_length(model_name: str, name: str) -> int | None:
    """The longest text a field of PowerPage, LegalBasis or Tag holds."""
    return _MODELS[model_name]._meta.get_field(name).max_length


@cache
def field_max_value(model_name: str, name: str) -> int:
    """The largest number an integer field holds on every database Django supports."""
    field = _MODELS[model_name]._meta.get_field(name)
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()][1]


@cache
def _block_child(block_name: str, child: str):
    return getattr(blocks, block_name)().child_blocks[child]


def _block_max_length(block_name: str, child: str) -> int | None:
    return getattr(_block_child(block_name, child).field, "max_length", None)


def _block_max_value(block_name: str, child: str) -> int:
    return _block_child(block_name, child).field.max_value


def _block_default(block_name: str, child: str):
    return _block_child(block_name, child).get_default()


# --- Time limits and dates ----------------------------------------------------------------------

_EMPTY_MARKERS = frozenset({"无", "/", "-", "—", "--", "——", "暂无", "不适用", "无法定时限"})
_IMMEDIATE = frozenset({"即办", "即时办结", "当场办结", "即时", "当场", "立即办理", "即到即办",
                        "即办件", "当即办结", "当场办理"})  # fmt: skip
_TIME_RE = re.compile(
    rf"^(?P<n>{NUMERAL})\s*(?P<unit>个\s*工作日|工作日|个工作天|日|天)?(?P<rest>.*)$"
)
_TIME_LIMIT_FIELDS = ("legal_time_limit", "promised_time_limit")


def parse_time_limit(text: str) -> tuple[int | None, str | None]:
    """Working days from "20", "20个工作日", "20日", "二十个工作日", "即办" (0): (days, warning).
    Blank, "无" and "/" give (None, None). Raises ValueError with a Chinese message."""
    value = text.strip()
    if not value or value in _EMPTY_MARKERS:
        return None, None
    if value in _IMMEDIATE:
        return 0, None
    match = _TIME_RE.match(value)
    if not match:
        raise ValueError(f"「{value}」不是工作日数，请填写数字，如：20")
    rest = match.group("rest").strip()
    if re.match(r"^(?:\.\d|个?月|年|周|星期|小时|分钟)", rest):
        raise ValueError(f"「{value}」不是整数个工作日，请换算为工作日数后填写，如：20")
    days = chinese_to_int(match.group("n"))
    if days > min(field_max_value("PowerPage", key) for key in _TIME_LIMIT_FIELDS):
        raise ValueError(f"「{value}」超出了可填写的范围")
    warning = None
    if rest:
        warning = f"只读取了开头的 {days} 个工作日，其余文字「{rest}」未导入。"
    elif match.group("unit") == "天":
        warning = f"「{value}」按 {days} 个工作日导入。"
    return days, warning


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[年/\-.]\s*(?P<m>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def parse_date(text: str) -> datetime.date | None:
    """2019年4月23日, 2019/4/23, 2019-04-23, 2019.4.23, 20190423 or an Excel serial number
    (43578). Blank gives None; raises ValueError with a Chinese message."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value or value in _EMPTY_MARKERS:
        return None
    match = _DATE_RE.match(value)
    parts = None
    if match:
        parts = (int(match.group("y")), int(match.group("m")), int(match.group("d")))
    elif re.fullmatch(r"\d{8}", value):
        parts = (int(value[:4]), int(value[4:6]), int(value[6:]))
    elif re.fullmatch(r"\d{5}(?:\.\d+)?", value):
        # An Excel serial day number (the cell lost its date format).
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(float(value)))
    if parts is not None:
        try:
            return datetime.date(*parts)
        except ValueError:
            pass
    raise ValueError(f"「{value}」不是有效的日期，请写成 2019年4月23日 或 2019-04-23")


# --- Choices ----------------------------------------------------------------------------------

_LEVELS = {"省": ExerciseLevel.PROVINCE, "市": ExerciseLevel.CITY, "州": ExerciseLevel.CITY,
           "县": ExerciseLevel.COUNTY, "区": ExerciseLevel.COUNTY, "县区": ExerciseLevel.COUNTY,
           "区县": ExerciseLevel.COUNTY, "县市区": ExerciseLevel.COUNTY,
           "乡": ExerciseLevel.TOWNSHIP, "镇": ExerciseLevel.TOWNSHIP,
           "乡镇": ExerciseLevel.TOWNSHIP, "街道": ExerciseLevel.TOWNSHIP,
           "乡镇街道": ExerciseLevel.TOWNSHIP}  # fmt: skip
_SOURCES = {"法定": PowerSource.STATUTORY, "本级": PowerSource.STATUTORY,
            "法定本级": PowerSource.STATUTORY, "本级行使": PowerSource.STATUTORY,
            "法定行使": PowerSource.STATUTORY, "下放": PowerSource.DELEGATED_DOWN,
            "授权": PowerSource.AUTHORISED, "委托": PowerSource.ENTRUSTED,
            "其它": PowerSource.OTHER}  # fmt: skip
_STATUSES = {"有效": PowerStatus.IN_FORCE, "正常": PowerStatus.IN_FORCE,
             "启用": PowerStatus.IN_FORCE, "实施中": PowerStatus.IN_FORCE,
             "在用中": PowerStatus.IN_FORCE, "使用中": PowerStatus.IN_FORCE,
             "暂停实施": PowerStatus.SUSPENDED, "停用": PowerStatus.SUSPENDED,
             "暂停使用": PowerStatus.SUSPENDED, "已取消": PowerStatus.CANCELLED,
             "废止": PowerStatus.CANCELLED, "撤销": PowerStatus.CANCELLED,
             "已废止": PowerStatus.CANCELLED}  # fmt: skip
_TYPE_ALIASES = {"其他": PowerType.OTHER, "其它": PowerType.OTHER, "其他权力": PowerType.OTHER,
                 "其它行政权力": PowerType.OTHER, "其他类": PowerType.OTHER,
                 "公共服务事项": PowerType.PUBLIC_SERVICE}  # fmt: skip


@cache
def _choice_table(choices) -> dict[str, str]:
    """Values and labels of a choices class → value."""
    return {**{m.label: m.value for m in choices}, **{m.value: m.value for m in choices}}


def _parse_choices(text: str, choices, aliases: Mapping[str, str]) -> str:
    key = compact(text)
    value = _choice_table(choices).get(key)
    if value is not None:
        return value
    if key in aliases:
        return str(aliases[key])
    raise ValueError(key)


def parse_power_type(text: str) -> str:
    """The national code of a type written as a name or a code (1, 01, 行政许可, 许可)."""
    key = compact(text)
    for candidate in (key, key.removesuffix("类"), "行政" + key.removesuffix("类")):
        try:
            return PowerType.parse(candidate).value
        except ValueError:
            continue
    if key in _TYPE_ALIASES:
        return _TYPE_ALIASES[key].value
    match = re.fullmatch(r"(\d{1,2})(?:\.0)?[-、.\s]*(\D*)", key) or re.fullmatch(
        r"(\D+)[(（]?(\d{1,2})[)）]?", key
    )
    if match:
        digits = match.group(1) if match.group(1).isdigit() else match.group(2)
        try:
            return PowerType.parse(digits).value
        except ValueError:
            pass
    raise ValueError(
        f"事项类型「{text}」无法识别，请填写名称（如：行政许可）或国家代码（01…10、20）"
    )


_DEPTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4, "Ⅰ": 1, "Ⅱ": 2,
           "Ⅲ": 3, "Ⅳ": 4, "I": 1, "II": 2, "III": 3, "IV": 4}  # fmt: skip


def parse_online_depth(text: str) -> int:
    """网上办理深度 as 一级…四级, 1…4, Ⅰ…Ⅳ, or 全程网办."""
    key = compact(text).upper()
    if "全程网办" in key:
        return 4
    base = re.sub(r"^(网上办理深度|深度)[:：]?", "", key).removesuffix("级").removesuffix("星")
    base = re.split(r"[:：(（]", base)[0].removesuffix("级")
    if base in _DEPTHS:
        return _DEPTHS[base]
    raise ValueError(f"网上办理深度「{text}」无法识别，请填写一级、二级、三级或四级")


def parse_exercise_level(text: str) -> str:
    key = compact(text)
    if re.search(r"[、,，/;；]", key):
        raise ValueError("行使层级只能填写一个：省级、市级、县级或乡级")
    try:
        return _parse_choices(key, ExerciseLevel, {})
    except ValueError:
        pass
    base = re.sub(r"\([^)]*\)", "", key).removesuffix("级").removesuffix("层")
    if base in _LEVELS:
        return _LEVELS[base].value
    raise ValueError(f"行使层级「{text}」无法识别，请填写：省级、市级、县级或乡级")


def parse_power_source(text: str) -> str:
    try:
        return _parse_choices(text, PowerSource, _SOURCES)
    except ValueError:
        labels = "、".join(PowerSource.labels)
        raise ValueError(f"权力来源「{text}」无法识别，请填写：{labels}") from None


def parse_status(text: str) -> str:
    try:
        return _parse_choices(text, PowerStatus, _STATUSES)
    except ValueError:
        labels = "、".join(PowerStatus.labels)
        raise ValueError(f"状态「{text}」无法识别，请填写：{labels}") from None


_FREE_WORDS = ("不收费", "免费", "免收", "不收取", "无收费", "零收费")
_FREE_EXACT = frozenset({"否", "无", "0", "0元", "不", "免", "/", "-", "—", "没有"})
_CHARGED_EXACT = frozenset({"是", "收费", "有", "收"})


def parse_fee(text: str) -> tuple[bool | None, str | None]:
    """(fee_free, fee_standard) from 收费标准: 不收费/免费/否/无 → (True, ""), a standard →
    (False, text), 是/收费 alone → (False, "") (which the power's own rule refuses: a fee needs
    its standard), blank → (None, None)."""
    value = text.strip()
    if not value:
        return None, None
    bare = value.rstrip("。.；;")
    if bare in _FREE_EXACT:
        return True, ""
    if bare.startswith(_FREE_WORDS):
        return True, "" if bare in _FREE_WORDS else value
    if bare in _CHARGED_EXACT:
        return False, ""
    return False, value


def parse_yes_no(text: str) -> bool | None:
    value = compact(text).rstrip("。").upper()
    if not value:
        return None
    if value in {"是", "收费", "有", "Y", "YES", "TRUE", "1", "√"}:
        return True
    if value in {"否", "不收费", "免费", "无", "N", "NO", "FALSE", "0", "×"}:
        return False
    raise ValueError(f"「{text}」请填写“是”或“否”")


_ITEM_NUMBERING_RE = re.compile(
    r"^\s*(?:第\s*[一二三四五六七八九十\d]+\s*步|步骤\s*[一二三四五六七八九十\d]+"
    r"|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|[一二三四五六七八九十]+\s*[、.．]"
    r"|\d+\s*[、.．)）](?!\d)|[①-⑳⑴-⒇⒈-⒛])\s*[:：、.．]?\s*"
)
_STEP_NAME_RE = re.compile(r"^([^:：\n]{1,30})[:：]\s*(.+)$", re.S)
_STEP_SPLIT_RE = re.compile(r"\s*(?:\n|→|->|—>|－>|=>|⇒|➝|➔|➡|＞|>)+\s*")
_STEP_TIME_RE = re.compile(rf"\s*[（(]\s*(?P<n>{NUMERAL})\s*个?\s*工作日\s*(?:内)?\s*[)）]\s*$")


def _split_items(text: str, pattern: re.Pattern) -> list[str]:
    """Items one per line (or split by `pattern`), numbering removed; when the items are numbered,
    an unnumbered line continues the item above it."""
    pieces = [piece.strip() for piece in pattern.split(text) if piece and piece.strip()]
    numbered = sum(1 for piece in pieces if _ITEM_NUMBERING_RE.match(piece))
    items: list[str] = []
    for piece in pieces:
        if items and numbered >= 2 and not _ITEM_NUMBERING_RE.match(piece):
            items[-1] = f"{items[-1]}\n{piece}"
            continue
        item = _ITEM_NUMBERING_RE.sub("", piece).strip().rstrip("；;，,。")
        if item:
            items.append(item)
    return items


_STEP_NOTE_RE = re.compile(r"\s*[（(【\[]\s*(?P<note>[^（）()【】\[\]]*?)\s*[)）】\]]\s*$")


def parse_steps(text: str) -> tuple[list[dict], list[str]]:
    """StepBlock values from 办理流程: one step per line or between →/->/＞, numbering (1.
    （1） 第一步：) removed; "受理：核对材料" gives a name and a description, "受理（1个工作日）" a
    time limit, "决定（准予、不予）" its decision branches. Returns (steps, errors)."""
    steps, errors = [], []
    name_max = _block_max_length("StepBlock", "name") or 100
    description_max = _block_max_length("StepBlock", "description") or 2000
    for index, item in enumerate(_split_items(text, _STEP_SPLIT_RE), start=1):
        name, description = item, ""
        match = _STEP_NAME_RE.match(item)
        if match:
            name, description = match.group(1).strip(), match.group(2).strip()
        elif "\n" in item:
            name, description = item.split("\n", 1)
        name, time_limit, outcomes, problem = _step_name_notes(name.strip())
        if problem:
            errors.append(f"第 {index} 个环节（{name}）{problem}")
        if len(name) > name_max:
            errors.append(
                f"第 {index} 个环节的名称超过 {name_max} 字；请写成“环节名称：办理内容”，"
                "如：受理：窗口核对申请材料"
            )
        if len(description) > description_max:
            errors.append(f"第 {index} 个环节的办理内容超过 {description_max} 字")
        steps.append({
            "name": name, "post": "", "description": description.strip(),
            "time_limit": time_limit, "supervision": "", "outcomes": outcomes,
        })  # fmt: skip
    return steps, errors


def _step_name_notes(name: str) -> tuple[str, int | None, list[str], str]:
    """A step's name without its trailing notes: （3个工作日） and （准予、不予）, in either
    order. (name, time limit, outcomes, problem or "")."""
    time_limit, outcomes = None, []
    while True:
        time_match = _STEP_TIME_RE.search(name) if time_limit is None else None
        if time_match:
            time_limit = min(
                chinese_to_int(time_match.group("n")), _block_max_value("StepBlock", "time_limit")
            )
            name = name[: time_match.start()].strip()
            continue
        note = _STEP_NOTE_RE.search(name) if not outcomes else None
        if note:
            found, unknown = parse_outcomes(note.group("note"))
            if found and unknown:
                return name[: note.start()].strip(), time_limit, [], _unknown_outcomes(unknown)
            if found:
                outcomes = found
                name = name[: note.start()].strip()
                continue
        return name, time_limit, outcomes, ""


# --- A step's decision branches (准予、不予、补正) -----------------------------------------------

# The words departments write for each branch of catalogue.blocks.STEP_OUTCOMES, beside its
# code and label.
_OUTCOME_ALIASES = {
    "approve": ("准予许可", "准予办理", "准予批准", "予以许可", "予以批准", "予以办理", "批准",
                "许可", "同意", "核准", "通过"),
    "refuse": ("不予许可", "不予办理", "不予批准", "不予受理", "不予通过", "不许可", "不批准",
               "不同意", "不通过", "驳回", "否决"),
    "correction": ("补正材料", "补齐补正", "告知补正", "一次性告知补正", "退回补正", "要求补正",
                   "补充材料", "补齐材料"),
}  # fmt: skip
_OUTCOME_SPLIT_RE = re.compile(r"或者|以及|[、，,/／;；|｜\s或和及与]+")


@cache
def _outcome_table() -> dict[str, str]:
    table = {}
    for code, label in blocks.STEP_OUTCOMES:
        table[code] = table[str(label)] = code
        for word in _OUTCOME_ALIASES.get(code, ()):
            table[word] = code
    return table


def outcome_labels() -> str:
    """准予、不予、补正 (for messages and the template's help)."""
    return "、".join(str(label) for _code, label in blocks.STEP_OUTCOMES)


def parse_outcomes(text: str) -> tuple[list[str], list[str]]:
    """A step's decision branches from "准予、不予、补正" (or 准予/不予, 准予或不予, 不予受理,
    the codes approve, refuse, correction): (codes in the catalogue's order, words not
    understood). Blank, "无" and "/" give no branch."""
    value = unicodedata.normalize("NFKC", text).strip().rstrip("。.")
    if not value or compact(value) in _EMPTY_MARKERS:
        return [], []
    table = _outcome_table()
    found, unknown = set(), []
    for word in _OUTCOME_SPLIT_RE.split(value):
        word = word.strip("。.：:")
        if not word:
            continue
        code = table.get(word) or table.get(word.lower())
        if code is None:
            unknown.append(word)
        else:
            found.add(code)
    ordered = [code for code, _label in blocks.STEP_OUTCOMES if code in found]
    return ordered, unknown


def _unknown_outcomes(words: list[str]) -> str:
    shown = "、".join(f"「{word}」" for word in words[:5])
    return (
        f"的决定分支{shown}无法识别；请填写{outcome_labels()}中的一个或几个，用顿号分隔，"
        "没有分支的环节留空"
    )


# --- The columns that fill one part of every step, line by line -------------------------------

# Column key → (the StepBlock child it fills, what the messages call it, whether a value may
# run over several lines).
STEP_DETAILS = {
    "step_posts": ("post", "承办岗位", False),
    "step_supervision": ("supervision", "监督制约环节", True),
    "step_outcomes": ("outcomes", "决定分支", False),
}
_DETAIL_ARROWS_RE = re.compile(r"\s*(?:→|->|—>|－>|=>|⇒|➝|➔|➡)+\s*")
# A line that reads like "环节名称：…" (a short name without punctuation before the colon).
_LOOKALIKE_NAME_RE = re.compile(r"^([^\s:：，。；、,.;]{1,10})[:：]")
_DETAIL_NAMED_RE = re.compile(r"^(?P<name>[^:：]{1,100}?)\s*[:：]\s*(?P<rest>.*)$", re.S)


def item_numbered(text: str) -> bool:
    """Whether a line starts with numbering the import takes off (1. （一） ①)."""
    return bool(_ITEM_NUMBERING_RE.match(text))


def step_splits(text: str) -> bool:
    """Whether a one-line cell of a per-step column would be split at arrows (a→b→c)."""
    return bool(_DETAIL_ARROWS_RE.search(text))


def named_step_line(line: str, names: Mapping[str, list[int]]) -> tuple[str, str] | None:
    """(step name, the rest) of a line written "环节名称：…" (numbering before it allowed),
    when the name is one of `names` (compact name → positions); else None."""
    for candidate in (line, _ITEM_NUMBERING_RE.sub("", line, count=1)):
        match = _DETAIL_NAMED_RE.match(candidate)
        if match and compact(match.group("name")) in names:
            return compact(match.group("name")), match.group("rest").strip()
    return None


def step_positions(steps: list[dict]) -> dict[str, list[int]]:
    """Compact step name → the positions (from 0) of the steps of that name."""
    positions: dict[str, list[int]] = {}
    for index, step in enumerate(steps):
        positions.setdefault(compact(step.get("name") or ""), []).append(index)
    return positions


Entries = tuple[dict[int, str], list[str], list[str]]  # {position: text}, errors, warnings


def _detail_entries(text: str, steps: list[dict], multiline: bool) -> Entries:
    """The value of each step a per-step column gives. Lines follow the steps in order (a blank
    line keeps a step's place), or each starts with the step's name ("决定：分管负责人"), in any
    order."""
    names = step_positions(steps)
    lines = text.split("\n")
    if len(lines) == 1 and len(steps) > 1 and _DETAIL_ARROWS_RE.search(text):
        lines = _DETAIL_ARROWS_RE.split(text)
    first = next((line for line in lines if line.strip()), "")
    if named_step_line(first, names):
        return _named_entries(lines, steps, names, multiline)
    return _ordered_entries(lines, steps, multiline)


def _named_entries(lines, steps, names, multiline) -> Entries:
    """Lines written "环节名称：…": the first step of a name for its first line, and so on; in a
    multi-line column (监督制约环节) a line without a step's name continues the one above."""
    entries: dict[int, str] = {}
    errors: list[str] = []
    warnings: list[str] = []
    used: dict[str, int] = {}
    current = None
    all_names = "、".join(step["name"] for step in steps)
    for number, line in enumerate(lines, start=1):
        named = named_step_line(line, names)
        if named is not None:
            name, rest = named
            positions, count = names[name], used.get(name, 0)
            used[name] = count + 1
            if count >= len(positions):
                errors.append(
                    f"「{name}」写了 {count + 1} 次，但办理流程中只有 {len(positions)} 个"
                    f"「{name}」环节"
                )
                current = None
                continue
            current = positions[count]
            entries[current] = rest
        elif multiline and current is not None:
            entries[current] += "\n" + line
            lookalike = _LOOKALIKE_NAME_RE.match(line)
            if lookalike:
                warnings.append(
                    f"单元格中第 {number} 行「{line[:20]}」按上一环节（{steps[current]['name']}）"
                    f"的内容导入；「{lookalike.group(1)}」不是办理流程中的环节（办理流程的环节"
                    f"是：{all_names}）"
                )
        elif line.strip():
            errors.append(
                f"单元格中第 {number} 行「{line[:20]}」没有写环节名称；写成“环节名称：…”时，"
                "每行都以办理流程中的环节名称开头"
            )
    return {k: v.strip() for k, v in entries.items() if v.strip()}, errors, warnings


def _ordered_entries(lines, steps, multiline) -> Entries:
    """One line per step, in order; numbering taken off (in a multi-line column, numbered items
    with unnumbered lines under them)."""
    items = [line.strip() for line in lines]
    if multiline and sum(1 for item in items if _ITEM_NUMBERING_RE.match(item)) >= 2:
        merged: list[str] = []
        for item in items:
            if merged and item and not _ITEM_NUMBERING_RE.match(item):
                merged[-1] += "\n" + item
            elif item:
                merged.append(item)
        items = merged
    items = [_ITEM_NUMBERING_RE.sub("", item, count=1).strip() for item in items]
    while items and not items[-1]:
        items.pop()
    if not items:
        return {}, [], []
    if not steps:
        return {}, ["办理流程没有环节，本列无法对应；请先填写办理流程"], []
    if len(items) > len(steps):
        return {}, [
            f"有 {len(items)} 行，但办理流程只有 {len(steps)} 个环节；请每个环节一行"
            "（没有的留空行），或写成“环节名称：…”"
        ], []  # fmt: skip
    warnings = []
    if len(items) < len(steps):
        rest = "、".join(step["name"] for step in steps[len(items) :])
        read = "这一行对应第 1 个环节" if len(items) == 1 else f"依次对应前 {len(items)} 个环节"
        warnings.append(
            f"只有 {len(items)} 行，办理流程有 {len(steps)} 个环节：{read}，"
            f"后面的环节（{rest}）按未填写导入"
        )
    return {index: item for index, item in enumerate(items) if item}, [], warnings


def parse_step_details(steps: list[dict], key: str, text: str) -> tuple[list[str], list[str]]:
    """Fill one part of each step (承办岗位, 监督制约环节 or 决定分支: STEP_DETAILS[key]) from
    its column's cell, in place. Returns (errors, warnings)."""
    child, label, multiline = STEP_DETAILS[key]
    entries, errors, warnings = _detail_entries(text, steps, multiline)
    limit = _block_max_length("StepBlock", child)
    for index, value in sorted(entries.items()):
        step = steps[index]
        where = f"第 {index + 1} 个环节（{step['name']}）"
        if child == "outcomes":
            found, unknown = parse_outcomes(value)
            if unknown:
                errors.append(where + _unknown_outcomes(unknown))
            elif step["outcomes"] and found != step["outcomes"]:
                errors.append(
                    f"{where}的决定分支在办理流程中写作「{_outcome_text(step['outcomes'])}」，"
                    f"本列写作「{_outcome_text(found)}」；请只写一处，或改为一致"
                )
            else:
                step["outcomes"] = found
            continue
        if not multiline:
            value = " ".join(value.split())
        if limit and len(value) > limit:
            errors.append(f"{where}的{label}超过 {limit} 字")
        step[child] = value
    return errors, warnings


def _outcome_text(codes) -> str:
    labels = dict(blocks.STEP_OUTCOMES)
    return "、".join(str(labels.get(code, code)) for code in codes)


_MATERIAL_SPLIT_RE = re.compile(r"\s*[\n；;]+\s*")
_TRAILING_NOTE_RE = re.compile(r"\s*[（(](?P<note>[^（）()]*)[)）]\s*$")
_OPTIONAL_WORDS = ("如有", "非必须", "非必要", "可选", "选填", "视情况提供", "视情况", "非必需")


def _material(item: str) -> dict:
    name, form, copies, required, note = item, None, 1, True, ""
    match = _TRAILING_NOTE_RE.search(item)
    if match:
        content = match.group("note")
        if "原件" in content and "复印" in content:
            form = "both"
        elif "原件" in content:
            form = "original"
        elif "复印" in content:
            form = "copy"
        elif "电子" in content or "扫描" in content:
            form = "electronic"
        copies_match = re.search(rf"(?P<n>{NUMERAL})\s*份", content)
        optional = any(word in content for word in _OPTIONAL_WORDS)
        if form or copies_match or optional:
            name = item[: match.start()].strip()
            if copies_match:
                copies = min(
                    chinese_to_int(copies_match.group("n")),
                    _block_max_value("MaterialBlock", "copies"),
                )
            required = not optional
            leftover = re.sub(
                rf"原件|复印件|复印|电子版|电子材料|电子件|扫描件|各|和|及|与|或|{NUMERAL}|份|"
                + "|".join(_OPTIONAL_WORDS)
                + r"|[\s、，,；;+/]",
                "",
                content,
            )
            if leftover:
                note = content
    return {
        "name": name,
        "form": form or _block_default("MaterialBlock", "form"),
        "copies": copies,
        "required": required,
        "note": note,
    }


def parse_materials(text: str) -> tuple[list[dict], list[str]]:
    """MaterialBlock values from 申请材料: one per line (or ；), numbering removed; a trailing
    （原件）（复印件）（原件和复印件）（电子版）（2份）（如有） sets form, copies and required.
    Returns (materials, errors)."""
    materials, errors = [], []
    name_max = _block_max_length("MaterialBlock", "name") or 300
    note_max = _block_max_length("MaterialBlock", "note") or 500
    for index, item in enumerate(_split_items(text, _MATERIAL_SPLIT_RE), start=1):
        material = _material(item.replace("\n", " "))
        if len(material["name"]) > name_max:
            errors.append(f"第 {index} 种材料的名称超过 {name_max} 字")
        if len(material["note"]) > note_max:
            errors.append(f"第 {index} 种材料的说明超过 {note_max} 字")
        materials.append(material)
    return materials, errors


_TAG_SPLIT_RE = re.compile(r"[、，,;；\n]+")


def parse_tags(text: str) -> list[str]:
    """Tags separated by 、，,;；or line breaks; spaces around them ignored, duplicates dropped."""
    tags: list[str] = []
    for piece in _TAG_SPLIT_RE.split(text):
        tag = " ".join(piece.split()).strip("#＃")
        if tag and tag not in tags:
            tags.append(tag)
    return tags


# --- 投诉举报途径 ---------------------------------------------------------------------------------

# The import writes a power's complaint channel from its two phone columns, and the open-data
# export splits it back into them (so that an export imports back unchanged).
COMPLAINT_PHONE_LABEL = "监督投诉电话"
CONSULTATION_PHONE_LABEL = "咨询电话"
_CHANNEL_RE = re.compile(
    rf"^{COMPLAINT_PHONE_LABEL}：(?P<complaint>[^；]*)(?:；{CONSULTATION_PHONE_LABEL}：(?P<consult>.*))?$"
)


def _phone_text(label: str, value: str) -> str:
    if re.match(r"^(?:监督|投诉|咨询|举报|电话|联系)", value):
        return value
    return f"{label}：{value}"


def complaint_channel(complaint_phone: str, consultation_phone: str) -> str:
    """投诉举报途径 from the 监督投诉电话 and 咨询电话 cells (either may be blank): each number
    with its label, unless the cell already says what it is."""
    parts = []
    if complaint_phone:
        parts.append(_phone_text(COMPLAINT_PHONE_LABEL, complaint_phone))
    if consultation_phone:
        parts.append(_phone_text(CONSULTATION_PHONE_LABEL, consultation_phone))
    return "；".join(parts)


def channel_phones(channel: str) -> tuple[str, str]:
    """(监督投诉电话, 咨询电话) of a 投诉举报途径 that complaint_channel wrote; any other text
    is the complaint phone as a whole."""
    match = _CHANNEL_RE.match(channel or "")
    if match is None:
        return channel or "", ""
    return match.group("complaint"), match.group("consult") or ""
