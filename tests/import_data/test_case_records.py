"""办件补录 by spreadsheet: a department's clerk records the cases it ran offline, through the
same services as the window, all or nothing, and can import the same file again safely."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from access.models import PersonalDataView
from access.posts import posts_assign
from cases.models import Case, CaseEvent, Channel, State
from catalogue.models import DepartmentPage
from import_data.case_records import (
    CaseRecordResource,
    export_file,
    headers,
    import_case_records,
    template_workbook,
)
from tests.factories import department_editor, make_user, publish_power, road_transport_licence

ID_ZHANG = "110101199003077774"  # check character valid
ID_LI = "11010519491231002X"
CREDIT = "91511602MA6C4XKU01"


@pytest.fixture
def licence(db):
    """The transport bureau's road freight licence: 受理 → 审查 (审核岗) → 决定 (分管领导)."""
    return publish_power(road_transport_licence(online_depth=4))


@pytest.fixture
def clerk(db):
    """The transport bureau's window clerk (an editor of its pages too), who keeps the paper
    register."""
    user = department_editor("TRANSPORT", username="clerk")
    posts_assign(user, DepartmentPage.objects.get(code="TRANSPORT").pk, ["窗口受理岗"])
    return user


def last_month(day, hour, minute=0):
    first = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return f"{first.replace(day=day):%Y-%m}-{day:02d} {hour:02d}:{minute:02d}"


def row(**values):
    """A finished case of the licence, last month, as a clerk types it."""
    cells = {
        "事项编码": "511A0142000000-511602000000-000-TEST-1-00",
        "业务系统流水号": "DJ-001",
        "申请人类型": "自然人",
        "申请人名称": "张建国",
        "证件类型": "居民身份证",
        "证件号码": ID_ZHANG,
        "联系人": "张建国",
        "联系电话": "13980261234",
        "申办时间": last_month(3, 9, 10),
        "受理时间": last_month(3, 9, 30),
        "受理人": "李小红",
        "受理岗位": "窗口受理岗",
        "环节1名称": "审查",
        "环节1办理人": "王强",
        "环节1岗位": "审核岗",
        "环节1完成时间": last_month(5, 15),
        "环节1意见": "材料齐全，符合条件",
        "环节2名称": "决定",
        "环节2办理人": "陈志明",
        "环节2岗位": "分管领导",
        "环节2完成时间": last_month(6, 10),
        "环节2意见": "同意",
        "办结时间": last_month(6, 10),
        "办结结果": "准予",
        "应收费用": "0",
    }
    cells.update(values)
    return cells


def csv_file(*rows) -> bytes:
    """The same rows saved by Excel as “CSV UTF-8”."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(headers(2))
    for cells in rows:
        writer.writerow([cells.get(name, "") for name in headers(2)])
    return output.getvalue().encode("utf-8-sig")


def workbook(*rows, columns=None) -> bytes:
    columns = columns or headers(2)
    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for cells in rows:
        sheet.append([cells.get(name, "") for name in columns])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_a_clerk_records_last_months_offline_cases_from_a_spreadsheet(licence, clerk):
    file = workbook(
        row(),
        row(
            **{
                "业务系统流水号": "DJ-002",
                "申请人类型": "法人",
                "申请人名称": "广安顺达物流有限公司",
                "证件类型": "统一社会信用代码",
                "证件号码": CREDIT,
                "联系人": "周敏",
                "办结结果": "部分准予",
                "结果说明": "核减车辆两台",
                "应收费用": "120",
                "实收费用": "100",
                "减免费用": "20",
            }
        ),  # fmt: skip
        row(
            **{
                "业务系统流水号": "DJ-003",
                "申请人名称": "李淑芬",
                "证件号码": ID_LI,
                "环节2名称": "",
                "环节2办理人": "",
                "环节2岗位": "",
                "环节2完成时间": "",
                "环节2意见": "",
                "办结时间": "",
                "办结结果": "",
            }
        ),  # fmt: skip
        row(
            **{
                "业务系统流水号": "DJ-004",
                "环节1名称": "",
                "环节1办理人": "",
                "环节1岗位": "",
                "环节1完成时间": "",
                "环节1意见": "",
                "环节2名称": "",
                "环节2办理人": "",
                "环节2岗位": "",
                "环节2完成时间": "",
                "环节2意见": "",
                "办结时间": "",
                "办结结果": "",
                "不予受理原因": "申请人不具备道路运输经营资质",
            }
        ),  # fmt: skip
    )

    preview = import_case_records(user=clerk, source=file, dry_run=True)
    assert preview.ok, preview.errors
    assert [r.outcome for r in preview.rows] == ["new"] * 4
    assert [r.number for r in preview.rows] == [2, 3, 4, 5]
    assert "张*" in preview.rows[0].summary and "办结（准予）" in preview.rows[0].summary
    assert "办理中" in preview.rows[2].summary and "不予受理" in preview.rows[3].summary
    assert not Case.objects.exists(), "a dry run writes nothing"

    done = import_case_records(user=clerk, source=file, dry_run=False)
    assert done.ok and done.created == 4

    case = Case.objects.get(external_id="DJ-001")
    assert case.channel == Channel.BACKFILL and case.state == State.FINISHED
    assert case.result == "granted" and case.accepted_by_name == "李小红"
    assert [(s.name, s.handler_name, s.handler_post, s.opinion) for s in case.steps_list] == [
        ("受理", "李小红", "窗口受理岗", "受理"),
        ("审查", "王强", "审核岗", "材料齐全，符合条件"),
        ("决定", "陈志明", "分管领导", "同意"),
    ]
    decided = case.steps_list[2].completed_at
    assert f"{timezone.localtime(decided):%d %H:%M}" == "06 10:00"
    events = list(case.events.order_by("seq"))
    assert {event.channel for event in events} == {Channel.BACKFILL}
    assert {event.actor for event in events} == {clerk}, "the clerk's account is in the log"
    assert all(event.recorded_at - event.occurred_at > datetime.timedelta(days=1)
               for event in events), "happened last month, recorded today"  # fmt: skip
    organisation = Case.objects.get(external_id="DJ-002")
    assert organisation.result == "partial" and organisation.fee_paid == 100
    assert organisation.applicant_public_name == "广安顺达物流有限公司"
    running = Case.objects.get(external_id="DJ-003")
    assert running.state == State.IN_PROGRESS and running.current.name == "决定"
    assert Case.objects.get(external_id="DJ-004").state == State.REJECTED


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(licence, clerk):
    future = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    file = workbook(
        row(),
        row(
            **{
                "业务系统流水号": "DJ-002",
                "证件号码": "110101199003071235",
                "环节1名称": "决定",
                "环节2完成时间": future,
                "办结时间": future,
            }
        ),  # fmt: skip
        row(**{"业务系统流水号": "DJ-003", "受理时间": last_month(2, 9)}),
    )

    for dry_run in (True, False):
        report = import_case_records(user=clerk, source=file, dry_run=dry_run)
        assert not report.ok and report.created == 0
        found = {(number, column) for number, column, _text in report.errors}
        assert (3, "证件号码") in found, "a malformed identity number"
        assert (3, "环节1名称") in found, "steps must follow the power's live flow"
        assert (3, "环节2完成时间") in found, "no date in the future"
        assert (4, "受理时间") in found, "accepted before it was applied for"
        assert all(number != 2 for number, _c, _t in report.errors)
        messages = " ".join(text for _n, _c, text in report.errors)
        assert "审查" in messages and "不能晚于现在" in messages
    assert not Case.objects.exists()

    fixed = workbook(row(), row(**{"业务系统流水号": "DJ-002"}))
    assert import_case_records(user=clerk, source=fixed, dry_run=False).created == 2


def test_importing_the_same_file_again_changes_nothing(licence, clerk):
    file = workbook(row(), row(**{"业务系统流水号": "DJ-002"}))
    assert import_case_records(user=clerk, source=file, dry_run=False).created == 2
    events = CaseEvent.objects.count()

    again = import_case_records(user=clerk, source=file, dry_run=False)

    assert again.ok and again.created == 0 and again.skipped == 2
    assert all("已录入" in r.summary for r in again.rows)
    assert Case.objects.count() == 2 and CaseEvent.objects.count() == events


def test_another_departments_power_is_refused_while_its_own_succeeds(licence, clerk):
    other = publish_power(road_transport_licence(
        code="11511602MB1234567X-APPROVAL-1", department_code="APPROVAL", title="食品经营许可",
    ))  # fmt: skip
    theirs = row(**{"事项编码": other.code, "业务系统流水号": "SP-1"})

    refused = import_case_records(user=clerk, source=workbook(theirs), dry_run=False)
    assert not refused.ok
    assert refused.errors[0][:2] == (2, "事项编码") and "本部门" in refused.errors[0][2]
    unknown = import_case_records(user=clerk, source=workbook(row(**{"事项编码": "NOPE"})),
                                  dry_run=True)  # fmt: skip
    assert "没有编码为 NOPE" in unknown.errors[0][2]

    assert import_case_records(user=clerk, source=workbook(row()), dry_run=False).created == 1
    site_admin = make_user("siteadmin", groups=["站点管理员"])
    assert import_case_records(user=site_admin, source=workbook(theirs), dry_run=False).created == 1
    assert Case.objects.filter(department__code="APPROVAL").count() == 1


def test_files_that_are_not_spreadsheets_are_refused(licence, clerk, settings):
    with_formula = workbook(row(**{"环节1意见": "=A1"}))
    assert "公式" in import_case_records(user=clerk, source=with_formula, dry_run=True).file_error
    pdf = import_case_records(user=clerk, source=b"%PDF-1.4 ...", dry_run=True)
    assert "PDF" in pdf.file_error
    wrong = import_case_records(user=clerk, source=workbook(columns=["名称", "地址"]), dry_run=True)
    assert "缺少" in wrong.file_error and "事项编码" in wrong.file_error
    settings.IMPORT_MAX_FILE_MB = 0.001  # the power import's limits apply
    too_big = import_case_records(user=clerk, source=workbook(row()), dry_run=True)
    assert "文件过大" in too_big.file_error
    settings.IMPORT_MAX_FILE_MB = 100
    done = import_case_records(user=clerk, source=csv_file(row()), dry_run=False)
    assert done.created == 1, "a CSV saved by Excel imports as well"


def test_export_then_import_round_trip(licence, clerk):
    formula = '=HYPERLINK("http://evil")'
    file = csv_file(
        row(**{"环节1意见": formula}),
        row(**{"业务系统流水号": "DJ-002", "申请人名称": "李淑芬", "证件号码": ID_LI}),
    )
    assert import_case_records(user=clerk, source=file, dry_run=False).created == 2
    cases = Case.objects.filter(department__code="TRANSPORT").order_by("external_id")

    masked = CaseRecordResource(user=clerk).export(cases)
    assert masked.dict[0]["申请人名称"] == "张**" and "*" in masked.dict[0]["证件号码"]
    assert not PersonalDataView.objects.exists()

    book = load_workbook(io.BytesIO(export_file(masked, "xlsx")))
    cell = book.active.cell(row=2, column=masked.headers.index("环节1意见") + 1)
    assert cell.data_type == "s" and cell.value == "'" + formula, "a formula is kept as text"

    clerk.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    full = CaseRecordResource(user=clerk, reveal=True).export(cases)
    original = row(**{"环节1意见": "'" + formula, "应收费用": ""})
    assert {k: full.dict[0][k] for k in original} == original, "the export writes what it read"
    assert PersonalDataView.objects.count() == 2, "each case shown unmasked is logged"

    again = import_case_records(user=clerk, source=export_file(full, "xlsx"), dry_run=False)
    assert again.ok and again.skipped == 2 and Case.objects.count() == 2
    masked_again = import_case_records(user=clerk, source=export_file(masked, "csv"), dry_run=False)
    assert masked_again.ok and masked_again.skipped == 2, "recognised by 办件编号"


def test_the_template_imports_as_it_comes(licence, clerk):
    template = template_workbook(clerk)
    book = load_workbook(io.BytesIO(template))
    assert book.sheetnames == ["办件补录", "填写说明", "事项与环节"]
    assert book["事项与环节"]["C2"].value == "审查、决定"

    report = import_case_records(user=clerk, source=template, dry_run=True)

    assert report.ok and report.rows[0].outcome == "new", report.errors


def test_in_the_admin_a_clerk_uploads_previews_confirms_and_exports(client, licence, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(clerk)
    page = client.get("/admin/import/cases/")
    assert page.status_code == 200 and "办件补录" in page.content.decode()
    assert client.get("/admin/import/cases/template.xlsx")["Content-Type"].endswith("sheet")

    upload = SimpleUploadedFile("补录.xlsx", workbook(row()))
    preview = client.post("/admin/import/cases/", {"file": upload})
    text = preview.content.decode()
    assert preview.status_code == 200 and "确认导入" in text and "新建" in text
    assert not Case.objects.exists()

    done = client.post("/admin/import/cases/confirm/")
    assert "新建办件 1 件" in done.content.decode()
    assert Case.objects.get().external_id == "DJ-001"

    exported = client.get("/admin/import/cases/export/?format=csv").content.decode("utf-8-sig")
    assert "DJ-001" in exported and ID_ZHANG not in exported and "张**" in exported

    bad = client.post("/admin/import/cases/", {"file": SimpleUploadedFile("x.xlsx", b"%PDF-1")})
    assert bad.status_code == 400 and "PDF" in bad.content.decode()
    assert client.post("/admin/import/cases/confirm/").status_code == 302, "nothing to confirm"

    outsider = make_user("visitor")
    client.force_login(outsider)
    assert client.get("/admin/import/cases/").status_code in (302, 403)
