"""Reading a 补录 file into a Dataset, with the power import's file rules."""

from __future__ import annotations

import tablib

from ..spreadsheet import ImportFileError, open_grid
from ..spreadsheet.cells import cell_text, normalise_text, unguard
from .columns import MAX_ROWS, REQUIRED


class CaseFileError(ImportFileError):
    pass


def read_dataset(source, filename: str | None = None) -> tuple[tablib.Dataset, list[int]]:
    """The file's first sheet as a Dataset (the header row first, then the data rows, blank rows
    left out) and the sheet row number of each data row; CaseFileError (Chinese) for a file that
    is not a readable spreadsheet, or whose header is not the template's."""
    with open_grid(source, filename) as grid:
        header, rows, numbers, problems = None, [], [], []
        for number, cells in grid.rows():
            if not cells:
                continue
            if header is None:
                header = {col: _text(value) for col, (value, _type) in cells.items()}
                continue
            row = {}
            for col, (value, data_type) in cells.items():
                name = header.get(col)
                if not name:
                    continue
                if data_type == "f":
                    problems.append(f"第 {number} 行「{name}」是公式，但没有保存计算结果，"
                                    "请粘贴为数值后再导入。")  # fmt: skip
                elif data_type == "e":
                    problems.append(f"第 {number} 行「{name}」的值是错误值 {value}。")
                else:
                    row[name] = _text(value)
            if not any(row.values()):
                continue
            rows.append(row)
            numbers.append(number)
            if len(rows) > MAX_ROWS:
                raise CaseFileError(f"一个文件最多 {MAX_ROWS} 行办件，请拆分后分批导入。")
    if header is None:
        raise CaseFileError("文件中没有任何内容。")
    names = [name for name in header.values() if name]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise CaseFileError(
            f"第一行应为办件补录模板的表头，缺少：{'、'.join(missing)}。请下载模板后按列填写。"
        )
    if problems:
        raise CaseFileError("；".join(problems[:10]))
    dataset = tablib.Dataset(headers=names)
    for row in rows:
        dataset.append([row.get(name, "") for name in names])
    return dataset, numbers


def _text(value) -> str:
    text = cell_text(value)
    return normalise_text(unguard(text), multiline=True) if text else ""
