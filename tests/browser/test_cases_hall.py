"""A citizen applies online from their phone with a PDF, keeps the receipt, and looks the case
up with its number and password; 办件公示 and a case's page read well on the phone."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases import services
from cases.applicants import Applicant
from cases.models import Case, Result, State
from cases.services import Actor
from tests.browser.conftest import axe_violations
from tests.cases.conftest import holder
from tests.factories import load_base_data, publish_power, road_transport_licence

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# Set CASES_SCREENSHOTS=/some/dir to keep screenshots of each page for a look.
SHOTS = os.environ.get("CASES_SCREENSHOTS", "")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def licence(transactional_db):
    load_base_data()
    return publish_power(road_transport_licence(online_depth=4))


@pytest.mark.django_db(transaction=True)
def test_a_citizen_applies_online_on_a_phone_and_looks_the_case_up(
    live_server, phone, licence, open_page
):
    phone.goto(live_server.url + licence.url)
    expect(phone.locator("#cases")).to_contain_text("年受理")
    if SHOTS:
        phone.locator("#cases").screenshot(path=str(Path(SHOTS) / "power-figures.png"))
    phone.locator(".power__apply").get_by_role("link", name="网上申报").click()
    expect(phone.locator("h1")).to_have_text("网上申报")

    phone.get_by_label("申请人姓名或名称").fill("欧阳娜娜")
    phone.get_by_label("证件号码").fill("110105194912310021")  # a wrong check digit
    phone.get_by_label("联系电话").fill("13912345678")
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator("#ap-id-no-error")).to_contain_text("校验码")
    expect(phone.locator(".field-error").last).to_contain_text("请上传")
    shot(phone, "apply-errors")
    assert axe_violations(phone) == []

    phone.get_by_label("证件号码").fill("11010519491231002X")
    phone.locator("input[type=file]").first.set_input_files(
        {"name": "申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    phone.get_by_role("button", name="提交申请").click()
    expect(phone.locator(".case-receipt__title")).to_have_text("受理回执")
    number = phone.locator(".case-receipt__number").inner_text()
    password = phone.locator(".case-receipt__password").inner_text()
    assert re.fullmatch(r"BJ\d{8}-[0-9A-Z]{6}", number) and re.fullmatch(r"\d{6}", password)
    expect(phone.locator(".case-receipt__qr svg")).to_be_visible()
    assert password not in phone.url
    shot(phone, "receipt")
    if SHOTS:  # the receipt as printed on A4
        paper = open_page(viewport={"width": 794, "height": 1123})
        paper.goto(live_server.url + "/cases/")
        paper.set_content(phone.content())
        paper.emulate_media(media="print")
        shot(paper, "receipt-print")
    assert axe_violations(phone) == []
    case = Case.objects.get(case_no=number)
    assert case.state == State.SUBMITTED and case.materials.get().file

    phone.get_by_role("link", name="查询办理进度").click()
    expect(phone.get_by_label("办件编号")).to_have_value(number)
    phone.get_by_label(re.compile("查询密码")).fill(password)
    phone.get_by_role("button", name="查询").click()
    expect(phone.locator(".lookup-result")).to_contain_text("待受理")
    expect(phone.locator(".lookup-result")).to_contain_text("等待部门受理")
    shot(phone, "lookup")
    assert axe_violations(phone) == []


@pytest.mark.django_db(transaction=True)
def test_public_display_reads_well_on_a_phone_without_personal_data(live_server, phone, licence):
    window, reviewer = holder("window", "窗口受理岗"), holder("reviewer", "审核岗")
    head = holder("head", "分管领导", heads=("分管领导",))
    person = Applicant.clean({"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X",
                              "contact_phone": "13912345678"})  # fmt: skip
    case = services.window_open(licence, person, user=window).case
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                           result=Result.GRANTED)  # fmt: skip
    services.window_open(licence, person, user=window)

    phone.goto(live_server.url + "/cases/")
    expect(phone.locator("h1")).to_have_text("办件公示")
    expect(phone.locator(".case-table")).to_contain_text("欧阳**")
    body = phone.locator("body").inner_text()
    assert "欧阳娜娜" not in body and "1391234" not in body and "1101051949" not in body
    shot(phone, "case-list")
    assert axe_violations(phone) == []
    phone.get_by_role("link", name=case.case_no).click()
    expect(phone.locator(".case-steps")).to_contain_text("审核岗")
    phone.locator(".case-due__how summary").click()
    expect(phone.locator(".case-due__how")).to_contain_text("起算")
    shot(phone, "case-page")
    assert axe_violations(phone) == []
