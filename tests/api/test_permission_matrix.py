"""Who may read and write what through the API: anonymous visitors, a department's editor (on
their own and on another department's powers), the legal office and administrators, on a
published power and on a draft. The answers are the admin's own rules (access/roles.py): an
editor writes drafts of their own department only and never publishes; the legal office
publishes (a site administrator manages the site but does not publish powers); nobody writes
anonymously, and a browser session alone writes nothing."""

import pytest

from catalogue.models import PowerPage
from catalogue.services import power_upsert
from tests.factories import (
    bearer,
    department_editor,
    legal_office_user,
    make_user,
    road_transport_licence,
    site_admin_user,
)

pytestmark = pytest.mark.django_db
PUBLISHED = "511A0142000000-511602000000-000-TEST-1-00"
DRAFT = "API-DRAFT-MATRIX"


@pytest.fixture
def pages(power):
    admin = make_user("matrix-admin", superuser=True)
    power_upsert(data=road_transport_licence(code=DRAFT, title="草稿事项"), user=admin,
                 publish=False)  # fmt: skip
    return {"published": power.pk, "draft": PowerPage.objects.get(code=DRAFT).pk}


@pytest.fixture
def people(db):
    return {
        "anonymous": None,
        "own editor": department_editor("TRANSPORT", "own-editor"),
        "other editor": department_editor("APPROVAL", "other-editor"),
        "legal office": legal_office_user("fzb-reviewer"),
        "site administrator": site_admin_user("site-admin"),
        "superuser": make_user("root", superuser=True),
    }


def auth(user):
    return {} if user is None else bearer(user)


# person → (published page, draft page) status of GET /api/v3/pages/<id>/
PAGE_READS = {
    "anonymous": (200, 404),
    "own editor": (200, 200),
    "other editor": (404, 404),  # Wagtail: token holders see the pages they may edit
    "legal office": (200, 200),
    "site administrator": (200, 200),
    "superuser": (200, 200),
}


@pytest.mark.parametrize("person", PAGE_READS)
def test_reads(client, pages, people, person):
    headers = auth(people[person])
    published, draft = PAGE_READS[person]
    assert client.get(f"/api/v3/pages/{pages['published']}/", headers=headers).status_code == (
        published
    )
    assert client.get(f"/api/v3/pages/{pages['draft']}/", headers=headers).status_code == draft
    # the platform's endpoints answer everyone alike: the public record, never a draft
    assert client.get(f"/api/v3/powers/{PUBLISHED}/", headers=headers).status_code == 200
    assert client.get(f"/api/v3/powers/{DRAFT}/", headers=headers).status_code == 404


# person → status of (a draft change of the published power, publishing it, a change of the draft)
WRITES = {
    "anonymous": (401, 401, 401),
    "own editor": (200, 403, 200),
    "other editor": (403, 403, 403),
    # corrects drafts, but publishes only by approving someone else's change (four eyes)
    "legal office": (200, 403, 200),
    # manages the site, but powers are published by the legal office (as in the admin)
    "site administrator": (200, 403, 200),
    "superuser": (200, 200, 200),
}


@pytest.mark.parametrize("person", WRITES)
def test_writes(client, pages, people, person):
    headers = auth(people[person])
    change, publish, draft_change = WRITES[person]

    def patch(page, action=None, **fields):
        meta = {"type": "catalogue.PowerPage", **({"action": action} if action else {})}
        return client.patch(f"/api/v3/pages/{page}/", {"meta": meta, **fields},
                            content_type="application/json", headers=headers)  # fmt: skip

    response = patch(pages["published"], promised_time_limit=3, change_note="压缩时限")
    assert response.status_code == change, response.content[:300]
    live = PowerPage.objects.get(pk=pages["published"])
    assert live.promised_time_limit == 5  # a change is a draft until approved
    if change == 200:
        assert live.has_unpublished_changes
        assert live.get_latest_revision_as_object().promised_time_limit == 3

    response = patch(pages["published"], "publish", promised_time_limit=4,
                     change_note="压缩时限")  # fmt: skip
    assert response.status_code == publish, response.content[:300]
    live = PowerPage.objects.get(pk=pages["published"])
    assert live.promised_time_limit == (4 if publish == 200 else 5)

    response = patch(pages["draft"], title="草稿事项（修改）")
    assert response.status_code == draft_change, response.content[:300]
    assert not PowerPage.objects.get(pk=pages["draft"]).live
    assert "json" in response["Content-Type"]


def test_an_editor_cannot_create_a_power_in_another_department(client, pages, people):
    from catalogue.models import DepartmentPage

    headers = auth(people["own editor"])
    body = {"meta": {"type": "catalogue.PowerPage"}, "title": "新事项", "slug": "xin-shixiang",
            "code": "API-NEW-BY-EDITOR", "power_type": "01"}  # fmt: skip
    other = DepartmentPage.objects.get(code="APPROVAL").pk
    own = DepartmentPage.objects.get(code="TRANSPORT").pk
    refused = client.post("/api/v3/pages/", {**body, "meta": {**body["meta"], "parent_id": other}},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert refused.status_code == 403
    created = client.post("/api/v3/pages/", {**body, "meta": {**body["meta"], "parent_id": own}},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert created.status_code == 201, created.content[:400]
    power = PowerPage.objects.get(code="API-NEW-BY-EDITOR")
    assert not power.live and power.latest_revision.user == people["own editor"]


def test_a_browser_session_alone_cannot_write_the_same_request_with_a_token_can(
    client, pages, people
):
    """Cookies never authenticate the API: a logged-in editor's browser (or a page of another
    site making it send a request) is anonymous here, CSRF token or not."""
    client.force_login(people["superuser"])
    url = f"/api/v3/pages/{pages['published']}/"
    body = {"meta": {"type": "catalogue.PowerPage", "action": "publish"}, "title": "被篡改"}
    response = client.patch(url, body, content_type="application/json")
    assert response.status_code == 401
    assert PowerPage.objects.get(pk=pages["published"]).title == "道路货物运输经营许可"

    corrected = {**body, "title": "道路货物运输经营许可（更正）", "change_note": "更正名称"}
    response = client.patch(url, corrected, content_type="application/json",
                            headers=auth(people["superuser"]))  # fmt: skip
    assert response.status_code == 200, response.content[:300]
    assert PowerPage.objects.get(pk=pages["published"]).title == "道路货物运输经营许可（更正）"
