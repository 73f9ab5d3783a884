"""A power as plain data, and how that data is applied to a page.

The one data object that the admin's services, the spreadsheet import, the API and the demo
loader all pass (`PowerData`), with the rules for turning it into a page: catalogue.services
writes one power at a time, catalogue.bulk many new ones at once, both through
`apply_power_data`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from laws.models import Law

from .blocks import MAX_STEPS
from .choices import PowerStatus, PowerType
from .models import LegalBasis, PowerPage

# Fields of PowerData copied onto the page as they are.
POWER_SCALAR_FIELDS = (
    "title",
    "power_type",
    "item_group",
    "exercise_level",
    "power_source",
    "handling_agency",
    "acceptance_conditions",
    "legal_time_limit",
    "promised_time_limit",
    "fee_free",
    "fee_standard",
    "fee_basis",
    "service_mode",
    "online_depth",
    "result_name",
    "right_to_state",
    "right_to_hearing",
    "right_to_review",
    "right_to_litigate",
    "rights_note",
    "complaint_channel",
    "status",
    "effective_date",
    "flowchart_id",
)
POWER_STREAM_FIELDS = {
    "staff": "person",
    "materials": "material",
    "steps": "step",
    "discretion": "standard",
}


@dataclass(frozen=True)
class CitationData:
    """A legal-basis citation in plain data: a law by id or title, its articles, a quotation."""

    law_title: str = ""
    articles: str = ""
    quote: str = ""
    law_id: int | None = None


@dataclass
class PowerData:
    """A power as plain data. Fields left as None are not touched on an existing power."""

    code: str
    department_code: str
    title: str | None = None
    power_type: str | None = None
    item_group: str | None = None
    exercise_level: str | None = None
    power_source: str | None = None
    handling_agency: str | None = None
    acceptance_conditions: str | None = None
    legal_time_limit: int | None = None
    promised_time_limit: int | None = None
    fee_free: bool | None = None
    fee_standard: str | None = None
    fee_basis: str | None = None
    service_mode: str | None = None
    online_depth: int | None = None
    result_name: str | None = None
    right_to_state: bool | None = None
    right_to_hearing: bool | None = None
    right_to_review: bool | None = None
    right_to_litigate: bool | None = None
    rights_note: str | None = None
    complaint_channel: str | None = None
    status: str | None = None
    effective_date: datetime.date | None = None
    flowchart_id: int | None = None
    staff: list[dict] | None = None
    materials: list[dict] | None = None
    steps: list[dict] | None = None
    discretion: list[dict] | None = None
    citations: list[CitationData] | None = None
    tags: list[str] | None = None


class CatalogueError(ValueError):
    """A write was refused; the message says why, in Chinese."""


def resolve_citations(
    citations: Iterable[CitationData], *, laws: dict | None = None
) -> tuple[list[LegalBasis], list[str]]:
    """Turn citation data into LegalBasis rows, linking laws of the library by id or title.

    A title the library does not know stays as text, with a warning. `laws`, a dict kept by the
    caller across many powers, remembers each lookup.
    """
    laws = {} if laws is None else laws

    def lookup(key, query):
        if key not in laws:
            laws[key] = query().first()
        return laws[key]

    bases, warnings = [], []
    for position, citation in enumerate(citations):
        law = None
        if citation.law_id is not None:
            law_id = citation.law_id
            law = lookup(("id", law_id), lambda: Law.objects.filter(pk=law_id))  # noqa: B023
            if law is None:
                raise CatalogueError(f"法规库中没有编号为 {citation.law_id} 的法规。")
        elif citation.law_title:
            title = citation.law_title
            law = lookup(("title", title), lambda: Law.objects.find_by_title(title))  # noqa: B023
            if law is None:
                warnings.append(
                    f"法规库中没有《{citation.law_title.strip('《》')}》，已按文本保存。"
                )
        if law is None and not citation.law_title:
            raise CatalogueError("行使依据缺少法规名称。")
        bases.append(
            LegalBasis(
                law=law,
                law_title="" if law else citation.law_title.strip().strip("《》"),
                articles=citation.articles.strip(),
                quote=citation.quote.strip(),
                # Stored in the order given: without it every row sorts alike and PostgreSQL
                # may read them back in any order (a "change" that changed nothing).
                sort_order=position,
            )
        )
    return bases, warnings


STREAM_LABELS = {"staff": "承办岗位/人员", "materials": "申请材料", "steps": "办理环节",
                 "discretion": "裁量基准"}  # fmt: skip


def _cleaned(block, item, field_name, index):
    """An item of a stream field checked by its block (lengths, ranges, choices), or a
    CatalogueError in Chinese naming the item and its field."""
    from django.core.exceptions import ValidationError

    if not isinstance(item, dict):
        raise CatalogueError(
            f"{STREAM_LABELS.get(field_name, field_name)}第 {index} 项的格式不正确。"
        )
    try:
        return block.clean(block.to_python(item))
    except ValidationError as error:
        problems = []
        for child, errors in getattr(error, "block_errors", {}).items():
            label = block.child_blocks[child].label if child in block.child_blocks else child
            messages = errors if isinstance(errors, list) else [errors]
            text = "；".join(m for e in messages for m in getattr(e, "messages", [str(e)]))
            problems.append(f"{label}：{text}")
        detail = "；".join(problems) or "；".join(error.messages)
        raise CatalogueError(
            f"{STREAM_LABELS.get(field_name, field_name)}第 {index} 项有误（{detail}）。"
        ) from error


def comparable_stream(raw):
    """Stream data with empty values made alike (None, "" and []), so a step stored before a
    field existed compares equal to the same step written now."""
    if isinstance(raw, dict):
        return {
            key: comparable_stream(value)
            for key, value in raw.items()
            if value not in (None, "", [])
        }
    if isinstance(raw, (list, tuple)):
        return [comparable_stream(value) for value in raw]
    return raw


def _stream_raw(stream_value):
    return [(child.block_type, child.block.get_prep_value(child.value)) for child in stream_value]


def apply_power_data(page: PowerPage, data: PowerData, *, laws=None) -> tuple[list[str], list[str]]:
    """Apply data onto a page object (not saved); return (changed field names, warnings)."""
    changed, warnings = [], []
    if data.power_type is not None:
        data.power_type = PowerType.parse(data.power_type).value
    if data.status is not None and data.status not in PowerStatus.values:
        raise CatalogueError(f"未知的状态：{data.status}")
    for name in POWER_SCALAR_FIELDS:
        value = getattr(data, name)
        if value is not None and getattr(page, name) != value:
            setattr(page, name, value)
            changed.append(name)
    for name, block_type in POWER_STREAM_FIELDS.items():
        items = getattr(data, name)
        if items is None:
            continue
        if name == "steps" and len(items) > MAX_STEPS:
            raise CatalogueError(f"办理流程最多 {MAX_STEPS} 个环节（现有 {len(items)} 个）。")
        old = comparable_stream(_stream_raw(getattr(page, name)))
        # Through the block: its own validation on every path (the admin form's rules), and a
        # field the data leaves out stored as the block's empty value.
        block = PowerPage._meta.get_field(name).stream_block.child_blocks[block_type]
        new_stream = [
            (block_type, _cleaned(block, item, name, index))
            for index, item in enumerate(items, start=1)
        ]
        setattr(page, name, new_stream)
        if comparable_stream(_stream_raw(getattr(page, name))) != old:
            changed.append(name)
    if data.citations is not None:
        bases, citation_warnings = resolve_citations(data.citations, laws=laws)
        warnings.extend(citation_warnings)
        old = [(b.law_id, b.law_title, b.articles, b.quote) for b in page.legal_bases.all()]
        new = [(b.law_id, b.law_title, b.articles, b.quote) for b in bases]
        if old != new:
            page.legal_bases = bases
            changed.append("legal_bases")
    if data.tags is not None:
        wanted = sorted({tag.strip() for tag in data.tags if tag.strip()})
        current = sorted(tag.name for tag in page.tags.all())
        if wanted != current:
            page.tags.set(wanted)
            changed.append("tags")
    return changed, warnings
