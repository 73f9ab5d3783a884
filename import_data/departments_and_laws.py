"""Importing departments (a sheet of their own) and laws (a ZIP of law text files).

Both are small next to the power lists, so the preview is the real import run in a transaction
that is rolled back: it says exactly what applying would do. Applying is all or nothing too.
Departments go through catalogue.services.department_upsert, laws through
laws.services.law_library_load (the loader of the library), which also opens adjustment
requirements for powers citing a law that is no longer in force.
"""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.db import transaction
from openpyxl import load_workbook

from catalogue.models import DepartmentPage
from catalogue.services import CatalogueError, department_upsert
from laws.parsing import LawFormatError
from laws.services import law_library_load
from review.services import adjustments_open_for_law

from .columns import normalise_header

# header → DepartmentPage field; the first two are required
DEPARTMENT_COLUMNS = {
    "部门编码": "code", "统一社会信用代码": "code", "机构代码": "code",
    "部门名称": "title", "部门全称": "title", "机构名称": "title",
    "简称": "short_name", "部门简称": "short_name",
    "办公地址": "address", "地址": "address",
    "办公时间": "office_hours",
    "咨询电话": "consultation_phone",
    "监督投诉电话": "complaint_phone", "投诉电话": "complaint_phone",
    "投诉邮箱": "complaint_email",
    "部门职责": "description", "职能简介": "description",
}  # fmt: skip
MAX_ROWS = 5000
# A department without a short name gets its title, cut to what the field holds.
SHORT_NAME_MAX = DepartmentPage._meta.get_field("short_name").max_length


class _Rollback(Exception):
    pass


@dataclass
class SmallImportResult:
    """What a departments or laws import did, or would do (the preview)."""

    ok: bool = True
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> str:
        if not self.ok:
            return f"未导入：{len(self.errors)} 处错误。"
        text = f"新增 {len(self.created)}，修改 {len(self.changed)}，未变 {len(self.unchanged)}"
        return ("已导入：" if self.applied else "预览（未写入）：") + text

    def preview_data(self, kind: str) -> dict:
        return {
            "ok": self.ok, "summary": self.summary(), "kind": kind,
            "counts": {"created": len(self.created), "changed": len(self.changed),
                       "unchanged": len(self.unchanged), "cancelled": 0},
            "errors": [{"row": None, "column": "", "message": e} for e in self.errors[:1000]],
            "error_count": len(self.errors), "warnings": self.warnings[:300],
            "changes": [{"code": "", "title": t, "outcome": "created", "fields": []}
                        for t in self.created[:2000]]
            + [{"code": "", "title": t, "outcome": "changed", "fields": []}
               for t in self.changed[:2000]],
            "file": {},
        }  # fmt: skip


# --- Departments ------------------------------------------------------------------------------


def _rows(path: Path):
    """(row number, [cell text]) of the first sheet of an XLSX, or of a CSV (UTF-8/GBK)."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = next(s for s in book.worksheets if s.sheet_state == "visible")
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if v is None else str(v).strip() for v in row]
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("无法识别文件编码，请另存为 UTF-8 的 CSV 或 XLSX。")
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        yield number, [cell.strip() for cell in row]


def _department_values(path: Path, result: SmallImportResult) -> list[tuple[int, str, dict]]:
    try:
        rows = iter(_rows(path))
        header_number, columns = None, {}
        for number, cells in rows:
            found = {i: DEPARTMENT_COLUMNS[normalise_header(c)] for i, c in enumerate(cells)
                     if normalise_header(c) in DEPARTMENT_COLUMNS}  # fmt: skip
            if "code" in found.values() and "title" in found.values():
                header_number, columns = number, found
                break
            if number >= 10:
                break
        if header_number is None:
            result.errors.append("没有找到表头：需要「部门编码」和「部门名称」两列。")
            return []
        items = []
        for number, cells in rows:
            if number > header_number + MAX_ROWS:
                result.errors.append(f"部门表最多 {MAX_ROWS} 行。")
                break
            values = {}
            for index, name in columns.items():
                text = cells[index] if index < len(cells) else ""
                values[name] = unicodedata.normalize("NFKC", text) if name == "code" else text
            if not any(values.values()):
                continue
            code = values.pop("code")
            if not code or not values.get("title"):
                result.errors.append(f"第 {number} 行：部门编码和部门名称不能为空。")
                continue
            for name, value in values.items():
                limit = DepartmentPage._meta.get_field(name).max_length
                if limit and len(value) > limit:
                    label = DepartmentPage._meta.get_field(name).verbose_name
                    result.errors.append(f"第 {number} 行「{label}」：最多 {limit} 字。")
            if not values.get("short_name"):
                values["short_name"] = values["title"][:SHORT_NAME_MAX]
            items.append((number, code, values))
        codes = [code for _n, code, _v in items]
        for number, code, _values in items:
            if codes.count(code) > 1:
                result.errors.append(f"第 {number} 行：部门编码 {code} 在文件中重复。")
        return items
    except (ValueError, StopIteration, OSError, zipfile.BadZipFile, KeyError) as error:
        result.errors.append(f"无法读取部门表：{error}" if str(error) else "无法读取部门表。")
        return []


def departments_import(path, *, user, apply: bool) -> SmallImportResult:
    """Departments from a sheet: created or changed through department_upsert, all or nothing;
    without `apply`, the same run rolled back (the preview)."""
    result = SmallImportResult()
    items = _department_values(Path(path), result)
    if result.errors:
        result.ok = False
        return result
    try:
        with transaction.atomic():
            for number, code, values in items:
                try:
                    page, outcome = department_upsert(code=code, values=values, user=user)
                except CatalogueError as error:
                    result.errors.append(f"第 {number} 行：{error}")
                    continue
                getattr(result, outcome).append(page.title)
            if result.errors or not apply:
                raise _Rollback
    except _Rollback:
        pass
    result.ok = not result.errors
    result.applied = apply and result.ok
    return result


# --- Laws ----------------------------------------------------------------------------------------


def laws_import(zip_path, *, user, apply: bool) -> SmallImportResult:
    """Law text files (名称(YYYY-MM-DD).md, as in the library) from a ZIP."""
    result = SmallImportResult()
    with tempfile.TemporaryDirectory() as folder:
        try:
            with zipfile.ZipFile(zip_path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if sum(m.file_size for m in members) > 100 * 1024 * 1024 or len(members) > 5000:
                    raise zipfile.BadZipFile
                for member in members:
                    name = PurePosixPath(member.filename)
                    if name.suffix.lower() != ".md" or "__MACOSX" in name.parts:
                        continue
                    # the folders inside the ZIP are kept (the library records where a text
                    # came from); nothing may point outside the temporary folder
                    parts = [p for p in name.parts if p not in ("", ".", "..", "/")]
                    target = Path(folder).joinpath(*parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(member))
        except (zipfile.BadZipFile, OSError):
            result.ok = False
            result.errors.append("法规压缩包无法打开（须为 ZIP，不超过 100 MB、5000 个文件）。")
            return result
        if not any(Path(folder).rglob("*.md")):
            result.ok = False
            result.errors.append("压缩包里没有法规文本（名称(YYYY-MM-DD).md）。")
            return result
        try:
            with transaction.atomic():
                report = law_library_load(root=Path(folder))
                result.created, result.changed = report.created, report.updated
                result.unchanged = report.unchanged
                for law in report.no_longer_in_force:
                    opened = adjustments_open_for_law(law=law)
                    result.warnings.append(
                        f"{law} 已被新版本替代：向 {len(opened)} 个事项发起调整要求。"
                    )
                if not apply:
                    raise _Rollback
        except _Rollback:
            pass
        except LawFormatError as error:
            result.ok = False
            result.errors.append(str(error))
    result.applied = apply and result.ok
    return result
