"""In a real browser: the transport bureau's clerk uploads last month's offline cases, reads
the preview and confirms; the cases are recorded as 补录."""

import pytest
from playwright.sync_api import expect

from access.posts import posts_assign
from cases.models import Case, Channel, State
from catalogue.models import DepartmentPage
from tests.browser.conftest import login
from tests.factories import department_editor, load_base_data, publish_power, road_transport_licence
from tests.import_data.test_case_records import row, workbook


@pytest.fixture
def clerk(transactional_db):
    load_base_data()
    publish_power(road_transport_licence(online_depth=4))
    user = department_editor("TRANSPORT", username="clerk")
    posts_assign(user, DepartmentPage.objects.get(code="TRANSPORT").pk, ["窗口受理岗"])
    return user


@pytest.mark.django_db(transaction=True)
def test_a_clerk_uploads_offline_cases_and_confirms(live_server, open_page, clerk, tmp_path):
    path = tmp_path / "十一月补录.xlsx"
    path.write_bytes(workbook(row(), row(**{"业务系统流水号": "DJ-002"})))

    page = login(open_page, live_server, clerk.username)
    page.get_by_role("link", name="办件补录").first.click()
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("main")).to_contain_text("检查通过：将新建办件 2 件")
    expect(page.locator("main")).to_contain_text("道路货物运输经营许可｜申请人 张*")
    assert not Case.objects.exists(), "the preview writes nothing"

    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("新建办件 2 件")
    assert set(Case.objects.values_list("channel", "state")) == {(Channel.BACKFILL, State.FINISHED)}
