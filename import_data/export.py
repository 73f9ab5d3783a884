"""Open data: the whole live catalogue in the import template's columns, as XLSX, CSV and JSON.

`power_cells` writes a power as the import reads it, and the import keeps a cell that equals
what this module would write for the power (import_data.services), so an export imports back
with no changes — even for what the template's plain text cannot hold (a step's post and
supervision, a material's form, a quoted provision). Cells a spreadsheet would run as a formula
are neutralised with a leading ' (the import removes it again).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator

from catalogue.choices import ExerciseLevel, OnlineDepth, PowerSource, PowerStatus, PowerType
from catalogue.models import DepartmentPage, LegalBasis, PowerPage, PowerPageTag
from catalogue.selectors import department_for_path, live_powers

from .columns import COLUMNS
from .spreadsheet import FORMULA_GUARD, FORMULA_STARTS, channel_phones

TEMPLATE_COLUMNS = [c for c in COLUMNS if c.in_template]
HEADERS = [c.header for c in TEMPLATE_COLUMNS]
CHUNK = 500


def _label(choices, value):
    try:
        return choices(value).label if value else ""
    except ValueError:
        return value or ""


def _citation(basis) -> str:
    title = basis.law.title if basis.law_id else basis.law_title
    text = f"《{title}》{basis.articles}" if title else basis.articles
    return f"{text}{basis.quote}" if basis.quote else text


def _step(value) -> str:
    name, description = value.get("name", ""), value.get("description", "")
    text = f"{name}：{description}" if description else name
    if value.get("time_limit"):
        text = f"{name}（{value['time_limit']}个工作日）" + (
            f"：{description}" if description else ""
        )
    return text


def power_cells(page, department, bases, tags) -> dict[str, str]:
    """The template's cells for a power (page row, its department, legal bases, tag names)."""
    cells = {
        "code": page.code,
        "title": page.title,
        "power_type": _label(PowerType, page.power_type),
        "department": department.title if department else "",
        "handling_agency": page.handling_agency,
        "exercise_level": _label(ExerciseLevel, page.exercise_level),
        "power_source": _label(PowerSource, page.power_source),
        "citations": "；".join(_citation(b) for b in bases),
        "acceptance_conditions": page.acceptance_conditions,
        "materials": "\n".join(b.value.get("name", "") for b in page.materials),
        "steps": "\n".join(_step(b.value) for b in page.steps),
        "legal_time_limit": "" if page.legal_time_limit is None else str(page.legal_time_limit),
        "promised_time_limit": (
            "" if page.promised_time_limit is None else str(page.promised_time_limit)
        ),
        "fee_standard": "不收费" if page.fee_free else page.fee_standard,
        "service_mode": page.service_mode,
        "online_depth": OnlineDepth(page.online_depth).label.split("：")[0],
        "result_name": page.result_name,
        "tags": "、".join(sorted(tags)),
        "status": _label(PowerStatus, page.status),
        "effective_date": page.effective_date.isoformat() if page.effective_date else "",
    }
    cells["complaint_phone"], cells["consultation_phone"] = channel_phones(page.complaint_channel)
    return cells


def cells_for(pages) -> dict[int, dict[str, str]]:
    """power id → cells, for pages of one chunk (three queries)."""
    pks = [page.pk for page in pages]
    departments = {d.path: d for d in DepartmentPage.objects.only("id", "path", "title", "code")}
    bases, tags = defaultdict(list), defaultdict(list)
    for basis in (
        LegalBasis.objects.filter(power_id__in=pks).select_related("law").order_by("sort_order")
    ):
        bases[basis.power_id].append(basis)
    for power_id, name in PowerPageTag.objects.filter(content_object_id__in=pks).values_list(
        "content_object_id", "tag__name"
    ):
        tags[power_id].append(name)
    return {
        page.pk: power_cells(
            page, department_for_path(departments, page), bases[page.pk], tags[page.pk]
        )
        for page in pages
    }


def catalogue_rows() -> Iterator[list[str]]:
    """Every live, public power, in the template's column order, a chunk at a time."""
    powers = live_powers().order_by("path")
    ids = list(powers.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        pages = list(PowerPage.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("path"))
        cells = cells_for(pages)
        for page in pages:
            yield [cells[page.pk].get(column.key, "") for column in TEMPLATE_COLUMNS]


def neutralise(value: str) -> str:
    """A cell a spreadsheet would run as a formula, kept as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return FORMULA_GUARD + value
    return value


def write_csv(stream, rows):
    """UTF-8 with a BOM: Excel and WPS open it cleanly."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])


def write_xlsx(path, rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("事项清单")
    sheet.append(HEADERS)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def write_json(stream, rows):
    stream.write("[")
    for index, row in enumerate(rows):
        stream.write(",\n" if index else "\n")
        stream.write(json.dumps(dict(zip(HEADERS, row, strict=True)), ensure_ascii=False))
    stream.write("\n]\n")
