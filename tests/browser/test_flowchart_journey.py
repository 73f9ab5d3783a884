"""A citizen opens a power's generated flowchart on a phone and a desktop, and prints its guide."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.factories import load_base_data, publish_power, road_transport_licence

STEPS = [
    {"name": "受理", "post": "窗口受理岗", "description": "核对申请材料是否齐全、符合法定形式",
     "time_limit": 1, "supervision": "材料不全的当场一次性告知需要补正的全部内容",
     "outcomes": ["approve", "refuse", "correction"]},
    {"name": "审查", "post": "审核岗", "description": "审查车辆、驾驶人员和安全生产管理制度",
     "time_limit": 3, "supervision": "审查人员与申请人有利害关系的应当回避", "outcomes": []},
    {"name": "决定", "post": "分管领导", "description": "作出准予或者不予许可的书面决定",
     "time_limit": 1, "supervision": "审批分离；不予许可的说明理由",
     "outcomes": ["approve", "refuse"]},
]  # fmt: skip


@pytest.fixture
def licence(transactional_db):
    load_base_data()
    return publish_power(road_transport_licence(steps=STEPS))


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_chart_is_stacked_readable_and_its_text_selectable(
    live_server, phone, licence
):
    phone.goto(live_server.url + licence.url)
    phone.get_by_role("link", name="流程图").first.click()
    narrow = phone.locator(".flowchart__svg--narrow svg")
    expect(narrow).to_be_visible()
    expect(phone.locator(".flowchart__svg--wide svg")).to_be_hidden()
    expect(phone.locator(".flowchart__svg--print svg")).to_be_hidden()
    box = narrow.bounding_box()
    assert box["width"] <= 390 and box["width"] >= 300  # fills the phone, no wider
    assert no_sideways_scroll(phone)
    # Real text: the step's post is a text node of the drawing, found and selected as text.
    post = narrow.locator("text", has_text="承办岗位：窗口受理岗")
    expect(post).to_be_visible()
    selected = phone.evaluate(
        """() => { const node = [...document.querySelectorAll('.flowchart__svg--narrow text')]
             .find(t => t.textContent.includes('窗口受理岗'));
           const range = document.createRange(); range.selectNodeContents(node);
           const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
           return sel.toString(); }"""
    )
    assert "窗口受理岗" in selected
    # The branches the steps declare, and the supervision points, are drawn.
    for words in ("补正", "不予受理", "不予许可", "监督制约"):
        expect(narrow.locator("text", has_text=words).first).to_be_visible()
    assert axe_violations(phone) == []


@pytest.mark.django_db(transaction=True)
def test_on_a_desktop_the_chart_has_supervision_beside_each_step_and_prints_as_a_guide(
    live_server, desktop, licence
):
    desktop.goto(live_server.url + licence.url)
    wide = desktop.locator(".flowchart__svg--wide svg")
    wide.scroll_into_view_if_needed()
    expect(wide).to_be_visible()
    expect(desktop.locator(".flowchart__svg--narrow svg")).to_be_hidden()
    step = wide.locator("rect.step-1").bounding_box()
    supervision = wide.locator("rect.supervision-1").bounding_box()
    assert supervision["x"] > step["x"] + step["width"]  # beside, not below
    assert axe_violations(desktop) == []

    # The chart as a file, for saving or sending on.
    svg = desktop.request.get(live_server.url + f"/p/{licence.code}/flowchart.svg")
    assert svg.ok and "受理" in svg.text()
    png = desktop.request.get(live_server.url + f"/p/{licence.code}/flowchart.png")
    assert png.ok and png.body()[:4] == b"\x89PNG"

    # Printed: the chart across the page in the steps' place, with the QR code of the link.
    desktop.emulate_media(media="print")
    expect(desktop.locator(".flowchart__svg--print svg")).to_be_visible()
    expect(desktop.locator("#process")).to_be_hidden()
    expect(desktop.locator(".share__qr svg")).to_be_visible()
    desktop.emulate_media(media="screen")

    # The PDF of the guide, made on the server.
    link = desktop.get_by_role("link", name="下载 PDF（A4 一页）")
    expect(link).to_be_visible()
    pdf = desktop.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
