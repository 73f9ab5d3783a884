"""Numbers as written in laws and in the documents that cite or apply them: Arabic digits or
Chinese numerals (第一百二十三条 → 123, 二十个工作日 → 20)."""

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}

# A number in a text, in either form; chinese_to_int reads what it matches.
NUMERAL = r"\d+|[零〇一二两三四五六七八九十百千]+"
ARTICLE_RE = re.compile(rf"第({NUMERAL})条")


def chinese_to_int(text: str) -> int:
    """Convert 一百零三 or 103 to 103. Raises ValueError for anything else."""
    if text.isdecimal():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"不是中文数字：{text!r}")
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


def int_to_chinese(number: int) -> str:
    """Convert 103 to 一百零三 (for numbers below 10,000)."""
    if not 0 < number < 10000:
        raise ValueError(number)
    digits = "零一二三四五六七八九"
    parts, zero_pending = [], False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, number = divmod(number, unit_value)
        if digit:
            if zero_pending:
                parts.append("零")
            parts.append(digits[digit] + unit)
            zero_pending = False
        elif parts:
            zero_pending = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def article_numbers(reference: str) -> list[int]:
    """The article numbers a citation names: 第十二条第一款、第十三条 → [12, 13]."""
    numbers = []
    for match in ARTICLE_RE.finditer(reference or ""):
        value = chinese_to_int(match.group(1))
        if value not in numbers:
            numbers.append(value)
    return numbers
