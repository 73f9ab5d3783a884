"""HTTP as an integrator's client and the city's CDN use it: validators and 304s, fresh data
the moment the legal office approves, CORS only for the origins the district allows."""

import time

import pytest
from django.utils.http import http_date

from review.services import power_submit, review_approve
from tests.factories import department_editor, make_user, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db
CODE = "511A0142000000-511602000000-000-TEST-1-00"
DETAIL = f"/api/v3/powers/{CODE}/"


def test_reads_carry_validators_and_conditional_requests_get_304(client, power):
    first = client.get(DETAIL)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    assert first["Cache-Control"] == "public, max-age=60"
    assert "Origin" in first["Vary"] and "Authorization" in first["Vary"]

    again = client.get(DETAIL, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    later = client.get(DETAIL, headers={"If-Modified-Since": first["Last-Modified"]})
    assert later.status_code == 304
    stale = client.get(DETAIL, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.json()["code"] == CODE
    earlier = http_date(time.time() - 86400 * 365)
    assert client.get(DETAIL, headers={"If-Modified-Since": earlier}).status_code == 200


def test_head_answers_like_get_without_a_body(client, power):
    head = client.head(DETAIL)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == client.get(DETAIL)["ETag"]


def test_an_approved_change_is_served_at_once(client, power):
    before = client.get(DETAIL)
    assert before.json()["promised_time_limit"] == 5
    editor, reviewer = department_editor(), make_user("fzb", superuser=True)
    draft = power.get_latest_revision_as_object()
    draft.promised_time_limit = 3
    draft.change_note = "压缩承诺时限"
    draft.save_revision(user=editor)
    power_submit(power=power, user=editor)
    # still the approved version while the legal office reviews
    assert client.get(DETAIL).json()["promised_time_limit"] == 5
    review_approve(power=power, user=reviewer)

    after = client.get(DETAIL, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200 and after.json()["promised_time_limit"] == 3
    assert after["ETag"] != before["ETag"]
    assert len(after.json()["history"]) == 2


def test_a_new_rating_shows_in_the_summary_at_once(client, power):
    assert client.get(DETAIL).json()["rating"]["ratings"] == 0
    rating = {"power": CODE, "kind": "evaluation", "rating": 5}
    response = client.post("/api/v3/feedback/", rating, content_type="application/json")
    assert response.status_code == 201
    assert client.get(DETAIL).json()["rating"] == {
        "ratings": 1, "satisfied": 1, "satisfaction_rate": 1.0,
        "levels": {"非常满意": 1, "满意": 0, "基本满意": 0, "不满意": 0, "非常不满意": 0},
    }  # fmt: skip


def test_a_new_power_appears_in_the_list_once_published(client, power):
    assert client.get("/api/v3/powers/").json()["count"] == 1
    publish_power(road_transport_licence(code="API-NEW-1", title="道路旅客运输经营许可"))
    assert client.get("/api/v3/powers/").json()["count"] == 2


def test_cors_for_the_allowed_origins_only(client, power, settings):
    settings.API_CORS_ALLOWED_ORIGINS = ["https://m.guanganqu.gov.cn"]
    allowed = client.get(DETAIL, headers={"Origin": "https://m.guanganqu.gov.cn"})
    assert allowed["Access-Control-Allow-Origin"] == "https://m.guanganqu.gov.cn"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    other = client.get(DETAIL, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other

    preflight = client.options(
        "/api/v3/feedback/",
        headers={"Origin": "https://m.guanganqu.gov.cn", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert preflight.status_code == 204
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]
    refused = client.options(
        "/api/v3/feedback/",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in refused
    # the hall's own pages send no CORS headers at all
    assert "Access-Control-Allow-Origin" not in client.get(
        "/", headers={"Origin": "https://m.guanganqu.gov.cn"}
    )


def test_personal_and_logged_answers_are_not_kept_by_shared_caches_the_catalogue_is(client, power):
    assert client.get(DETAIL)["Cache-Control"].startswith("public")
    assert client.get("/api/v3/search/?q=货物")["Cache-Control"].startswith("private")
    receipt = client.post("/api/v3/feedback/", {"power": CODE, "kind": "inquiry",
                                                "comment": "需要带身份证吗？"},
                          content_type="application/json").json()  # fmt: skip
    lookup = client.get(f"{receipt['lookup_url']}?verifier={receipt['lookup_code']}")
    assert lookup.status_code == 200 and lookup["Cache-Control"] == "private, no-store"
