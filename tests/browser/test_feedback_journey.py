"""A citizen complains from their phone, the department answers in the admin, and the citizen
finds the answer with the tracking number; the complaint then shows on the power page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, login
from tests.factories import department_editor, load_base_data, publish_power


@pytest.fixture
def people(transactional_db):
    load_base_data()
    return publish_power(), department_editor()


@pytest.mark.django_db(transaction=True)
def test_a_complaint_is_answered_and_the_citizen_reads_the_answer(
    live_server, open_page, phone, people
):
    power, editor = people
    phone.goto(live_server.url + power.url)
    section = phone.locator("#feedback")
    expect(section).to_contain_text("还没有评价")
    section.get_by_label("不满意", exact=True).check()
    section.get_by_label("类别").select_option(label="投诉")
    # a complaint without words comes back with the reason, the choices kept
    section.get_by_role("button", name="提交").click()
    expect(phone.locator(".field-error")).to_contain_text("投诉需要写明具体内容")
    form = phone.locator("form.feedback-form")
    expect(form.get_by_label("不满意", exact=True)).to_be_checked()
    form.get_by_label("意见内容").fill("窗口让我跑了三趟才收齐材料。")
    form.locator("summary").click()
    form.get_by_label("手机号码", exact=True).fill("13800138000")
    form.get_by_role("button", name="提交").click()
    expect(phone.locator("h1")).to_have_text("已收到您的投诉")
    number = phone.locator(".receipt__number").inner_text()
    assert re.fullmatch(r"PJ\d{8}-[0-9A-Z]{4}", number)
    expect(phone.locator("main")).to_contain_text("前答复")

    admin = login(open_page, live_server, editor.username)
    admin.get_by_role("link", name="公众评议").first.click()
    expect(admin.locator("main")).to_contain_text("138****8000")
    admin.get_by_role("link", name=number).click()
    admin.get_by_label("答复内容").fill("已核实并致歉，材料清单已在窗口和网上公开。")
    admin.get_by_label("意见是否公开").select_option(label="连同答复在事项页面公开")
    admin.get_by_role("button", name="保存答复").click()
    expect(admin.locator("body")).to_contain_text("答复已保存")

    phone.goto(live_server.url + "/feedback/lookup/")
    phone.get_by_label("受理编号").fill(number.lower())
    phone.get_by_label(re.compile("手机号码后四位")).fill("8000")
    phone.get_by_role("button", name="查询").click()
    expect(phone.locator(".lookup-result")).to_contain_text("材料清单已在窗口和网上公开")
    phone.goto(live_server.url + power.url)
    section = phone.locator("#feedback")
    expect(section).to_contain_text("满意率 0.0%")
    expect(section).to_contain_text("窗口让我跑了三趟才收齐材料。")
    expect(section).not_to_contain_text("13800138000")
    assert axe_violations(phone) == []
