"""A content administrator imports a department's list: preview, then apply, all or nothing;
what changed goes to the legal office; the same file twice changes nothing."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from wagtail.models import PageLogEntry, Revision, WorkflowState

from catalogue.models import PowerPage
from import_data.services import ImportRefused, import_apply, import_preview
from tests.factories import content_admin_user, make_user, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db

HEADERS = ["权力编码", "权力名称", "权力类型", "实施主体", "法定办结时限", "承诺办结时限",
           "实施依据", "办理流程", "标签", "状态"]  # fmt: skip
EXISTING = "511A0142000000-511602000000-000-TEST-1-00"  # road_transport_licence's code


def sheet(tmp_path, rows, name="清单.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(["广安区交通运输局行政权力清单"])
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def row(code, title, *, promised=5, status="在用"):
    basis = "《中华人民共和国道路运输条例》第二十一条"
    return [code, title, "行政许可", "区交通运输局", "20个工作日", promised, basis,
            "受理→审查→决定", "道路运输、货运", status]  # fmt: skip


@pytest.fixture
def importer():
    return content_admin_user("content")


@pytest.fixture
def existing():
    """A published power that the department's list also carries."""
    return publish_power(road_transport_licence())


def test_the_preview_says_what_would_change_and_writes_nothing(tmp_path, existing):
    path = sheet(tmp_path, [row("IMP-NEW-1", "道路旅客运输经营许可"),
                            row(EXISTING, "道路货物运输经营许可", promised=3)])  # fmt: skip
    revisions = Revision.objects.count()
    preview = import_preview(path)
    assert (preview.created, preview.changed, preview.unchanged) == (1, 1, 0)
    changed = next(c for c in preview.changes if c.code == EXISTING)
    assert "承诺办结时限（工作日）" in changed.fields and "事项名称" not in changed.fields
    assert not PowerPage.objects.filter(code="IMP-NEW-1").exists()
    assert Revision.objects.count() == revisions


def test_applying_writes_revisions_by_the_importer_and_sends_them_to_the_legal_office(
    tmp_path, existing
):
    importer = make_user("admin-importer", superuser=True)
    path = sheet(tmp_path, [row("IMP-NEW-1", "道路旅客运输经营许可"),
                            row(EXISTING, "道路货物运输经营许可", promised=3)])  # fmt: skip
    result = import_apply(path, user=importer)
    assert result.applied and (result.created, result.changed) == (1, 1)
    assert result.submitted == 2
    new = PowerPage.objects.get(code="IMP-NEW-1")
    assert not new.live and new.latest_revision.user == importer
    assert new.legal_bases.get().law.short_title == "道路运输条例"
    assert [s.value["name"] for s in new.get_latest_revision_as_object().steps] == [
        "受理", "审查", "决定"
    ]  # fmt: skip
    # the public page still shows what the legal office approved
    existing.refresh_from_db()
    assert existing.promised_time_limit == 5 and existing.workflow_in_progress
    assert WorkflowState.objects.filter(status="in_progress").count() == 2
    assert PageLogEntry.objects.filter(page=new, action="wagtail.create").exists()

    # the same file again: nothing new, no new revision, no error about the pending review
    revisions = Revision.objects.count()
    again = import_apply(path, user=importer)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    assert Revision.objects.count() == revisions


def test_a_content_administrator_imports_for_any_department_but_cannot_add_departments(
    tmp_path, importer
):
    from catalogue.models import PowerCatalogue

    path = sheet(tmp_path, [row("IMP-CA-1", "道路旅客运输经营许可")])
    result = import_apply(path, user=importer)
    assert result.submitted == 1
    assert PowerPage.objects.get(code="IMP-CA-1").workflow_in_progress
    assert not PowerCatalogue.objects.get().permissions_for_user(importer).can_add_subpage()


def test_publishing_directly_needs_the_permission(tmp_path, importer):
    path = sheet(tmp_path, [row("IMP-NEW-2", "道路旅客运输经营许可")])
    with pytest.raises(ImportRefused, match="没有直接发布的权限"):
        import_apply(path, user=importer, publish=True)
    admin = make_user("boss", superuser=True)
    result = import_apply(path, user=admin, publish=True)
    assert result.published and PowerPage.objects.get(code="IMP-NEW-2").live


def test_one_bad_row_and_nothing_is_written(tmp_path, existing):
    admin = make_user("boss", superuser=True)
    path = sheet(tmp_path, [row("IMP-OK-1", "道路旅客运输经营许可"),
                            row("IMP-BAD-1", "出租汽车经营许可", promised=30)])  # fmt: skip
    with pytest.raises(ImportRefused, match="第 4 行.*承诺办结时限"):
        import_apply(path, user=admin)
    assert not PowerPage.objects.filter(code__startswith="IMP-").exists()

    nameless = ["", "没有编码的事项", "行政许可", "区交通运输局"]
    broken = sheet(tmp_path, [row("IMP-OK-2", "道路旅客运输经营许可"), nameless], "坏.xlsx")
    preview = import_preview(broken)
    assert not preview.ok
    assert "第 4 行「权力编码」：不能为空。" in preview.report.messages()
    with pytest.raises(ImportRefused):
        import_apply(broken, user=admin)
    assert not PowerPage.objects.filter(code__startswith="IMP-").exists()

    # rows that are fine, but the catalogue refuses one of them (its power is in review):
    # the other rows of the file are not written either
    import_apply(sheet(tmp_path, [row(EXISTING, "道路货物运输经营许可", promised=3)], "一.xlsx"),
                 user=admin)  # fmt: skip
    revisions = Revision.objects.count()
    rows = [
        row("IMP-OK-3", "道路旅客运输经营许可"),
        row(EXISTING, "道路货物运输经营许可", promised=2),
    ]
    second = sheet(tmp_path, rows, "二.xlsx")
    with pytest.raises(ImportRefused, match="正在法制办审核中"):
        import_apply(second, user=admin)
    assert not PowerPage.objects.filter(code="IMP-OK-3").exists()
    assert Revision.objects.count() == revisions


def test_the_command_imports_with_a_report_and_fails_loudly_on_a_bad_file(tmp_path):
    make_user("boss", superuser=True)
    good = sheet(tmp_path, [row("IMP-CMD-1", "道路旅客运输经营许可")])
    out = io.StringIO()
    call_command("import_powers", str(good), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "预览（未写入）：新增 1" in out.getvalue()
    assert not PowerPage.objects.filter(code="IMP-CMD-1").exists()
    call_command("import_powers", str(good), "--publish", stdout=out, stderr=io.StringIO())
    assert PowerPage.objects.get(code="IMP-CMD-1").live

    not_a_sheet = tmp_path / "清单.xlsx"
    not_a_sheet.write_bytes(b"%PDF-1.7 not a spreadsheet")
    err = io.StringIO()
    with pytest.raises(CommandError, match="没有写入任何内容"):
        call_command("import_powers", str(not_a_sheet), stdout=io.StringIO(), stderr=err)
    assert "请上传 Excel 表格（.xlsx）或 CSV 文件" in err.getvalue()


def test_powers_left_out_are_marked_cancelled_only_when_asked(tmp_path, existing):
    admin = make_user("boss", superuser=True)
    path = sheet(tmp_path, [row("IMP-NEW-3", "道路旅客运输经营许可")])
    assert import_preview(path).cancelled == 0
    preview = import_preview(path, cancel_missing=True)
    assert [(c.code, c.outcome) for c in preview.changes if c.outcome == "cancelled"] == [
        (EXISTING, "cancelled")
    ]
    import_apply(path, user=admin, publish=True, cancel_missing=True)
    assert PowerPage.objects.get(code=EXISTING).status == "cancelled"


def test_flowcharts_come_in_a_zip_named_by_the_code(tmp_path):
    import zipfile
    from pathlib import Path

    from django.conf import settings

    png = next((Path(settings.BASE_DIR) / "disclosure" / "fixtures" / "flowcharts").glob("*.png"))
    archive = tmp_path / "流程图.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("流程图/IMP-FC-1.png", png.read_bytes())
        zipped.writestr("说明.txt", "不是图片")
    path = sheet(tmp_path, [row("IMP-FC-1", "道路旅客运输经营许可")])
    preview = import_preview(path, flowcharts=archive)
    assert preview.ok and any("说明.txt 不是图片" in m for m in preview.report.messages())
    admin = make_user("boss", superuser=True)
    import_apply(path, user=admin, publish=True, flowcharts=archive)
    power = PowerPage.objects.get(code="IMP-FC-1")
    assert power.flowchart is not None and power.flowchart.width > 0
