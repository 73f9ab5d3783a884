"""Reading departments' power lists: the stories a content administrator would recognise.

Spreadsheets are generated in the tests (openpyxl / csv into tmp_path). Only the tests that link
laws or departments through the database are marked django_db.
"""

import csv
import datetime
import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest

from catalogue.services import CitationData, PowerData
from import_data.citations import LawLookup, link_citations, parse_legal_basis
from import_data.columns import COLUMNS, column_for_header, normalise_header
from import_data.spreadsheet import (
    DepartmentIndex,
    ImportFileError,
    Limits,
    PowerReader,
    Row,
    open_table,
    parse_date,
    parse_materials,
    parse_power_type,
    parse_steps,
    parse_tags,
    parse_time_limit,
    read_powers,
    rows_to_power_data,
    validate_file,
)

DEPARTMENTS = [
    ("TRANSPORT", "广安市广安区交通运输局", "区交通运输局"),
    ("APPROVAL", "广安市广安区行政审批局", "区行政审批局"),
]
# Stand-in for the law library where the database is not needed: title (full or short) → id.
LAWS = {"中华人民共和国行政许可法": 11, "中华人民共和国道路运输条例": 22, "道路运输条例": 22}

CODE = "511A0142000000-511602000000-000-11511301008778183N-1-00"
CODE_2 = "511A0142100000-511602000000-000-11511301008778183N-1-00"

# The headers as a department typed them: variants, stray spaces, full-width characters, marks.
MESSY_HEADERS = [
    "序号",
    " 权力编码 ",
    "权力名称（必填）",
    "权力类型",
    "承办部门*",
    "承办机构",
    "行使层级",
    "权力来源",
    "实施依据",
    "受理条件",
    "申请材料",
    "办理流程",
    "法定时限（工作日）",
    "承诺　时限",
    "收费标准",
    "办理形式",
    "结果名称",
    "咨询电话",
    "监督投诉电话",
    "标签",
    "状态",
    "生效日期",
]
MESSY_ROWS = [
    [
        1,
        CODE,
        " 道路货物运输经营许可 ",
        "行政许可",
        "区交通运输局",
        "运输管理股",
        "县级",
        "法定本级行使",
        "《中华人民共和国行政许可法》第十二条第一款；《道路运输条例》第八条",
        "有与其经营业务相适应并经检测合格的车辆；\n有符合规定条件的驾驶人员。",
        "1.道路货物运输经营申请表（原件）\n2.负责人身份证明（复印件）",
        "受理→审查→决定→送达",
        "20个工作日",
        "５",
        "不收费",
        "窗口办理",
        "道路运输经营许可证",
        "０８２６－２３３１２３４",
        "0826-2339999",
        "道路运输、货运，许可",
        "在用",
        "2019年4月23日",
    ],
    [
        2,
        CODE_2,
        "道路旅客运输经营许可",
        "01",
        "广安市广安区交通运输局",
        "运输管理股",
        "县级",
        "上级下放",
        "《道路运输条例》第十条",
        "",
        "道路旅客运输经营申请表",
        "1.受理：窗口核对材料\n2.审查（3个工作日）\n3.决定",
        "20",
        "10日",
        "",
        "网上办理",
        "道路运输经营许可证",
        "",
        "",
        "道路运输",
        "",
        "2019/4/23",
    ],
]


# A step as 办理流程 alone gives it: no post, supervision point or decision branch.
BLANK_STEP = {"name": "", "post": "", "description": "", "time_limit": None, "supervision": "",
              "outcomes": []}  # fmt: skip


def expected_first_power() -> PowerData:
    return PowerData(
        code=CODE,
        department_code="TRANSPORT",
        title="道路货物运输经营许可",
        power_type="01",
        exercise_level="county",
        power_source="statutory",
        handling_agency="运输管理股",
        acceptance_conditions="有与其经营业务相适应并经检测合格的车辆；\n有符合规定条件的驾驶人员。",
        legal_time_limit=20,
        promised_time_limit=5,
        fee_free=True,
        fee_standard="",
        service_mode="窗口办理",
        result_name="道路运输经营许可证",
        complaint_channel="监督投诉电话：0826-2339999；咨询电话：0826-2331234",
        status="in_force",
        effective_date=datetime.date(2019, 4, 23),
        materials=[
            {
                "name": "道路货物运输经营申请表",
                "form": "original",
                "copies": 1,
                "required": True,
                "note": "",
            },
            {"name": "负责人身份证明", "form": "copy", "copies": 1, "required": True, "note": ""},
        ],  # fmt: skip
        steps=[{**BLANK_STEP, "name": name} for name in ("受理", "审查", "决定", "送达")],
        citations=[
            CitationData(law_id=11, articles="第十二条第一款"),
            CitationData(law_id=22, articles="第八条"),
        ],
        tags=["道路运输", "货运", "许可"],
    )


def write_xlsx(path, rows, *, title="广安区交通运输局行政权力清单", headers=MESSY_HEADERS):
    """A department's workbook: an instructions sheet, then the list with a merged title row."""
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "填写说明"
    notes.append(["事项编码", "事项名称", "实施主体"])
    notes.append(["每行一个事项", "", ""])
    sheet = workbook.create_sheet("权力清单")
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, rows, *, encoding="utf-8", headers=MESSY_HEADERS, delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read(path, **options):
    options.setdefault("departments", DEPARTMENTS)
    options.setdefault("laws_lookup", LAWS)
    return read_powers(path, **options)


def messages(report):
    return "\n".join(report.messages())


# --- A department's messy list ------------------------------------------------------------------


def test_a_departments_messy_xlsx_becomes_the_right_power_data(tmp_path):
    note = [None, "注：本清单所列事项以法律法规规定为准。"]
    report = read(write_xlsx(tmp_path / "交通局权力清单.xlsx", [*MESSY_ROWS, [], note]))

    assert report.ok, messages(report)
    assert (report.format, report.sheet, report.header_row) == ("xlsx", "权力清单", 2)
    assert (report.rows, report.valid, report.invalid) == (2, 2, 0)
    first, second = report.items
    assert first == expected_first_power()
    assert second.department_code == "TRANSPORT"
    assert second.power_source == "delegated_down"
    assert second.effective_date == datetime.date(2019, 4, 23)
    assert (second.legal_time_limit, second.promised_time_limit) == (20, 10)
    assert second.fee_free is None  # a blank 收费标准 leaves the fee as it is
    assert second.status is None
    assert second.complaint_channel == ""  # falls back to the department's channel
    assert second.steps == [
        {"name": "受理", "post": "", "description": "窗口核对材料", "time_limit": None,
         "supervision": "", "outcomes": []},
        {"name": "审查", "post": "", "description": "", "time_limit": 3, "supervision": "",
         "outcomes": []},
        {"name": "决定", "post": "", "description": "", "time_limit": None, "supervision": "",
         "outcomes": []},
    ]  # fmt: skip
    assert report.columns["code"] == "权力编码"
    assert report.columns["legal_time_limit"] == "法定时限（工作日）"
    assert [str(w) for w in report.warnings] == [
        "已读取工作表「权力清单」（第 2 行为表头）。",
        "第 6 行：这一行是说明文字，已跳过。",
    ]


def test_the_same_list_as_csv_in_utf8_with_bom_and_gbk_parses_identically(tmp_path):
    from_xlsx = read(write_xlsx(tmp_path / "list.xlsx", MESSY_ROWS)).items
    for encoding, label in (("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（带 BOM）"),
                            ("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030")):  # fmt: skip
        path = write_csv(tmp_path / f"list-{encoding}.csv", MESSY_ROWS, encoding=encoding)
        report = read(path)
        assert report.ok, messages(report)
        assert report.encoding == label
        assert report.items == from_xlsx, encoding


def test_tab_or_semicolon_separated_text_and_excels_unicode_text_are_recognised(tmp_path):
    for encoding, delimiter in (("gbk", "\t"), ("gbk", ";"), ("utf-16", "\t")):
        path = write_csv(tmp_path / "list.txt", MESSY_ROWS, encoding=encoding, delimiter=delimiter)
        report = read(path)
        assert report.ok, messages(report)
        assert report.items[0] == expected_first_power()


def test_an_uploaded_file_object_is_read_by_content_not_by_its_name(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = write_xlsx(tmp_path / "list.xlsx", MESSY_ROWS).read_bytes()
    upload = SimpleUploadedFile("清单.csv", data)  # misnamed: it is an xlsx
    report = read(upload)
    assert report.ok, messages(report)
    assert report.filename == "清单.csv"
    assert report.format == "xlsx"

    class Body:  # a request body that can only be read forward
        name = "清单.xlsx"

        def __init__(self):
            self._stream = io.BytesIO(data)

        def read(self, size=-1):
            return self._stream.read(size)

    assert read(Body()).items == report.items
    assert "文件过大" in file_error(Body(), limits=Limits(max_file_bytes=1024))


def test_excel_date_cells_and_serial_numbers_are_dates(tmp_path):
    rows = [list(MESSY_ROWS[0]), list(MESSY_ROWS[1])]
    rows[0][-1] = datetime.datetime(2019, 4, 23)
    rows[1][-1] = 43578  # the same day as a bare serial number
    report = read(write_xlsx(tmp_path / "dates.xlsx", rows))
    assert report.ok, messages(report)
    assert [item.effective_date for item in report.items] == [datetime.date(2019, 4, 23)] * 2


def test_a_header_in_two_rows_under_a_merged_group_heading_is_understood(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["事项编码", "事项名称", "实施主体", "办结时限", None])
    sheet.append([None, None, None, "法定办结时限", "承诺办结时限"])
    for column in "ABC":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("D1:E1")
    sheet.append([CODE, "道路货物运输经营许可", "区交通运输局", 20, 5])
    workbook.save(tmp_path / "two-rows.xlsx")
    report = read(tmp_path / "two-rows.xlsx")
    assert report.ok, messages(report)
    assert report.header_row == 2
    item = report.items[0]
    assert (item.title, item.legal_time_limit, item.promised_time_limit) == (
        "道路货物运输经营许可",
        20,
        5,
    )


def test_a_department_merged_down_over_its_rows_is_filled_in(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["实施主体", "事项编码", "事项名称", "事项类型"])
    sheet.append(["区交通运输局", CODE, "道路货物运输经营许可", "行政许可"])
    sheet.append([None, CODE_2, "道路旅客运输经营许可", None])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("D2:D3")
    workbook.save(tmp_path / "merged.xlsx")
    report = read(tmp_path / "merged.xlsx")
    assert report.ok, messages(report)
    assert [(i.department_code, i.power_type) for i in report.items] == [("TRANSPORT", "01")] * 2
    assert "第 2–3 行是合并单元格（A2:A3），已把「区交通运输局」填入其中每一行" in messages(report)


def test_a_legal_basis_merged_over_several_powers_is_reported(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["事项编码", "事项名称", "实施主体", "行使依据"])
    sheet.append([CODE, "道路货物运输经营许可", "区交通运输局", "《道路运输条例》第八条"])
    sheet.append([CODE_2, "道路旅客运输经营许可", "区交通运输局", None])
    sheet.merge_cells("D2:D3")
    workbook.save(tmp_path / "merged.xlsx")
    report = read(tmp_path / "merged.xlsx")
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "第 3 行「行使依据」：是合并单元格（D2:D3）的一部分，本行没有自己的值；"
        "请取消合并后在每一行分别填写。"
    ]


# --- Legal basis --------------------------------------------------------------------------------


def test_legal_basis_text_is_split_into_titled_citations():
    assert parse_legal_basis(
        "《中华人民共和国行政许可法》第十二条第一款；《道路运输条例》第八条"
    ) == [
        ("中华人民共和国行政许可法", "第十二条第一款", "", True),
        ("道路运输条例", "第八条", "", True),
    ]
    # Arabic numerals, several articles, numbering, a continuation piece, a label.
    assert parse_legal_basis(
        "1.《行政许可法》第12条第1款、第13条\n2.《道路运输条例》第二十一条、二十四条；第三十条"
    ) == [
        ("行政许可法", "第十二条第一款、第十三条", "", True),
        ("道路运输条例", "第二十一条、第二十四条、第三十条", "", True),
    ]
    assert parse_legal_basis("设定依据：中华人民共和国道路运输条例第八条") == [
        ("中华人民共和国道路运输条例", "第八条", "", True)
    ]
    # The quoted provision keeps its own ；.
    quoted = parse_legal_basis(
        "《行政许可法》第十二条：下列事项可以设定行政许可：（一）直接涉及国家安全的；"
        "（二）有限自然资源开发利用。《道路运输条例》第八条"
    )
    assert [c.title for c in quoted] == ["行政许可法", "道路运输条例"]
    assert quoted[0].quote == (
        "下列事项可以设定行政许可：（一）直接涉及国家安全的；（二）有限自然资源开发利用"
    )
    numbered = parse_legal_basis("1.《行政许可法》第十二条：下列事项…（一）…；\n2.国务院有关规定")
    assert numbered[1] == ("国务院有关规定", "", "", False)
    # Text that is no titled citation is kept as free text.
    assert parse_legal_basis("国务院有关文件") == [("国务院有关文件", "", "", False)]
    assert parse_legal_basis("") == []


def test_citations_link_known_titles_and_keep_unknown_ones_as_text():
    parsed = parse_legal_basis("《行政许可法》第十二条；《四川省道路运输条例》第八条；内部规定")
    citations, warnings = link_citations(parsed, {"行政许可法": 11})
    assert citations == [
        CitationData(law_id=11, articles="第十二条"),
        CitationData(law_title="四川省道路运输条例", articles="第八条"),
        CitationData(law_title="内部规定"),
    ]
    assert warnings == [
        "法规库中没有《四川省道路运输条例》，将按文本保存。",
        "行使依据「内部规定」不是“《法规名称》第…条”的格式，将按文本保存。",
    ]


@pytest.mark.django_db
def test_the_law_library_links_full_and_short_titles_and_checks_articles(tmp_path):
    from laws.models import Law

    licensing = Law.objects.find_by_title("中华人民共和国行政许可法").get()
    road = Law.objects.find_by_title("道路运输条例").first()
    assert road.status == "in_force"

    rows = [list(MESSY_ROWS[0])]
    rows[0][8] = (
        "《中华人民共和国行政许可法》第十二条第一款；《道路运输条例》第八条；"
        "《四川省道路运输条例》第八条；《行政许可法》第九百条"
    )
    report = read_powers(write_xlsx(tmp_path / "list.xlsx", rows), departments=DEPARTMENTS)
    assert report.ok, messages(report)
    assert report.items[0].citations == [
        CitationData(law_id=licensing.pk, articles="第十二条第一款"),
        CitationData(law_id=road.pk, articles="第八条"),
        CitationData(law_title="四川省道路运输条例", articles="第八条"),
        CitationData(law_id=licensing.pk, articles="第九百条"),
    ]
    warnings = [str(w) for w in report.warnings]
    assert "第 3 行「实施依据」：法规库中没有《四川省道路运输条例》，将按文本保存。" in warnings
    assert "第 3 行「实施依据」：《行政许可法》中没有第九百条，请核对条款。" in warnings


@pytest.mark.django_db
def test_the_law_lookup_asks_the_database_once_per_title(django_assert_num_queries):
    lookup = LawLookup()
    with django_assert_num_queries(1):
        first = lookup("《道路运输条例》")
        assert lookup("道路运输条例") == first
    assert first is not None
    assert lookup("四川省道路运输条例") is None


@pytest.mark.django_db
def test_departments_resolve_by_code_title_or_short_name_from_the_database():
    index = DepartmentIndex.from_db()
    assert index.resolve("TRANSPORT")[0] == "TRANSPORT"
    assert index.resolve("广安市广安区交通运输局")[0] == "TRANSPORT"
    assert index.resolve(" 区交通运输局 ")[0] == "TRANSPORT"
    code, message, _first = index.resolve("广安区行政审批局")
    assert code == "APPROVAL"
    assert message == "实施主体「广安区行政审批局」按部门「广安市广安区行政审批局」导入。"
    assert index.resolve("区财政局")[0] is None


# --- Bad input: a clear report in Chinese, nothing else --------------------------------------


def file_error(path_or_bytes, **options):
    """The single file-level message a bad file gives."""
    report = read(path_or_bytes, **options)
    assert not report.ok
    assert report.items == []
    assert report.rows == 0
    assert report.error_count == 1, messages(report)
    assert report.errors[0].row is None
    return report.file_error


def test_something_that_is_not_a_spreadsheet_is_refused(tmp_path):
    assert "看起来是PDF 文件" in file_error(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert "看起来是图片" in file_error(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "不是电子表格" in file_error(bytes(range(256)) * 10)
    assert "普通的压缩包" in file_error(_zip({"readme.txt": b"hello"}))
    assert "Word 文档" in file_error(_zip({"word/document.xml": b"<w/>"}))
    html = "<html><body><table><tr><td>事项编码</td></tr></table></body></html>"
    assert "网页格式（HTML）" in file_error(html.encode("utf-8"))


def test_an_empty_file_is_refused():
    assert file_error(b"") == "文件是空的。请上传 Excel 表格（.xlsx）或 CSV 文件。"
    assert file_error(b"\xef\xbb\xbf\r\n") == "文件是空的，没有任何内容。"


def test_a_corrupted_xlsx_is_refused(tmp_path):
    data = write_xlsx(tmp_path / "list.xlsx", MESSY_ROWS).read_bytes()
    assert "文件已损坏" in file_error(data[: len(data) // 2])
    broken = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not xml"})
    assert "文件已损坏" in file_error(broken)


def test_an_xml_entity_bomb_inside_an_xlsx_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "laughs.xlsx", MESSY_ROWS, title=None)
    bomb = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
        b"<worksheet "
    )
    patch_xlsx(path, "xl/worksheets/sheet2.xml", [(b"<worksheet ", bomb)])
    assert file_error(path) == "文件中含有不允许的 XML 声明（DTD），已拒绝读取。"


def test_a_password_protected_xlsx_is_refused():
    # A password-protected XLSX is an OLE2 compound file holding an EncryptedPackage stream.
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 1000
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 3000
    )
    assert file_error(data).startswith("文件已加密，请去掉密码后再导入")


def test_a_legacy_xls_is_asked_to_be_saved_as_xlsx():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "Workbook".encode("utf-16-le")
    assert "旧版 Excel 文件（.xls）" in file_error(data)


def test_an_xlsx_that_would_expand_enormously_is_refused_before_opening(tmp_path):
    data = write_xlsx(tmp_path / "list.xlsx", MESSY_ROWS).read_bytes()
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(bomb, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename), zipfile.ZIP_DEFLATED)
        target.writestr("xl/media/padding.bin", b"\0" * (30 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    bomb = bomb.getvalue()
    assert len(bomb) < 200 * 1024  # 30 MB of zeros compress to a few dozen KB

    too_big = Limits(max_uncompressed_bytes=20 * 1024 * 1024, max_compression_ratio=10**9)
    assert "文件解压后过大" in file_error(bomb, limits=too_big)
    assert "压缩比异常" in file_error(bomb, limits=Limits(ratio_min_bytes=1024 * 1024))
    # The default limits refuse it for its ratio too.
    assert "压缩比异常" in file_error(bomb)


def test_a_sheet_without_a_header_row_is_refused(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append([CODE, "道路货物运输经营许可", "区交通运输局"])
    workbook.save(tmp_path / "no-header.xlsx")
    assert file_error(tmp_path / "no-header.xlsx").startswith(
        "没有找到表头行：前 10 行中没有「事项编码」「事项名称」「实施主体」等列名。"
    )
    path = tmp_path / "no-header.csv"
    path.write_text(f"{CODE},道路货物运输经营许可,区交通运输局\n", encoding="utf-8")
    assert file_error(path).startswith("没有找到表头行")


def test_missing_required_columns_are_named(tmp_path):
    path = write_csv(
        tmp_path / "list.csv",
        [[CODE, "道路货物运输经营许可", "运输管理股"]],
        headers=["事项编码", "事项名称", "承办机构"],
    )
    assert file_error(path) == (
        "第 1 行的表头缺少必填列：「实施主体」（也可写作「承办部门」「实施机关」「实施部门」等）。"
    )
    workbook = openpyxl.Workbook()
    workbook.active.title = "清单"
    workbook.active.append(["事项名称", "实施主体", "承办机构"])
    workbook.save(tmp_path / "list.xlsx")
    assert file_error(tmp_path / "list.xlsx").startswith(
        "工作表「清单」第 1 行的表头缺少必填列：「事项编码」"
    )


def test_a_header_without_data_rows_is_reported(tmp_path):
    path = write_csv(tmp_path / "list.csv", [], headers=["事项编码", "事项名称", "实施主体"])
    assert file_error(path) == "表头（第 1 行）下面没有数据行。"


def test_duplicate_codes_unknown_departments_and_types_are_row_errors(tmp_path):
    rows = [
        [CODE, "道路货物运输经营许可", "区交通运输局", "行政许可"],
        [CODE_2, "道路旅客运输经营许可", "区财政局", "行政审批"],
        [CODE, "道路货物运输经营许可（变更）", "区交通运输局", "1"],
    ]
    path = write_csv(tmp_path / "list.csv", rows, headers=["事项编码", "事项名称", "实施主体",
                                                            "事项类型", "联系人"])  # fmt: skip
    report = validate_file(path, departments=DEPARTMENTS, laws_lookup=LAWS)
    assert not report.ok
    assert report.items is None
    assert [str(w) for w in report.warnings] == ["未识别的列「联系人」，已忽略。"]
    assert (report.rows, report.valid, report.invalid) == (3, 1, 2)
    assert report.summary() == "共读取 3 行：1 行无误，2 行有错误。"
    assert [str(e) for e in report.errors] == [
        "第 3 行「实施主体」：实施主体「区财政局」不在部门名录中，请填写部门全称、简称或部门编码。",
        "第 3 行「事项类型」：事项类型「行政审批」无法识别，请填写名称（如：行政许可）"
        "或国家代码（01…10、20）。",
        f"第 4 行「事项编码」：事项编码「{CODE}」与第 2 行重复。",
    ]


def test_over_long_values_and_blank_required_cells_are_row_errors(tmp_path):
    rows = [
        [CODE, "许" * 256, "区交通运输局", "窗" * 201],
        ["", "", "", ""],  # blank: skipped, not an error
        ["", "道路旅客运输经营许可", "", "窗口"],
        ["5.11602E+11", "道路旅客运输经营许可", "区交通运输局", ""],
    ]
    path = write_csv(tmp_path / "list.csv", rows, headers=["事项编码", "事项名称", "实施主体",
                                                            "办理形式"])  # fmt: skip
    errors = [str(e) for e in read(path).errors]
    assert errors == [
        "第 2 行「事项名称」：内容过长（256 字，最多 255 字）。",
        "第 2 行「办理形式」：内容过长（201 字，最多 200 字）。",
        "第 4 行「事项编码」：不能为空。",
        "第 4 行「实施主体」：不能为空。",
        "第 5 行「事项编码」：「5.11602E+11」是科学计数法，编码已丢失；"
        "请把该列设为“文本”格式后重新填写。",
    ]


def test_a_formula_without_a_saved_result_is_reported(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["事项编码", "事项名称", "实施主体", "法定办结时限", "承诺办结时限"])
    sheet.append([CODE, "道路货物运输经营许可", "区交通运输局", "=10+10", "=2+3"])
    sheet.append([CODE_2, "道路旅客运输经营许可", "区交通运输局", "=NA()", 5])
    path = tmp_path / "formula.xlsx"
    workbook.save(path)
    # openpyxl saves formulas without a result; give two of them the results Excel would save.
    patch_xlsx(path, "xl/worksheets/sheet1.xml", [
        (b"<f>2+3</f><v />", b"<f>2+3</f><v>5</v>"),
        (b'<c r="D3"><f>NA()</f><v />', b'<c r="D3" t="e"><f>NA()</f><v>#N/A</v>'),
    ])  # fmt: skip
    report = read(path)
    assert [str(e) for e in report.errors] == [
        "第 2 行「法定办结时限」：是公式，但文件中没有保存计算结果，请将公式粘贴为数值后再导入。",
        "第 3 行「法定办结时限」：的值是错误值 #N/A，请更正后再导入。",
    ]


def test_a_sheet_broken_halfway_gives_a_report_not_an_exception(tmp_path):
    rows = [[None, f"GA-{n}", f"事项{n}", "区交通运输局"] for n in range(50)]
    path = write_xlsx(tmp_path / "broken.xlsx", rows)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml")
    cut = xml.index(b'<row r="30"')
    patch_xlsx(path, "xl/worksheets/sheet2.xml", [(xml, xml[:cut] + b'<row r="30"><c')])
    report = read(path)
    assert not report.ok
    assert report.rows == 27  # rows 3 to 29 were read before the damage
    assert report.file_error == "文件内容已损坏，读到第 29 行之后无法继续读取；请重新保存后再导入。"


def test_a_hidden_sheet_is_ignored(tmp_path):
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "旧清单"
    hidden.append(["事项编码", "事项名称", "实施主体"])
    hidden.append(["OLD-1", "已取消的事项", "区交通运输局"])
    hidden.sheet_state = "hidden"
    current = workbook.create_sheet("新清单")
    current.append(["事项编码", "事项名称", "实施主体"])
    current.append([CODE, "道路货物运输经营许可", "区交通运输局"])
    workbook.save(tmp_path / "sheets.xlsx")
    report = read(tmp_path / "sheets.xlsx")
    assert report.ok, messages(report)
    assert report.sheet == "新清单"
    assert [item.code for item in report.items] == [CODE]
    assert "隐藏的工作表「旧清单」未读取。" in messages(report)


def test_a_workbook_with_only_hidden_sheets_is_refused(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["事项编码", "事项名称", "实施主体"])
    workbook.create_sheet("说明").append(["请填写"])
    workbook.active.sheet_state = "hidden"
    workbook.active = 1
    workbook.save(tmp_path / "hidden.xlsx")
    message = file_error(tmp_path / "hidden.xlsx")
    assert message == "文件中没有可读取的工作表（隐藏的工作表不会读取）。"


def test_100000_blank_rows_at_the_end_are_skipped_quickly(tmp_path):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("清单")
    sheet.append(["事项编码", "事项名称", "实施主体"])
    sheet.append([CODE, "道路货物运输经营许可", "区交通运输局"])
    sheet.append([CODE_2, "道路旅客运输经营许可", "区交通运输局"])
    for _ in range(100_000):
        sheet.append([None, "", " "])  # as left behind by formatting and deleted content
    workbook.save(tmp_path / "blank-rows.xlsx")

    started = time.monotonic()
    report = read(tmp_path / "blank-rows.xlsx")
    assert report.ok, messages(report)
    assert report.rows == 2
    assert time.monotonic() - started < 8


def test_a_100000_row_csv_is_streamed_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="gbk", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["事项编码", "事项名称", "实施主体", "标签", "法定办结时限"])
        for number in range(100_000):
            writer.writerow([f"GA-{number:06d}", f"事项{number}", "区交通运输局", "运输、许可", 20])
    count = 0
    growth = None
    with PowerReader(path, departments=DEPARTMENTS, laws_lookup=LAWS) as reader:
        for result in reader:
            count += result.data is not None
            # Memory over 40,000 rows in the middle: only the codes seen (for duplicates) remain.
            if result.row == 20_000:
                tracemalloc.start()
            elif result.row == 60_000:
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                growth = peak
    assert reader.report.ok, messages(reader.report)
    assert count == reader.report.rows == 100_000
    assert reader.report.encoding == "GBK/GB18030"
    assert growth is not None and growth < 12 * 1024 * 1024


# --- The pieces ---------------------------------------------------------------------------------


def test_header_variants_are_recognised():
    assert normalise_header(" 权力名称（必填） ") == "权力名称"
    assert normalise_header("＊事项编码") == "事项编码"
    for header, key in [
        ("权力编码", "code"), ("职权编码", "code"), ("事项编码*", "code"),
        ("权力名称", "title"), ("权力事项名称", "title"), ("权力类型", "power_type"),
        ("实施依据", "citations"), ("设定依据", "citations"), ("承办部门", "department"),
        ("实施机关", "department"), ("实施部门", "department"),
        ("法定时限", "legal_time_limit"), ("法定期限", "legal_time_limit"),
        ("法定办结时限（工作日）", "legal_time_limit"), ("承诺期限", "promised_time_limit"),
        ("收费依据及标准", "fee_standard"), ("是否收费", "fee_free"),
        ("监督投诉电话", "complaint_phone"), ("ｔａｇ", None), ("序号", None),
    ]:  # fmt: skip
        column = column_for_header(header)
        assert (column.key if column else None) == key, header
    template = [column.header for column in COLUMNS]
    assert template[:4] == ["事项编码", "事项名称", "事项类型", "实施主体"]
    assert len(template) == 25


def test_online_depth_is_read_as_departments_write_it():
    from import_data.spreadsheet.values import parse_online_depth

    for text, depth in [("一级", 1), ("二级", 2), ("3", 3), ("三级（网上预审）", 3), ("Ⅳ", 4),
                        ("四级", 4), ("全程网办", 4), ("网上办理深度：二级", 2)]:  # fmt: skip
        assert parse_online_depth(text) == depth, text
    with pytest.raises(ValueError, match="一级、二级、三级或四级"):
        parse_online_depth("五级")


def test_values_are_parsed_the_way_departments_write_them():
    assert parse_time_limit("20") == (20, None)
    assert parse_time_limit("20个工作日") == (20, None)
    assert parse_time_limit("20日") == (20, None)
    assert parse_time_limit("二十个工作日") == (20, None)
    assert parse_time_limit("即办") == (0, None)
    assert parse_time_limit("无") == (None, None)
    assert parse_time_limit("20天") == (20, "「20天」按 20 个工作日导入。")
    with pytest.raises(ValueError, match="换算为工作日"):
        parse_time_limit("3个月")
    for text in ("2019年4月23日", "2019/4/23", "2019-04-23", "2019.4.23", "20190423", "43578"):
        assert parse_date(text) == datetime.date(2019, 4, 23), text
    with pytest.raises(ValueError, match="不是有效的日期"):
        parse_date("2019年2月30日")
    assert parse_power_type("1") == parse_power_type("01") == parse_power_type("行政许可") == "01"
    assert parse_power_type("许可") == "01"
    assert parse_power_type("２０") == "20"
    tags = parse_tags(" 道路运输 、货运，许可;货运； 运输 ,")
    assert tags == ["道路运输", "货运", "许可", "运输"]


def test_numbers_written_in_words_are_read_as_the_law_library_reads_article_numbers():
    assert parse_time_limit("一百二十个工作日") == (120, None)
    assert parse_time_limit("两个工作日") == (2, None)
    steps, errors = parse_steps("受理（两个工作日）\n审查（十五个工作日）\n公示（一千个工作日）")
    assert not errors
    # A step lasts at most what the catalogue's step block holds (365 working days).
    assert [(s["name"], s["time_limit"]) for s in steps] == [
        ("受理", 2),
        ("审查", 15),
        ("公示", 365),
    ]
    materials, errors = parse_materials("申请表（原件三份）\n委托书（一百份）")
    assert not errors
    # At most what the catalogue's material block holds (99 copies).
    assert [(m["name"], m["copies"]) for m in materials] == [("申请表", 3), ("委托书", 99)]
    with pytest.raises(ValueError, match="超出了可填写的范围"):
        parse_time_limit("40000")  # more than a time-limit field holds


def test_steps_and_materials_become_stream_blocks():
    steps, errors = parse_steps("第一步：受理\n第二步：审查\n第三步：决定")
    assert [s["name"] for s in steps] == ["受理", "审查", "决定"]
    steps, errors = parse_steps("（1）受理->（2）审核＞（3）办结")
    assert [s["name"] for s in steps] == ["受理", "审核", "办结"]
    assert not errors
    _steps, errors = parse_steps("步" * 101)
    assert errors and "超过 100 字" in errors[0]

    materials, errors = parse_materials(
        "1、营业执照（复印件）\n2、身份证（原件和复印件各1份）；3、委托书（如有）\n4、申请表（2份）"
    )
    assert not errors
    assert [(m["name"], m["form"], m["copies"], m["required"]) for m in materials] == [
        ("营业执照", "copy", 1, True),
        ("身份证", "both", 1, True),
        ("委托书", "original", 1, False),
        ("申请表", "original", 2, True),
    ]


def test_rows_convert_without_a_database():
    rows = [
        Row(2, {"code": "GA-1", "title": "事项", "department": "APPROVAL", "fee_standard": "是"}),
        Row(3, {"code": "GA-2", "title": "事项二", "department": "区行政审批局", "fee_free": "是",
                "fee_standard": "按件收取 10 元"}),
    ]  # fmt: skip
    first, second = rows_to_power_data(rows, {"区行政审批局": "APPROVAL"})
    assert first.data is None
    assert [e.message for e in first.errors] == ["收费事项必须填写收费标准；不收费请填写“不收费”。"]
    assert (second.data.fee_free, second.data.fee_standard) == (False, "按件收取 10 元")
    assert second.data.department_code == "APPROVAL"
    assert second.data.materials is None  # no such column: not touched


def test_open_table_reports_the_sheet_and_streams_rows(tmp_path):
    with open_table(write_xlsx(tmp_path / "list.xlsx", MESSY_ROWS)) as table:
        assert (table.sheet, table.header_row) == ("权力清单", 2)
        rows = table.rows()
        first = next(rows)
        assert first.number == 3
        assert first.values["code"] == CODE
        assert first.values["title"] == "道路货物运输经营许可"
        assert first.values["legal_time_limit"] == "20个工作日"
    with pytest.raises(ImportFileError, match="文件是空的"):
        open_table(b"")


def patch_xlsx(path, member, replacements):
    """Rewrite one part of a saved workbook, to produce what openpyxl cannot write."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    for old, new in replacements:
        assert old in parts[member]
        parts[member] = parts[member].replace(old, new)
    path.write_bytes(_zip(parts))


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_size_limit_is_a_setting_a_district_can_raise(settings):
    """A district whose lists are larger than usual raises IMPORT_MAX_FILE_MB; the message says
    the limit in force."""
    data = ("事项编码,事项名称\n" + "X-1,名称\n" * 200_000).encode()  # about 2.4 MB
    settings.IMPORT_MAX_FILE_MB = 1
    assert "最大 1 MB" in file_error(data)
    settings.IMPORT_MAX_FILE_MB = 5
    assert "文件过大" not in (read(data).file_error or "")
