"""数据开放 (/open-data/): the live catalogue to download as XLSX, CSV or JSON, in the import
template's columns. Files are made once per published state of the catalogue (the page
cache's generation) and kept under IMPORT_ROOT/exports until the next publication."""

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalogue.selectors import live_powers
from common import pagecache

from .columns import COLUMNS, EXPORT_COLUMNS
from .export import HEADERS, catalogue_rows, write_csv, write_json, write_xlsx

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
    "csv": ("text/csv; charset=utf-8", "CSV（UTF-8，带 BOM，Excel 可直接打开）"),
    "json": ("application/json; charset=utf-8", "JSON"),
}


def _exports_dir() -> Path:
    return Path(settings.IMPORT_ROOT) / "exports"


def export_file(fmt: str) -> Path:
    """The export of the catalogue as published now, made if not made yet."""
    generation = str(pagecache.current_generation())
    folder = _exports_dir() / generation
    path = folder / f"powers.{fmt}"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=f".{fmt}.part")
    os.close(handle)
    try:
        if fmt == "xlsx":
            write_xlsx(temporary, catalogue_rows())
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as stream:
                (write_csv if fmt == "csv" else write_json)(stream, catalogue_rows())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    for old in _exports_dir().iterdir():  # earlier publications' files
        if old.name != generation and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return path


@require_GET
def open_data(request):
    count = live_powers().count()
    columns = [c for c in COLUMNS if c.in_template] + EXPORT_COLUMNS
    return render(request, "import_data/open_data.html", {
        "count": count, "formats": FORMATS, "columns": columns, "headers": HEADERS,
    })  # fmt: skip


@require_GET
def download(request, fmt):
    if fmt not in FORMATS:
        raise Http404("没有这种格式")
    response = FileResponse(
        open(export_file(fmt), "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=FORMATS[fmt][0],
        as_attachment=True,
        filename=f"行政权力事项目录.{fmt}",
    )
    response["Cache-Control"] = "public, max-age=300"
    return response
