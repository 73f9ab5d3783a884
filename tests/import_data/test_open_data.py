"""数据开放: the whole live catalogue to download; an export imports back with no changes; a
cell that a spreadsheet would run as a formula is neutralised."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse
from wagtail.models import Revision

from catalogue.models import PowerPage
from import_data.services import import_apply, import_preview
from tests.factories import make_user, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """A fully filled power (steps with posts, materials with forms, quoted citations) and a
    draft that must never be exported."""
    publish_power(road_transport_licence())
    publish_power(road_transport_licence(code="FORMULA-1", title='=HYPERLINK("http://x")许可',
                                         result_name="@SUM(A1)", tags=["-1"]))  # fmt: skip
    from catalogue.services import power_upsert

    power_upsert(data=road_transport_licence(code="DRAFT-1", title="草稿事项"))


def download(client, fmt):
    response = client.get(reverse("open_data_download", args=[fmt]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_export_imports_back_with_no_changes(client, catalogue, tmp_path):
    admin = make_user("boss", superuser=True)
    for fmt in ("xlsx", "csv"):
        path = tmp_path / f"export.{fmt}"
        path.write_bytes(download(client, fmt))
        preview = import_preview(path)
        assert preview.ok, preview.report.messages()
        assert (preview.created, preview.changed, preview.unchanged) == (0, 0, 2), preview.changes
        revisions = Revision.objects.count()
        result = import_apply(path, user=admin, publish=True)
        assert (result.changed, result.unchanged) == (0, 2)
        assert Revision.objects.count() == revisions
    power = PowerPage.objects.get(code=road_transport_licence().code)
    assert [s.value["post"] for s in power.steps][0] == "窗口受理岗"  # kept, not cleared


def test_the_downloads_hold_live_powers_only_and_no_formula_runs(client, catalogue):
    rows = list(csv.reader(io.StringIO(download(client, "csv").decode("utf-8-sig"))))
    assert rows[0][:3] == ["事项编码", "事项名称", "事项类型"]
    titles = [row[1] for row in rows[1:]]
    assert "草稿事项" not in titles and "道路货物运输经营许可" in titles
    assert '\'=HYPERLINK("http://x")许可' in titles

    book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx")))
    sheet = book["事项清单"]
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert '\'=HYPERLINK("http://x")许可' in values
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)

    items = json.loads(download(client, "json"))
    assert {item["事项编码"] for item in items} == {road_transport_licence().code, "FORMULA-1"}
    page = client.get(reverse("open_data")).content.decode()
    assert "2 项" in page and "CSV" in page
    assert client.get(reverse("open_data_download", args=["exe"])).status_code == 404


def test_each_power_comes_with_the_address_of_its_flowchart(client, settings):
    """The chart the hall draws from the steps, as a full address: the file is read away from
    the site. A power without steps has no chart."""
    settings.WAGTAILADMIN_BASE_URL = "https://quanli.example.gov.cn/"
    publish_power(road_transport_licence())
    publish_power(road_transport_licence(code="NO-STEPS-1", title="没有流程的事项", steps=[]))

    items = {item["事项编码"]: item for item in json.loads(download(client, "json"))}
    code = road_transport_licence().code
    assert items[code]["流程图地址"] == f"https://quanli.example.gov.cn/p/{code}/flowchart.png"
    assert items["NO-STEPS-1"]["流程图地址"] == ""
    header = next(csv.reader(io.StringIO(download(client, "csv").decode("utf-8-sig"))))
    assert header[-1] == "流程图地址"
    assert "流程图地址" in client.get(reverse("open_data")).content.decode()


def test_a_control_character_pasted_into_a_step_does_not_break_the_spreadsheet(client):
    steps = [{"name": "受理", "post": "窗口\x0b受理岗", "supervision": "一次性\x07告知"}]
    publish_power(road_transport_licence(code="CONTROL-1", steps=steps))
    book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx")))
    values = [str(cell.value) for row in book["事项清单"].iter_rows(min_row=2) for cell in row]
    assert any("窗口受理岗" in value for value in values)
    assert not any("\x0b" in value or "\x07" in value for value in values)
