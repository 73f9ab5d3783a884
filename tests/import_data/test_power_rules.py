"""A power's own rules hold in the import exactly as in the admin (PowerPage.power_rule_errors):
a promised time limit no longer than the legal one, a fee with its standard, a code the
catalogue accepts. The import reports them on the row and in the column they concern, in words
that fit a spreadsheet."""

import pytest

from catalogue.models import PowerPage
from import_data.spreadsheet import read_powers

DEPARTMENTS = [("TRANSPORT", "广安市广安区交通运输局", "区交通运输局")]
HEADERS = [
    "事项编码",
    "事项名称",
    "实施主体",
    "法定办结时限",
    "承诺办结时限",
    "是否收费",
    "收费标准",
]


def read(tmp_path, rows):
    path = tmp_path / "清单.csv"
    lines = [",".join(HEADERS)] + [",".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_powers(path, departments=DEPARTMENTS, laws_lookup={})


def power(code, *, legal="20", promised="5", charged="", standard=""):
    return [code, "道路货物运输经营许可", "区交通运输局", legal, promised, charged, standard]


def errors(report):
    return [str(error) for error in report.errors]


def test_a_promise_longer_than_the_law_allows_is_refused_on_its_row(tmp_path):
    report = read(tmp_path, [
        power("GA-1", legal="20个工作日", promised="二十五个工作日"),
        power("GA-2", legal="20个工作日", promised="二十个工作日"),  # as long as the law: fine
        power("GA-3", legal="", promised="25"),  # no legal limit to compare with
    ])  # fmt: skip
    assert errors(report) == ["第 2 行「承诺办结时限」：承诺办结时限不得长于法定办结时限。"]
    assert [item.code for item in report.items] == ["GA-2", "GA-3"]
    assert report.items[0].promised_time_limit == 20


def test_a_charged_power_needs_its_fee_standard(tmp_path):
    report = read(tmp_path, [
        power("GA-1", charged="是"),  # charged, but no standard
        power("GA-2", standard="收费"),  # the same, said in the standard's column
        power("GA-3", charged="是", standard="按件收取 10 元"),
        power("GA-4", standard="不收费"),
    ])  # fmt: skip
    assert errors(report) == [
        "第 2 行「收费标准」：收费事项必须填写收费标准；不收费请填写“不收费”。",
        "第 3 行「收费标准」：收费事项必须填写收费标准；不收费请填写“不收费”。",
    ]
    assert [(item.code, item.fee_free, item.fee_standard) for item in report.items] == [
        ("GA-3", False, "按件收取 10 元"),
        ("GA-4", True, ""),
    ]


def test_contradicting_fee_columns_are_refused_and_a_note_on_a_free_power_is_kept(tmp_path):
    report = read(tmp_path, [
        power("GA-1", charged="否", standard="收费"),
        power("GA-2", charged="是", standard="不收费"),
        power("GA-3", charged="否", standard="免费，工本费由申请人自理"),
    ])  # fmt: skip
    assert errors(report) == [
        "第 2 行「收费标准」：“是否收费”为“否”，但收费标准写的是收费，请核对。",
        "第 3 行「收费标准」：“是否收费”为“是”，但收费标准写的是不收费，请核对。",
    ]
    (kept,) = report.items
    assert (kept.fee_free, kept.fee_standard) == (True, "免费，工本费由申请人自理")


def test_a_code_the_catalogue_would_refuse_is_refused_with_the_catalogues_reason(tmp_path):
    report = read(tmp_path, [power("GA 1"), power("-GA-2"), power("GA-3.v2_0")])
    assert errors(report) == [
        "第 2 行「事项编码」：「GA 1」不是有效的编码。编码只能由字母、数字、连字符（-）、"
        "下划线（_）和点（.）组成，以字母或数字开头，最长 64 位。",
        "第 3 行「事项编码」：「-GA-2」不是有效的编码。编码只能由字母、数字、连字符（-）、"
        "下划线（_）和点（.）组成，以字母或数字开头，最长 64 位。",
    ]
    assert [item.code for item in report.items] == ["GA-3.v2_0"]


@pytest.mark.django_db
def test_the_import_and_the_admin_refuse_the_same_powers(tmp_path):
    """The admin's form runs PowerPage.clean(); the import must refuse what it refuses, for the
    same fields, and accept what it accepts."""
    cases = [
        power("GA-1", legal="10", promised="11"),
        power("GA-2", legal="10", promised="10", charged="是"),
        power("GA-3", legal="10", promised="3", charged="是", standard="每件 5 元"),
    ]
    report = read(tmp_path, cases)
    refused_by_import = {}
    for error in report.errors:
        refused_by_import.setdefault(cases[error.row - 2][0], set()).add(error.column)
    columns = {"promised_time_limit": "承诺办结时限", "fee_standard": "收费标准"}
    for code, legal, promised, charged, standard in [
        ("GA-1", 10, 11, False, ""),
        ("GA-2", 10, 10, True, ""),
        ("GA-3", 10, 3, True, "每件 5 元"),
    ]:
        page = PowerPage(code=code, legal_time_limit=legal, promised_time_limit=promised,
                         fee_free=not charged, fee_standard=standard)  # fmt: skip
        refused_by_admin = {columns[name] for name in page.power_rule_errors()}
        assert refused_by_import.get(code, set()) == refused_by_admin, code
    assert [item.code for item in report.items] == ["GA-3"]
