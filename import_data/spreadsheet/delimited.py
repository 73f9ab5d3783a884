"""CSV and other delimited text (Excel's “Unicode 文本”, tab- or semicolon-separated files): the
encoding detected (UTF-8 with or without BOM, UTF-16, else GBK/GB18030 as Excel and WPS save in
China), binary and HTML or XML “spreadsheets” refused, the delimiter chosen by the header it
reveals, and the rows streamed a line at a time."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator

from ..columns import column_for_header
from .header import find_header, missing_text, no_header_message
from .limits import MB, SPREADSHEET_HINT, ImportFileError, Limits
from .table import Table, chain

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
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{SPREADSHEET_HINT}")
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    if controls > max(3, len(sample) // 100):
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{SPREADSHEET_HINT}")
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
        raise ImportFileError(f"文件是 XML 文档，不是电子表格。{SPREADSHEET_HINT}")


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
        raise ImportFileError(f"文件不是电子表格，也不是文本格式的 CSV。{SPREADSHEET_HINT}")


def open_csv(stream, name: str, limits: Limits) -> Table:
    """The table of the delimited text in `stream` (anything not recognised as another
    format), or ImportFileError."""
    encoding, delimiter = _checked_text(stream, limits)
    text = _text_stream(stream, encoding)
    raw = _csv_raw_rows(text, delimiter, limits)
    try:
        header, buffered = find_header(raw, limits)
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
            raise ImportFileError(no_header_message(limits) + hint)
        raise ImportFileError(f"第 {header.row} 行的表头{missing_text(header)}")
    return Table(
        format="csv",
        filename=name,
        raw_rows=chain(buffered, raw),
        header=header,
        encoding=_ENCODING_LABELS[encoding],
        delimiter=delimiter,
        closers=[raw.close, text.close],
    )


def csv_rows(stream, limits: Limits):
    """The rows of delimited text as the XLSX reader gives them, for files that are not power
    lists: (rows, close). Refused as open_csv refuses (binary, unknown encoding, HTML, XML)."""
    encoding, delimiter = _checked_text(stream, limits)
    text = _text_stream(stream, encoding)
    return _csv_raw_rows(text, delimiter, limits), text.close


def _checked_text(stream, limits: Limits) -> tuple[str, str]:
    """(encoding, delimiter) of delimited text, or ImportFileError."""
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
    return encoding, _sniff_delimiter(sample, limits)


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
