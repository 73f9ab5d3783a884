"""A department's list says who handles each step of a power, how the step is supervised and
which decisions it may take (准予、不予、补正): three columns line by line with 办理流程. The
import fills each step with them, refuses a word it does not know in Chinese without writing
anything, and an open-data export imports back to the very same steps; a list without these
columns leaves what each step has."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from wagtail.models import Revision

from catalogue.models import PowerPage
from import_data.services import ImportRefused, import_apply, import_preview
from import_data.spreadsheet import Row, read_powers, rows_to_power_data
from tests.factories import make_user, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db

EXISTING = road_transport_licence().code
# A department's own words for the columns (aliases of the template's headers).
HEADERS = ["权力编码", "权力名称", "权力类型", "实施主体", "法定时限", "承诺时限", "办理流程",
           "承办岗位", "监督制约措施", "决定分支"]  # fmt: skip
PROCESS = "受理：窗口核对申请材料\n审查（3个工作日）：审查经营条件\n决定：作出许可决定\n送达"
POSTS = "窗口受理岗\n审核岗\n分管负责人"  # 送达 has no post of its own
SUPERVISION = "受理：一次性告知需补正的全部材料\n决定：法制审核后集体研究\n重大事项报局长办公会"
OUTCOMES = "补正、不予\n\n准予、不予"


def sheet(tmp_path, rows, *, headers=HEADERS, name="交通局权力运行流程.xlsx"):
    book = openpyxl.Workbook()
    book.active.append(["广安区交通运输局行政权力运行流程"])
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def row(code, title="道路旅客运输经营许可", *, process=PROCESS, posts=POSTS,
        supervision=SUPERVISION, outcomes=OUTCOMES):  # fmt: skip
    return [code, title, "行政许可", "区交通运输局", "20个工作日", "5", process, posts,
            supervision, outcomes]  # fmt: skip


def steps_of(code):
    power = PowerPage.objects.get(code=code).get_latest_revision_as_object()
    return [dict(step.value) for step in power.steps]


def parts(steps, *names):
    return [tuple(step[name] for name in names) for step in steps]


@pytest.fixture
def admin(db):
    return make_user("boss", superuser=True)


def test_a_departments_sheet_fills_each_steps_post_supervision_and_branches(tmp_path, admin):
    result = import_apply(sheet(tmp_path, [row("IMP-STEP-1")]), user=admin)
    assert result.created == 1, result.report.messages()
    # 送达 has no fourth line: it is said, not guessed
    assert [str(w) for w in result.report.warnings] == [
        f"第 3 行「{column}」：只有 3 行，办理流程有 4 个环节：依次对应前 3 个环节，"
        "后面的环节（送达）按未填写导入。"
        for column in ("承办岗位", "决定分支")
    ]
    steps = steps_of("IMP-STEP-1")
    assert parts(steps, "name", "post", "time_limit") == [
        ("受理", "窗口受理岗", None), ("审查", "审核岗", 3), ("决定", "分管负责人", None),
        ("送达", "", None),
    ]  # fmt: skip
    # lines written "环节名称：…" go to their step, whatever the order; a line without a
    # step's name continues the point above it
    assert [step["supervision"] for step in steps] == [
        "一次性告知需补正的全部材料", "", "法制审核后集体研究\n重大事项报局长办公会", "",
    ]  # fmt: skip
    # a blank line keeps the place of a step without branches
    assert [step["outcomes"] for step in steps] == [
        ["refuse", "correction"], [], ["approve", "refuse"], [],
    ]  # fmt: skip


def test_branches_may_be_written_in_the_process_itself(tmp_path, admin):
    process = "受理（1个工作日）（补正、不予）\n审查\n决定【准予/不予】：作出许可决定"
    headers = HEADERS[:7]  # no per-step columns at all
    path = sheet(tmp_path, [row("IMP-STEP-2", process=process)[:7]], headers=headers)
    import_apply(path, user=admin)
    steps = steps_of("IMP-STEP-2")
    assert parts(steps, "name", "time_limit", "outcomes", "description") == [
        ("受理", 1, ["refuse", "correction"], ""),
        ("审查", None, [], ""),
        ("决定", None, ["approve", "refuse"], "作出许可决定"),
    ]


def test_an_unknown_branch_is_refused_in_chinese_and_nothing_changes(tmp_path, admin):
    existing = publish_power(road_transport_licence())
    revisions, powers = Revision.objects.count(), PowerPage.objects.count()
    wrong = sheet(tmp_path, [
        row("IMP-STEP-3"),
        row(EXISTING, "道路货物运输经营许可", outcomes="补正、不予\n移送\n准予、不予"),
    ])  # fmt: skip

    preview = import_preview(wrong)
    assert not preview.ok
    assert [str(e) for e in preview.report.errors] == [
        "第 4 行「决定分支」：第 2 个环节（审查）的决定分支「移送」无法识别；请填写准予、不予、"
        "补正中的一个或几个，用顿号分隔，没有分支的环节留空。"
    ]
    with pytest.raises(ImportRefused, match="「移送」无法识别"):
        import_apply(wrong, user=admin)
    assert (Revision.objects.count(), PowerPage.objects.count()) == (revisions, powers)
    assert steps_of(EXISTING) == [dict(step.value) for step in existing.steps]

    corrected = sheet(tmp_path, [
        row("IMP-STEP-3"),
        row(EXISTING, "道路货物运输经营许可", outcomes="补正、不予\n不予受理\n准予、不予"),
    ], name="改正后.xlsx")  # fmt: skip
    result = import_apply(corrected, user=admin)
    assert (result.created, result.changed) == (1, 1)
    assert [step["outcomes"] for step in steps_of(EXISTING)] == [
        ["refuse", "correction"], ["refuse"], ["approve", "refuse"], [],
    ]  # fmt: skip


def test_a_column_with_more_lines_than_steps_is_a_row_error():
    def convert(**cells):
        values = {"code": "GA-1", "title": "事项", "department": "区交通运输局",
                  "steps": "受理\n决定", **cells}  # fmt: skip
        (result,) = rows_to_power_data([Row(2, values)], {"区交通运输局": "TRANSPORT"})
        return [str(e) for e in result.errors], result.data, [str(w) for w in result.warnings]

    errors, data, _warnings = convert(step_posts="窗口受理岗\n审核岗\n分管负责人")
    assert data is None
    assert errors == [
        "第 2 行「环节承办岗位」：有 3 行，但办理流程只有 2 个环节；请每个环节一行"
        "（没有的留空行），或写成“环节名称：…”。"
    ]
    # a line without a step's name continues the supervision above it, said when it looks
    # like a step that the process does not have
    errors, data, warnings = convert(step_supervision="受理：一次性告知\n审查：限时办结")
    assert not errors and data.steps[0]["supervision"] == "一次性告知\n审查：限时办结"
    assert warnings == [
        "第 2 行「监督制约环节」：单元格中第 2 行「审查：限时办结」按上一环节（受理）的内容"
        "导入；「审查」不是办理流程中的环节（办理流程的环节是：受理、决定）。"
    ]
    errors, _data, _warnings = convert(steps="", step_outcomes="准予")
    assert errors == ["第 2 行「环节决定分支」：办理流程没有环节，本列无法对应；请先填写办理流程。"]
    errors, data, _warnings = convert(step_outcomes="受理：补正\n决定：准予、不予")
    assert not errors and [s["outcomes"] for s in data.steps] == [
        ["correction"], ["approve", "refuse"],
    ]  # fmt: skip


def test_department_words_for_the_columns_and_the_branches_are_understood():
    from import_data.columns import column_for_header
    from import_data.spreadsheet import parse_outcomes

    for header, key in [
        ("环节承办岗位", "step_posts"), ("承办岗位", "step_posts"), ("责任岗位", "step_posts"),
        ("监督制约环节", "step_supervision"), ("廉政风险防控措施", "step_supervision"),
        ("环节决定分支", "step_outcomes"), ("决定分支（准予/不予/补正）", "step_outcomes"),
    ]:  # fmt: skip
        assert column_for_header(header).key == key, header
    assert parse_outcomes("准予、不予、补正") == (["approve", "refuse", "correction"], [])
    assert parse_outcomes("不予受理；退回补正") == (["refuse", "correction"], [])
    assert parse_outcomes("准予许可或者不予许可") == (["approve", "refuse"], [])
    assert parse_outcomes("无") == ([], [])
    assert parse_outcomes("准予、移送") == (["approve"], ["移送"])


# --- Round trip through the open data ------------------------------------------------------------

DETAILED_STEPS = [
    {"name": "受理", "post": "窗口受理岗", "description": "核对申请材料\n当场告知是否受理",
     "time_limit": 0, "supervision": "一次性告知需补正的全部材料", "outcomes":
     ["refuse", "correction"]},
    {"name": "审查", "post": "", "description": "审查经营条件", "time_limit": 3,
     "supervision": "两人以上共同审查\n限时办结，超期预警", "outcomes": []},
    {"name": "决定", "post": "分管负责人", "description": "作出许可决定", "time_limit": 1,
     "supervision": "法制审核后集体研究", "outcomes": ["approve", "refuse"]},
]  # fmt: skip


def download(client, fmt):
    response = client.get(reverse("open_data_download", args=[fmt]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def exported_rows(client):
    text = download(client, "csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_an_exported_sheet_imports_back_to_the_same_steps(client, tmp_path, admin):
    publish_power(road_transport_licence(steps=DETAILED_STEPS))
    (exported,) = exported_rows(client)
    # one line per step where that reads back; "环节名称：…" where a value has line breaks
    assert exported["环节承办岗位"] == "窗口受理岗\n\n分管负责人"
    assert exported["环节决定分支"] == "不予、补正\n\n准予、不予"
    assert exported["监督制约环节"] == (
        "受理：一次性告知需补正的全部材料\n审查：两人以上共同审查\n限时办结，超期预警\n"
        "决定：法制审核后集体研究"
    )

    # the same sheet as a new power's: every part of every step is the file's own
    for fmt in ("csv", "xlsx"):
        code = f"COPY-{fmt.upper()}"
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(download(client, fmt))
        if fmt == "csv":
            path.write_text(path.read_text("utf-8-sig").replace(EXISTING, code), "utf-8-sig")
        else:
            book = openpyxl.load_workbook(path)
            book.active["A2"] = code
            book.save(path)
        result = import_apply(path, user=admin, publish=True)
        assert result.created == 1, result.report.messages()
        copied = steps_of(code)
        expected = [{**step, "description": " ".join(step["description"].split())}
                    for step in DETAILED_STEPS]  # fmt: skip
        assert copied == expected, fmt  # a content's line break is a space in one cell


def test_an_edited_export_changes_only_what_was_edited(client, tmp_path, admin):
    publish_power(road_transport_licence(steps=DETAILED_STEPS))
    path = tmp_path / "export.csv"
    path.write_bytes(download(client, "csv"))
    text = path.read_text("utf-8-sig").replace("窗口受理岗", "综合窗口受理岗")
    path.write_text(text, "utf-8-sig")

    preview = import_preview(path)
    assert (preview.changed, preview.unchanged) == (1, 0)
    assert preview.changes[0].fields == ["办理流程"]
    import_apply(path, user=admin, publish=True)
    expected = [dict(step) for step in DETAILED_STEPS]
    expected[0]["post"] = "综合窗口受理岗"
    assert steps_of(EXISTING) == expected  # line breaks in the content and supervision kept


def test_a_sheet_without_the_new_columns_keeps_each_steps_post_supervision_and_branches(
    tmp_path, admin
):
    publish_power(road_transport_licence(steps=DETAILED_STEPS))
    old_format = HEADERS[:7]
    process = "受理：核对申请材料\n审查：审查经营条件和车辆\n决定：作出许可决定"
    path = sheet(tmp_path, [row(EXISTING, "道路货物运输经营许可", process=process)[:7]],
                 headers=old_format)  # fmt: skip
    import_apply(path, user=admin, publish=True)
    steps = steps_of(EXISTING)
    assert [step["description"] for step in steps] == [
        "核对申请材料", "审查经营条件和车辆", "作出许可决定",
    ]  # fmt: skip
    assert parts(steps, "post", "supervision", "outcomes") == parts(
        DETAILED_STEPS, "post", "supervision", "outcomes"
    )


def test_steps_saved_before_they_had_branches_are_unchanged_by_a_blank_branch_column(
    tmp_path, admin
):
    """Steps written before 决定分支 existed have no value for it; the new template's blank
    column says the same: nothing is written, and a power in review is no obstacle."""
    from catalogue.services import power_upsert
    from review.services import power_submit

    steps = [{key: value for key, value in step.items() if key != "outcomes"}
             for step in road_transport_licence().steps]  # fmt: skip
    power = publish_power(road_transport_licence(steps=steps))
    title = "道路货物运输经营许可（修订）"
    power_upsert(data=road_transport_licence(title=title, steps=None), user=admin)
    power_submit(power=PowerPage.objects.get(pk=power.pk), user=admin)  # now in review
    revisions = Revision.objects.count()

    process = (
        "受理（1个工作日）：核对材料\n审查（3个工作日）：审查条件\n决定（1个工作日）：作出决定"
    )
    cells = row(EXISTING, title, process=process,
                posts="窗口受理岗\n审核岗\n分管领导", supervision="一次性告知\n限时办结\n集体研究",
                outcomes="")  # fmt: skip
    result = import_apply(sheet(tmp_path, [cells]), user=admin)
    assert (result.changed, result.unchanged) == (0, 1), result.changes
    assert Revision.objects.count() == revisions


def test_the_template_shows_the_columns_with_an_example():
    from import_data.template import template_workbook

    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    header, first = book["事项清单"].iter_rows(max_row=2, values_only=True)
    example = {head.rstrip("*"): value for head, value in zip(header, first, strict=True)}
    assert example["环节决定分支"] == "补正、不予\n\n准予、不予"
    notes = [row[0] for row in book["填写说明"].iter_rows(values_only=True)]
    assert {"环节承办岗位", "监督制约环节", "环节决定分支"} <= set(notes)
    # the example row itself imports, with its branches
    report = read_powers(io.BytesIO(template_workbook()), "模板.xlsx", keep_items=True)
    assert report.ok, report.messages()
    assert [s["outcomes"] for s in report.items[0].steps] == [
        ["refuse", "correction"], [], ["approve", "refuse"],
    ]  # fmt: skip
