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
    "url, code, corrected",
    [
        ("/api/v3/powers/?page=-1", "invalid_parameter", "/api/v3/powers/?page=1"),
        ("/api/v3/powers/?page=0", "invalid_parameter", "/api/v3/powers/?page=1"),
        ("/api/v3/powers/?page=99999999999999999999999", "invalid_parameter",
         "/api/v3/powers/?page=1"),
        ("/api/v3/powers/?page_size=1000", "invalid_parameter", "/api/v3/powers/?page_size=100"),
        ("/api/v3/powers/?page=abc", "invalid_parameter", "/api/v3/powers/?page=1"),
        ("/api/v3/powers/?colour=red", "unknown_parameter", "/api/v3/powers/?type=01"),
        ("/api/v3/powers/?type=行政魔法", "invalid_parameter", "/api/v3/powers/?type=行政许可"),
        ("/api/v3/powers/?department=NOPE", "invalid_parameter",
         "/api/v3/powers/?department=TRANSPORT"),
        ("/api/v3/powers/?ordering=password", "invalid_parameter",
         "/api/v3/powers/?ordering=-code"),
        ("/api/v3/laws/?level=cosmic", "invalid_parameter", "/api/v3/laws/?level=law"),
        ("/api/v3/stats/satisfaction/?period=2026-13", "invalid_parameter",
         "/api/v3/stats/satisfaction/?period=2026-11"),
        ("/api/v3/search/", "invalid_parameter", "/api/v3/search/?q=货物运输"),
        ("/api/v3/pages/?offset=9223372036854775808", "invalid_parameter",
         "/api/v3/pages/?offset=0"),
        ("/api/v3/pages/?limit=1000", "invalid_parameter", "/api/v3/pages/?limit=20"),
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_400_the_corrected_one_answers(client, power, url, code, corrected):
    assert problem(client.get(url), 400)["code"] == code
    answer = client.get(corrected)
    assert answer.status_code == 200, answer.content[:300]


def known(client, address):
    """An address that names something that exists: a law of the library, a citizen's receipt."""
    from laws.models import Law

    if address == "{receipt}":
        receipt = client.post("/api/v3/feedback/", {"power": CODE, "kind": "inquiry",
                                                    "comment": "需要带身份证吗？"},
                              content_type="application/json").json()  # fmt: skip
        return f"{receipt['lookup_url']}?verifier={receipt['lookup_code']}"
    return address.format(law=Law.objects.order_by("pk").first().pk)


@pytest.mark.parametrize(
    "url, found",
    [("/api/v3/powers/NO-SUCH-CODE/", f"/api/v3/powers/{CODE}/"),
     ("/api/v3/powers/" + "x" * 300 + "/", f"/api/v3/powers/{CODE}/"),
     ("/api/v3/departments/%3Cscript%3E/", "/api/v3/departments/TRANSPORT/"),
     ("/api/v3/laws/999999/", "/api/v3/laws/{law}/"),
     ("/api/v3/laws/-5/", "/api/v3/laws/{law}/"),
     ("/api/v3/feedback/PJ20260101-ABCD/?verifier=1234", "{receipt}"),
     ("/api/v3/powers/?page=50", "/api/v3/powers/?page=1"),
     ("/api/v3/nothing-here/", "/api/v3/powers/")],
)  # fmt: skip
def test_unknown_codes_and_pages_beyond_the_last_are_a_404_known_ones_answer(
    client, power, url, found
):
    problem(client.get(url), 404)
    answer = client.get(known(client, found))
    assert answer.status_code == 200, answer.content[:300]


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
    # the same question, well formed and at the longest allowed, is taken
    longest = {"power": CODE, "kind": "inquiry", "comment": "问" * 500}
    assert client.post(url, longest, content_type="application/json").status_code == 201
    assert Feedback.objects.count() == 1


def test_writes_to_the_catalogue_need_a_token_and_go_through_with_one(client, power):
    from catalogue.models import DepartmentPage, PowerPage
    from tests.factories import bearer, make_user

    parent = DepartmentPage.objects.get(code="TRANSPORT").pk
    new = {
        "meta": {"type": "catalogue.PowerPage", "parent_id": parent},
        "title": "新事项",
        "slug": "xin-shixiang",
        "code": "API-TOKEN-NEW",
        "power_type": "01",
    }
    change = {"meta": {"type": "catalogue.PowerPage"}, "title": "道路货物运输经营许可（修订）"}
    writes = [("post", "/api/v3/pages/", new, 201),
              ("patch", f"/api/v3/pages/{power.pk}/", change, 200),
              ("delete", f"/api/v3/pages/{power.pk}/", {}, 204)]  # fmt: skip
    token = bearer(make_user("root", superuser=True))
    for method, url, body, status in writes:
        response = getattr(client, method)(url, body, content_type="application/json")
        assert problem(response, 401)["code"] == "authentication_required"
        response = getattr(client, method)(url, body, content_type="application/json",
                                           headers=token)  # fmt: skip
        assert response.status_code == status, (method, response.content[:300])
    assert PowerPage.objects.filter(code="API-TOKEN-NEW").exists()
    assert not PowerPage.objects.filter(pk=power.pk).exists()


def test_a_long_number_searched_for_is_text_not_an_overflow(client, power):
    assert client.get("/api/v3/powers/?q=115113016823646795123").status_code == 200
    assert client.get("/api/v3/search/?q=115113016823646795123").status_code == 200
    assert problem(client.get("/api/v3/pages/?child_of=115113016823646795123"), 400)
    assert problem(client.get("/api/v3/pages/115113016823646795123/"), 404)
    # the same addresses with a page's real id answer
    department = power.get_parent().pk
    assert client.get(f"/api/v3/pages/?child_of={department}").status_code == 200
    assert client.get(f"/api/v3/pages/{power.pk}/").status_code == 200


def test_odd_requests_get_problems_too_their_plain_forms_answer(client, power, settings):
    from laws.models import Law
    from tests.factories import bearer as token_headers
    from tests.factories import make_user

    root = make_user("odd", superuser=True)
    bearer = token_headers(root)
    # a filter Wagtail hands to the database as it came
    revisions = f"/api/v3/pages/{power.pk}/revisions/"
    assert problem(client.get(f"{revisions}?user_id=abc", headers=bearer), 400)
    assert client.get(f"{revisions}?user_id={root.pk}", headers=bearer).status_code == 200
    # NUL in the address; an address without its final slash (a redirect would lose a body)
    assert problem(client.get("/api/v3/powers/%00/"), 400)
    assert client.get(f"/api/v3/powers/{CODE}/").status_code == 200
    rating = {"power": CODE, "kind": "evaluation", "rating": 5}
    unslashed = client.post("/api/v3/feedback", rating, content_type="application/json")
    assert "/api/v3/feedback/" in problem(unslashed, 404)["detail"]
    assert client.post("/api/v3/feedback/", rating,
                       content_type="application/json").status_code == 201  # fmt: skip
    # a Host the site does not serve
    settings.ALLOWED_HOSTS = ["localhost"]
    assert problem(client.get("/api/v3/powers/", HTTP_HOST="evil.example"), 400)
    assert client.get("/api/v3/powers/", HTTP_HOST="localhost").status_code == 200
    settings.ALLOWED_HOSTS = ["*"]
    # 401 says how to authenticate; a number written oddly is not a law's id
    assert client.patch(f"/api/v3/pages/{power.pk}/", {}, content_type="application/json")[
        "WWW-Authenticate"
    ].startswith("Bearer")
    law = Law.objects.order_by("pk").first().pk
    for odd in (f"{law}_0", f"+{law}", f"%20{law}", f"0{law}"):
        assert problem(client.get(f"/api/v3/laws/{odd}/"), 404)
    assert client.get(f"/api/v3/laws/{law}/").status_code == 200
    assert problem(client.get("/api/v3/stats/satisfaction/?period=２０２６-11"), 400)
    assert client.get("/api/v3/stats/satisfaction/?period=2026-11").status_code == 200
