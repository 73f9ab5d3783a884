"""Reading a department's power list (XLSX or CSV) into ``PowerData``, with a report in Chinese.

Layers, each usable on its own:

1. ``open_table(source, filename)`` recognises the file by its content, refuses what it cannot
   or must not read (encrypted, legacy .xls, zip bombs, …) with ``ImportFileError``, picks the
   sheet and the header row and returns a ``Table``. ``Table.rows()`` streams ``Row`` objects;
   nothing holds the whole sheet.
2. ``rows_to_power_data(rows, departments, laws_lookup=…)`` turns rows into ``RowResult``
   (row number, ``PowerData`` or None, errors, warnings), one at a time.
3. ``PowerReader`` ties both together for a caller that streams (the import service): iterate it
   for ``RowResult``s, or ``chunks()`` for lists of valid ``PowerData``; ``reader.report`` holds
   the counts and messages. ``read_powers()`` / ``validate_file()`` are the small convenience
   wrappers that return an ``ImportReport``.

A file is acceptable only when the report has no errors; the reader never writes anything.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import logging
import pyexpat
import re
import shutil
import tempfile
import unicodedata
import warnings as python_warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

from catalogue.choices import ExerciseLevel, PowerSource, PowerStatus, PowerType
from catalogue.services import CitationData, PowerData
from catalogue.validators import CODE_PATTERN
from common.text import clean_public_text

from .citations import LawLookup, link_citations, parse_legal_basis
from .columns import (
    COLUMNS,
    COLUMNS_BY_KEY,
    IGNORED_HEADERS,
    REQUIRED_KEYS,
    Column,
    column_for_header,
    header_hint,
    is_canonical_header,
    normalise_header,
)

logger = logging.getLogger(__name__)

MB = 1024 * 1024


# --- Public types ------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    """A problem in one cell or row (``row`` None: the file as a whole). ``column`` is the header
    as it is written in the file, or "" when the problem is not about one column."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row else ""
        column = f"「{self.column}」" if self.column else ""
        if not where and not column:
            return self.message
        return f"{where}{column}：{self.message}"


@dataclass(frozen=True)
class RowWarning(RowError):
    """Something the import does with a value that the user should know about."""


@dataclass
class Row:
    """A data row: ``values`` maps column keys (see ``import_data.columns``) to normalised text,
    "" for a blank cell; keys of columns the file does not have are absent. ``errors`` and
    ``warnings`` are what reading the cells found (formulas, error values, merged cells)."""

    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)


class RowResult(NamedTuple):
    row: int
    data: PowerData | None  # None when the row has errors
    errors: list[RowError]
    warnings: list[RowWarning]
    values: dict[str, str] | None = None  # the row's cells (normalised text) by column key


@dataclass(frozen=True)
class Limits:
    """What the reader accepts. The defaults fit a district's lists with room to spare."""

    max_file_bytes: int = 100 * MB
    max_uncompressed_bytes: int = 200 * MB
    # The compression ratio is checked for members larger than ratio_min_bytes only: small XML
    # parts compress very well without being dangerous.
    max_compression_ratio: float = 100
    ratio_min_bytes: int = 10 * MB
    max_zip_members: int = 10_000
    header_search_rows: int = 10
    max_line_chars: int = 1_000_000
    max_merged_ranges: int = 100_000


def default_limits() -> Limits:
    """The limits of the settings IMPORT_MAX_FILE_MB and IMPORT_MAX_UNCOMPRESSED_MB (a district
    with unusually large lists raises them), the rest as in Limits."""
    from django.conf import settings

    return Limits(
        max_file_bytes=int(getattr(settings, "IMPORT_MAX_FILE_MB", 100) * MB),
        max_uncompressed_bytes=int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_MB", 500) * MB),
    )


# --- Text normalisation -----------------------------------------------------------------------

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
    "promised_time_limit", "effective_date", "consultation_phone", "complaint_phone", "fee_free",
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
    return normalise_text(value, multiline=column.multiline)


def _cell_text(value) -> str:
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


def _lookup_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


# --- Opening a file ---------------------------------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OTHER_FORMATS = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "图片"),
    (b"\xff\xd8\xff", "图片"),
    (b"GIF8", "图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)
_SPREADSHEET_HINT = "请上传 Excel 表格（.xlsx）或 CSV 文件。"


def open_table(source, filename: str | None = None, *, limits: Limits | None = None) -> Table:
    """Open an uploaded file (Django UploadedFile or any binary file object), a path or bytes.

    The format is recognised by content, not by the file name. Raises ``ImportFileError`` with a
    Chinese message for a file that is not a readable power list.
    """
    limits = limits or default_limits()
    stream, owned = _binary_stream(source, limits)
    name = filename or Path(str(getattr(source, "name", "") or "")).name
    try:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        if size == 0:
            raise ImportFileError("文件是空的。" + _SPREADSHEET_HINT)
        if size > limits.max_file_bytes:
            raise ImportFileError(
                f"文件过大（{size / MB:.1f} MB），最大 {limits.max_file_bytes // MB} MB；"
                "请删除多余的行、列和图片后再导入。"
            )
        head = stream.read(8)
        stream.seek(0)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            table = _open_xlsx(stream, name, size, limits)
            table.filename = name
        elif head.startswith(_CFB_MAGIC):
            raise ImportFileError(_cfb_message(stream))
        else:
            for magic, kind in _OTHER_FORMATS:
                if head.startswith(magic):
                    raise ImportFileError(
                        f"文件不是电子表格（看起来是{kind}）。{_SPREADSHEET_HINT}"
                    )
            table = _open_csv(stream, name, limits)
    except BaseException:
        if owned:
            stream.close()
        raise
    if owned:
        table._closers.append(stream.close)
    return table


def _binary_stream(source, limits: Limits):
    """(a seekable binary stream, whether we opened it)."""
    if isinstance(source, (str, Path)):
        try:
            return open(source, "rb"), True
        except OSError as error:
            raise ImportFileError("无法打开文件。") from error
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), True
    stream = getattr(source, "file", None) if not hasattr(source, "read") else source
    if stream is None:
        raise ImportFileError("无法读取上传的文件。")
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        stream.seek(0)
        return stream, False
    # A stream that cannot seek (a pipe, a network body): copy it, up to the size limit.
    copy = tempfile.SpooledTemporaryFile(max_size=8 * MB)
    shutil.copyfileobj(_limited(stream, limits.max_file_bytes + 1), copy)
    copy.seek(0)
    return copy, True


def _limited(stream, limit: int):
    class _Reader:
        remaining = limit

        def read(self, size=-1):
            if self.remaining <= 0:
                return b""
            size = self.remaining if size is None or size < 0 else min(size, self.remaining)
            data = stream.read(size)
            self.remaining -= len(data)
            return data

    return _Reader()


def _scan(stream, patterns: Iterable[bytes], chunk_size: int = MB) -> set[bytes]:
    """Which of `patterns` occur in the stream (read in chunks, patterns may span chunks)."""
    patterns = list(patterns)
    overlap = max(len(p) for p in patterns)
    found: set[bytes] = set()
    stream.seek(0)
    tail = b""
    while len(found) < len(patterns):
        chunk = stream.read(chunk_size)
        if not chunk:
            break
        data = tail + chunk
        found.update(p for p in patterns if p in data)
        tail = data[-overlap:]
    stream.seek(0)
    return found


def _cfb_message(stream) -> str:
    """An OLE2 compound file: a password-protected XLSX, a legacy .xls or something else."""
    encrypted = ("EncryptedPackage".encode("utf-16-le"), b"EncryptedPackage")
    workbook = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))
    word = ("WordDocument".encode("utf-16-le"),)
    found = _scan(stream, encrypted + workbook + word)
    if found & set(encrypted):
        return "文件已加密，请去掉密码后再导入（在 Excel/WPS 中打开，取消“用密码进行加密”后保存）。"
    if found & set(workbook):
        return (
            "这是旧版 Excel 文件（.xls）或 WPS 表格文件（.et），"
            "请在 Excel 或 WPS 中“另存为” .xlsx 格式后再导入。"
        )
    if found & set(word):
        return f"文件不是电子表格（看起来是 Word 文档）。{_SPREADSHEET_HINT}"
    return f"无法识别的文件格式。{_SPREADSHEET_HINT}"


# --- XLSX ---------------------------------------------------------------------------------------


def _zip_entry_count(stream, size: int) -> int | None:
    """The number of entries the zip's end record declares, read before zipfile loads the whole
    central directory; None when there is no end record."""
    tail_size = min(size, 22 + 65535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    stream.seek(0)
    position = tail.rfind(b"PK\x05\x06")
    if position == -1 or position + 22 > len(tail):
        return None
    return int.from_bytes(tail[position + 10 : position + 12], "little")


def _check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > limits.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise ImportFileError(
                    f"文件的压缩比异常（{ratio:.0f} 倍），解压后会占用过多内存，"
                    "可能是恶意构造的文件，"
                    "已拒绝读取。请在 Excel 或 WPS 中打开、删除多余的空行后另存再导入。"
                )
    if total > limits.max_uncompressed_bytes:
        raise ImportFileError(
            f"文件解压后过大（约 {total / MB:.0f} MB，"
            f"上限 {limits.max_uncompressed_bytes // MB} MB），"
            "已拒绝读取。请删除多余的行、列和图片后另存再导入，或把清单拆成几个文件。"
        )


def _open_xlsx(stream, name: str, size: int, limits: Limits) -> Table:
    count = _zip_entry_count(stream, size)
    if count is not None and count > limits.max_zip_members:
        raise ImportFileError("文件包含的部件过多，不是正常的 Excel 文件，已拒绝读取。")
    try:
        archive = zipfile.ZipFile(stream)
        names = set(archive.namelist())
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as error:
        # NotImplementedError: a zip version or compression method zipfile cannot read.
        raise ImportFileError(
            "文件已损坏，无法作为 Excel 文件打开；请重新保存后再导入。"
        ) from error
    if len(names) > limits.max_zip_members:
        archive.close()
        raise ImportFileError("文件包含的部件过多，不是正常的 Excel 文件，已拒绝读取。")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        archive.close()
        if "xl/workbook.bin" in names:
            raise ImportFileError("这是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 格式后再导入。")
        if "word/document.xml" in names:
            raise ImportFileError(f"文件不是电子表格（看起来是 Word 文档）。{_SPREADSHEET_HINT}")
        if "content.xml" in names or "mimetype" in names:
            raise ImportFileError("这是 OpenDocument 表格（.ods），请另存为 .xlsx 格式后再导入。")
        raise ImportFileError(f"文件不是 Excel 表格（是一个普通的压缩包）。{_SPREADSHEET_HINT}")
    try:
        _check_zip(archive, limits)
    finally:
        archive.close()
    stream.seek(0)
    workbook = _Workbook.load(stream, name)
    try:
        return _choose_sheet(workbook, limits)
    except BaseException:
        workbook.close()
        raise


# Expat from 2.4.1 on limits entity amplification (billion laughs) by itself, and ElementTree
# never fetches external entities; with it the C parser is used for sheets and shared strings,
# about ten times faster than defusedxml's pure-Python parser. DTDs are refused in any case.
_EXPAT_SAFE = tuple(int(part) for part in pyexpat.version_info) >= (2, 4, 1)
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}f"
_INLINE, _TEXT, _RUN, _SHARED = f"{_NS}is", f"{_NS}t", f"{_NS}r", f"{_NS}si"
_SHEET_DATA = f"{_NS}sheetData"
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DTD_RE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_ELEMENT_START_RE = re.compile(rb"<[A-Za-z_]")
_PROLOG_BYTES = 64 * 1024
_COLUMN_RE = re.compile(r"[A-Za-z]+")


def _iterparse(source, events=("end",)):
    head = source.read(_PROLOG_BYTES)
    root = _ELEMENT_START_RE.search(head)
    if root is None and len(head) == _PROLOG_BYTES:
        raise ImportFileError("文件中的 XML 格式异常，已拒绝读取。")
    if _DTD_RE.search(head[: root.start()] if root else head):
        raise ImportFileError("文件中含有不允许的 XML 声明（DTD），已拒绝读取。")
    source = _Prefixed(head, source)
    if _EXPAT_SAFE:
        return ElementTree.iterparse(source, events)  # noqa: S314 - see _EXPAT_SAFE
    from defusedxml.ElementTree import iterparse

    return iterparse(source, events, forbid_dtd=True)


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def readable(self):
        return True

    def read(self, size=-1):
        if self._head:
            if size is None or size < 0:
                data, self._head = self._head + self._rest.read(), b""
                return data
            data, self._head = self._head[:size], self._head[size:]
            return data
        return self._rest.read(size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _unescape(text: str) -> str:
    """Excel writes control characters as _x000D_ (and a literal "_x" as _x005F_x)."""
    if "_x" not in text:
        return text
    return _ESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text)


def _rich_text(element) -> str:
    """The text of an <si> or <is> element: its <t>, or the <t> of its runs (not phonetics)."""
    text = element.findtext(_TEXT)
    if text is None:
        text = "".join(run.findtext(_TEXT) or "" for run in element.iterfind(_RUN))
    return _unescape(text)


@cache
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


@dataclass
class _SheetRef:
    title: str
    state: str
    path: str


class _Workbook:
    """An XLSX package: its visible and hidden sheets, styles (which cells are dates) and shared
    strings. openpyxl reads the workbook part and the styles; the sheets are streamed here."""

    def __init__(self, archive, sheets, strings_path, epoch, date_formats, timedelta_formats):
        self.archive = archive
        self.sheets: list[_SheetRef] = sheets
        self._strings_path = strings_path
        self._strings: list[str] | None = None
        self.epoch = epoch
        self.date_formats = date_formats
        self.timedelta_formats = timedelta_formats

    @classmethod
    def load(cls, stream, name: str) -> _Workbook:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.xml.constants import SHARED_STRINGS

        reader = None
        try:
            with python_warnings.catch_warnings():
                python_warnings.simplefilter("ignore")
                reader = ExcelReader(stream, read_only=True, data_only=True)
                reader.read_manifest()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                sheets = [
                    _SheetRef(sheet.name, sheet.state or "visible", rel.target)
                    for sheet, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files and "chartsheet" not in (rel.Type or "")
                ]
            strings = reader.package.find(SHARED_STRINGS)
        except Exception as error:  # noqa: BLE001 - openpyxl raises anything on a broken file
            logger.info("Unreadable xlsx %s: %r", name, error)
            if reader is not None:
                reader.archive.close()
            raise ImportFileError(
                "文件已损坏或不是有效的 Excel 文件，无法读取；"
                "请在 Excel 或 WPS 中打开后重新保存再导入。"
            ) from error
        wb = reader.wb
        return cls(
            reader.archive,
            sheets,
            strings.PartName[1:] if strings is not None else None,
            wb.epoch,
            set(wb._date_formats),
            set(wb._timedelta_formats),
        )

    def close(self) -> None:
        self.archive.close()

    @property
    def shared_strings(self) -> list[str]:
        if self._strings is None:
            strings: list[str] = []
            if self._strings_path and self._strings_path in self.archive.namelist():
                with self.archive.open(self._strings_path) as source:
                    for _event, element in _iterparse(source):
                        if element.tag == _SHARED:
                            strings.append(_rich_text(element))
                            element.clear()
            self._strings = strings
        return self._strings

    def raw_rows(self, sheet: _SheetRef) -> Iterator[tuple[int, dict]]:
        """(row number, {column number: (value, data type)}) for each row element of the sheet,
        with blank cells left out. Data types: "n" number, "s" text, "b" boolean, "d" date,
        "e" error value (#N/A), "f" formula without a cached value (value None)."""
        strings = self.shared_strings
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        with self.archive.open(sheet.path) as source:
            sheet_data = None
            row_number = 0
            for event, element in _iterparse(source, ("start", "end")):
                if event == "start":
                    if element.tag == _SHEET_DATA:
                        sheet_data = element
                    continue
                if element.tag != _ROW:
                    continue
                number = element.get("r")
                row_number = int(float(number)) if number else row_number + 1
                row: dict[int, tuple] = {}
                column = 0
                for cell in element.iterfind(_CELL):
                    reference = cell.get("r")
                    if reference:
                        match = _COLUMN_RE.match(reference)
                        column = _column_number(match.group(0)) if match else column + 1
                    else:
                        column += 1
                    data_type = cell.get("t", "n")
                    value = None
                    if data_type == "inlineStr":
                        inline = cell.find(_INLINE)
                        value = _rich_text(inline) if inline is not None else None
                        data_type = "s"
                    else:
                        raw = cell.findtext(_VALUE)
                        if raw:
                            value, data_type = self._value(raw, data_type, cell, strings)
                    if value is None:
                        if cell.find(_FORMULA) is not None:
                            row[column] = (None, "f")
                        continue
                    if data_type == "n" and self.date_formats:
                        style = int(cell.get("s", 0) or 0)
                        if style in self.date_formats:
                            try:
                                value = from_excel(
                                    value, self.epoch, timedelta=style in self.timedelta_formats
                                )
                                data_type = "d"
                            except (OverflowError, ValueError):
                                value, data_type = "#VALUE!", "e"
                    elif data_type == "d" and isinstance(value, str):
                        try:
                            value = from_ISO8601(value)
                        except ValueError:
                            data_type = "s"
                    if isinstance(value, str) and data_type != "e" and not value.strip():
                        continue
                    row[column] = (value, data_type)
                element.clear()
                if sheet_data is not None:
                    sheet_data.clear()
                yield row_number, row

    @staticmethod
    def _value(raw: str, data_type: str, cell, strings):
        if data_type == "n":
            try:
                if "." in raw or "E" in raw or "e" in raw:
                    return float(raw), "n"
                return int(raw), "n"
            except ValueError:
                return raw, "s"
        if data_type == "s":
            try:
                return strings[int(raw)], "s"
            except (ValueError, IndexError):
                return "#REF!", "e"
        if data_type == "b":
            return raw.strip() in ("1", "true"), "b"
        if data_type == "str":
            return _unescape(raw), "s"
        return raw, data_type  # "e" (error) and "d" (ISO date)

    def merged_ranges(self, sheet: _SheetRef, limits: Limits) -> list[tuple[int, int, int, int]]:
        """The merged ranges (min_col, min_row, max_col, max_row) of a sheet. In the file they
        come after all rows, so the sheet's XML is scanned once, in chunks, before the rows are
        read."""
        from openpyxl.utils.cell import range_boundaries

        ranges = []
        tail = b""
        with self.archive.open(sheet.path) as source:
            while chunk := source.read(MB):
                data = tail + chunk
                if b"mergeCell" not in data:
                    tail = data[-64:]
                    continue
                end = 0
                for match in _MERGE_RE.finditer(data):
                    ranges.append(range_boundaries(match.group(1).decode("ascii").upper()))
                    end = match.end()
                if len(ranges) > limits.max_merged_ranges:
                    raise ImportFileError("工作表中的合并单元格过多，请取消合并后再导入。")
                tail = data[max(end, len(data) - 256) :]
        return ranges


_MERGE_RE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']"
    rb"([A-Za-z]{1,3}\d+:[A-Za-z]{1,3}\d+)[\"']"
)
_INSTRUCTION_SHEETS = frozenset({"填写说明", "填表说明", "使用说明", "说明", "模板说明"})


def _choose_sheet(workbook: _Workbook, limits: Limits) -> Table:
    """The first visible sheet (not an instructions sheet) whose header names all required
    columns."""
    notes: list[RowWarning] = []
    best: tuple[str, _Header] | None = None
    visible = [s for s in workbook.sheets if s.state == "visible"]
    hidden = [s.title for s in workbook.sheets if s.state != "visible"]
    readable = [s for s in visible if normalise_header(s.title) not in _INSTRUCTION_SHEETS]
    if not readable:
        raise ImportFileError("文件中没有可读取的工作表（隐藏的工作表不会读取）。")
    for sheet in readable:
        raw = workbook.raw_rows(sheet)
        try:
            header, buffered = _find_header(raw, limits)
        except ImportFileError:
            raw.close()
            raise
        except Exception as error:  # noqa: BLE001 - a broken sheet XML
            raw.close()
            logger.info("Unreadable sheet %s: %r", sheet.title, error)
            raise ImportFileError(f"工作表「{sheet.title}」已损坏，无法读取。") from error
        if header is not None and not header.missing:
            try:
                merges = workbook.merged_ranges(sheet, limits)
            except ImportFileError:
                raw.close()
                raise
            if len(visible) > 1 or hidden:
                notes.append(
                    RowWarning(
                        None, "", f"已读取工作表「{sheet.title}」（第 {header.row} 行为表头）。"
                    )
                )
            if hidden:
                shown = "、".join(f"「{title}」" for title in hidden)
                notes.append(RowWarning(None, "", f"隐藏的工作表{shown}未读取。"))
            return Table(
                format="xlsx",
                filename="",
                raw_rows=_chain(buffered, raw),
                header=header,
                merges=merges,
                sheet=sheet.title,
                notes=notes,
                closers=[raw.close, workbook.close],
            )
        raw.close()
        if header is not None and (best is None or header.score > best[1].score):
            best = (sheet.title, header)
    if best is not None:
        title, header = best
        raise ImportFileError(f"工作表「{title}」第 {header.row} 行的表头{_missing_text(header)}")
    raise ImportFileError(_no_header_message(limits))


def _chain(buffered, rest):
    yield from buffered
    yield from rest


# --- CSV ----------------------------------------------------------------------------------------


_ENCODING_LABELS = {
    "utf-8-sig": "UTF-8（带 BOM）",
    "utf-8": "UTF-8",
    "gb18030": "GBK/GB18030",
    "utf-16": "UTF-16",
}


def _detect_encoding(stream) -> str:
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's “Unicode 文本”
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        while chunk := stream.read(MB):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "gb18030"  # GBK as Excel and WPS save CSV in China; GB18030 is its superset
    stream.seek(0)
    return encoding


def _check_text_sample(sample: str) -> None:
    if "\x00" in sample:
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{_SPREADSHEET_HINT}")
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    if controls > max(3, len(sample) // 100):
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{_SPREADSHEET_HINT}")
    start = sample.lstrip("\ufeff \r\n\t").lower()
    if start.startswith(("<!doctype html", "<html", "<table", "<meta")) or (
        "<table" in start[:4096] and "<td" in start
    ):
        raise ImportFileError(
            "这是网页格式（HTML）的表格，虽然扩展名可能是 .xls，但不是真正的 Excel 文件；"
            "请用 Excel 或 WPS 打开后“另存为” .xlsx 格式再导入。"
        )
    if start.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in sample:
            raise ImportFileError(
                "这是 XML 表格（Excel 2003 XML）格式，请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
            )
        raise ImportFileError(f"文件是 XML 文档，不是电子表格。{_SPREADSHEET_HINT}")


def _text_stream(stream, encoding: str):
    stream.seek(0)
    buffered = io.BufferedReader(_Unclosable(stream))
    return io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline="")


class _Unclosable(io.RawIOBase):
    """A view of a binary stream that a TextIOWrapper can close without closing the stream."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _lines(text_stream, limits: Limits) -> Iterator[str]:
    while True:
        line = text_stream.readline(limits.max_line_chars + 1)
        if not line:
            return
        if len(line) > limits.max_line_chars:
            raise ImportFileError("文件中有一行过长，不是正常的 CSV 表格。")
        yield line


def _check_binary(stream) -> None:
    """Refuse binary content before trying to decode it as text."""
    head = stream.read(64 * 1024)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\r\n\f")
    if b"\x00" in head or controls > max(3, len(head) // 100):
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{_SPREADSHEET_HINT}")


def _open_csv(stream, name: str, limits: Limits) -> Table:
    _check_binary(stream)
    encoding = _detect_encoding(stream)
    text = _text_stream(stream, encoding)
    try:
        sample = text.read(64 * 1024)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "无法识别文件的文字编码。请另存为“CSV UTF-8（逗号分隔）”或 .xlsx 格式。"
        ) from error
    finally:
        text.close()
    _check_text_sample(sample)
    if not sample.strip("\ufeff \r\n\t,;"):
        raise ImportFileError("文件是空的，没有任何内容。")
    delimiter = _sniff_delimiter(sample, limits)

    text = _text_stream(stream, encoding)
    raw = _csv_raw_rows(text, delimiter, limits)
    try:
        header, buffered = _find_header(raw, limits)
    except BaseException:
        raw.close()
        text.close()
        raise
    if header is None or header.missing:
        raw.close()
        text.close()
        if header is None:
            hint = ""
            if encoding == "gb18030":
                hint = (
                    "（文件按 GBK 编码读取；如果是 UTF-8 文件，其中可能有乱码字符，请重新保存。）"
                )
            raise ImportFileError(_no_header_message(limits) + hint)
        raise ImportFileError(f"第 {header.row} 行的表头{_missing_text(header)}")
    return Table(
        format="csv",
        filename=name,
        raw_rows=_chain(buffered, raw),
        header=header,
        encoding=_ENCODING_LABELS[encoding],
        delimiter=delimiter,
        closers=[raw.close, text.close],
    )


def _sniff_delimiter(sample: str, limits: Limits) -> str:
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end in the middle of a row
    best, best_score = ",", (-1, -1)
    for delimiter in (",", "\t", ";", "|"):
        try:
            rows = list(
                zip(
                    range(limits.header_search_rows),
                    csv.reader(lines, delimiter=delimiter),
                    strict=False,
                )
            )
        except csv.Error:
            continue
        recognised = max(
            (sum(1 for cell in row if column_for_header(cell)) for _, row in rows), default=0
        )
        widest = max((len(row) for _, row in rows), default=0)
        score = (recognised, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_raw_rows(text_stream, delimiter: str, limits: Limits) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(_lines(text_stream, limits), delimiter=delimiter)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(f"第 {number + 1} 行不是有效的 CSV 格式（{error}）。") from error
        except UnicodeDecodeError as error:
            raise ImportFileError(
                f"第 {number + 1} 行附近的文字编码无法识别。"
                "请另存为“CSV UTF-8（逗号分隔）”或 .xlsx。"
            ) from error
        number += 1
        yield number, {i: (v, "s") for i, v in enumerate(record, start=1) if v and v.strip()}


# --- Header row ---------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int
    columns: dict[int, Column]  # column number → column
    texts: dict[int, str]  # column number → header text as written
    missing: list[Column]
    notes: list[RowWarning]
    score: int


def _no_header_message(limits: Limits) -> str:
    names = "".join(f"「{COLUMNS_BY_KEY[key].header}」" for key in REQUIRED_KEYS)
    return (
        f"没有找到表头行：前 {limits.header_search_rows} 行中没有{names}等列名。"
        "请使用导入模板的列名，表头之上最多留几行标题。"
    )


def _missing_text(header: _Header) -> str:
    return "缺少必填列：" + "、".join(header_hint(column) for column in header.missing) + "。"


def _header_text(cell) -> str:
    return normalise_text(_cell_text(cell[0])) if cell else ""


def _map_header(number: int, cells: dict, parent: dict | None) -> _Header:
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
    return _Header(number, columns, texts, missing, notes, score=len(columns))


def _sub_header(following: tuple[int, dict], number: int, cells: dict) -> _Header | None:
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


def _find_header(raw: Iterator[tuple[int, dict]], limits: Limits):
    """(header or None, rows read so far that still have to be processed). The first row among
    the first `header_search_rows` rows that names all required columns is the header; otherwise
    the row naming the most columns (at least two) is returned, with `missing` set."""
    buffered: list[tuple[int, dict]] = []
    best: _Header | None = None
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


# --- Table --------------------------------------------------------------------------------------

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
        header: _Header,
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

    @property
    def keys(self) -> set[str]:
        return {column.key for column in self.columns.values()}

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
            values[column.key] = normalise_value(column, _cell_text(value))
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
    from openpyxl.utils import get_column_letter

    min_col, min_row, max_col, max_row = merge
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


# --- Values -------------------------------------------------------------------------------------

_EMPTY_MARKERS = frozenset({"无", "/", "-", "—", "--", "——", "暂无", "不适用", "无法定时限"})
_IMMEDIATE = frozenset({"即办", "即时办结", "当场办结", "即时", "当场", "立即办理", "即到即办",
                        "即办件", "当即办结", "当场办理"})  # fmt: skip
_NUMBER = r"\d+|[零〇一二两三四五六七八九十百]+"
_TIME_RE = re.compile(
    rf"^(?P<n>{_NUMBER})\s*(?P<unit>个\s*工作日|工作日|个工作天|日|天)?(?P<rest>.*)$"
)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip


def _to_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (digit or 1) * {"十": 10, "百": 100}[ch]
            digit = 0
    return total + digit


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
    days = _to_int(match.group("n"))
    if days > 32767:
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


_WHITESPACE_RE = re.compile(r"\s+")


def _choice_key(text: str) -> str:
    return _WHITESPACE_RE.sub("", unicodedata.normalize("NFKC", text))


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
    key = _choice_key(text)
    value = _choice_table(choices).get(key)
    if value is not None:
        return value
    if key in aliases:
        return str(aliases[key])
    raise ValueError(key)


def parse_power_type(text: str) -> str:
    """The national code of a type written as a name or a code (1, 01, 行政许可, 许可)."""
    key = _choice_key(text)
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


def parse_exercise_level(text: str) -> str:
    key = _choice_key(text)
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
    (False, text), blank → (None, None). Raises ValueError for 是 without a standard."""
    value = text.strip()
    if not value:
        return None, None
    bare = value.rstrip("。.；;")
    if bare in _FREE_EXACT:
        return True, ""
    if bare.startswith(_FREE_WORDS):
        return True, "" if bare in _FREE_WORDS else value
    if bare in _CHARGED_EXACT:
        raise ValueError("收费事项必须填写收费标准；不收费请填写“不收费”")
    return False, value


def parse_yes_no(text: str) -> bool | None:
    value = _choice_key(text).rstrip("。").upper()
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
_STEP_TIME_RE = re.compile(rf"\s*[（(]\s*(?P<n>{_NUMBER})\s*个?\s*工作日\s*(?:内)?\s*[)）]\s*$")


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


@cache
def _block_max_length(block_name: str, child: str) -> int | None:
    from catalogue import blocks

    block = getattr(blocks, block_name)()
    return getattr(block.child_blocks[child].field, "max_length", None)


@cache
def _field_max_length(model_name: str, name: str) -> int | None:
    if model_name == "Tag":
        from taggit.models import Tag as model
    elif model_name == "LegalBasis":
        from catalogue.models import LegalBasis as model
    else:
        from catalogue.models import PowerPage as model
    return model._meta.get_field(name).max_length


def parse_steps(text: str) -> tuple[list[dict], list[str]]:
    """StepBlock values from 办理流程: one step per line or between →/->/＞, numbering (1.
    （1） 第一步：) removed; "受理：核对材料" gives a name and a description, "受理（1个工作日）" a
    time limit. Returns (steps, errors)."""
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
        time_limit = None
        time_match = _STEP_TIME_RE.search(name)
        if time_match:
            time_limit = min(_to_int(time_match.group("n")), 365)
            name = name[: time_match.start()].strip()
        if len(name) > name_max:
            errors.append(
                f"第 {index} 个环节的名称超过 {name_max} 字；请写成“环节名称：办理内容”，"
                "如：受理：窗口核对申请材料"
            )
        if len(description) > description_max:
            errors.append(f"第 {index} 个环节的办理内容超过 {description_max} 字")
        steps.append({
            "name": name, "post": "", "description": description.strip(),
            "time_limit": time_limit, "supervision": "",
        })  # fmt: skip
    return steps, errors


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
        copies_match = re.search(rf"(?P<n>{_NUMBER})\s*份", content)
        optional = any(word in content for word in _OPTIONAL_WORDS)
        if form or copies_match or optional:
            name = item[: match.start()].strip()
            if copies_match:
                copies = min(_to_int(copies_match.group("n")), 99)
            required = not optional
            leftover = re.sub(
                rf"原件|复印件|复印|电子版|电子材料|电子件|扫描件|各|和|及|与|或|{_NUMBER}|份|"
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


@cache
def _block_default(block_name: str, child: str):
    from catalogue import blocks

    return getattr(blocks, block_name)().child_blocks[child].get_default()


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


def _phone_text(label: str, value: str) -> str:
    if re.match(r"^(?:监督|投诉|咨询|举报|电话|联系)", value):
        return value
    return f"{label}：{value}"


# --- Departments --------------------------------------------------------------------------------


class DepartmentIndex:
    """Resolves 实施主体 text to a department code: by code, full title or short name (spaces
    and full-width characters ignored), or, failing those, by a unique department whose title or
    short name ends with the text (广安区交通运输局 → 广安市广安区交通运输局), with a warning."""

    def __init__(self, departments: Iterable[tuple[str, str, str]] | Mapping[str, str]):
        self._exact: dict[str, str] = {}
        self._names: list[tuple[str, str, str]] = []  # (lookup key, code, display name)
        if isinstance(departments, Mapping):
            for name, code in departments.items():
                self._exact[_lookup_key(name)] = code
                self._exact.setdefault(_lookup_key(code), code)
                self._names.append((_lookup_key(name), code, name))
        else:
            for code, title, short_name in departments:
                self._exact[_lookup_key(code)] = code
                for name in (title, short_name):
                    if name:
                        self._exact.setdefault(_lookup_key(name), code)
                        self._names.append((_lookup_key(name), code, title or name))
        self._resolved: dict[str, tuple[str | None, str | None]] = {}
        self._resolved_keys: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_db(cls) -> DepartmentIndex:
        from catalogue.models import DepartmentPage

        return cls(DepartmentPage.objects.values_list("code", "title", "short_name"))

    def resolve(self, text: str) -> tuple[str | None, str | None, bool]:
        """(code or None, message, first time this text is seen). The message is a warning when
        a code is found and the error when not."""
        known = self._resolved.get(text)
        if known is not None:
            return (*known, False)
        key = _lookup_key(text)
        result = self._resolved_keys.get(key)
        first = result is None
        if first:
            result = self._resolved_keys[key] = self._resolve(text, key)
        self._resolved[text] = result
        return (*result, first)

    def _resolve(self, text: str, key: str) -> tuple[str | None, str | None]:
        if key in self._exact:
            return self._exact[key], None
        if len(key) >= 3:
            matches = {(code, name) for lookup, code, name in self._names if lookup.endswith(key)}
            codes = {code for code, _ in matches}
            if len(codes) == 1:
                name = sorted(name for _, name in matches)[0]
                return codes.pop(), f"实施主体「{text}」按部门「{name}」导入。"
            if len(codes) > 1:
                names = "、".join(sorted({f"「{name}」" for _, name in matches}))
                return None, f"实施主体「{text}」可能是{names}，请填写部门全称或部门编码。"
        return None, f"实施主体「{text}」不在部门名录中，请填写部门全称、简称或部门编码。"


# --- Rows → PowerData ---------------------------------------------------------------------------

_CODE_RE = re.compile(CODE_PATTERN)
_SCIENTIFIC_RE = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.I)
_TEXT_FIELDS = ("title", "handling_agency", "acceptance_conditions", "service_mode",
                "result_name", "item_group", "fee_basis")  # fmt: skip


def rows_to_power_data(
    rows: Iterable[Row],
    departments: DepartmentIndex | Mapping[str, str] | Iterable[tuple[str, str, str]],
    *,
    laws_lookup=None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[RowResult]:
    """Convert rows one by one. `departments` is a ``DepartmentIndex``, a mapping of names and
    codes to department codes, or (code, title, short_name) tuples; `laws_lookup` see
    ``import_data.citations.link_citations`` (None: no law is linked). `headers` maps column keys
    to the headers as written in the file, for the messages.

    A column the file does not have leaves its PowerData field None (not changed on an existing
    power); a blank cell in a column it has clears text and list fields and leaves choices,
    numbers and dates as they are.
    """
    index = (
        departments if isinstance(departments, DepartmentIndex) else DepartmentIndex(departments)
    )
    seen_codes: dict[str, int] = {}
    converter = _RowConverter(index, laws_lookup, headers or {}, seen_codes)
    for row in rows:
        yield converter.convert(row)


class _RowConverter:
    def __init__(self, departments: DepartmentIndex, laws_lookup, headers, seen_codes):
        self.departments = departments
        self.laws_lookup = laws_lookup
        self.headers = headers
        self.seen_codes = seen_codes

    def header(self, key: str) -> str:
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header

    def convert(self, row: Row) -> RowResult:
        values = row.values
        errors: list[RowError] = list(row.errors)
        warnings: list[RowWarning] = list(row.warnings)

        def error(key: str, message: str) -> None:
            errors.append(RowError(row.number, self.header(key), message))

        def warn(key: str, message: str) -> None:
            warnings.append(RowWarning(row.number, self.header(key), message))

        def check_length(key: str, value: str, limit: int | None) -> None:
            if limit and len(value) > limit:
                error(key, f"内容过长（{len(value)} 字，最多 {limit} 字）。")

        code = values.get("code", "")
        data = PowerData(code=code, department_code="")
        if not code:
            error("code", "不能为空。")
        elif _SCIENTIFIC_RE.match(code):
            error("code", f"「{code}」是科学计数法，编码已丢失；请把该列设为“文本”格式后重新填写。")
        elif len(code) > (_field_max_length("PowerPage", "code") or 64):
            check_length("code", code, _field_max_length("PowerPage", "code"))
        elif not _CODE_RE.match(code):
            error(
                "code",
                f"「{code}」不是有效的编码：只能由字母、数字、连字符（-）、下划线（_）和点（.）组成。",
            )
        if code:
            first = self.seen_codes.setdefault(code, row.number)
            if first != row.number:
                error("code", f"事项编码「{code}」与第 {first} 行重复。")

        if "title" in values and not values["title"]:
            error("title", "不能为空。")
        for key in _TEXT_FIELDS:
            if key in values:
                setattr(data, key, values[key])
                check_length(key, values[key], _field_max_length("PowerPage", key))

        department = values.get("department", "")
        if not department:
            error("department", "不能为空。")
        else:
            department_code, message, first = self.departments.resolve(department)
            if department_code is None:
                error("department", message)
            else:
                data.department_code = department_code
                if message and first:
                    warn("department", message)

        for key, parse in (
            ("power_type", parse_power_type),
            ("exercise_level", parse_exercise_level),
            ("power_source", parse_power_source),
            ("status", parse_status),
        ):
            text = values.get(key, "")
            if text:
                try:
                    setattr(data, key, parse(text))
                except ValueError as exc:
                    error(key, f"{exc}。".replace("。。", "。"))

        for key in ("legal_time_limit", "promised_time_limit"):
            text = values.get(key, "")
            if text:
                try:
                    days, message = parse_time_limit(text)
                except ValueError as exc:
                    error(key, f"{exc}。")
                    continue
                setattr(data, key, days)
                if message:
                    warn(key, message)
        if (
            data.legal_time_limit is not None
            and data.promised_time_limit is not None
            and data.promised_time_limit > data.legal_time_limit
        ):
            error("promised_time_limit", "承诺办结时限不得长于法定办结时限。")

        if values.get("effective_date"):
            try:
                data.effective_date = parse_date(values["effective_date"])
            except ValueError as exc:
                error("effective_date", f"{exc}。")

        self._fees(values, data, error, warn)
        self._contacts(values, data, check_length)

        if "steps" in values:
            data.steps, problems = parse_steps(values["steps"])
            for problem in problems:
                error("steps", f"{problem}。")
        if "materials" in values:
            data.materials, problems = parse_materials(values["materials"])
            for problem in problems:
                error("materials", f"{problem}。")
        if "tags" in values:
            data.tags = parse_tags(values["tags"])
            tag_max = _field_max_length("Tag", "name") or 100
            for tag in data.tags:
                if len(tag) > tag_max:
                    error("tags", f"标签「{tag[:20]}…」过长（最多 {tag_max} 字）。")
        if "citations" in values:
            data.citations = self._citations(values["citations"], error, warn)

        if errors:
            return RowResult(row.number, None, errors, warnings, row.values)
        return RowResult(row.number, data, errors, warnings, row.values)

    def _fees(self, values, data: PowerData, error, warn) -> None:
        fee_free = None
        if values.get("fee_free"):
            try:
                charged = parse_yes_no(values["fee_free"])
            except ValueError as exc:
                error("fee_free", f"{exc}。")
                return
            fee_free = None if charged is None else not charged
        standard_text = values.get("fee_standard", "")
        try:
            free_by_standard, standard = parse_fee(standard_text)
        except ValueError as exc:
            error("fee_standard", f"{exc}。")
            return
        if fee_free is False and free_by_standard:
            error("fee_standard", "“是否收费”为“是”，但收费标准写的是不收费，请核对。")
            return
        if fee_free is False and standard is None:
            error("fee_standard", "收费事项必须填写收费标准。")
            return
        if fee_free is True and free_by_standard is False:
            warn("fee_standard", "“是否收费”为“否”，收费标准按说明文字保存。")
            data.fee_free, data.fee_standard = True, standard
        elif free_by_standard is not None:
            data.fee_free, data.fee_standard = free_by_standard, standard
        elif fee_free is not None:
            data.fee_free, data.fee_standard = fee_free, ""
        if data.fee_standard:
            limit = _field_max_length("PowerPage", "fee_standard")
            if limit and len(data.fee_standard) > limit:
                error("fee_standard", f"内容过长（{len(data.fee_standard)} 字，最多 {limit} 字）。")
        if "fee_basis" in values and data.fee_basis is None:
            data.fee_basis = values["fee_basis"]

    def _contacts(self, values, data: PowerData, check_length) -> None:
        if "complaint_phone" not in values and "consultation_phone" not in values:
            return
        parts = []
        if values.get("complaint_phone"):
            parts.append(_phone_text("监督投诉电话", values["complaint_phone"]))
        if values.get("consultation_phone"):
            parts.append(_phone_text("咨询电话", values["consultation_phone"]))
        data.complaint_channel = "；".join(parts)
        key = "complaint_phone" if "complaint_phone" in values else "consultation_phone"
        check_length(
            key, data.complaint_channel, _field_max_length("PowerPage", "complaint_channel")
        )

    def _citations(self, text: str, error, warn) -> list[CitationData]:
        parsed = parse_legal_basis(text)
        citations, messages = link_citations(parsed, self.laws_lookup)
        for message in messages:
            warn("citations", message)
        limits = {
            "law_title": _field_max_length("LegalBasis", "law_title"),
            "articles": _field_max_length("LegalBasis", "articles"),
            "quote": _field_max_length("LegalBasis", "quote"),
        }
        labels = {"law_title": "法规名称", "articles": "条款", "quote": "条文内容"}
        for citation in citations:
            for name, limit in limits.items():
                value = getattr(citation, name)
                if limit and len(value) > limit:
                    error(
                        "citations",
                        f"「{value[:20]}…」作为{labels[name]}过长（最多 {limit} 字）；"
                        "请写成“《法规名称》第…条”，多个依据用分号分隔。",
                    )
        return citations


# --- Reader and report -------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What reading a file found. ``ok`` only when there are no errors and at least one row.

    ``errors`` / ``warnings`` keep the first ``max_messages`` of each; ``error_count`` /
    ``warning_count`` are the totals. ``items`` holds the PowerData of a small file read with
    ``read_powers`` (None otherwise).
    """

    filename: str = ""
    format: str = ""
    sheet: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # key → header as written
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    items: list[PowerData] | None = None
    max_messages: int = 1000

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.rows > 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < self.max_messages:
            self.errors.append(error)

    def add_warning(self, warning: RowWarning) -> None:
        self.warning_count += 1
        if len(self.warnings) < self.max_messages:
            self.warnings.append(warning)

    @property
    def file_error(self) -> str | None:
        """The message when the file as a whole could not be read."""
        return next((str(e) for e in self.errors if e.row is None), None)

    def summary(self) -> str:
        if self.file_error and not self.rows:
            return self.file_error
        text = f"共读取 {self.rows} 行：{self.valid} 行无误，{self.invalid} 行有错误。"
        if self.error_count > len(self.errors):
            text += f"（另有 {self.error_count - len(self.errors)} 处错误未列出）"
        return text

    def messages(self) -> list[str]:
        return [str(item) for item in self.errors] + [str(item) for item in self.warnings]


class PowerReader:
    """Streams a file as ``RowResult``s while filling ``report``; for the import service.

        with PowerReader(upload, departments=index) as reader:
            for result in reader:          # or: for batch in reader.chunks(500): ...
                ...
            report = reader.report

    Never raises for a bad file: file-level problems become a report error (row None) and the
    iteration simply ends. Read the file once to validate and again to write: nothing the
    reader yields is kept.
    """

    def __init__(
        self,
        source,
        filename: str | None = None,
        *,
        departments=None,
        laws_lookup=None,
        limits: Limits | None = None,
    ):
        self.source = source
        self.limits = limits
        self.report = ImportReport(
            filename=filename or Path(str(getattr(source, "name", "") or "")).name
        )
        self._departments = departments
        self._laws_lookup = laws_lookup
        self._table: Table | None = None
        self._filename = filename

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self._table is not None:
            self._table.close()

    def _file_error(self, message: str) -> None:
        self.report.add_error(RowError(None, "", message))

    def __iter__(self) -> Iterator[RowResult]:
        report = self.report
        try:
            self._table = table = open_table(self.source, self._filename, limits=self.limits)
        except ImportFileError as error:
            self._file_error(error.message)
            return
        except Exception:  # noqa: BLE001 - never a 500 for an upload
            logger.exception("Opening %s failed", report.filename)
            self._file_error("读取文件时发生内部错误，请联系系统管理员。")
            return
        report.format, report.sheet, report.encoding = table.format, table.sheet, table.encoding
        report.header_row, report.columns = table.header_row, dict(table.headers)
        departments = self._departments
        if departments is None:
            departments = DepartmentIndex.from_db()
        laws_lookup = self._laws_lookup if self._laws_lookup is not None else LawLookup()
        results = rows_to_power_data(
            table.rows(), departments, laws_lookup=laws_lookup, headers=table.headers
        )
        last_row = table.header_row
        try:
            for result in results:
                last_row = result.row
                report.rows += 1
                if result.data is None:
                    report.invalid += 1
                else:
                    report.valid += 1
                for item in result.errors:
                    report.add_error(item)
                for item in result.warnings:
                    report.add_warning(item)
                yield result
        except ImportFileError as error:
            self._file_error(error.message)
        except Exception:  # noqa: BLE001 - a broken file must give a report, not a 500
            logger.warning(
                "Reading %s failed after row %s", report.filename, last_row, exc_info=True
            )
            self._file_error(
                f"文件内容已损坏，读到第 {last_row} 行之后无法继续读取；请重新保存后再导入。"
            )
        finally:
            for note in table.warnings:
                report.add_warning(note)
            table.close()
        if report.rows == 0 and report.error_count == 0:
            self._file_error(f"表头（第 {table.header_row} 行）下面没有数据行。")

    def chunks_with_cells(self, size: int = 500) -> Iterator[list[tuple[PowerData, dict]]]:
        """Like chunks(), with each row's cells: [(PowerData, {column key: text})]."""
        batch = []
        for result in self:
            if result.data is not None:
                batch.append((result.data, result.values or {}))
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def chunks(self, size: int = 500) -> Iterator[list[PowerData]]:
        """The valid rows' PowerData in lists of `size`; rows with errors are left out (check
        ``report.ok`` after the iteration, or validate first)."""
        batch: list[PowerData] = []
        for result in self:
            if result.data is not None:
                batch.append(result.data)
                if len(batch) >= size:
                    yield batch
                    batch = []
        if batch:
            yield batch


def read_powers(
    source,
    filename: str | None = None,
    *,
    departments=None,
    laws_lookup=None,
    limits: Limits | None = None,
    keep_items: bool = True,
    max_items: int = 5000,
) -> ImportReport:
    """Read a whole file and return its report; with `keep_items`, ``report.items`` holds the
    PowerData of the valid rows when there are at most `max_items` rows (a bigger file should be
    streamed with ``PowerReader``)."""
    items: list[PowerData] | None = [] if keep_items else None
    with PowerReader(
        source, filename, departments=departments, laws_lookup=laws_lookup, limits=limits
    ) as reader:
        for result in reader:
            if items is not None:
                if reader.report.rows > max_items:
                    items = None
                elif result.data is not None:
                    items.append(result.data)
    reader.report.items = items
    return reader.report


def validate_file(source, filename: str | None = None, **options) -> ImportReport:
    """Check a file without keeping its rows: the report only."""
    return read_powers(source, filename, keep_items=False, **options)


def template_headers() -> list[str]:
    """The header row of the import template, in order."""
    return [column.header for column in COLUMNS]
