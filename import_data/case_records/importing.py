"""The import as the admin and the tests call it: a report by row, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from import_export.results import RowResult

from ..spreadsheet import ImportFileError
from .columns import may_backfill
from .reading import read_dataset
from .resource import CaseRecordResource


@dataclass
class RowReport:
    number: int  # the sheet's row number
    outcome: str  # new, skip, invalid
    summary: str
    errors: list[tuple[str, str]]  # (column, message)


@dataclass
class ImportReport:
    """What a dry run would do, or what an import did: nothing at all when `ok` is False."""

    rows: list[RowReport]
    file_error: str = ""
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.file_error and not any(row.errors for row in self.rows)

    @property
    def created(self) -> int:
        return sum(row.outcome == RowResult.IMPORT_TYPE_NEW for row in self.rows) if self.ok else 0

    @property
    def skipped(self) -> int:
        return sum(row.outcome == RowResult.IMPORT_TYPE_SKIP for row in self.rows)

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(row.number, column, text) for row in self.rows for column, text in row.errors]


def import_case_records(
    *, user, source, filename: str | None = None, dry_run: bool
) -> ImportReport:
    """Read a 补录 file and record its cases through cases.services, in one transaction: with
    `dry_run`, or when any row is refused, nothing is kept."""
    if not may_backfill(user):
        raise PermissionDenied("没有办件补录的权限。")
    try:
        dataset, numbers = read_dataset(source, filename)
    except ImportFileError as error:
        return ImportReport([], file_error=error.message, dry_run=dry_run)
    resource = CaseRecordResource(user=user, row_numbers=numbers)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True,
                                  rollback_on_validation_errors=True)  # fmt: skip
    rows = []
    for index, row in enumerate(result.rows, start=1):
        errors = []
        if row.validation_error is not None:
            for column, messages in row.validation_error.message_dict.items():
                errors += [(column, message) for message in messages]
        if row.errors:  # an unexpected failure: named, never a 500
            errors.append(("", "这一行无法导入（系统错误，已记录），请联系管理员。"))
        rows.append(RowReport(resource.sheet_row(index), row.import_type, row.object_repr or "",
                              errors))  # fmt: skip
    report = ImportReport(rows, dry_run=dry_run)
    if result.base_errors:
        report.file_error = "；".join(str(error.error) for error in result.base_errors)
    return report
