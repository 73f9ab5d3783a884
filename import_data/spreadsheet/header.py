"""Finding the header row: among the first rows of a sheet, the first that names every required
column (in the template's words or the variants departments use, see ``import_data.columns``),
helped by the row above or below when the header spans two rows; duplicate and unknown columns
become notes. The rows are ``(row number, {column number: (value, data type)})`` pairs, the
same from XLSX and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..columns import (
    COLUMNS_BY_KEY,
    IGNORED_HEADERS,
    REQUIRED_KEYS,
    Column,
    column_for_header,
    header_hint,
    is_canonical_header,
    normalise_header,
)
from .cells import cell_text, normalise_text
from .limits import Limits
from .report import RowWarning


@dataclass
class Header:
    """The header row found: which column number holds which column, and what is missing."""

    row: int
    columns: dict[int, Column]  # column number → column
    texts: dict[int, str]  # column number → header text as written
    missing: list[Column]
    notes: list[RowWarning]
    score: int


def no_header_message(limits: Limits) -> str:
    names = "".join(f"「{COLUMNS_BY_KEY[key].header}」" for key in REQUIRED_KEYS)
    return (
        f"没有找到表头行：前 {limits.header_search_rows} 行中没有{names}等列名。"
        "请使用导入模板的列名，表头之上最多留几行标题。"
    )


def missing_text(header: Header) -> str:
    return "缺少必填列：" + "、".join(header_hint(column) for column in header.missing) + "。"


def _header_text(cell) -> str:
    return normalise_text(cell_text(cell[0])) if cell else ""


def _map_header(number: int, cells: dict, parent: dict | None) -> Header:
    """The columns a row names, helped by the row above when the header has two rows (a group
    heading merged over sub-headings, or headings merged down over both rows)."""
    found: dict[int, tuple[Column, str]] = {}
    unknown: list[str] = []
    parent = parent or {}
    group = ""
    for col in sorted(set(cells) | set(parent)):
        text = _header_text(cells.get(col))
        above = _header_text(parent.get(col))
        group = above or group
        column = column_for_header(text) if text else None
        header_text = text
        if column is None and not text and above:
            column, header_text = column_for_header(above), above
        elif column is None and text and group:
            column = column_for_header(group + text)
        if column is not None:
            found[col] = (column, header_text)
        elif text and normalise_header(text) not in IGNORED_HEADERS:
            unknown.append(text)
    columns: dict[int, Column] = {}
    texts: dict[int, str] = {}
    notes: list[RowWarning] = []
    by_key: dict[str, int] = {}
    for col, (column, text) in found.items():
        if column.key in by_key:
            kept = by_key[column.key]
            if is_canonical_header(text, column) and not is_canonical_header(texts[kept], column):
                dropped, kept_text = texts[kept], text
                del columns[kept], texts[kept]
                by_key[column.key] = col
                columns[col], texts[col] = column, text
            else:
                dropped, kept_text = text, texts[kept]
            notes.append(
                RowWarning(
                    None,
                    "",
                    f"「{dropped}」列与「{kept_text}」列都表示「{column.header}」，"
                    f"已读取「{kept_text}」列，忽略「{dropped}」列。",
                )
            )
            continue
        by_key[column.key] = col
        columns[col], texts[col] = column, text
    if unknown and columns:
        shown = "、".join(f"「{text}」" for text in unknown[:10])
        notes.append(RowWarning(None, "", f"未识别的列{shown}，已忽略。"))
    missing = [COLUMNS_BY_KEY[key] for key in REQUIRED_KEYS if key not in by_key]
    return Header(number, columns, texts, missing, notes, score=len(columns))


def _sub_header(following: tuple[int, dict], number: int, cells: dict) -> Header | None:
    """The header read from the row below the header too, when that row holds only headings."""
    sub_number, sub_cells = following
    if sub_number != number + 1 or not sub_cells:
        return None
    texts = [text for text in (_header_text(cell) for cell in sub_cells.values()) if text]
    texts = [text for text in texts if normalise_header(text) not in IGNORED_HEADERS]
    header = _map_header(sub_number, sub_cells, cells)
    own = sum(1 for col in header.columns if _header_text(sub_cells.get(col)))
    if header.missing or not texts or own < len(texts):
        return None
    return header


def find_header(raw: Iterator[tuple[int, dict]], limits: Limits):
    """(header or None, rows read so far that still have to be processed). The first row among
    the first `header_search_rows` rows that names all required columns is the header; otherwise
    the row naming the most columns (at least two) is returned, with `missing` set."""
    buffered: list[tuple[int, dict]] = []
    best: Header | None = None
    previous: tuple[int, dict] | None = None
    for number, cells in raw:
        buffered.append((number, cells))
        if number > limits.header_search_rows:
            break
        if not cells:
            previous = None
            continue
        parent = previous[1] if previous and previous[0] == number - 1 else None
        header = _map_header(number, cells, parent)
        if not header.missing:
            # A second header row below (sub-headings under a merged group heading)?
            following = next(raw, None)
            if following is None:
                return header, []
            sub = _sub_header(following, number, cells)
            if sub is not None:
                return sub, []
            return header, [following]
        if header.score >= 2 and (best is None or header.score > best.score):
            best = header
        previous = (number, cells)
    return best, buffered
