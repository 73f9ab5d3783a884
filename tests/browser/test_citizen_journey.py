"""A citizen on a phone finds a power in the hall and reads its legal basis and flowcharts."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from catalogue.models import PowerPage
from catalogue.services import CitationData
from demo.catalogue import image_from_file
from tests.browser.conftest import axe_violations
from tests.factories import load_base_data, make_topic, publish_power, road_transport_licence

FLOWCHART = Path(settings.BASE_DIR) / "disclosure" / "fixtures" / "flowcharts"


@pytest.fixture
def hall(transactional_db):
    """The hall as `make run` leaves it, in small: laws, departments and a few live powers."""
    load_base_data()
    flowchart = image_from_file(sorted(FLOWCHART.glob("*.png"))[0], title="道路货物运输流程图")
    licence = publish_power(road_transport_licence(flowchart_id=flowchart.pk))
    publish_power(
        road_transport_licence(
            code="CONFIRM-1", title="出租汽车驾驶员从业资格注册", power_type="07", tags=[]
        )
    )
    publish_power(
        road_transport_licence(
            code="PENALTY-1",
            title="对未取得道路运输经营许可擅自从事道路运输经营的行政处罚",
            power_type="02",
            citations=[CitationData(law_title="道路运输条例", articles="第六十三条")],
            discretion=[
                {
                    "violation": "未取得道路运输经营许可擅自从事货运经营",
                    "circumstance": "初次违法",
                    "tier": "lighter",
                    "standard": "处3000元以上5000元以下的罚款",
                },
            ],  # fmt: skip
            tags=[],
        )
    )
    return licence


@pytest.mark.django_db(transaction=True)
def test_a_citizen_filters_the_catalogue_and_reads_a_power(live_server, phone, hall):
    phone.goto(live_server.url + "/")
    expect(phone.locator("h1")).to_have_count(1)
    phone.get_by_role("link", name=re.compile("职权目录")).first.click()
    expect(phone.locator("h1")).to_have_text(re.compile("职权目录"))

    phone.get_by_label("事项类型").select_option("01")
    phone.get_by_role("button", name="筛选").click()
    expect(phone).to_have_url(re.compile(r"type=01"))
    results = phone.locator("main").get_by_role("link", name="道路货物运输经营许可")
    expect(results).to_have_count(1)
    expect(phone.locator("main")).not_to_contain_text("出租汽车驾驶员从业资格注册")

    results.click()
    expect(phone.locator("h1")).to_have_text("道路货物运输经营许可")
    main = phone.locator("main")
    expect(main).to_contain_text("中华人民共和国道路运输条例")
    expect(main).to_contain_text("申请从事货运经营的，应当具备下列条件")
    # The chart drawn from the steps; the department's own picture one click on, as an addition.
    expect(main.locator(".flowchart__svg--narrow svg")).to_be_visible()
    main.get_by_text("部门提供的流程图（补充）").click()
    flowchart = main.locator("img[alt*='流程图']").first
    expect(flowchart).to_be_visible()
    assert flowchart.evaluate("img => img.complete && img.naturalWidth > 0")
    # nothing is wider than the phone's screen but the tables that scroll
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1


@pytest.mark.django_db(transaction=True)
def test_a_citizen_on_a_phone_follows_a_life_event_topic_to_its_powers(live_server, phone, hall):
    make_topic(
        (hall.code, "先取得经营许可"),
        ("CONFIRM-1", "驾驶员上岗前"),
        title="开办货运公司一件事",
        slug="freight",
        audience="准备从事道路货物运输经营的企业",
    )
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name=re.compile("开办货运公司一件事")).click()
    expect(phone.locator("h1")).to_have_text("开办货运公司一件事")
    phone.get_by_role("link", name="高效办成一件事").click()  # the breadcrumb to all topics
    expect(phone).to_have_url(re.compile(r"/topics/$"))
    assert axe_violations(phone) == [], "/topics/"
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1

    phone.locator("main").get_by_role("link", name="开办货运公司一件事").click()
    main = phone.locator("main")
    expect(main).to_contain_text("准备从事道路货物运输经营的企业")
    items = main.locator("ol.steps > li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("第 1 项")
    expect(items.nth(0)).to_contain_text("道路货物运输经营许可")
    expect(items.nth(0)).to_contain_text("区交通运输局")
    expect(items.nth(1)).to_contain_text("驾驶员上岗前")
    assert axe_violations(phone) == [], "topic"
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1

    items.nth(0).get_by_role("link", name="道路货物运输经营许可").click()
    expect(phone.locator("h1")).to_have_text("道路货物运输经营许可")


@pytest.mark.django_db(transaction=True)
def test_the_short_address_leads_to_the_power_page(live_server, phone, hall):
    phone.goto(f"{live_server.url}/p/{hall.code}/")
    expect(phone.locator("h1")).to_have_text("道路货物运输经营许可")


@pytest.mark.django_db(transaction=True)
def test_home_catalogue_and_power_pages_have_no_serious_accessibility_violations(
    live_server, desktop, hall
):
    penalty = PowerPage.objects.get(code="PENALTY-1")
    for path in (
        "/",
        "/catalogue/",
        "/catalogue/?type=02",
        hall.url,
        penalty.url,
        "/adjustments/?all=1",
        "/search/?q=道路运输",
    ):
        desktop.goto(live_server.url + path)
        assert axe_violations(desktop) == [], path
