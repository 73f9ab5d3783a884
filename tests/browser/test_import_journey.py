"""In a real browser: a content administrator uploads a department's list, reads the preview,
confirms, and sees the powers go to the legal office."""

import re

import pytest
from playwright.sync_api import expect

from catalogue.models import PowerPage
from tests.browser.conftest import login
from tests.factories import content_admin_user, load_base_data
from tests.import_data.test_admin_import import work
from tests.import_data.test_import import HEADERS, row


@pytest.fixture
def importer(transactional_db):
    load_base_data()
    return content_admin_user("content")


@pytest.mark.django_db(transaction=True)
def test_a_content_administrator_imports_a_departments_list(
    live_server, open_page, importer, tmp_path
):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(row("WEB-1", "道路旅客运输经营许可"))
    book.active.append(row("WEB-2", "出租汽车经营许可"))
    path = tmp_path / "交通局清单.xlsx"
    book.save(path)

    page = login(open_page, live_server, importer.username)
    page.get_by_role("link", name="批量导入").first.click()
    expect(page.get_by_role("link", name=re.compile("下载导入模板"))).to_be_visible()
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("main")).to_contain_text("排队中")
    job_url = page.url

    # The page refreshes itself while the job runs; leave it while the worker writes (the
    # test database is one SQLite file in memory, shared with the server's thread).
    page.goto("about:blank")
    work()  # the background worker
    page.goto(job_url)
    expect(page.locator("main")).to_contain_text("新增 2，修改 0，未变 0")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("排队中")
    page.goto("about:blank")
    work()
    page.goto(job_url)
    expect(page.locator("main")).to_contain_text("2 个事项已提交法制办审核")
    assert all(p.workflow_in_progress for p in PowerPage.objects.filter(code__startswith="WEB-"))
