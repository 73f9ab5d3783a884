"""An integrator (the city's portal, a mobile app) shows a power's process and its chart: each
step says the decisions it may take, and the detail gives the addresses of the flowchart the
hall draws from the steps — none for a power without steps."""

import pytest
from django.urls import reverse

from tests.factories import publish_power, road_transport_licence

pytestmark = pytest.mark.django_db
CODE = road_transport_licence().code
STEPS = [
    {"name": "受理", "post": "窗口受理岗", "description": "核对材料", "time_limit": 1,
     "supervision": "一次性告知", "outcomes": ["refuse", "correction"]},
    # a step saved before steps had branches
    {"name": "审查", "post": "审核岗", "description": "审查条件", "time_limit": 3,
     "supervision": "限时办结"},
    {"name": "决定", "post": "分管负责人", "description": "作出决定", "time_limit": 1,
     "supervision": "集体研究", "outcomes": ["approve", "refuse"]},
]  # fmt: skip


def detail(client, code=CODE):
    response = client.get(f"/api/v3/powers/{code}/")
    assert response.status_code == 200, response.content.decode()[:500]
    return response.json()


def test_each_step_says_its_branches_and_the_detail_links_the_chart_drawn_from_them(client):
    publish_power(road_transport_licence(steps=STEPS))
    power = detail(client)
    assert [step["outcomes"] for step in power["steps"]] == [
        [{"code": "refuse", "label": "不予"}, {"code": "correction", "label": "补正"}],
        [],
        [{"code": "approve", "label": "准予"}, {"code": "refuse", "label": "不予"}],
    ]
    assert [(s["post"], s["supervision"]) for s in power["steps"]] == [
        ("窗口受理岗", "一次性告知"), ("审核岗", "限时办结"), ("分管负责人", "集体研究"),
    ]  # fmt: skip
    # site-relative, like the power's own url; the hall's chart addresses
    assert power["generated_flowchart"] == {
        "svg": f"/p/{CODE}/flowchart.svg",
        "png": f"/p/{CODE}/flowchart.png",
    }
    assert power["generated_flowchart"]["png"] == reverse(
        "power_flowchart_png", kwargs={"code": CODE}
    )
    assert power["flowchart"] is None  # the department uploaded no picture of its own


def test_a_power_without_steps_has_no_chart(client):
    publish_power(road_transport_licence(steps=[]))
    power = detail(client)
    assert power["steps"] == [] and power["generated_flowchart"] is None


def test_the_document_describes_the_branches_and_the_chart(client):
    schemas = client.get("/api/v3/openapi.json").json()["components"]["schemas"]
    outcomes = schemas["Step"]["properties"]["outcomes"]
    assert outcomes["items"] == {"$ref": "#/components/schemas/Choice"}
    for code_and_label in ("approve 准予", "refuse 不予", "correction 补正"):
        assert code_and_label in outcomes["description"]
    chart = schemas["PowerDetail"]["properties"]["generated_flowchart"]
    assert "没有办理流程时为 null" in chart["description"]
    assert set(schemas["GeneratedFlowchart"]["required"]) == {"svg", "png"}
