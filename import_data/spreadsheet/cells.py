"""A cell's text as the import stores it: Python cell values (numbers, dates, booleans) as text,
full-width digits and letters made ASCII, spaces collapsed, and the open-data export's formula
guard (a leading ') taken off again."""

from __future__ import annotations

import datetime
import re
import unicodedata

from common.text import clean_public_text

from ..columns import Column

_WIDTH_TABLE = {
    **{code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)},  # ０-９
    **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: " ",
    0x00A0: " ",
    0x2007: " ",
    0x202F: " ",
    ord("\t"): " ",
    ord("\r"): "\n",
}
_TEXT_LIMIT = 1_000_000
# Values parsed as codes, numbers, dates or choices: full NFKC, no line breaks.
_STRICT_KEYS = frozenset({
    "code", "power_type", "exercise_level", "power_source", "status", "legal_time_limit",
    "promised_time_limit", "effective_date", "online_depth", "consultation_phone",
    "complaint_phone", "fee_free",
})  # fmt: skip


def normalise_text(value: str, *, multiline: bool = False) -> str:
    """Cell text as stored: full-width digits and letters made ASCII (Chinese punctuation kept),
    no control characters, runs of spaces collapsed, trimmed; line breaks kept with
    `multiline`."""
    if value.isprintable():
        # The common case, cheaply: no control characters, line breaks or unusual spaces.
        text = value.translate(_WIDTH_TABLE)
        if "  " in text or text.startswith(" ") or text.endswith(" "):
            text = " ".join(text.split())
        return text
    text = value.replace("\r\n", "\n").translate(_WIDTH_TABLE)
    return clean_public_text(text, _TEXT_LIMIT, multiline=multiline)


# What the open-data export puts before a cell a spreadsheet would run as a formula.
FORMULA_GUARD = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unguard(value: str) -> str:
    """A cell the export neutralised ('=…) back to its text."""
    if value.startswith(FORMULA_GUARD) and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def normalise_value(column: Column, value: str) -> str:
    value = unguard(value)
    if column.key in _STRICT_KEYS:
        return normalise_text(unicodedata.normalize("NFKC", value))
    if column.per_step and "\n" in value.replace("\r", "\n"):
        # Each line holds its step's place: blank lines stay (leading ones too), trailing
        # ones go.
        lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(normalise_text(line) for line in lines).rstrip("\n")
    return normalise_text(value, multiline=column.multiline)


def cell_text(value) -> str:
    """A cell's value as text: numbers without a needless .0, dates in ISO form, 是/否."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value)


_WHITESPACE_RE = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text as names and labels are compared: NFKC (full-width made half-width), no whitespace."""
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text))
