"""The table of an opened file: ``Table`` (the chosen sheet, its header, a single pass over its
rows) and ``Row`` (a data row's cells as normalised text by column key). Reading the cells is
where formulas without a saved result, error values, codes Excel turned into numbers and
merged cells become row errors or warnings; blank rows and note rows are skipped."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from ..columns import COLUMNS_BY_KEY, Column
from .cells import cell_text, normalise_value
from .header import Header
from .report import RowError, RowWarning

logger = logging.getLogger(__name__)


@dataclass
class Row:
    """A data row: ``values`` maps column keys (see ``import_data.columns``) to normalised text,
    "" for a blank cell; keys of columns the file does not have are absent. ``errors`` and
    ``warnings`` are what reading the cells found (formulas, error values, merged cells)."""

    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)


# Columns where a cell merged down over several rows means "the same for all these rows".
FILL_DOWN_KEYS = frozenset({"department", "power_type"})
_NOTE_ROW_RE = re.compile(r"^(?:注|备注|说明|填表说明|填写说明)\s*[:：]|^注\s*\d*\s*[、.．]")


class Table:
    """An opened spreadsheet: the chosen sheet, its header and a single pass over its rows."""

    def __init__(
        self,
        *,
        format: str,
        filename: str,
        raw_rows: Iterator[tuple[int, dict]],
        header: Header,
        merges: list[tuple[int, int, int, int]] | None = None,
        sheet: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        notes: list[RowWarning] | None = None,
        closers: list | None = None,
    ):
        self.format = format
        self.filename = filename
        self.sheet = sheet
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_row = header.row
        self.columns: dict[int, Column] = dict(header.columns)
        # Column key → the header as written in the file (for messages).
        self.headers: dict[str, str] = {
            column.key: header.texts[col] for col, column in header.columns.items()
        }
        # File-level notes and skipped rows (RowWarning with row None or the row skipped).
        self.warnings: list[RowWarning] = list(notes or []) + list(header.notes)
        self._raw_rows = raw_rows
        self._merges = sorted(
            (m for m in merges or () if m[3] > header.row and self._merge_is_mapped(m)),
            key=lambda m: m[1],
        )
        self._closers = list(closers or [])
        self._used = False

    def _merge_is_mapped(self, merge) -> bool:
        return any(merge[0] <= col <= merge[2] for col in self.columns)

    def header_for(self, key: str) -> str:
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header

    def rows(self) -> Iterator[Row]:
        """The data rows below the header, once. Blank rows are skipped without being kept;
        may raise ImportFileError when the file turns out to be broken further down."""
        if self._used:
            raise RuntimeError("Table.rows() can be iterated only once")
        self._used = True
        columns = sorted(self.columns.items())
        merges = self._merges
        pending = 0  # index of the next merge to activate
        active: list[tuple[int, int, int, int]] = []
        fill: dict[tuple[int, int, int, int], str] = {}
        reported: set[tuple[int, int, int, int]] = set()
        for number, cells in self._raw_rows:
            if number <= self.header_row:
                continue
            while pending < len(merges) and merges[pending][1] <= number:
                active.append(merges[pending])
                pending += 1
            if active:
                active = [m for m in active if m[3] >= number]
            if not cells and not active:
                continue
            row = self._read_cells(number, cells, columns)
            blank = not row.errors and not any(row.values.values())
            if active:
                self._apply_merges(row, active, fill, reported, blank)
            if blank:
                continue
            filled = [value for value in row.values.values() if value]
            if len(filled) == 1 and not row.errors and _NOTE_ROW_RE.match(filled[0]):
                self.warnings.append(RowWarning(number, "", "这一行是说明文字，已跳过。"))
                continue
            yield row

    def _read_cells(self, number: int, cells: dict, columns) -> Row:
        values: dict[str, str] = {}
        errors: list[RowError] = []
        for col, column in columns:
            cell = cells.get(col)
            if cell is None:
                values[column.key] = ""
                continue
            value, data_type = cell
            header = self.header_for(column.key)
            if data_type == "f":
                errors.append(
                    RowError(
                        number,
                        header,
                        "是公式，但文件中没有保存计算结果，请将公式粘贴为数值后再导入。",
                    )
                )
                values[column.key] = ""
                continue
            if data_type == "e":
                errors.append(RowError(number, header, f"的值是错误值 {value}，请更正后再导入。"))
                values[column.key] = ""
                continue
            if column.key == "code" and isinstance(value, (int, float)) and abs(value) >= 1e15:
                errors.append(
                    RowError(
                        number,
                        header,
                        "事项编码被存成了数字，超过 15 位的部分已被 Excel 改成 0；"
                        "请把该列设为“文本”格式后重新填写编码。",
                    )
                )
            values[column.key] = normalise_value(column, cell_text(value))
        return Row(number, values, errors)

    def _apply_merges(self, row: Row, active, fill, reported, blank: bool) -> None:
        number = row.number
        for merge in active:
            min_col, min_row, max_col, max_row = merge
            top = number == min_row
            if top and min_col in self.columns:
                fill[merge] = row.values.get(self.columns[min_col].key, "")
            if blank:
                continue
            for col, column in self.columns.items():
                if not min_col <= col <= max_col or (top and col == min_col):
                    continue
                header = self.header_for(column.key)
                where = _range_name(merge)
                if min_row <= self.header_row:
                    row.errors.append(
                        RowError(
                            number,
                            header,
                            f"表头的合并单元格（{where}）延伸到了数据行，请取消合并。",
                        )
                    )
                elif col == min_col == max_col and column.key in FILL_DOWN_KEYS:
                    value = fill.get(merge, "")
                    if not row.values.get(column.key) and value:
                        row.values[column.key] = value
                        if merge not in reported:
                            reported.add(merge)
                            row.warnings.append(
                                RowWarning(
                                    number,
                                    header,
                                    f"第 {min_row}–{max_row} 行是合并单元格（{where}），"
                                    f"已把「{value}」填入其中每一行。",
                                )
                            )
                elif not row.values.get(column.key):
                    row.errors.append(
                        RowError(
                            number,
                            header,
                            f"是合并单元格（{where}）的一部分，本行没有自己的值；"
                            "请取消合并后在每一行分别填写。",
                        )
                    )

    def close_also(self, closer) -> None:
        """Call `closer` too when the table is closed (the file the table was read from)."""
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            closer = self._closers.pop(0)
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing a broken file must not hide the report
                logger.debug("closing %s failed", self.filename, exc_info=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _range_name(merge) -> str:
    min_col, min_row, max_col, max_row = merge
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def chain(buffered, rest):
    """The rows read while looking for the header, then the rest."""
    yield from buffered
    yield from rest
