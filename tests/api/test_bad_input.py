"""Whatever a client sends, the answer is a 4xx problem in JSON with a stable code and a Chinese
message — never a 500, never an HTML page — and nothing is written."""

import json

import pytest

from feedback.models import Feedback

pytestmark = pytest.mark.django_db
CODE = "511A0142000000-511602000000-000-TEST-1-00"
INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE catalogue_powerpage; --', "<script>alert(1)</script>",
              "../../etc/passwd", "%00", "\x00", "😀" * 40, "${jndi:ldap://x}", "{{7*7}}",
              "a" * 5000, "-1", "1e309", "9" * 40]  # fmt: skip
PARAMETERS = {
    "/api/v3/powers/": ["type", "department", "status", "tag", "q", "ordering", "page",
                        "page_size"],
    "/api/v3/departments/": ["page", "page_size"],
    "/api/v3/laws/": ["level", "status", "page", "page_size"],
    "/api/v3/search/": ["q", "type", "dept", "status", "page"],
    "/api/v3/stats/satisfaction/": ["period"],
    "/api/v3/pages/": ["limit", "offset", "order", "search", "child_of", "type"],
}  # fmt: skip


def problem(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] and body["detail"]
    assert not body["detail"].isascii()  # said in Chinese
    return body


@pytest.mark.parametrize(
    "url, code",
    [
        ("/api/v3/powers/?page=-1", "invalid_parameter"),
        ("/api/v3/powers/?page=0", "invalid_parameter"),
        ("/api/v3/powers/?page=99999999999999999999999", "invalid_parameter"),
        ("/api/v3/powers/?page_size=1000", "invalid_parameter"),
        ("/api/v3/powers/?page=abc", "invalid_parameter"),
        ("/api/v3/powers/?colour=red", "unknown_parameter"),
        ("/api/v3/powers/?type=行政魔法", "invalid_parameter"),
        ("/api/v3/powers/?department=NOPE", "invalid_parameter"),
        ("/api/v3/powers/?ordering=password", "invalid_parameter"),
        ("/api/v3/laws/?level=cosmic", "invalid_parameter"),
        ("/api/v3/stats/satisfaction/?period=2026-13", "invalid_parameter"),
        ("/api/v3/search/", "invalid_parameter"),
        ("/api/v3/pages/?offset=9223372036854775808", "invalid_parameter"),
        ("/api/v3/pages/?limit=1000", "invalid_parameter"),
    ],
)
def test_bad_parameters_are_a_400(client, power, url, code):
    assert problem(client.get(url), 400)["code"] == code


@pytest.mark.parametrize(
    "url",
    ["/api/v3/powers/NO-SUCH-CODE/", "/api/v3/powers/" + "x" * 300 + "/",
     "/api/v3/departments/%3Cscript%3E/", "/api/v3/laws/999999/", "/api/v3/laws/-5/",
     "/api/v3/feedback/PJ20260101-ABCD/?verifier=1234", "/api/v3/powers/?page=50",
     "/api/v3/nothing-here/"],
)  # fmt: skip
def test_unknown_codes_and_pages_beyond_the_last_are_a_404(client, power, url):
    problem(client.get(url), 404)


def test_injection_strings_in_every_parameter_never_break_the_api(client, power):
    for url, names in PARAMETERS.items():
        for name in names:
            for value in INJECTIONS:
                response = client.get(url, {name: value})
                assert response.status_code < 500, (url, name, value, response.content[:200])
                assert "json" in response["Content-Type"]
                if response.status_code >= 400:  # messages never carry markup back
                    assert b"<script>" not in response.content


def test_malformed_wrong_type_and_oversized_bodies_write_nothing(client, power, settings):
    url = "/api/v3/feedback/"
    assert problem(client.post(url, "{not json", content_type="application/json"), 400)
    assert problem(client.post(url, "[]", content_type="application/json"), 422)
    assert problem(client.post(url, "kind=evaluation", content_type="text/plain"), 415)
    assert problem(client.post(url, {"kind": "evaluation"}), 415)  # a form post
    big = json.dumps({"power": CODE, "kind": "inquiry", "comment": "问" * 40000})
    assert problem(client.post(url, big, content_type="application/json"), 413)
    too_long = {"power": CODE, "kind": "inquiry", "comment": "问" * 501}
    assert problem(client.post(url, too_long, content_type="application/json"), 422)
    unknown = {"power": "NO-SUCH", "kind": "evaluation", "rating": 5}
    assert problem(client.post(url, unknown, content_type="application/json"), 404)
    bad_rating = {"power": CODE, "kind": "evaluation", "rating": 9}
    assert problem(client.post(url, bad_rating, content_type="application/json"), 422)
    assert problem(client.put(url, {}, content_type="application/json"), 405)
    assert Feedback.objects.count() == 0


def test_writes_to_the_catalogue_need_a_token(client, power):
    for method in ("post", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v3/pages/{power.pk}/" if method != "post" else "/api/v3/pages/",
            {"title": "改"}, content_type="application/json",
        )  # fmt: skip
        assert problem(response, 401)["code"] == "authentication_required"


def test_a_long_number_searched_for_is_text_not_an_overflow(client, power):
    assert client.get("/api/v3/powers/?q=115113016823646795123").status_code == 200
    assert client.get("/api/v3/search/?q=115113016823646795123").status_code == 200
    assert problem(client.get("/api/v3/pages/?child_of=115113016823646795123"), 400)
    assert problem(client.get("/api/v3/pages/115113016823646795123/"), 404)


def test_odd_requests_get_problems_too(client, power, settings):
    from tests.factories import bearer as token_headers
    from tests.factories import make_user

    bearer = token_headers(make_user("odd", superuser=True))
    # a filter Wagtail hands to the database as it came
    assert problem(client.get(f"/api/v3/pages/{power.pk}/revisions/?user_id=abc", headers=bearer),
                   400)  # fmt: skip
    # NUL in the address; an address without its final slash (a redirect would lose a body)
    assert problem(client.get("/api/v3/powers/%00/"), 400)
    unslashed = client.post("/api/v3/feedback", {"kind": "evaluation"},
                            content_type="application/json")  # fmt: skip
    assert "/api/v3/feedback/" in problem(unslashed, 404)["detail"]
    # a Host the site does not serve
    settings.ALLOWED_HOSTS = ["localhost"]
    assert problem(client.get("/api/v3/powers/", HTTP_HOST="evil.example"), 400)
    settings.ALLOWED_HOSTS = ["*"]
    # 401 says how to authenticate; a number written oddly is not a law's id
    assert client.patch(f"/api/v3/pages/{power.pk}/", {}, content_type="application/json")[
        "WWW-Authenticate"
    ].startswith("Bearer")
    for odd in ("1_0", "+1", "%201", "01"):
        assert problem(client.get(f"/api/v3/laws/{odd}/"), 404)
    assert problem(client.get("/api/v3/stats/satisfaction/?period=２０２６-11"), 400)
