"""The whole journey of a case, in the browser: a citizen applies online on a phone, the window
accepts it in the admin, each post completes its step from its to-do list, and the citizen looks
the case up and rates it once; the rating appears on /evaluation/ as a verified one."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, State
from feedback.models import Feedback
from tests.browser.conftest import login
from tests.cases.conftest import holder
from tests.factories import load_base_data, publish_power, road_transport_licence

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.mark.django_db(transaction=True)
def test_apply_online_accept_complete_each_step_look_up_and_rate(live_server, phone, open_page):
    load_base_data()
    licence = publish_power(road_transport_licence(online_depth=4))
    holder("window", "窗口受理岗")
    holder("reviewer", "审核岗")
    holder("head", "分管领导", heads=("分管领导",))

    # The citizen applies from the power's page.
    phone.goto(live_server.url + licence.url)
    phone.locator(".power__apply").get_by_role("link", name="网上申报").click()
    phone.get_by_label("申请人姓名或名称").fill("欧阳娜娜")
    phone.get_by_label("证件号码").fill("11010519491231002X")
    phone.get_by_label("联系电话").fill("13912345678")
    phone.locator("input[type=file]").first.set_input_files(
        {"name": "申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    phone.get_by_role("button", name="提交申请").click()
    number = phone.locator(".case-receipt__number").inner_text()
    password = phone.locator(".case-receipt__password").inner_text()

    # The window finds it waiting, opens the uploaded material and accepts it.
    window = login(open_page, live_server, "window")
    window.goto(f"{live_server.url}/admin/cases/?tab=todo")
    window.get_by_role("link", name=number).click()
    expect(window.locator("main")).to_contain_text("待受理")
    expect(window.locator("main")).to_contain_text("1101**********002X")
    with window.expect_download() as download:
        window.get_by_role("link", name=re.compile("下载")).click()
    assert download.value.path().read_bytes() == PDF
    window.get_by_role("button", name="受理", exact=True).click()
    expect(window.locator(".messages")).to_contain_text("已受理")

    # The reviewer completes 审查 from the to-do list; the head decides and finishes it.
    reviewer = login(open_page, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/admin/cases/?tab=todo")
    reviewer.get_by_role("link", name=number).click()
    reviewer.get_by_label("办理意见").fill("车辆、人员条件符合规定")
    reviewer.get_by_role("button", name="完成本环节，转下一环节").click()
    expect(reviewer.locator(".messages")).to_contain_text("已转下一环节")

    head = login(open_page, live_server, "head")
    head.goto(f"{live_server.url}/admin/cases/?tab=todo")
    head.get_by_role("link", name=number).click()
    head.get_by_label("办理意见").fill("准予许可")
    head.get_by_label("办结结果").select_option(label="准予")
    head.get_by_role("button", name="办结").click()
    expect(head.locator(".messages")).to_contain_text("已办结")
    case = Case.objects.get(case_no=number)
    assert case.state == State.FINISHED and case.on_time

    # The citizen looks it up and rates it, once.
    phone.goto(f"{live_server.url}/cases/lookup/?no={number}")
    phone.get_by_label(re.compile("查询密码")).fill(password)
    phone.get_by_role("button", name="查询").click()
    expect(phone.locator(".lookup-result")).to_contain_text("办结")
    phone.get_by_label("非常满意").check()
    phone.get_by_role("button", name=re.compile("提交评价")).click()
    expect(phone.locator("main")).to_contain_text("感谢")
    assert Feedback.objects.get(case_no=number).rating == 5

    # 办件公示 shows it, masked; the evaluation results count it as verified.
    phone.goto(f"{live_server.url}/cases/{number}/")
    body = phone.locator("body").inner_text()
    assert "欧阳**" in body and "欧阳娜娜" not in body and "13912345678" not in body
    phone.goto(f"{live_server.url}/evaluation/?period={timezone.localdate():%Y-%m}")
    expect(phone.locator("main")).to_contain_text("办件评价")
