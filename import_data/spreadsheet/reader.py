"""``PowerReader``: a file streamed as ``RowResult``s while its ``ImportReport`` fills, for the
import service; ``read_powers`` and ``validate_file``, the small wrappers that return the
report. The reader never raises for a bad file and never writes anything."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from catalogue.services import PowerData

from ..citations import LawLookup
from .files import open_table
from .limits import ImportFileError, Limits
from .report import ImportReport, RowError
from .rows import DepartmentIndex, RowResult, rows_to_power_data
from .table import Table

logger = logging.getLogger(__name__)


class PowerReader:
    """Streams a file as ``RowResult``s while filling ``report``; for the import service.

        with PowerReader(upload, departments=index) as reader:
            for result in reader:  # or: for batch in reader.chunks_with_cells(500): ...
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
        """The valid rows in lists of `size`, each with its cells: [(PowerData, {column key:
        text})]. Rows with errors are left out (check ``report.ok`` after the iteration, or
        validate first)."""
        batch = []
        for result in self:
            if result.data is not None:
                batch.append((result.data, result.values or {}))
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
