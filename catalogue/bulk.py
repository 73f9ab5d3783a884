"""Creating many new powers at once: the bulk form of catalogue.services.power_upsert.

It writes what the one-at-a-time path writes for a new power — the page in the tree under its
department, a revision by the user, the audit log (wagtail.create, wagtail.edit and, when
publishing, wagtail.publish), the legal bases, tags and reference index — with a handful of
statements per chunk instead of about seventy per page. No signal is sent per page: one
`catalogue.signals.powers_bulk_created` per chunk tells the processes above (the search index,
the review's public record of the publication), which do their part in bulk; inside
common.batching.bulk_write() the search index is written once, at the end of the block, and the
page cache invalidated once.

Only catalogue.services.powers_bulk_upsert calls this; tests/catalogue/test_bulk.py checks that
both paths leave the same rows behind.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.models import COMMENTS_RELATION_NAME, Page, PageLogEntry, ReferenceIndex, Revision

from common import pagecache

from .data import CatalogueError, apply_power_data
from .models import LegalBasis, PowerPage, PowerPageTag
from .signals import powers_bulk_created

CHUNK = 500
# Tree bookkeeping that catalogue.bulk sets itself; the rest of each page is validated.
TREE_FIELDS = ["path", "depth", "numchild", "url_path", "content_type", "locale",
               "translation_key", "latest_revision", "live_revision", "owner",
               "draft_title"]  # fmt: skip
# Wagtail's own names for fields a power calls otherwise.
LABELS = {"title": "事项名称"}


def validation_message(code: str, error: ValidationError) -> str:
    messages = []
    for field, errors in error.message_dict.items():
        label = LABELS.get(field, field)
        if field != "__all__" and field not in LABELS:
            try:
                label = PowerPage._meta.get_field(field).verbose_name
            except Exception:  # noqa: BLE001 - a non-field key: show it as it is
                label = field
        text = "；".join(str(e).rstrip("。") for e in errors)
        messages.append(text if field == "__all__" else f"{label}：{text}")
    return f"事项 {code}：" + "；".join(messages) + "。"


def prepare(data, *, laws) -> tuple[PowerPage, list[str]]:
    """A new, unsaved page from PowerData, validated like a save would (Chinese messages)."""
    code = data.code.strip()
    if not data.title or not data.power_type:
        raise CatalogueError(f"新事项 {code} 必须有事项名称和事项类型。")
    page = PowerPage(code=code, live=False)
    tags = data.tags
    data.tags = None  # tags are written in bulk below
    try:
        _changed, warnings = apply_power_data(page, data, laws=laws)
    finally:
        data.tags = tags
    page.tag_names = sorted({tag.strip() for tag in tags or [] if tag.strip()})
    page.draft_title = page.title
    try:
        page.clean_fields(exclude=TREE_FIELDS + ["slug"])
        for basis in page.legal_bases.all():
            # the law was looked up in the library just now: no need to ask again per row
            basis.clean_fields(exclude=["power", "law"])
            basis.clean()
    except ValidationError as error:
        raise CatalogueError(validation_message(code, error)) from error
    errors = page.power_rule_errors()
    if errors:
        raise CatalogueError(validation_message(code, ValidationError(errors)))
    return page, warnings


def create(pages_by_department, *, user, publish) -> list[PowerPage]:
    """Insert prepared pages (dict: department → [page]) as new powers; returns them saved."""
    now = timezone.now()
    power_type = ContentType.objects.get_for_model(PowerPage)
    page_type = ContentType.objects.get_for_model(Page)
    created = []
    for department, pages in pages_by_department.items():
        _place(department, pages, content_type=power_type, user=user, now=now, publish=publish)
        created.extend(pages)
    for start in range(0, len(created), CHUNK):
        chunk = created[start : start + CHUNK]
        _insert_pages(chunk)
        _insert_children(chunk)
        revisions = _insert_revisions(chunk, power_type, page_type, user=user, now=now)
        _link_revisions(chunk, revisions, publish=publish)
        _log(chunk, revisions, power_type, user=user, now=now, publish=publish)
        _insert_references(chunk, power_type, page_type)
        powers_bulk_created.send(
            sender=PowerPage, pages=chunk, revisions=revisions, user=user,
            published_at=now if publish else None,
        )  # fmt: skip
    for department, pages in pages_by_department.items():
        Page.objects.filter(pk=department.pk).update(numchild=F("numchild") + len(pages))
    if publish and created:
        pagecache.invalidate()
    return created


def _place(department, pages, *, content_type, user, now, publish):
    """Tree positions, slugs, addresses and the fields a first save and publish would set."""
    # Its children's paths, as a range the path's index answers: `path__startswith` is a LIKE
    # that SQLite answers by reading every page of the tree (1 s of a batch of 1,000 at 100,000
    # powers, and growing with the catalogue).
    siblings = Page.objects.filter(
        path__range=Page._get_children_path_interval(department.path), depth=department.depth + 1
    )
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    position = Page._str2int(last[-Page.steplen :]) if last else 0
    bases = [slugify(page.code, allow_unicode=True) or "item" for page in pages]
    # Only the slugs that could collide are read, not every sibling's: the cost of a batch does
    # not grow with the department (codes are unique, so a clash is rare).
    taken = set(siblings.filter(slug__in=set(bases)).values_list("slug", flat=True))
    for page, base in zip(pages, bases, strict=True):
        position += 1
        page.path = Page._get_path(department.path, department.depth + 1, position)
        page.depth = department.depth + 1
        page.numchild = 0
        slug, counter = base, 2
        if slug in taken:
            taken |= set(
                siblings.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
            )
        while slug in taken:
            slug, counter = f"{base}-{counter}", counter + 1
        taken.add(slug)
        page.slug = slug
        page.url_path = f"{department.url_path}{slug}/"
        page.content_type = content_type
        page.locale_id = department.locale_id
        page.translation_key = uuid.uuid4()
        page.owner = user
        page.live = publish
        page.has_unpublished_changes = not publish
        page.latest_revision_created_at = now
        if publish:
            page.first_published_at = page.last_published_at = now
        page._cached_parent_obj = department
        # a new page has no comments: say so, rather than have each serialisation ask
        setattr(page, COMMENTS_RELATION_NAME, [])


def _insert_pages(pages):
    """The page rows: Wagtail's page table (with ids back), then the power table. Django cannot
    bulk-create a model with a parent table, so each table gets its own bulk insert."""
    base_fields = [f for f in Page._meta.concrete_fields if not f.primary_key]
    bases = Page.objects.bulk_create(
        [Page(**{f.attname: getattr(page, f.attname) for f in base_fields}) for page in pages]
    )
    for page, base in zip(pages, bases, strict=True):
        if base.pk is None:  # a database that cannot return the ids of a bulk insert
            raise RuntimeError("数据库不支持批量写入后返回主键")
        page.pk = page.id = page.page_ptr_id = base.pk
        page._state.adding = False
    fields = PowerPage._meta.local_concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(PowerPage._meta.db_table)
    rows = [[f.get_db_prep_save(f.pre_save(page, True), connection) for f in fields]
            for page in pages]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _insert_children(pages):
    bases = []
    for page in pages:
        for order, basis in enumerate(page.legal_bases.all()):
            basis.power_id = page.pk
            basis.sort_order = order
            bases.append(basis)
    LegalBasis.objects.bulk_create(bases, batch_size=CHUNK)

    names = {name for page in pages for name in page.tag_names}
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = sorted(names - set(tags))
    for name in missing:
        # taggit's own slugs (unique), as Tag.save() would make them
        tag = Tag(name=name)
        tag.slug = tag.slugify(name)
        suffix = 1
        while Tag.objects.filter(slug=tag.slug).exists():
            suffix += 1
            tag.slug = tag.slugify(name, suffix)
        tag.save()
        tags[name] = tag
    items = []
    for page in pages:
        page_items = [PowerPageTag(content_object=page, tag=tags[name]) for name in page.tag_names]
        page.tagged_items = page_items  # in memory too: the revision holds them
        items.extend(page_items)
    PowerPageTag.objects.bulk_create(items, batch_size=CHUNK)


def _insert_references(pages, power_type, page_type):
    """What ReferenceIndex.create_or_update_for_object writes for a new object (which has no
    earlier references to compare with), read from the pages in memory, in one insert."""
    rows = []
    for page in pages:
        for to_type, to_id, model_path, content_path in set(
            ReferenceIndex._extract_references_from_object(page)
        ):
            rows.append(
                ReferenceIndex(
                    content_type=power_type,
                    base_content_type=page_type,
                    object_id=str(page.pk),
                    to_content_type_id=to_type,
                    to_object_id=to_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                )  # fmt: skip
            )
    ReferenceIndex.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)


def _insert_revisions(pages, power_type, page_type, *, user, now):
    return Revision.objects.bulk_create(
        [
            Revision(
                content_type=power_type,
                base_content_type=page_type,
                object_id=str(page.pk),
                user=user,
                created_at=now,
                content=page.serializable_data(),
                object_str=str(page),
            )  # fmt: skip
            for page in pages
        ],
        batch_size=CHUNK,
    )


def _link_revisions(pages, revisions, *, publish):
    for page, revision in zip(pages, revisions, strict=True):
        page.latest_revision = revision
        if publish:
            page.live_revision = revision
    table = connection.ops.quote_name(Page._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET latest_revision_id = %s, live_revision_id = %s WHERE id = %s",  # noqa: S608
            [(page.latest_revision_id, page.live_revision_id, page.pk) for page in pages],
        )


def _log(pages, revisions, content_type, *, user, now, publish):
    actions = ["wagtail.create", "wagtail.edit"] + (["wagtail.publish"] if publish else [])
    entries = []
    for page, revision in zip(pages, revisions, strict=True):
        for action in actions:
            entries.append(
                PageLogEntry(
                    content_type=content_type,
                    label=page.title,
                    action=action,
                    timestamp=now,
                    data={},
                    user=user,
                    page_id=page.pk,
                    revision=None if action == "wagtail.create" else revision,
                    content_changed=True,
                )  # fmt: skip
            )
    PageLogEntry.objects.bulk_create(entries, batch_size=CHUNK)


def group_by_department(prepared):
    """[(page, department)] → {department: [page]} in the order given."""
    grouped = defaultdict(list)
    for page, department in prepared:
        grouped[department].append(page)
    return grouped
