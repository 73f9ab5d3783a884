"""电子监察 in the browser: a case goes late, the sweep shows its red card; the legal office
drills down from the dashboard to the warning and issues a 督办单; the department's reviewer
answers it; the legal office accepts it and the warning is cleared; 纪检监察 records a finding,
which /performance/ counts (on a phone, with its charts), without the person's name."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.applicants import Applicant
from cases.models import CaseStep
from supervision.models import Alert, Finding, OrderState, SupervisionOrder
from supervision.sweep import sweep
from tests.browser.conftest import login
from tests.cases.conftest import holder
from tests.factories import (
    legal_office_user,
    load_base_data,
    publish_power,
    road_transport_licence,
    supervisor_user,
)

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
# What sticks out beyond a phone's screen (for the message when something does).
WIDER_THAN_THE_SCREEN = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > 392 && !e.closest(".table-wrap"))
  .slice(0, 5).map(e => e.tagName + " " + e.textContent.slice(0, 30))"""


@pytest.mark.django_db(transaction=True)
def test_late_case_red_card_order_answer_accept_finding_performance(live_server, phone, open_page):
    load_base_data()
    licence = publish_power(road_transport_licence(online_depth=4))
    window = holder("window", "窗口受理岗")
    holder("reviewer", "审核岗")
    legal_office_user("fzb")
    supervisor_user("jjjc")
    case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=6))  # fmt: skip
    sweep()  # the morning's sweep

    # The legal office sees the red card on 电子监察 and drills down to the case's warning.
    fzb = login(open_page, live_server, "fzb")
    fzb.goto(f"{live_server.url}/admin/supervision/")
    expect(fzb.locator("#warnings")).to_be_visible()
    fzb.locator("a[href*='level=red']").first.click()
    fzb.get_by_role("link", name=re.compile(case.case_no)).first.click()
    expect(fzb.locator("main")).to_contain_text("环节超期")
    expect(fzb.get_by_role("link", name=case.case_no)).to_be_visible()  # to the case itself
    fzb.get_by_role("link", name="督办", exact=True).click()
    fzb.get_by_label("督办事项及整改要求").fill("立即完成审查环节，书面说明超期原因。")
    fzb.get_by_label("办理时限（工作日）").fill("3")
    fzb.get_by_role("button", name="发出督办").click()
    expect(fzb.locator(".messages")).to_contain_text("已发出督办单")
    order = SupervisionOrder.objects.get()

    # The department's reviewer answers from the order's page.
    reviewer = login(open_page, live_server, "reviewer")
    reviewer.goto(f"{live_server.url}/admin/supervision/orders/")
    reviewer.get_by_role("link", name=order.number).click()
    reviewer.get_by_label("整改情况").fill("已完成审查；超期系等待车辆检测报告，已建立提醒。")
    reviewer.get_by_role("button", name="回复督办").click()
    expect(reviewer.locator(".messages")).to_contain_text("已回复督办")

    # The legal office accepts: the 督办单 is closed and the warning cleared.
    fzb.goto(f"{live_server.url}/admin/supervision/orders/{order.pk}/")
    fzb.get_by_label(re.compile("审查意见")).fill("整改到位")
    fzb.get_by_role("button", name="审查通过，办结").click()
    expect(fzb.locator(".messages")).to_contain_text("审查办结")
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert not Alert.objects.get(rule__code="step_overdue").is_open

    # 纪检监察 records a finding from the 督办单.
    jjjc = login(open_page, live_server, "jjjc")
    jjjc.goto(f"{live_server.url}/admin/supervision/orders/{order.pk}/")
    jjjc.get_by_role("link", name="追究责任").click()
    jjjc.get_by_label("责任岗位").fill("审核岗")
    jjjc.get_by_label("责任人").fill("李审核")
    jjjc.get_by_label("过错种类").select_option(label="超期办理")
    jjjc.get_by_label("处理措施").select_option(label="批评教育")
    jjjc.get_by_label("过错事实").fill("审查环节超期 6 天。")
    jjjc.get_by_role("button", name="记录").click()
    expect(jjjc.locator(".messages")).to_contain_text("已记录过错责任追究")
    assert Finding.objects.get().order == order

    # /performance/ counts it this month, on a phone: chart, table, no names.
    month = timezone.localdate().strftime("%Y-%m")
    phone.goto(f"{live_server.url}/performance/?period={month}")
    expect(phone.locator("h1")).to_have_text("部门绩效评估")
    expect(phone.locator("svg.chart--bars title")).to_contain_text("各部门得分")
    row = phone.locator("table.data-table tbody tr").filter(has_text="交通运输局").first
    expect(row).to_be_visible()
    assert row.locator("td").nth(-2).inner_text().strip() == "1"  # findings
    expect(phone.locator("main")).not_to_contain_text("李审核")
    width = phone.evaluate("document.documentElement.scrollWidth")
    wide = phone.evaluate(WIDER_THAN_THE_SCREEN)
    assert width <= 390 + 1, wide  # the page fits the phone (tables scroll inside their region)
