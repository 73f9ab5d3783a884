"""数据完整度: what each type of power must publish, how complete each power and department is,
and the figure citizens read on the catalogue and the department's page. Only what is live
counts: a draft's content, a power never published and a cancelled power do not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.completeness import (
    PowerCompleteness,
    department_completeness,
    departments_completeness,
    incomplete_powers,
    powers_completeness,
    requirements_table,
    summarise,
)
from catalogue.models import DepartmentPage
from catalogue.services import PowerData, power_upsert, powers_bulk_upsert
from tests.factories import (
    make_department,
    publish_latest_revision,
    publish_power,
    road_transport_licence,
)

pytestmark = pytest.mark.django_db

RIGHTS = "不服的，可以向广安市广安区人民政府申请行政复议，或者向广安区人民法院提起行政诉讼。"
LICENCE_ELEMENTS = [
    "行使依据", "承办机构", "承办岗位", "受理条件", "申请材料", "办理流程", "法定办结时限",
    "承诺办结时限", "办理形式", "结果名称", "相对人权利及救济途径", "投诉举报途径",
]  # fmt: skip


def bare(code, *, department_code="TRANSPORT", power_type="01", title=None) -> PowerData:
    """A power as the provincial list has it: a name, a code and a type."""
    return PowerData(code=code, department_code=department_code, title=title or f"事项 {code}",
                     power_type=power_type)  # fmt: skip


def complete_licence(**overrides) -> PowerData:
    """The road freight licence with every element a licence must publish."""
    return road_transport_licence(service_mode="窗口办理、网上办理", rights_note=RIGHTS,
                                  **overrides)  # fmt: skip


def completeness_of(code):
    return next(p for p in powers_completeness() if p.code == code)


def test_a_licence_with_only_a_name_a_code_and_a_type_is_empty_until_the_department_fills_it():
    make_department(code="QUIET", short_name="区某局", title="广安区某局", complaint_phone="")
    power = publish_power(bare("QUIET-1", department_code="QUIET"))
    found = completeness_of("QUIET-1")
    assert (found.percent, found.present, found.required) == (0, 0, 12)
    assert found.missing_labels == LICENCE_ELEMENTS

    # The department lists the materials: one element of twelve.
    materials = [{"name": "申请表", "form": "original", "copies": 1, "required": True,
                  "note": ""}]  # fmt: skip
    publish_power(PowerData(code="QUIET-1", department_code="QUIET", materials=materials))
    found = completeness_of("QUIET-1")
    assert (found.present, found.percent) == (1, 8) and "申请材料" not in found.missing_labels

    # Everything else, and a fee: charging adds its standard and basis to what is required.
    publish_power(complete_licence(code="QUIET-1", department_code="QUIET", title=power.title,
                                   complaint_channel="区某局监督电话 0826-1234567",
                                   fee_free=False, fee_standard="每证 10 元"))  # fmt: skip
    found = completeness_of("QUIET-1")
    assert (found.required, found.missing_labels) == (13, ["收费标准及依据"])
    publish_power(PowerData(code="QUIET-1", department_code="QUIET",
                            fee_basis="川发改价格〔2020〕1号"))  # fmt: skip
    found = completeness_of("QUIET-1")
    assert found.complete and found.percent == 100


def test_the_departments_complaint_phone_counts_for_its_powers():
    publish_power(bare("PHONE-1"))  # the transport bureau publishes a complaint phone
    found = completeness_of("PHONE-1")
    assert found.missing_labels == [e for e in LICENCE_ELEMENTS if e != "投诉举报途径"]
    assert (found.present, found.percent) == (1, 8)


def test_each_type_requires_its_own_elements():
    """A penalty needs its discretion standards and legal time limit but no application
    elements; an inspection the common ones; a levy its standard and basis."""
    publish_power(complete_licence(code="PENALTY-1", power_type="02", title="对擅自经营的行政处罚",
                                   legal_time_limit=None))  # fmt: skip
    publish_power(complete_licence(code="CHECK-1", power_type="06", title="对经营者的监督检查"))
    publish_power(bare("LEVY-1", power_type="04", title="土地复垦费征收"))
    assert completeness_of("PENALTY-1").missing_labels == ["法定办结时限", "裁量基准"]
    assert completeness_of("CHECK-1").complete
    assert "征收标准及依据" in completeness_of("LEVY-1").missing_labels
    assert "申请材料" not in completeness_of("LEVY-1").missing_labels

    discretion = [{"violation": "未取得许可擅自经营", "circumstance": "首次", "tier": "lighter",
                   "standard": "罚款 3000 元"}]  # fmt: skip
    publish_power(PowerData(code="PENALTY-1", department_code="TRANSPORT", discretion=discretion,
                            legal_time_limit=90))  # fmt: skip
    assert completeness_of("PENALTY-1").complete

    table = {
        tuple(labels): [e.label for e in elements] for labels, elements in requirements_table()
    }
    assert "裁量基准" in table[("行政处罚",)]
    assert "申请材料" in table[("行政给付", "行政确认", "行政奖励", "行政裁决", "公共服务")]
    assert sum(len(labels) for labels in table) == 11  # every type, once


def test_only_live_powers_count_never_a_draft():
    publish_power(complete_licence())
    empty = publish_power(bare("EMPTY-1"))
    # A change filling the empty power waits for the legal office: not counted yet.
    power_upsert(data=complete_licence(code="EMPTY-1", title=empty.title))
    # A power never published and a cancelled one are not counted at all.
    power_upsert(data=complete_licence(code="DRAFT-1", title="尚未审核的草稿事项"))
    publish_power(bare("CANCELLED-1", title="已取消的事项"))
    publish_power(PowerData(code="CANCELLED-1", department_code="TRANSPORT", status="cancelled"))

    transport = DepartmentPage.objects.get(code="TRANSPORT")
    figure = department_completeness(transport)
    assert (figure.powers, figure.complete, figure.incomplete) == (2, 1, 1)
    assert figure.percent == (100 + 8) // 2
    assert [p.code for p in incomplete_powers(transport)] == ["EMPTY-1"]
    assert incomplete_powers(transport)[0].draft_pending  # its editors are told a change waits

    publish_latest_revision("EMPTY-1")  # approved: the figure changes at once
    figure = department_completeness(transport)
    assert (figure.powers, figure.complete, figure.percent) == (2, 2, 100)
    assert incomplete_powers(transport) == []


def test_a_department_shows_100_percent_only_when_every_power_is_complete():
    def power(pk, present, required):
        missing = ("materials",) * (required - present)
        return PowerCompleteness(pk, 7, f"事项{pk}", f"C-{pk}", "01", required, missing)

    powers = [power(n, 12, 12) for n in range(199)] + [power(199, 11, 12)]
    figure = summarise(powers)[7]
    assert (figure.powers, figure.complete, figure.percent) == (200, 199, 99)
    figure = summarise([power(1, 1, 3), power(2, 2, 3)])[7]
    assert figure.percent == 50  # the exact mean, not the mean of rounded shares


def test_the_figures_cost_the_same_few_queries_however_many_powers(django_assert_max_num_queries):
    publish_power(complete_licence())
    with CaptureQueriesContext(connection) as few:
        summarise(powers_completeness())
    powers_bulk_upsert([bare(f"MANY-{n}") for n in range(40)], publish=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        figures = summarise(powers_completeness())
    assert figures[DepartmentPage.objects.get(code="TRANSPORT").pk].powers == 41
    assert len(few.captured_queries) <= 3  # departments, view restrictions, powers

    departments_completeness()
    with django_assert_max_num_queries(0):  # kept in the cache until something is published
        departments_completeness()


def test_citizens_read_each_departments_figure_with_what_it_counts(client):
    publish_power(complete_licence())
    publish_power(bare("EMPTY-1"))
    publish_power(complete_licence(code="APPROVAL-1", department_code="APPROVAL",
                                   title="食品经营许可", citations=[]))  # fmt: skip
    power_upsert(data=complete_licence(code="EMPTY-1", title="事项 EMPTY-1"))  # a draft

    page = client.get("/catalogue/").content.decode()
    assert "各部门信息完整度" in page and "信息完整度怎样计算" in page
    assert "<td>54%</td>" in page  # the transport bureau: (100 + 8) / 2
    assert "<td>91%</td>" in page  # the approval bureau's licence lacks its legal basis

    filtered = client.get("/catalogue/", {"dept": "TRANSPORT"}).content.decode()
    assert "区交通运输局：" in filtered
    assert "信息完整度 <strong>54%</strong>（2 项中 1 项要素齐全）" in filtered

    transport = DepartmentPage.objects.get(code="TRANSPORT")
    page = client.get(transport.url).content.decode()
    assert "信息完整度 <strong>54%</strong>（2 项中 1 项要素齐全）" in page
    assert "只统计已公开的事项" in page and "裁量基准" in page

    publish_latest_revision("EMPTY-1")  # the cached pages and figures are stale at once
    page = client.get(transport.url).content.decode()
    assert "信息完整度 <strong>100%</strong>（2 项中 2 项要素齐全）" in page


def test_a_department_without_public_powers_says_so(client):
    quiet = make_department(code="QUIET", short_name="区某局", title="广安区某局")
    assert department_completeness(quiet).percent is None
    assert "信息完整度：暂无公开的事项" in client.get(quiet.url).content.decode()
