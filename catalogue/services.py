"""The one way in for every change to the catalogue.

The admin edits pages through Wagtail's own views; the demo loader, the spreadsheet import and the
API call the functions here. A change to a power is always a new page revision by a named user,
logged in the audit log; publishing it is a separate, explicit step (the legal office's review).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from common import pagecache
from home.models import HomePage
from laws.models import Law
from review.roles import department_editors_ensure
from search.indexing import deferred_indexing

from .choices import PowerStatus, PowerType
from .models import DepartmentPage, LegalBasis, PowerCatalogue, PowerPage

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


@dataclass
class PowerWriteResult:
    page: PowerPage
    outcome: str  # "created", "changed" or "unchanged"
    warnings: list[str] = field(default_factory=list)


class CatalogueError(ValueError):
    """A write was refused; the message says why, in Chinese."""


# --- Site structure -------------------------------------------------------------------------


@transaction.atomic
def site_structure_ensure(
    *, hall_title="网上政务大厅", catalogue_title="职权目录", hostname="localhost", port=80
):
    """Make sure the hall (home page), the catalogue and the default site exist; idempotent."""
    _tree_roots_ensure()
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(title=hall_title, slug="hall", live=True)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname=hostname,
            port=port,
            root_page=home,
            is_default_site=True,
            site_name="行政权力网上公开透明运行平台",
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    # Wagtail's initial migration creates a placeholder "Welcome" page; it has no place here.
    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore")\
        .exclude(pk=home.pk).delete()  # fmt: skip
    catalogue = PowerCatalogue.objects.first()
    if catalogue is None:
        catalogue = PowerCatalogue(
            title=catalogue_title,
            slug="catalogue",
            intro="按照权力类别编制的职权目录，逐项列明权力名称、行使依据、办理流程、承办部门及人员。",
        )
        home.add_child(instance=catalogue)
        catalogue.save_revision().publish()
    return home, catalogue


def _tree_roots_ensure():
    """The default locale and the root page and collection, which Wagtail's migrations create;
    recreated here so that a flushed database can be set up again."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


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
            _home, catalogue = site_structure_ensure()
        department = DepartmentPage(code=code, owner=user, **values)
        department.slug = _unique_child_slug(catalogue, values.get("short_name") or code)
        catalogue.add_child(instance=department)
        department.save_revision(user=user, log_action=True).publish(user=user)
        department_editors_ensure(department)
        return department, "created"
    draft = department.get_latest_revision_as_object()
    changed = [name for name, value in values.items() if getattr(draft, name) != value]
    if not changed:
        return department, "unchanged"
    for name in changed:
        setattr(draft, name, values[name])
    draft.save_revision(user=user, log_action=True).publish(user=user)
    department_editors_ensure(DepartmentPage.objects.get(pk=department.pk))
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
    for citation in citations:
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
            )
        )
    return bases, warnings


def _stream_raw(stream_value):
    return [(child.block_type, child.block.get_prep_value(child.value)) for child in stream_value]


def _apply_power_data(
    page: PowerPage, data: PowerData, *, laws=None
) -> tuple[list[str], list[str]]:
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
        old = _stream_raw(getattr(page, name))
        new_stream = [(block_type, item) for item in items]
        setattr(page, name, new_stream)
        if _stream_raw(getattr(page, name)) != old:
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


def power_upsert(*, data: PowerData, user=None, publish: bool = False, departments=None):
    """Create or change a power from plain data, as a new revision by `user`.

    Nothing is written when the data matches the latest revision. With publish=True the revision
    goes live at once; that is for site administrators and the demo loader only, everyone else
    submits to the legal office's review.
    """
    with transaction.atomic():
        return _power_upsert(data=data, user=user, publish=publish, departments=departments)


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
        changed, warnings = _apply_power_data(page, data, laws=laws)
        page.slug = slugify(code, allow_unicode=True)
        department.add_child(instance=page)
        revision = page.save_revision(user=user, log_action=True)
        if publish:
            revision.publish(user=user)
        return PowerWriteResult(page=page, outcome="created", warnings=warnings)

    draft = existing.get_latest_revision_as_object()
    changed, warnings = _apply_power_data(draft, data, laws=laws)
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
        _apply_power_data(draft, data)
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


def powers_bulk_upsert(
    items: Iterable[PowerData], *, user=None, publish=False, chunk_size: int = 500
) -> BulkReport:
    """Upsert many powers in one transaction: all or nothing.

    New powers are created in bulk (catalogue.bulk: the same rows as power_upsert writes, a
    few statements per chunk); existing ones go through power_upsert's own path, one by one.
    Items are read `chunk_size` at a time, so a long iterable is never held in memory whole.
    """
    from . import bulk

    report = BulkReport()
    departments = {dept.code: dept for dept in DepartmentPage.objects.all()}
    laws = {}
    seen = set()
    with transaction.atomic(), deferred_indexing(), pagecache.deferred_invalidation():
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
            fields, _warnings = _apply_power_data(draft, dataclasses.replace(data), laws=laws)
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

    from .models import PowerPageTag

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
            changed, _warnings = _apply_power_data(page, dataclasses.replace(data), laws=laws)
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
