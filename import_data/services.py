"""Importing a department's spreadsheet: preview, then apply, all or nothing; and the import
jobs of the admin's 批量导入, which run them in the background.

    preview = import_preview(path, "清单.xlsx")           # read, check, compare; write nothing
    result = import_apply(path, "清单.xlsx", user=admin)  # the same checks, then write

Both read the file with import_data.spreadsheet.PowerReader (streaming, never the whole file in
memory). Applying refuses a file with any row error, and writes through the one write service
(catalogue.services.powers_bulk_upsert) in a single transaction: any failure leaves the database
as it was. Each created or changed power is a new revision by the importing user, in the audit
log; unless the importer may publish directly and chose to, each goes to the legal office's
review (review.services.power_submit). Flowcharts may come in a ZIP named by 事项编码; powers of
the file's departments that the file leaves out may be marked 取消 on request.

An import job (ImportJob) is an upload on its way: import_job_create keeps the file and starts
checking it (task import_job_preview → import_job_preview_run: ready or rejected, with the
preview); import_job_confirm starts applying a checked job once (task import_job_apply →
import_job_apply_run: applied or refused). The runs record their progress on the job's row for
the admin's progress bar. The two tasks are
defined at the end of this module: each only runs its service.
"""

from __future__ import annotations

import io
import json
import logging
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files import File
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from wagtail.images import get_image_model
from wagtail.models import Revision

from access.roles import can_publish_directly
from catalogue.blocks import StepBlock
from catalogue.choices import PowerStatus
from catalogue.models import DepartmentPage, PowerPage
from catalogue.selectors import department_for_path
from catalogue.services import (
    CatalogueError,
    PowerData,
    field_label,
    powers_bulk_upsert,
    powers_diff,
)
from common.batching import bulk_write
from review.services import ReviewError, powers_submit_bulk

from .columns import COLUMNS
from .departments_and_laws import departments_import, laws_import
from .export import cells_for
from .models import ImportJob
from .spreadsheet import (
    MB,
    STEP_DETAILS,
    ImportReport,
    PowerReader,
    RowError,
    RowWarning,
    normalise_value,
)
from .spreadsheet.cells import compact

log = logging.getLogger(__name__)

CHUNK = 500
MAX_CHANGES_SHOWN = 2000
# Flowcharts become Wagtail images: the image library's own file types and size limit.
FLOWCHART_TYPES = {f".{extension}" for extension in settings.WAGTAILIMAGES_EXTENSIONS}
MAX_FLOWCHART_BYTES = settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
MAX_FLOWCHART_ARCHIVE_MB = 200


class ImportRefused(Exception):
    """The file cannot be applied; the message says why, in Chinese."""


@dataclass
class Change:
    code: str
    title: str
    outcome: str  # created, changed, unchanged, cancelled
    fields: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    report: ImportReport
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    cancelled: int = 0
    changes: list[Change] = field(default_factory=list)  # created, changed, cancelled (capped)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    published: bool = False
    submitted: int = 0  # sent to the legal office's review
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def failed(self) -> int:
        return self.report.invalid

    def summary(self) -> str:
        if not self.ok:
            return f"未导入：{self.report.summary()}"
        text = f"新增 {self.created}，修改 {self.changed}，未变 {self.unchanged}" + (
            f"，标记取消 {self.cancelled}" if self.cancelled else ""
        )
        if not self.applied:
            return "预览（未写入）：" + text
        if self.published:
            return f"已导入并发布：{text}"
        return f"已导入：{text}；{self.submitted} 个事项已提交法制办审核"


Progress = Callable[[str, int, int], None]  # (stage, rows done, rows in all)


def _no_progress(stage, done, total):
    pass


def import_preview(source, filename=None, *, cancel_missing=False, progress=None,
                   flowcharts=None) -> ImportResult:  # fmt: skip
    """Read and check the file and say what applying it would do; nothing is written."""
    started = time.monotonic()
    result = _check(source, filename, progress or _no_progress)
    if result.ok:
        _compare(source, filename, result, progress or _no_progress, cancel_missing)
        if flowcharts is not None:
            _flowcharts_check(flowcharts, result)
    result.seconds = time.monotonic() - started
    return result


def import_apply(source, filename=None, *, user, publish=False, cancel_missing=False,
                 progress=None, flowcharts=None) -> ImportResult:  # fmt: skip
    """Check the file, then write it, all or nothing. Raises ImportRefused (nothing written)
    for a file with errors or a write the catalogue refuses."""
    progress = progress or _no_progress
    started = time.monotonic()
    if publish and not can_publish_directly(user):
        raise ImportRefused("您没有直接发布的权限：请去掉“直接发布”，导入后提交法制办审核。")
    result = _check(source, filename, progress)
    if not result.ok:
        details = "\n".join(result.report.messages()[:20])
        raise ImportRefused(f"{result.summary()}\n{details}".strip())
    images = _flowcharts_check(flowcharts, result) if flowcharts is not None else {}
    if not result.ok:
        raise ImportRefused("\n".join([result.summary(), *result.report.messages()[:20]]))
    if cancel_missing:  # the powers the file leaves out (the write's own counts suffice else)
        _compare(source, filename, result, progress, cancel_missing)
    result.created = result.changed = result.unchanged = 0
    total = result.report.valid
    try:
        with transaction.atomic(), bulk_write():
            flowchart_ids = _flowcharts_store(images, user) if images else {}
            written, done = [], 0
            with PowerReader(source, filename) as reader:
                for pairs in reader.chunks_with_cells(CHUNK):
                    chunk = keep_exported_cells(pairs)
                    for data in chunk:
                        if data.code in flowchart_ids:
                            data.flowchart_id = flowchart_ids[data.code]
                    report = powers_bulk_upsert(chunk, user=user, publish=publish)
                    written.extend(report.written)
                    result.warnings.extend(report.warnings)
                    result.created += report.created
                    result.changed += report.changed
                    result.unchanged += report.unchanged
                    done += len(chunk)
                    progress("apply", done, total)
            cancelled = [c.code for c in result.changes if c.outcome == "cancelled"]
            if cancelled:
                report = powers_bulk_upsert(_cancellations(cancelled), user=user, publish=publish)
                written.extend(report.written)
            if not publish:
                result.submitted = _submit(written, user, progress)
    except CatalogueError as error:
        raise ImportRefused(f"未导入（没有写入任何内容）：{error}") from error
    result.applied, result.published = True, publish
    result.seconds = time.monotonic() - started
    return result


def _check(source, filename, progress) -> ImportResult:
    with PowerReader(source, filename) as reader:
        for _row in reader:
            if reader.report.rows % CHUNK == 0:
                progress("check", reader.report.rows, 0)
        report = reader.report
    progress("check", report.rows, report.rows)
    return ImportResult(report=report)


def _compare(source, filename, result, progress, cancel_missing):
    """Count new, changed and unchanged powers, and list what changes (fields by label)."""
    laws, done = {}, 0
    departments = set()
    codes = set()
    with PowerReader(source, filename) as reader:
        for pairs in reader.chunks_with_cells(CHUNK):
            chunk = keep_exported_cells(pairs)
            diff = powers_diff(chunk, laws=laws)
            for data in chunk:
                outcome, fields = diff[data.code.strip()]
                codes.add(data.code.strip())
                departments.add(data.department_code)
                setattr(result, outcome, getattr(result, outcome) + 1)
                if outcome != "unchanged" and len(result.changes) < MAX_CHANGES_SHOWN:
                    labels = list(dict.fromkeys(field_label(f) for f in fields))
                    result.changes.append(Change(data.code, data.title or "", outcome, labels))
            done += len(chunk)
            progress("compare", done, result.report.valid)
    if cancel_missing and departments:
        for department in DepartmentPage.objects.filter(code__in=departments):
            missing = (
                PowerPage.objects.child_of(department)
                .exclude(code__in=codes)
                .exclude(status=PowerStatus.CANCELLED)
                .values_list("code", "title")
            )
            for code, title in missing:
                result.cancelled += 1
                result.changes.append(Change(code, title, "cancelled", ["状态"]))


# Template column → the PowerData fields its cell fills (the steps: STEP_COLUMNS together).
CELL_FIELDS = {
    "title": ("title",), "power_type": ("power_type",), "handling_agency": ("handling_agency",),
    "exercise_level": ("exercise_level",), "power_source": ("power_source",),
    "citations": ("citations",), "acceptance_conditions": ("acceptance_conditions",),
    "materials": ("materials",), "legal_time_limit": ("legal_time_limit",),
    "promised_time_limit": ("promised_time_limit",), "fee_standard": ("fee_free", "fee_standard"),
    "service_mode": ("service_mode",), "online_depth": ("online_depth",),
    "result_name": ("result_name",), "tags": ("tags",),
    "status": ("status",), "effective_date": ("effective_date",),
}  # fmt: skip


# 办理流程 and the columns that fill each of its steps, line by line.
STEP_COLUMNS = ("steps", *STEP_DETAILS)
STEP_FIELDS = tuple(StepBlock.base_blocks)


def keep_exported_cells(pairs) -> list[PowerData]:
    """A cell that says exactly what the open-data export says for the power today changes
    nothing: its fields are left out (None), so that an export imports back with no changes,
    even for what a cell's plain text cannot hold (a material's form). Only published powers
    without pending changes are compared (what the export shows).

    The steps are the steps the power has (its latest revision) unless the file says otherwise:
    a per-step column the file does not have (环节承办岗位, 监督制约环节, 环节决定分支) keeps
    each step's value, matched by name, and steps that say what the power's steps say
    (a content's line breaks aside) change nothing."""
    columns = {c.key: c for c in COLUMNS}
    codes = [data.code.strip() for data, _cells in pairs]
    pages = list(PowerPage.objects.filter(code__in=codes, live=True, has_unpublished_changes=False))
    by_code = {page.code: page for page in pages}
    exported = cells_for(pages) if pages else {}
    for data, cells in pairs:
        page = by_code.get(data.code.strip())
        if page is None:
            continue
        current = exported[page.pk]
        for key, fields in CELL_FIELDS.items():
            if key in cells and normalise_value(columns[key], current[key]) == cells[key]:
                for name in fields:
                    setattr(data, name, None)
        given = [key for key in STEP_COLUMNS if key in cells]
        if "steps" in cells and all(
            normalise_value(columns[k], current[k]) == cells[k] for k in given
        ):
            data.steps = None
        phones = [k for k in ("complaint_phone", "consultation_phone") if k in cells]
        if phones and all(normalise_value(columns[k], current[k]) == cells[k] for k in phones):
            data.complaint_channel = None
    with_steps = [(data, cells) for data, cells in pairs if data.steps is not None]
    if with_steps:
        steps_now = _current_steps({data.code.strip() for data, _cells in with_steps}, by_code)
        for data, cells in with_steps:
            current = steps_now.get(data.code.strip())
            if current is None:
                continue
            _keep_step_details(data.steps, current, [k for k in STEP_DETAILS if k not in cells])
            if _same_steps(data.steps, current):
                data.steps = None
    return [data for data, _cells in pairs]


def _current_steps(codes, pages_by_code) -> dict[str, list[dict]]:
    """code → the step values of the power's latest revision (the page row itself for a
    published power without pending changes; two queries for the others)."""
    steps = {
        code: [child.block.get_prep_value(child.value) for child in page.steps]
        for code, page in pages_by_code.items()
        if code in codes
    }
    revisions = dict(
        PowerPage.objects.filter(code__in=codes - set(steps), latest_revision__isnull=False)
        .values_list("latest_revision_id", "code")
    )  # fmt: skip
    for revision_id, content in Revision.objects.filter(pk__in=revisions).values_list(
        "pk", "content"
    ):
        stream = content.get("steps") or []
        if isinstance(stream, str):
            stream = json.loads(stream)
        steps[revisions[revision_id]] = [item.get("value") or {} for item in stream]
    return steps


def _keep_step_details(steps: list[dict], current: list[dict], absent: list[str]) -> None:
    """Each imported step takes, from the power's step of the same name (the first of that
    name for the first, and so on), what the file has no column for, and its content with its
    line breaks when the file's content is the same but on one line (as the export writes it)."""
    by_name: dict[str, list[dict]] = {}
    for step in current:
        by_name.setdefault(compact(step.get("name") or ""), []).append(step)
    seen: dict[str, int] = {}
    for step in steps:
        name = compact(step["name"])
        count = seen[name] = seen.get(name, 0) + 1
        if count > len(by_name.get(name, ())):
            continue
        old = by_name[name][count - 1]
        for key in absent:
            child = STEP_DETAILS[key][0]
            if not step.get(child) and old.get(child):
                step[child] = old[child]
        description = old.get("description") or ""
        if description != step["description"] and " ".join(description.split()) == " ".join(
            step["description"].split()
        ):
            step["description"] = description


def _same_steps(steps: list[dict], current: list[dict]) -> bool:
    """Whether two lists of step values say the same (a blank, None and no branch alike: a step
    saved before a part existed has None for it)."""

    def said(step):
        values = []
        for name in STEP_FIELDS:
            value = step.get(name)
            if isinstance(value, (list, tuple)):
                value = tuple(sorted(value))
            values.append(value if value not in (None, "", ()) else None)
        return values

    return len(steps) == len(current) and all(
        said(new) == said(old) for new, old in zip(steps, current, strict=True)
    )


def _cancellations(codes):
    """PowerData that mark powers 取消, each in its own department."""
    departments = dict(DepartmentPage.objects.values_list("path", "code"))
    return [
        PowerData(
            code=power.code,
            department_code=department_for_path(departments, power),
            status=PowerStatus.CANCELLED,
        )
        for power in PowerPage.objects.filter(code__in=codes).only("code", "path")
    ]


def _submit(page_ids, user, progress) -> int:
    """Send every written power to the legal office's review, in bulk (one email to the
    reviewers for the whole file)."""
    try:
        return powers_submit_bulk(
            power_ids=page_ids, user=user,
            progress=lambda done, total: progress("submit", done, total),
        )  # fmt: skip
    except ReviewError as error:
        raise CatalogueError(f"无法提交审核：{error}") from error


# --- Flowcharts -------------------------------------------------------------------------------


def _flowcharts_check(archive_file, result) -> dict[str, tuple[str, bytes]]:
    """Images from the ZIP named by 事项编码 (e.g. 511A0142000000-….png): code → (name, bytes).
    Problems become file errors of the report."""
    images = {}
    try:
        archive = zipfile.ZipFile(archive_file)
        members = [m for m in archive.infolist() if not m.is_dir()]
        size = sum(m.file_size for m in members)
        if size > MAX_FLOWCHART_ARCHIVE_MB * MB or len(members) > 20000:
            raise zipfile.BadZipFile("too large")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.name.startswith(".") or "__MACOSX" in name.parts:
                continue
            if name.suffix.lower() not in FLOWCHART_TYPES:
                result.report.add_warning(
                    RowWarning(None, "流程图", f"{name.name} 不是图片，已忽略。")
                )
                continue
            if member.file_size > MAX_FLOWCHART_BYTES:
                limit = MAX_FLOWCHART_BYTES // MB
                result.report.add_error(RowError(None, "流程图", f"{name.name} 超过 {limit} MB。"))
                continue
            images[name.stem.strip()] = (name.name, archive.read(member))
    except (zipfile.BadZipFile, OSError, RuntimeError):
        result.report.add_error(
            RowError(
                None,
                "流程图",
                f"流程图压缩包无法打开（须为 ZIP，不超过 {MAX_FLOWCHART_ARCHIVE_MB} MB）。",
            )
        )
    return images


def _flowcharts_store(images, user) -> dict[str, int]:
    Image = get_image_model()
    stored = {}
    for code, (name, content) in images.items():
        image = Image(title=f"{code} 流程图", uploaded_by_user=user)
        image.file = ImageFile(io.BytesIO(content), name=name)
        image.full_clean(exclude=["collection"])
        image.save()
        stored[code] = image.pk
    return stored


# --- Import jobs (the admin's 批量导入) ----------------------------------------------------------

PROGRESS_EVERY = 0.5  # seconds between progress writes
INTERNAL_ERROR = "导入时发生内部错误，没有写入任何内容；请联系系统管理员查看日志。"


def import_job_create(
    *,
    user: AbstractBaseUser,
    kind: str,
    file: File,
    flowcharts: File | None = None,
    publish: bool = False,
    cancel_missing: bool = False,
) -> ImportJob:
    """Keep an upload (powers, departments or laws: ImportJob.Kind) and start checking it in the
    background; the job says how far it has got."""
    job = ImportJob.objects.create(
        kind=kind,
        user=user,
        filename=file.name[:255],
        file=file,
        flowcharts=flowcharts or "",
        publish=publish,
        cancel_missing=cancel_missing,
    )
    import_job_preview.enqueue(str(job.pk))
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Start applying a checked job in the background. False when the job was not waiting for
    confirmation (still checking, rejected, or confirmed already: a double click applies once)."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.APPLYING, done=0, total=0, stage=""
    )
    if updated:
        import_job_apply.enqueue(str(job.pk))
    return bool(updated)


def import_job_preview_run(*, job_id: str) -> None:
    """Check a job's file and keep the preview: the job is then ready to confirm, or rejected
    with the report. Whatever happens, the job ends (an internal error rejects it)."""
    try:
        _job_preview(job_id)
    except Exception:  # noqa: BLE001 - the job must end, with a message, whatever happens
        _job_failed(job_id, ImportJob.Status.REJECTED)


def import_job_apply_run(*, job_id: str) -> None:
    """Apply a confirmed job: applied, or refused with the reason (nothing written). Whatever
    happens, the job ends (an internal error refuses it)."""
    try:
        _job_apply(job_id)
    except Exception:  # noqa: BLE001 - the job must end, with a message, whatever happens
        _job_failed(job_id, ImportJob.Status.REFUSED)


def _job_failed(job_id, status):
    log.exception("Import job %s failed", job_id)
    ImportJob.objects.filter(pk=job_id).update(status=status, message=INTERNAL_ERROR)


class _JobProgress:
    """The progress callback of the services, written on the job's row (at most every
    PROGRESS_EVERY seconds within a stage)."""

    def __init__(self, job):
        self.job, self.last, self.stage = job, 0.0, None

    def __call__(self, stage, done, total):
        now = time.monotonic()
        if stage != self.stage:
            self.stage = stage
            self.job.stage, self.job.stage_started_at = stage, timezone.now()
        elif now - self.last < PROGRESS_EVERY and done != total:
            return
        self.last = now
        self.job.done, self.job.total = done, total
        ImportJob.objects.filter(pk=self.job.pk).update(
            stage=self.job.stage, stage_started_at=self.job.stage_started_at, done=done,
            total=total, updated_at=timezone.now(),
        )  # fmt: skip


def _preview_data(result: ImportResult) -> dict:
    """What the job page shows of a preview (JSON on the job's row)."""
    report = result.report
    return {
        "ok": result.ok,
        "summary": result.summary(),
        "file": {
            "format": report.format,
            "sheet": report.sheet,
            "encoding": report.encoding,
            "header_row": report.header_row,
            "rows": report.rows,
            "valid": report.valid,
            "invalid": report.invalid,
        },  # fmt: skip
        "counts": {
            "created": result.created,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "cancelled": result.cancelled,
        },  # fmt: skip
        "errors": [
            {"row": e.row, "column": e.column, "message": e.message} for e in report.errors[:1000]
        ],  # fmt: skip
        "error_count": report.error_count,
        "warnings": [str(w) for w in report.warnings[:300]],
        "changes": [
            {"code": c.code, "title": c.title, "outcome": c.outcome, "fields": c.fields}
            for c in result.changes[:2000]
        ],  # fmt: skip
    }


def _job_small_import(job, *, apply):
    run = departments_import if job.kind == ImportJob.Kind.DEPARTMENTS else laws_import
    return run(job.file.path, user=job.user, apply=apply)


def _job_preview(job_id):
    job = ImportJob.objects.get(pk=job_id)
    if job.kind != ImportJob.Kind.POWERS:
        result = _job_small_import(job, apply=False)
        job.preview = result.preview_data(job.kind)
        job.status = ImportJob.Status.READY if result.ok else ImportJob.Status.REJECTED
        job.save(update_fields=["preview", "status", "updated_at"])
        return
    flowcharts = job.flowcharts.path if job.flowcharts else None
    result = import_preview(job.file.path, job.filename, cancel_missing=job.cancel_missing,
                            progress=_JobProgress(job), flowcharts=flowcharts)  # fmt: skip
    job.preview = _preview_data(result)
    job.status = ImportJob.Status.READY if result.ok else ImportJob.Status.REJECTED
    job.save(update_fields=["preview", "status", "updated_at"])


def _job_apply(job_id):
    job = ImportJob.objects.get(pk=job_id)
    if job.kind != ImportJob.Kind.POWERS:
        result = _job_small_import(job, apply=True)
        if result.ok:
            job.status = ImportJob.Status.APPLIED
            job.result = {"summary": result.summary(), "seconds": 0, "warnings": result.warnings}
        else:
            job.status, job.message = ImportJob.Status.REFUSED, "\n".join(result.errors[:50])
        job.save(update_fields=["status", "result", "message", "updated_at"])
        return
    flowcharts = job.flowcharts.path if job.flowcharts else None
    try:
        result = import_apply(job.file.path, job.filename, user=job.user, publish=job.publish,
                              cancel_missing=job.cancel_missing, progress=_JobProgress(job),
                              flowcharts=flowcharts)  # fmt: skip
    except ImportRefused as error:
        job.status, job.message = ImportJob.Status.REFUSED, str(error)
        job.save(update_fields=["status", "message", "updated_at"])
        return
    job.status = ImportJob.Status.APPLIED
    job.result = {"summary": result.summary(), "seconds": round(result.seconds, 1),
                  "warnings": result.warnings[:300]}  # fmt: skip
    job.save(update_fields=["status", "result", "updated_at"])


# --- Background tasks (django-tasks, backend "background": the worker `make run` starts) ------


@task(backend="background")
def import_job_preview(job_id: str):
    import_job_preview_run(job_id=job_id)


@task(backend="background")
def import_job_apply(job_id: str):
    import_job_apply_run(job_id=job_id)
