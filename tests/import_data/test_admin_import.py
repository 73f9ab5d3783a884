"""In the admin: a content administrator downloads the template, uploads a department's list,
the background worker checks it, the preview shows what changes, and confirming imports it."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from catalogue.models import PowerPage
from import_data.models import ImportJob
from tests.factories import content_admin_user, legal_office_user, make_user, site_admin_user
from tests.import_data.test_import import HEADERS, row

pytestmark = pytest.mark.django_db

# The real worker closes "old" database connections between tasks, as a long-running process
# must; inside a test's transaction that would end the test. Tests that run it use transactional
# databases (pytest-django runs them after the others) and load the base data themselves.
worker_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base_data(transactional_db):
    from tests.factories import load_base_data

    load_base_data()


def work():
    """What `make run`'s background worker does: every queued task, then stop."""
    call_command("db_worker", "--batch", "--backend", "background", "--no-startup-delay",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


def upload(rows, name="交通局清单.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for values in rows:
        book.active.append(values)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(name, data.getvalue())


@pytest.fixture
def importer(client, base_data):
    user = content_admin_user("content")
    client.force_login(user)
    return user


@worker_test
def test_upload_preview_confirm_through_the_background_worker(client, importer):
    template = client.get(reverse("import_data:template"))
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert book.sheetnames == ["事项清单", "填写说明"]
    assert book["事项清单"]["A1"].value == "事项编码*"
    assert book["事项清单"].data_validations.dataValidation  # drop-down lists

    response = client.post(reverse("import_data:index"),
                           {"file": upload([row("ADM-1", "道路旅客运输经营许可")])})  # fmt: skip
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "checking"  # returned at once
    assert "排队中" in client.get(response.url).content.decode()

    work()
    job.refresh_from_db()
    assert job.status == "ready" and job.preview["counts"]["created"] == 1
    page = client.get(response.url).content.decode()
    assert "新增 1" in page and "确认导入" in page
    assert not PowerPage.objects.filter(code="ADM-1").exists()

    client.post(response.url)
    client.post(response.url)  # a double click confirms once
    work()
    job.refresh_from_db()
    assert job.status == "applied", job.message
    power = PowerPage.objects.get(code="ADM-1")
    assert power.workflow_in_progress and power.latest_revision.user == importer
    assert "已提交法制办审核" in client.get(response.url).content.decode()


@worker_test
def test_a_file_with_errors_is_shown_row_by_row_and_cannot_be_confirmed(client, importer):
    bad = [row("ADM-2", "道路旅客运输经营许可"), ["ADM-3", "没有类型的事项", "", "不存在的局"]]
    response = client.post(reverse("import_data:index"), {"file": upload(bad)})
    work()
    job = ImportJob.objects.get()
    assert job.status == "rejected"
    page = client.get(response.url).content.decode()
    assert "不存在的局" in page and "确认导入" not in page
    client.post(response.url)
    work()
    assert not PowerPage.objects.filter(code__startswith="ADM-").exists()


def test_only_importers_reach_the_import(client):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("import_data:index")).status_code in (302, 403)
    assert client.get(reverse("import_data:template")).status_code in (302, 403)
    editor = legal_office_user("editor-only")
    client.force_login(editor)
    assert client.get(reverse("import_data:template")).status_code in (302, 403)


def test_not_a_spreadsheet_comes_back_with_a_chinese_message(client, importer):
    pdf = SimpleUploadedFile("清单.pdf", b"%PDF-1.7")
    response = client.post(reverse("import_data:index"), {"file": pdf})
    assert response.status_code == 400
    assert "请上传 Excel 表格（.xlsx）或 CSV 文件。" in response.content.decode()
    assert not ImportJob.objects.exists()


@worker_test
def test_site_administrators_import_departments_and_laws_the_same_way(client, base_data, tmp_path):
    from django.conf import settings as django_settings

    from catalogue.models import DepartmentPage
    from laws.models import Law

    content_admin = content_admin_user("content")
    client.force_login(content_admin)
    refused = client.post(reverse("import_data:index"),
                          {"kind": "departments", "file": upload([])})  # fmt: skip
    assert refused.status_code == 400 and not ImportJob.objects.exists()
    client.force_login(site_admin_user("site"))

    lines = (
        "部门编码,部门名称,简称,办公地址\nNEWDEPT,广安市广安区数据局,区数据局,广安区政务中心三楼\n"
    )
    departments = SimpleUploadedFile("部门.csv", lines.encode("gb18030"))
    response = client.post(reverse("import_data:index"),
                           {"kind": "departments", "file": departments})  # fmt: skip
    work()
    assert "新增 1" in client.get(response.url).content.decode()
    assert not DepartmentPage.objects.filter(code="NEWDEPT").exists()  # only previewed
    client.post(response.url)
    work()
    assert DepartmentPage.objects.get(code="NEWDEPT").short_name == "区数据局"

    import zipfile
    from pathlib import Path

    laws_root = Path(django_settings.BASE_DIR) / "disclosure" / "fixtures" / "laws"
    law_file = next(p for p in laws_root.rglob("*.md") if p.name != "NOTICE.md")
    archive = tmp_path / "laws.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(str(law_file.relative_to(laws_root)), law_file.read_bytes())
    before = Law.objects.count()
    response = client.post(reverse("import_data:index"), {
        "kind": "laws", "file": SimpleUploadedFile("laws.zip", archive.read_bytes()),
    })  # fmt: skip
    work()
    page = client.get(response.url).content.decode()
    assert "未变 1" in page  # the library has this version already
    assert Law.objects.count() == before


def test_the_template_in_the_repository_is_the_one_the_admin_serves():
    """docs/power-import-template.xlsx (linked from the README) must not drift from the code."""
    from pathlib import Path

    from django.conf import settings

    from import_data.template import template_workbook

    def headers(data):
        sheet = openpyxl.load_workbook(io.BytesIO(data))["事项清单"]
        return [cell.value for cell in sheet[1]]

    committed = Path(settings.BASE_DIR) / "docs" / "power-import-template.xlsx"
    assert headers(committed.read_bytes()) == headers(template_workbook())
