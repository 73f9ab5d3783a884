"""In the admin, in a real browser: an editor submits a change, the legal office approves it,
and the citizen sees the new content with its public history entry."""

import re

import pytest
from playwright.sync_api import expect

from catalogue.models import PowerPage
from tests.browser.conftest import login
from tests.factories import (
    department_editor,
    legal_office_user,
    load_base_data,
    publish_power,
)


@pytest.fixture
def people(transactional_db):
    load_base_data()
    power = publish_power()
    editor = department_editor()
    reviewer = legal_office_user("fzb")
    return power, editor, reviewer


@pytest.mark.django_db(transaction=True)
def test_a_change_goes_through_the_legal_office_to_the_public(live_server, open_page, people):
    power, editor, reviewer = people
    edit_url = f"{live_server.url}/admin/pages/{power.pk}/edit/"

    page = login(open_page, live_server, editor.username)
    page.goto(edit_url)
    page.fill("#id_change_note", "依据《优化营商环境条例》压缩承诺办结时限")
    page.get_by_role("tab", name="办理流程").click()
    page.fill("#id_promised_time_limit", "3")
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    page.get_by_role("button", name="提交给法制办审核").click()
    expect(page.locator(".messages")).to_contain_text("已经提交进行审核")
    # the editor cannot publish: no publish button anywhere in the action menu
    page.goto(edit_url)
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    expect(
        page.locator("footer").get_by_role("button", name=re.compile("^\\s*发布\\s*$"))
    ).to_have_count(0)
    page.context.close()

    # the citizen still sees the approved content
    public = open_page()
    public.goto(f"{live_server.url}/p/{power.code}/")
    expect(public.locator("main")).not_to_contain_text("压缩承诺办结时限")

    page = login(open_page, live_server, reviewer.username)
    page.goto(edit_url)
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()
    page.get_by_role("button", name=re.compile(r"^\s*批准\s*和发布\s*$")).click()
    expect(page.locator(".messages")).to_contain_text("已被更新")
    expect(page.locator(".messages")).not_to_contain_text("没有权限")
    page.context.close()

    assert PowerPage.objects.get(pk=power.pk).promised_time_limit == 3
    public.goto(f"{live_server.url}/p/{power.code}/")
    main = public.locator("main")
    expect(main).to_contain_text("依据《优化营商环境条例》压缩承诺办结时限")
    expect(main).to_contain_text("承诺办结时限")
    public.close()
