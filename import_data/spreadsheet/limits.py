"""What the reader accepts, and how it refuses a file: ``Limits`` (sizes, counts, the rows
searched for the header), ``default_limits()`` from the settings, and ``ImportFileError``, the
one exception for a file that cannot be read, with its message in Chinese."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024
# The end of most refusals: what the reader does accept.
SPREADSHEET_HINT = "请上传 Excel 表格（.xlsx）或 CSV 文件。"


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    return Limits(
        max_file_bytes=int(getattr(settings, "IMPORT_MAX_FILE_MB", 100) * MB),
        max_uncompressed_bytes=int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_MB", 500) * MB),
    )
