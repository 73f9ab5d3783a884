"""The import in the Wagtail admin: upload → checked in the background → preview → confirm →
applied in the background, with a progress bar. Who may import: access.roles.can_import."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from access import roles
from access.admin_sections import AdminSectionMixin

from .models import ImportJob
from .services import MAX_FLOWCHART_ARCHIVE_MB, import_job_confirm, import_job_create
from .template import template_workbook

SHEET_TYPES = (".xlsx", ".xlsm", ".csv", ".txt", ".xls")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="导入内容", choices=[
            ("powers", "行政权力事项（XLSX 或 CSV，按模板）"),
            ("departments", "部门（XLSX 或 CSV：部门编码、部门名称、简称、办公地址……）"),
            ("laws", "法律法规（ZIP：法规文本，文件名为“名称(YYYY-MM-DD).md”）"),
        ], initial="powers", widget=forms.RadioSelect, required=False,
    )  # fmt: skip
    file = forms.FileField(label="文件",
                           error_messages={"required": "请选择要导入的文件。"})  # fmt: skip
    flowcharts = forms.FileField(label="流程图压缩包（可选，ZIP，图片以事项编码命名）",
                                 required=False)  # fmt: skip
    publish = forms.BooleanField(
        label="直接发布（不经法制办审核；需要直接发布权限）", required=False
    )
    cancel_missing = forms.BooleanField(
        label="文件中各部门未列出的事项标记为“取消”", required=False
    )

    def __init__(self, *args, may_publish=False, site_admin=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_publish:
            del self.fields["publish"]
        if not site_admin:
            # Departments and laws are the site administrators' (access/roles.py).
            self.fields["kind"].choices = self.fields["kind"].choices[:1]

    def clean(self):
        data = super().clean()
        data["kind"] = data.get("kind") or "powers"
        upload = data.get("file")
        if upload is None:
            return data
        limit = settings.IMPORT_MAX_FILE_MB
        if upload.size > limit * 1024 * 1024:
            self.add_error("file", f"文件超过 {limit} MB，请拆分后分批导入。")
        elif data["kind"] == "laws":
            if not upload.name.lower().endswith(".zip"):
                self.add_error("file", "法律法规请打包为 ZIP 上传。")
        elif not upload.name.lower().endswith(SHEET_TYPES):
            self.add_error("file", "请上传 Excel 表格（.xlsx）或 CSV 文件。")
        return data

    def clean_flowcharts(self):
        upload = self.cleaned_data.get("flowcharts")
        limit = MAX_FLOWCHART_ARCHIVE_MB
        if upload and (
            upload.size > limit * 1024 * 1024 or not upload.name.lower().endswith(".zip")
        ):
            raise forms.ValidationError(f"流程图须为 ZIP 压缩包，不超过 {limit} MB。")
        return upload


class ImportMixin(AdminSectionMixin):
    header_icon = "upload"
    allowed = staticmethod(roles.can_import)
    section_url_name, section_label = "import_data:index", "批量导入"


class IndexView(ImportMixin, TemplateView):
    page_title = "批量导入事项"
    template_name = "import_data/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["form"] = kwargs.get("form") or UploadForm(
            may_publish=roles.can_publish_directly(user), site_admin=roles.is_site_admin(user)
        )
        jobs = ImportJob.objects.select_related("user")
        if not roles.is_site_admin(user):
            jobs = jobs.filter(user=user)
        context["jobs"] = jobs[:20]
        return context

    def post(self, request):
        user = request.user
        form = UploadForm(request.POST, request.FILES, may_publish=roles.can_publish_directly(user),
                          site_admin=roles.is_site_admin(user))  # fmt: skip
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        job = import_job_create(
            user=user,
            kind=data["kind"],
            file=data["file"],
            flowcharts=data.get("flowcharts"),
            publish=data.get("publish", False),
            cancel_missing=data["cancel_missing"],
        )
        return redirect("import_data:job", pk=job.pk)


class JobView(ImportMixin, TemplateView):
    template_name = "import_data/job.html"
    page_title = "批量导入事项"

    def get_job(self):
        jobs = ImportJob.objects.all()
        if not roles.is_site_admin(self.request.user):
            jobs = jobs.filter(user=self.request.user)
        return get_object_or_404(jobs, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.get_job()
        preview = job.preview or {}
        changes = preview.get("changes", [])
        context.update(
            job=job, preview=preview,
            created=[c for c in changes if c["outcome"] == "created"],
            changed=[c for c in changes if c["outcome"] == "changed"],
            cancelled=[c for c in changes if c["outcome"] == "cancelled"],
        )  # fmt: skip
        return context

    def post(self, request, pk):
        job = self.get_job()
        import_job_confirm(job=job)  # a job not waiting for confirmation is left as it is
        return redirect("import_data:job", pk=job.pk)


def template_download(request):
    if not roles.can_import(request.user):
        raise PermissionDenied
    response = HttpResponse(
        template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="power-import-template.xlsx"'
    return response
