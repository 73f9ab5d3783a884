"""Open data: the whole live catalogue in the import template's columns, as XLSX, CSV and JSON.

`power_cells` writes a power as the import reads it, and the import keeps a cell that equals
what this module would write for the power (import_data.services), so an export imports back
with no changes — even for what the template's plain text cannot hold (a material's form, a
quoted provision). A step's post, supervision point and decision branches have their own
columns, line by line with 办理流程, so steps imported from an exported sheet are the steps
exported, edited or not. Cells a spreadsheet would run as a formula are neutralised with a
leading ' (the import removes it again). After the template's columns comes the address of each
power's flowchart (PNG), which the import passes over.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.urls import reverse

from catalogue.blocks import STEP_OUTCOMES
from catalogue.choices import ExerciseLevel, OnlineDepth, PowerSource, PowerStatus, PowerType
from catalogue.models import DepartmentPage, LegalBasis, PowerPage, PowerPageTag
from catalogue.selectors import department_for_path, live_powers

from .columns import COLUMNS, EXPORT_COLUMNS
from .spreadsheet import FORMULA_GUARD, FORMULA_STARTS, STEP_DETAILS, channel_phones
from .spreadsheet.values import item_numbered, named_step_line, step_positions, step_splits

TEMPLATE_COLUMNS = [c for c in COLUMNS if c.in_template]
EXPORTED_COLUMNS = TEMPLATE_COLUMNS + EXPORT_COLUMNS
HEADERS = [c.header for c in EXPORTED_COLUMNS]
CHUNK = 500
OUTCOME_LABELS = {code: str(label) for code, label in STEP_OUTCOMES}


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
    """A step's line of 办理流程: 名称（N个工作日）：办理内容, the content on one line (a line break
    would start another step)."""
    name = value.get("name") or ""
    description = " ".join((value.get("description") or "").split())
    if value.get("time_limit") is not None:
        name = f"{name}（{value['time_limit']}个工作日）"
    return f"{name}：{description}" if description else name


def _detail_text(child: str, value) -> str:
    if child == "outcomes":
        return "、".join(OUTCOME_LABELS.get(code, code) for code in value or [])
    return (value or "").strip()


def step_detail_cells(steps: list[dict]) -> dict[str, str]:
    """The cells of the per-step columns (环节承办岗位, 监督制约环节, 环节决定分支) for a power's
    steps: one line per step in order, or, when that would not read back the same (a value over
    several lines, the first step without one, a value the import would take for a step name or
    a numbered item), "环节名称：…" lines for the steps that have one."""
    positions = step_positions(steps)
    cells = {}
    for key, (child, _label, _multiline) in STEP_DETAILS.items():
        values = [_detail_text(child, step.get(child)) for step in steps]
        if not any(values):
            cells[key] = ""
            continue
        in_order = (
            values[0]
            and named_step_line(values[0], positions) is None
            and not any("\n" in value or item_numbered(value) for value in values)
            and not (len(steps) > 1 and any(step_splits(value) for value in values))
        )
        if in_order:
            cells[key] = "\n".join(values).rstrip("\n")
        else:
            named = zip(steps, values, strict=True)
            cells[key] = "\n".join(f"{step['name']}：{value}" for step, value in named if value)
    return cells


def flowchart_png_url(page) -> str:
    """The address of the power's generated chart, for a file read away from the site; "" for a
    power without steps (it has no chart)."""
    if not page.steps:
        return ""
    path = reverse("power_flowchart_png", kwargs={"code": page.code})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


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
        **step_detail_cells([dict(b.value) for b in page.steps]),
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
        "flowchart_png": flowchart_png_url(page),
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
    """Every live, public power, in the template's column order (then the flowchart's
    address), a chunk at a time."""
    powers = live_powers().order_by("path")
    ids = list(powers.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        pages = list(PowerPage.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("path"))
        cells = cells_for(pages)
        for page in pages:
            yield [cells[page.pk].get(column.key, "") for column in EXPORTED_COLUMNS]


# Control characters a spreadsheet cannot hold (pasted from a PDF, say): dropped from every cell.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """A cell without control characters, and kept as text where a spreadsheet would run it as
    a formula."""
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)
        if value.startswith(FORMULA_STARTS):
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
