"""Opening a file: ``open_table`` takes an upload, a path or bytes, recognises the format by its
content (XLSX, CSV or text; never by the name), refuses what it cannot or must not read (PDF,
images, legacy .xls, encrypted workbooks, …) with a Chinese message, and hands the file to
``xlsx`` or ``delimited``, which return the ``Table``."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..columns import normalise_header
from .delimited import csv_rows, open_csv
from .limits import MB, SPREADSHEET_HINT, ImportFileError, Limits, default_limits
from .table import Table
from .xlsx import INSTRUCTION_SHEETS, checked_workbook, open_xlsx

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


def open_table(source, filename: str | None = None, *, limits: Limits | None = None) -> Table:
    """Open an uploaded file (Django UploadedFile or any binary file object), a path or bytes.

    The format is recognised by content, not by the file name. Raises ``ImportFileError`` with a
    Chinese message for a file that is not a readable power list.
    """
    limits = limits or default_limits()
    stream, owned = _binary_stream(source, limits)
    name = filename or Path(str(getattr(source, "name", "") or "")).name
    try:
        size = _recognised_size(stream, limits)
        head = stream.read(8)
        stream.seek(0)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            table = open_xlsx(stream, name, size, limits)
            table.filename = name
        else:
            table = open_csv(stream, name, limits)
    except BaseException:
        if owned:
            stream.close()
        raise
    if owned:
        table.close_also(stream.close)
    return table


class Grid:
    """The first visible sheet of a file that is not a power list (case records): its rows as
    (row number, {column number: (value, data type)}), read once; data types as the XLSX reader
    gives them ("f": a formula without a saved result, "e": an error value)."""

    def __init__(self, format: str, rows, closers):
        self.format = format
        self._rows, self._closers = rows, closers

    def rows(self):
        return self._rows

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_grid(source, filename: str | None = None, *, limits: Limits | None = None) -> Grid:
    """Open a spreadsheet as open_table does (the same recognition by content, the same limits
    and refusals: sizes, zip bombs, encrypted and legacy files, HTML and XML), without looking
    for the power list's header."""
    limits = limits or default_limits()
    stream, owned = _binary_stream(source, limits)
    name = filename or Path(str(getattr(source, "name", "") or "")).name
    closers = [stream.close] if owned else []
    try:
        size = _recognised_size(stream, limits)
        head = stream.read(8)
        stream.seek(0)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            workbook = checked_workbook(stream, name, size, limits)
            closers.insert(0, workbook.close)
            sheets = [
                sheet
                for sheet in workbook.sheets
                if sheet.state == "visible"
                and normalise_header(sheet.title) not in INSTRUCTION_SHEETS
            ]
            if not sheets:
                raise ImportFileError("文件中没有可读取的工作表（隐藏的工作表不会读取）。")
            rows = workbook.raw_rows(sheets[0])
            return Grid("xlsx", rows, [rows.close, *closers])
        rows, close = csv_rows(stream, limits)
        return Grid("csv", rows, [rows.close, close, *closers])
    except BaseException:
        for closer in closers:
            closer()
        raise


def _recognised_size(stream, limits: Limits) -> int:
    """The size of a file that may be a spreadsheet; ImportFileError for an empty or too large
    file and for the formats recognised by their first bytes that are not spreadsheets."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    if size == 0:
        raise ImportFileError("文件是空的。" + SPREADSHEET_HINT)
    if size > limits.max_file_bytes:
        raise ImportFileError(
            f"文件过大（{size / MB:.1f} MB），最大 {limits.max_file_bytes // MB} MB；"
            "请删除多余的行、列和图片后再导入。"
        )
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(_CFB_MAGIC):
        raise ImportFileError(_cfb_message(stream))
    for magic, kind in _OTHER_FORMATS:
        if head.startswith(magic):
            raise ImportFileError(f"文件不是电子表格（看起来是{kind}）。{SPREADSHEET_HINT}")
    return size


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
        return f"文件不是电子表格（看起来是 Word 文档）。{SPREADSHEET_HINT}"
    return f"无法识别的文件格式。{SPREADSHEET_HINT}"
