"""What reading a file found: ``RowError`` and ``RowWarning`` (a message in Chinese, with the row
and the column as the file names it) and ``ImportReport`` (the counts, the first messages, the
summary the admin and the command show)."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.services import PowerData


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
