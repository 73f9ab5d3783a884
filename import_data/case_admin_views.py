"""办件补录 in the Wagtail admin: upload a spreadsheet → preview (a dry run: what each row would
create, every error by row and column) → confirm (all rows in one transaction, or none); the
template; the export of the user's departments' case records. The work is done by
import_data.case_records and cases.services; these views only move the file and the report."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView
from import_export.tmp_storages import TempFolderStorage

from access import roles
from access.admin_sections import AdminSectionMixin
from cases.models import Case

from .case_records import (
    CaseRecordResource,
    export_file,
    import_case_records,
    may_backfill,
    template_workbook,
)

SESSION_KEY = "case_backfill_upload"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label="补录文件（XLSX 或 CSV，按模板）",
                           error_messages={"required": "请选择要导入的文件。"})  # fmt: skip

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_FILE_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(f"文件超过 {limit} MB，请拆分后分批导入。")
        return upload


class BackfillMixin(AdminSectionMixin):
    header_icon = "upload"
    allowed = staticmethod(may_backfill)
    section_url_name, section_label = "case_records:index", "办件补录"
    page_title = "办件补录"


class IndexView(BackfillMixin, TemplateView):
    template_name = "import_data/case_records.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        return context

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        _discard(request)
        storage = TempFolderStorage(read_mode="rb")
        storage.save(b"".join(upload.chunks()))
        report = import_case_records(user=request.user, source=storage.read(),
                                     filename=upload.name, dry_run=True)  # fmt: skip
        if report.ok and report.created:
            request.session[SESSION_KEY] = {"name": storage.name, "filename": upload.name}
        else:
            storage.remove()
        return self.render_to_response(
            self.get_context_data(report=report, filename=upload.name),
            status=200 if report.ok else 400,
        )


class ConfirmView(BackfillMixin, TemplateView):
    template_name = "import_data/case_records.html"

    def get(self, request):
        return redirect("case_records:index")

    def post(self, request):
        upload = request.session.pop(SESSION_KEY, None)
        if not upload:
            return redirect("case_records:index")
        storage = TempFolderStorage(name=upload["name"], read_mode="rb")
        try:
            data = storage.read()
        except OSError:
            return self.render_to_response(
                self.get_context_data(expired=True, form=UploadForm()), status=400
            )
        storage.remove()
        report = import_case_records(user=request.user, source=data, filename=upload["filename"],
                                     dry_run=False)  # fmt: skip
        return self.render_to_response(
            self.get_context_data(report=report, filename=upload["filename"], done=True),
            status=200 if report.ok else 400,
        )


def _discard(request):
    upload = request.session.pop(SESSION_KEY, None)
    if upload:
        try:
            TempFolderStorage(name=upload["name"]).remove()
        except OSError:
            pass


def template_download(request):
    if not may_backfill(request.user):
        raise PermissionDenied
    response = HttpResponse(template_workbook(request.user), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="case-backfill-template.xlsx"'
    return response


def export_download(request):
    """The case records of the user's departments, personal data masked unless the user holds
    the right to see it (then each case is logged)."""
    if not may_backfill(request.user):
        raise PermissionDenied
    kind = "csv" if request.GET.get("format") == "csv" else "xlsx"
    # The departments the user records for (may_record_cases_for): not every department a
    # reader may see (the legal office, 纪检监察), since the export may hold personal data.
    user = request.user
    cases = Case.objects.all() if roles.is_site_admin(user) else Case.objects.filter(
        department_id__in=roles.department_ids_of(user))  # fmt: skip
    cases = cases.order_by("department_id", "submitted_at")
    dataset = CaseRecordResource(user=request.user, reveal=True).export(cases)
    content_type = "text/csv; charset=utf-8" if kind == "csv" else XLSX_TYPE
    response = HttpResponse(export_file(dataset, kind), content_type=content_type)
    name = f"cases-{timezone.localdate():%Y%m%d}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
