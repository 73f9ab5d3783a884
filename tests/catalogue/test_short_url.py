"""The permanent short address /p/<code>/ that citizens share and print."""

import pytest

from catalogue.models import PowerPage
from catalogue.services import PowerData, power_upsert

pytestmark = pytest.mark.django_db


def test_the_short_url_redirects_to_the_power(client, power):
    response = client.get(f"/p/{power.code}/")
    assert response.status_code == 302
    assert response["Location"] == power.url


def test_the_short_url_survives_a_rename_and_a_move(client, power):
    page = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    page.title = "道路货物运输经营许可（含危险货物）"
    page.slug = "huo-yun-xu-ke"
    page.save_revision().publish()
    power_upsert(data=PowerData(code=power.code, department_code="APPROVAL"), publish=True)
    renamed = PowerPage.objects.get(pk=power.pk)
    assert renamed.url != power.url
    response = client.get(f"/p/{power.code}/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == renamed.url
    assert "道路货物运输经营许可（含危险货物）" in response.content.decode()


@pytest.mark.parametrize("code", ["NO-SUCH-CODE", "x" * 300, "%00", "' OR 1=1 --"])
def test_an_unknown_code_is_a_chinese_404(client, code):
    response = client.get(f"/p/{code}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_draft_power_has_no_short_url_until_published(client):
    from tests.factories import publish_latest_revision, road_transport_licence

    power_upsert(data=road_transport_licence(code="DRAFT-ONLY"))
    assert client.get("/p/DRAFT-ONLY/").status_code == 404
    published = publish_latest_revision("DRAFT-ONLY")
    response = client.get("/p/DRAFT-ONLY/")
    assert response.status_code == 302 and response["Location"] == published.url
