"""Applicants' uploads (网上申报): a material is a PDF, JPEG or PNG, recognised by its first
bytes (not by its name or the browser's claim), within the per-file and total size limits of
settings (CASE_UPLOAD_MAX_FILE_BYTES, CASE_UPLOAD_MAX_TOTAL_BYTES). What passes is a
CheckedUpload, the object cases.services.application_submit stores; nothing is written here."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_TOTAL_BYTES = 30 * 1024 * 1024
# The first bytes of each accepted type: (signature, MIME type, extension).
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class UploadError(ValueError):
    """Why an upload is refused, in Chinese."""


def max_file_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def max_total_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_TOTAL_BYTES", DEFAULT_MAX_TOTAL_BYTES))


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


@dataclass
class CheckedUpload:
    """An upload that passed the checks: its stored name is ours (material number and the
    type's extension), never the name the browser sent."""

    safe_name: str
    file: object
    content_type: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    """The MIME type and extension the first bytes show, or None for anything else."""
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def check(upload, *, label: str, number: int) -> CheckedUpload:
    """One uploaded file (a Django UploadedFile) for the material `label`; UploadError when it
    is empty, too large or not really a PDF, JPEG or PNG."""
    size = upload.size or 0
    if size == 0:
        raise UploadError(f"“{label}”的文件是空的，请重新选择。")
    if size > max_file_bytes():
        raise UploadError(
            f"“{label}”的文件过大（{_megabytes(size)}），每个文件不能超过 "
            f"{_megabytes(max_file_bytes())}。"
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise UploadError(
            f"“{label}”的文件不是 PDF、JPG 或 PNG 格式（按文件内容识别），请转换后上传。"
        )
    content_type, extension = found
    return CheckedUpload(f"{number:02d}.{extension}", upload, content_type, size)


def check_all(named_uploads) -> tuple[list[tuple[str, CheckedUpload]], dict[str, str]]:
    """(material name, field name, upload) triples → the checked pairs for the service and the
    errors by field name. The total size is checked after the files one by one."""
    checked, errors, total = [], {}, 0
    for number, (name, field_name, upload) in enumerate(named_uploads, start=1):
        try:
            item = check(upload, label=name, number=number)
        except UploadError as error:
            errors[field_name] = str(error)
            continue
        total += item.size
        checked.append((name, item))
    if not errors and total > max_total_bytes():
        errors["__all__"] = (
            f"上传的文件合计 {_megabytes(total)}，超过了 {_megabytes(max_total_bytes())} 的上限，"
            "请压缩后上传。"
        )
    return checked, errors
