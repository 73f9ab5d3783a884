"""Input the attack-minded trial found answered with a 500 now gets a 4xx with a Chinese message,
and the well-formed request beside it still works."""

import pytest

from catalogue.models import PowerPage
from tests.factories import bearer, make_user

pytestmark = pytest.mark.django_db
NOT_OBJECTS = ["[]", "null", "1", '"x"', "true"]


def send(client, method, url, body, headers):
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_a_page_write_whose_body_is_not_an_object_is_refused(client, power, body):
    headers = bearer(make_user("root", superuser=True))
    for method, url in (("post", "/api/v3/pages/"), ("patch", f"/api/v3/pages/{power.pk}/")):
        response = send(client, method, url, body, headers)
        assert response.status_code == 422, (method, body, response.content[:200])
        assert response["Content-Type"].startswith("application/problem+json")
        assert "JSON 对象" in response.json()["detail"]
        assert "Traceback" not in response.content.decode()
    # the same call with an object works
    good = send(client, "patch", f"/api/v3/pages/{power.pk}/",
                '{"meta": {"type": "catalogue.PowerPage"}, "promised_time_limit": 4}',
                headers)  # fmt: skip
    assert good.status_code == 200
    assert (
        PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object().promised_time_limit == 4
    )


def test_a_page_patch_naming_an_unknown_field_is_refused_and_changes_nothing(client, power):
    headers = bearer(make_user("root", superuser=True))
    latest = power.latest_revision_id
    response = send(client, "patch", f"/api/v3/pages/{power.pk}/",
                    {"meta": {"type": "catalogue.PowerPage"}, "promised_timelimit": 3,
                     "titel": "改名"}, headers)  # fmt: skip
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "promised_timelimit" in detail and "titel" in detail
    assert PowerPage.objects.get(pk=power.pk).latest_revision_id == latest
    # spelt right, the same change is taken
    response = send(client, "patch", f"/api/v3/pages/{power.pk}/",
                    {"meta": {"type": "catalogue.PowerPage"}, "promised_time_limit": 3,
                     "title": "改名"}, headers)  # fmt: skip
    assert response.status_code == 200
    assert PowerPage.objects.get(pk=power.pk).latest_revision_id != latest


def test_an_unknown_api_address_is_a_404_for_every_method(client):
    for method in ("get", "post", "patch", "delete"):
        response = getattr(client, method)("/api/v3/no-such-thing/")
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found"
    assert client.get("/api/v3/powers/").status_code == 200


def test_an_unexpected_error_never_shows_its_details(client, power, settings, monkeypatch):
    settings.DEBUG = True
    from api import serializers

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals /srv/app/settings.py")

    monkeypatch.setattr(serializers, "power_detail", broken)
    response = client.get(f"/api/v3/powers/{power.code}/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert (
        "secret" not in response.content.decode()
        and "RuntimeError" not in response.content.decode()
    )
    monkeypatch.undo()
    assert client.get(f"/api/v3/powers/{power.code}/").status_code == 200
