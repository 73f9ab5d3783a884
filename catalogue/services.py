"""The one way in for every change to the catalogue.

The admin edits pages through Wagtail's own views; the demo loader, the spreadsheet import and the
API call the functions here. A change to a power is always a new page revision by a named user,
logged in the audit log; publishing it is a separate, explicit step (the legal office's review).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Page

from access.roles import can_publish_directly
from common.batching import bulk_write
from common.database import refresh_statistics_on_commit

from . import bulk
from .data import (
    POWER_SCALAR_FIELDS,
    POWER_STREAM_FIELDS,
    CatalogueError,
    CitationData,
    PowerData,
    apply_power_data,
    resolve_citations,
)
from .models import DepartmentPage, LegalBasis, PowerCatalogue, PowerPage, PowerPageTag

# The names callers use with the services (the data they pass, the error they catch).
__all__ = [
    "POWER_SCALAR_FIELDS",
    "POWER_STREAM_FIELDS",
    "BulkReport",
    "CatalogueError",
    "CitationData",
    "PowerData",
    "PowerWriteResult",
    "department_upsert",
    "field_label",
    "power_upsert",
    "powers_bulk_upsert",
    "powers_diff",
    "resolve_citations",
]


@dataclass
class PowerWriteResult:
    page: PowerPage
    outcome: str  # "created", "changed" or "unchanged"
    warnings: list[str] = field(default_factory=list)


# --- Departments ----------------------------------------------------------------------------

DEPARTMENT_FIELDS = (
    "title",
    "short_name",
    "address",
    "office_hours",
    "consultation_phone",
    "complaint_phone",
    "complaint_email",
    "description",
)


@transaction.atomic
def department_upsert(*, code: str, values: dict, user=None) -> tuple[DepartmentPage, str]:
    """Create or update a department page by its code, published at once (departments are
    managed by site administrators, not reviewed). Returns (page, outcome)."""
    unknown = set(values) - set(DEPARTMENT_FIELDS)
    if unknown:
        raise CatalogueError(f"未知的部门字段：{'、'.join(sorted(unknown))}")
    department = DepartmentPage.objects.filter(code=code).first()
    if department is None:
        catalogue = PowerCatalogue.objects.first()
        if catalogue is None:
            raise CatalogueError("职权目录尚未建立，请先运行 manage.py setup_demo 或建立站点。")
        department = DepartmentPage(code=code, owner=user, **values)
        department.slug = _unique_child_slug(catalogue, values.get("short_name") or code)
        catalogue.add_child(instance=department)
        department.save_revision(user=user, log_action=True).publish(user=user)
        return department, "created"
    draft = department.get_latest_revision_as_object()
    changed = [name for name, value in values.items() if getattr(draft, name) != value]
    if not changed:
        return department, "unchanged"
    for name in changed:
        setattr(draft, name, values[name])
    draft.save_revision(user=user, log_action=True).publish(user=user)
    return department, "changed"


def _unique_child_slug(parent: Page, text: str) -> str:
    from anyascii import anyascii

    base = slugify(anyascii(text)) or "item"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


# --- Powers ---------------------------------------------------------------------------------


def power_upsert(*, data: PowerData, user=None, publish: bool = False, departments=None):
    """Create or change a power from plain data, as a new revision by `user`.

    Nothing is written when the data matches the latest revision. With publish=True the revision
    goes live at once; that is for holders of the right to publish directly and the demo loader
    (no user) only, everyone else submits to the legal office's review.
    """
    _publishing_check(user, publish)
    with transaction.atomic():
        return _power_upsert(data=data, user=user, publish=publish, departments=departments)


def _publishing_check(user, publish):
    if publish and user is not None and not can_publish_directly(user):
        raise CatalogueError("没有直接发布事项的权限：事项须提交法制办审核，审核通过后发布。")


def _power_upsert(*, data, user, publish, departments, laws=None):
    code = (data.code or "").strip()
    if not code:
        raise CatalogueError("事项编码不能为空。")
    if departments is not None and data.department_code in departments:
        department = departments[data.department_code]
    else:
        department = DepartmentPage.objects.filter(code=data.department_code).first()
    if department is None:
        raise CatalogueError(f"未知的实施主体（部门编码）：{data.department_code}")

    existing = PowerPage.objects.filter(code=code).first()
    if existing is None:
        if not data.title or not data.power_type:
            raise CatalogueError(f"新事项 {code} 必须有事项名称和事项类型。")
        page = PowerPage(code=code, live=False, owner=user)
        changed, warnings = apply_power_data(page, data, laws=laws)
        page.slug = slugify(code, allow_unicode=True)
        department.add_child(instance=page)
        revision = page.save_revision(user=user, log_action=True)
        if publish:
            revision.publish(user=user)
        return PowerWriteResult(page=page, outcome="created", warnings=warnings)

    draft = existing.get_latest_revision_as_object()
    changed, warnings = apply_power_data(draft, data, laws=laws)
    moved = existing.get_parent().pk != department.pk
    if (changed or moved) and existing.workflow_in_progress:
        # Approval publishes the latest revision: a write now would go live unreviewed.
        raise CatalogueError(f"事项 {code} 正在法制办审核中，审核完成前不能修改。")
    if moved and existing.live and not publish:
        # A move takes effect at once; for a public power that is a publication.
        raise CatalogueError(f"事项 {code} 已公开，变更实施主体须由有发布权限的管理员办理。")
    if not changed and not moved:
        return PowerWriteResult(page=existing, outcome="unchanged", warnings=warnings)
    if moved:
        existing.move(department, pos="last-child", user=user)
        draft = PowerPage.objects.get(pk=existing.pk).get_latest_revision_as_object()
        apply_power_data(draft, data)
    revision = draft.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return PowerWriteResult(page=draft, outcome="changed", warnings=warnings)


@dataclass
class BulkReport:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    written: list[int] = field(default_factory=list)  # ids of the powers created or changed


# New powers in one bulk write from which the database's statistics are refreshed.
STATISTICS_AFTER = 500


def powers_bulk_upsert(
    items: Iterable[PowerData], *, user=None, publish=False, chunk_size: int = 500
) -> BulkReport:
    """Upsert many powers in one transaction: all or nothing.

    New powers are created in bulk (catalogue.bulk: the same rows as power_upsert writes, a
    few statements per chunk); existing ones go through power_upsert's own path, one by one.
    Items are read `chunk_size` at a time, so a long iterable is never held in memory whole.
    """
    _publishing_check(user, publish)
    report = BulkReport()
    departments = {dept.code: dept for dept in DepartmentPage.objects.all()}
    laws = {}
    seen = set()
    with transaction.atomic(), bulk_write():
        for chunk in _chunked(items, chunk_size):
            codes = {(data.code or "").strip() for data in chunk}
            existing = set(PowerPage.objects.filter(code__in=codes).values_list("code", flat=True))
            new, later = [], []
            unchanged = _unchanged(
                [d for d in chunk if (d.code or "").strip() in existing], departments, laws
            )
            for data in chunk:
                code = (data.code or "").strip()
                if code in unchanged and code not in seen:
                    seen.add(code)
                    report.unchanged += 1
                    continue
                if not code or code in existing or code in seen:
                    later.append(data)
                    continue
                seen.add(code)
                department = departments.get(data.department_code)
                if department is None:
                    raise CatalogueError(f"未知的实施主体（部门编码）：{data.department_code}")
                page, warnings = bulk.prepare(data, laws=laws)
                new.append((page, department))
                report.warnings.extend(f"{code}：{w}" for w in dict.fromkeys(warnings))
            bulk.create(bulk.group_by_department(new), user=user, publish=publish)
            report.created += len(new)
            report.written.extend(page.pk for page, _department in new)
            for data in later:
                result = _power_upsert(data=data, user=user, publish=publish,
                                       departments=departments, laws=laws)  # fmt: skip
                setattr(report, result.outcome, getattr(report, result.outcome) + 1)
                if result.outcome != "unchanged":
                    report.written.append(result.page.pk)
                    report.warnings.extend(
                        f"{data.code}：{w}" for w in dict.fromkeys(result.warnings)
                    )
        if report.created >= STATISTICS_AFTER:
            # Many new rows: when the transaction (an import's every chunk) grew the catalogue
            # by a tenth or more, the query planner's statistics say so once they are
            # committed, and the full-text indexes are merged.
            refresh_statistics_on_commit(added=report.created, total=PowerPage.objects.count())
    return report


FIELD_LABELS = {"title": "事项名称", "legal_bases": "行使依据", "tags": "标签", "moved": "实施主体"}


def field_label(name: str) -> str:
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    try:
        return str(PowerPage._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - not a model field: its own name
        return name


def powers_diff(items: list[PowerData], *, laws=None) -> dict[str, tuple[str, list[str]]]:
    """What writing these items would do, without writing: code → (outcome, changed fields),
    outcome "created", "changed" or "unchanged". Published powers without pending changes are
    compared a chunk at a time; drafts and powers in review against their latest revision."""
    laws = {} if laws is None else laws
    departments = {dept.code: dept for dept in DepartmentPage.objects.all()}
    codes = [(d.code or "").strip() for d in items]
    existing = set(PowerPage.objects.filter(code__in=codes).values_list("code", flat=True))
    quick = _compare([d for d in items if d.code.strip() in existing], departments, laws)
    result = {}
    for data in items:
        code = data.code.strip()
        if code in result:
            continue
        if code not in existing:
            result[code] = ("created", [])
        elif code in quick:
            fields = quick[code]
            result[code] = ("changed" if fields else "unchanged", fields)
        else:
            page = PowerPage.objects.get(code=code)
            draft = page.get_latest_revision_as_object()
            fields, _warnings = apply_power_data(draft, dataclasses.replace(data), laws=laws)
            department = departments.get(data.department_code)
            if department is not None and page.path[: -PowerPage.steplen] != department.path:
                fields = [*fields, "moved"]
            result[code] = ("changed" if fields else "unchanged", fields)
    return result


def _unchanged(items, departments, laws) -> set[str]:
    return {code for code, fields in _compare(items, departments, laws).items() if not fields}


def _compare(items, departments, laws) -> dict[str, list[str]]:
    """For existing, published powers without pending changes (their page rows equal their latest
    revision): code → the fields these items would change ([] for none), decided for a whole
    chunk with four queries where power_upsert reads each power's latest revision. Powers not
    decided here (drafts, in review, moved, an unknown department, an error) are left out."""
    from collections import defaultdict

    if not items:
        return {}
    pages = {
        page.code: page
        for page in PowerPage.objects.filter(
            code__in=[d.code.strip() for d in items], live=True, has_unpublished_changes=False
        )
    }
    pages = {
        code: page
        for code, page in pages.items()
        if page.latest_revision_id and page.latest_revision_id == page.live_revision_id
    }
    pks = [page.pk for page in pages.values()]
    bases, tagged = defaultdict(list), defaultdict(list)
    for basis in LegalBasis.objects.filter(power_id__in=pks).order_by("sort_order", "pk"):
        bases[basis.power_id].append(basis)
    for item in PowerPageTag.objects.filter(content_object_id__in=pks).select_related("tag"):
        tagged[item.content_object_id].append(item)
    compared = {}
    for data in items:
        code = data.code.strip()
        page, department = pages.get(code), departments.get(data.department_code)
        if page is None or department is None or code in compared:
            continue
        if page.path[: -PowerPage.steplen] != department.path:
            continue
        page.legal_bases = bases[page.pk]
        page.tagged_items = tagged[page.pk]
        try:
            changed, _warnings = apply_power_data(page, dataclasses.replace(data), laws=laws)
        except CatalogueError:
            continue  # power_upsert says what is wrong
        compared[code] = changed
    return compared


def _chunked(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
