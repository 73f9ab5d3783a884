"""An import as it goes: uploaded, checked (preview), confirmed, applied — with its progress,
for the admin's progress bar and for the record."""

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone


def upload_storage():
    """Uploaded spreadsheets are kept out of MEDIA_ROOT: they are never served to anyone."""
    return FileSystemStorage(location=settings.IMPORT_ROOT)


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", "检查中"
        READY = "ready", "待确认"
        REJECTED = "rejected", "有错误，未导入"
        APPLYING = "applying", "导入中"
        APPLIED = "applied", "已导入"
        REFUSED = "refused", "导入被拒绝，未写入"

    class Kind(models.TextChoices):
        POWERS = "powers", "行政权力事项"
        DEPARTMENTS = "departments", "部门"
        LAWS = "laws", "法律法规"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("导入内容", max_length=16, choices=Kind.choices, default=Kind.POWERS)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件名", max_length=255)
    file = models.FileField(storage=upload_storage, upload_to="imports/%Y/%m/")
    flowcharts = models.FileField(storage=upload_storage, upload_to="imports/%Y/%m/", blank=True)
    publish = models.BooleanField("直接发布", default=False)
    cancel_missing = models.BooleanField("未列出的事项标记为取消", default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHECKING)
    stage = models.CharField(max_length=16, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def running(self):
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def rate(self):
        """Rows per second in the current stage."""
        if not self.stage_started_at or not self.done:
            return None
        seconds = (timezone.now() - self.stage_started_at).total_seconds()
        return self.done / seconds if seconds > 0.5 else None

    @property
    def seconds_left(self):
        rate = self.rate
        if not rate or not self.total:
            return None
        return max(0, (self.total - self.done) / rate)

    @property
    def percent(self):
        return int(100 * self.done / self.total) if self.total else 0
