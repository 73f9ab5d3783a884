"""The background side of an import (django-tasks, backend "background": the database-backed
worker that `make run` starts). Each task records its progress on the ImportJob row."""

import logging
import time

from django.utils import timezone
from django_tasks import task

from .models import ImportJob
from .services import ImportRefused, import_apply, import_preview

PROGRESS_EVERY = 0.5  # seconds between progress writes
log = logging.getLogger(__name__)
INTERNAL_ERROR = "导入时发生内部错误，没有写入任何内容；请联系系统管理员查看日志。"


def _fail(job_id, status):
    log.exception("Import job %s failed", job_id)
    ImportJob.objects.filter(pk=job_id).update(status=status, message=INTERNAL_ERROR)


class _Progress:
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


def _preview_data(result):
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


@task(backend="background")
def import_job_preview(job_id: str):
    try:
        _preview(job_id)
    except Exception:  # noqa: BLE001 - the job must end, with a message, whatever happens
        _fail(job_id, ImportJob.Status.REJECTED)


def _small(job, *, apply):
    from .departments_and_laws import departments_import, laws_import

    run = departments_import if job.kind == ImportJob.Kind.DEPARTMENTS else laws_import
    return run(job.file.path, user=job.user, apply=apply)


def _preview(job_id):
    job = ImportJob.objects.get(pk=job_id)
    if job.kind != ImportJob.Kind.POWERS:
        result = _small(job, apply=False)
        job.preview = result.preview_data(job.kind)
        job.status = ImportJob.Status.READY if result.ok else ImportJob.Status.REJECTED
        job.save(update_fields=["preview", "status", "updated_at"])
        return
    flowcharts = job.flowcharts.path if job.flowcharts else None
    result = import_preview(job.file.path, job.filename, cancel_missing=job.cancel_missing,
                            progress=_Progress(job), flowcharts=flowcharts)  # fmt: skip
    job.preview = _preview_data(result)
    job.status = ImportJob.Status.READY if result.ok else ImportJob.Status.REJECTED
    job.save(update_fields=["preview", "status", "updated_at"])


@task(backend="background")
def import_job_apply(job_id: str):
    try:
        _apply(job_id)
    except Exception:  # noqa: BLE001 - the job must end, with a message, whatever happens
        _fail(job_id, ImportJob.Status.REFUSED)


def _apply(job_id):
    job = ImportJob.objects.get(pk=job_id)
    if job.kind != ImportJob.Kind.POWERS:
        result = _small(job, apply=True)
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
                              cancel_missing=job.cancel_missing, progress=_Progress(job),
                              flowcharts=flowcharts)  # fmt: skip
    except ImportRefused as error:
        job.status, job.message = ImportJob.Status.REFUSED, str(error)
        job.save(update_fields=["status", "message", "updated_at"])
        return
    job.status = ImportJob.Status.APPLIED
    job.result = {"summary": result.summary(), "seconds": round(result.seconds, 1),
                  "warnings": result.warnings[:300]}  # fmt: skip
    job.save(update_fields=["status", "result", "updated_at"])
