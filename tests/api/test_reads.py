"""An integrator (a mobile app, the city's portal, a journalist's script) reads the hall through
the API: the same live, public content the pages show, and nothing else."""

import pytest
from wagtail.models import PageViewRestriction

from catalogue.models import PowerPage
from catalogue.services import power_upsert
from tests.factories import (
    bearer,
    make_user,
    publish_latest_revision,
    publish_power,
    road_transport_licence,
    save_change,
)

pytestmark = pytest.mark.django_db
CODE = "511A0142000000-511602000000-000-TEST-1-00"


def get(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.content.decode()[:500]
    return response.json()


def test_the_catalogue_filtered_by_type_name_or_national_code_with_a_total(client, power):
    publish_power(road_transport_licence(code="API-PENALTY-1", title="对超限运输的行政处罚",
                                         power_type="02"))  # fmt: skip
    by_code = get(client, "/api/v3/powers/?type=01")
    by_name = get(client, "/api/v3/powers/?type=行政许可")
    assert by_code == by_name
    assert by_code["count"] == 1 and by_code["pages"] == 1
    item = by_code["items"][0]
    assert item["code"] == CODE and item["type"] == {"code": "01", "label": "行政许可"}
    assert item["department"]["code"] == "TRANSPORT"
    assert item["api_url"] == f"/api/v3/powers/{CODE}/"
    assert item["url"] == power.url

    everything = get(client, "/api/v3/powers/?ordering=-code&page_size=1")
    assert everything["count"] == 2 and everything["pages"] == 2
    assert everything["items"][0]["code"] == "API-PENALTY-1"  # "A…" sorts after "5…"
    assert everything["next"].endswith("page=2") and everything["previous"] is None
    second = get(client, everything["next"])
    assert second["items"][0]["code"] == CODE and second["previous"].endswith("page=1")


def test_filters_by_department_status_tag_and_words(client, power):
    assert get(client, "/api/v3/powers/?department=TRANSPORT")["count"] == 1
    assert get(client, "/api/v3/powers/?department=APPROVAL")["count"] == 0
    assert get(client, "/api/v3/powers/?status=在用")["count"] == 1
    assert get(client, "/api/v3/powers/?status=cancelled")["count"] == 0
    assert get(client, "/api/v3/powers/?tag=货运")["count"] == 1
    assert get(client, "/api/v3/powers/?tag=教育")["count"] == 0
    assert get(client, "/api/v3/powers/?q=货物运输 许可")["count"] == 1
    assert get(client, "/api/v3/powers/?q=旅客")["count"] == 0


def test_a_power_in_full_as_its_page_shows_it(client, power):
    detail = get(client, f"/api/v3/powers/{CODE}/")
    assert detail["title"] == "道路货物运输经营许可"
    assert (detail["legal_time_limit"], detail["promised_time_limit"]) == (20, 5)
    first, second = detail["legal_bases"]
    assert first["law"]["title"] == "中华人民共和国道路运输条例"
    assert (
        first["law"]["url"].startswith("/laws/") and first["articles"] == "第二十一条、第二十四条"
    )
    assert [a["number"] for a in first["cited_articles"]] == ["第二十一条", "第二十四条"]
    assert first["cited_articles"][0]["text"].startswith("申请从事货运经营的")
    assert second["law"]["short_title"] == "行政许可法"
    assert [s["name"] for s in detail["steps"]] == ["受理", "审查", "决定"]
    assert detail["materials"][0]["form"] == {"code": "original", "label": "原件"}
    assert detail["fees"] == {"free": True, "standard": "", "basis": ""}
    assert detail["complaint_channel"]  # the power's own or its department's channel
    assert sorted(detail["tags"]) == ["货运", "道路运输"]
    assert detail["history"][0]["is_creation"] is True
    assert detail["rating"]["ratings"] == 0 and detail["rating"]["satisfaction_rate"] is None
    assert detail["department"]["api_url"] == "/api/v3/departments/TRANSPORT/"


def test_drafts_and_changes_awaiting_review_show_only_once_published(client, power):
    editor = make_user("api-editor", superuser=True)
    save_change(power, editor, title="道路货物运输经营许可（草稿标题）")
    power_upsert(data=road_transport_licence(code="API-DRAFT-1", title="从未发布的事项"),
                 user=editor, publish=False)  # fmt: skip

    assert get(client, f"/api/v3/powers/{CODE}/")["title"] == "道路货物运输经营许可"
    listed = get(client, "/api/v3/powers/?page_size=100")
    assert [item["code"] for item in listed["items"]] == [CODE]
    assert get(client, "/api/v3/powers/API-DRAFT-1/", status=404)["code"] == "not_found"
    draft_id = PowerPage.objects.get(code="API-DRAFT-1").pk
    # Wagtail's own pages endpoints: the live version only, drafts not at all
    assert get(client, f"/api/v3/pages/{power.pk}/?version=draft")["title"] == (
        "道路货物运输经营许可"
    )
    assert client.get(f"/api/v3/pages/{draft_id}/").status_code == 404
    assert draft_id not in [p["id"] for p in get(client, "/api/v3/pages/?limit=100")["items"]]
    revisions = f"/api/v3/pages/{power.pk}/revisions/"
    assert client.get(revisions).status_code == 401
    assert client.get(revisions, headers=bearer(editor)).status_code == 200
    found = get(client, "/api/v3/search/?q=草稿标题")
    assert found["total"] == 0

    # approved, both are public at once, through the same endpoints
    publish_latest_revision(CODE)
    publish_latest_revision("API-DRAFT-1")
    assert get(client, f"/api/v3/powers/{CODE}/")["title"] == "道路货物运输经营许可（草稿标题）"
    listed = get(client, "/api/v3/powers/?page_size=100")
    assert sorted(item["code"] for item in listed["items"]) == sorted([CODE, "API-DRAFT-1"])
    assert get(client, "/api/v3/powers/API-DRAFT-1/")["title"] == "从未发布的事项"
    assert get(client, f"/api/v3/pages/{draft_id}/")["title"] == "从未发布的事项"
    assert get(client, "/api/v3/search/?q=草稿标题")["total"] == 1


def test_a_public_power_is_served_and_not_once_made_private(client, power):
    assert client.get(f"/api/v3/powers/{CODE}/").status_code == 200
    assert get(client, "/api/v3/powers/")["count"] == 1
    assert client.get(f"/api/v3/pages/{power.pk}/").status_code == 200

    PageViewRestriction.objects.create(page=power, restriction_type="login")
    assert client.get(f"/api/v3/powers/{CODE}/").status_code == 404
    assert get(client, "/api/v3/powers/")["count"] == 0
    assert client.get(f"/api/v3/pages/{power.pk}/").status_code == 404


def test_departments_laws_and_the_powers_citing_a_law(client, power):
    departments = get(client, "/api/v3/departments/")
    transport = next(d for d in departments["items"] if d["code"] == "TRANSPORT")
    assert transport["powers"] == 1
    detail = get(client, transport["api_url"])
    assert detail["powers_by_type"] == [{"type": {"code": "01", "label": "行政许可"}, "count": 1}]
    assert get(client, detail["powers_api_url"])["count"] == 1
    assert get(client, "/api/v3/departments/NOPE/", status=404)["code"] == "not_found"

    law_url = get(client, f"/api/v3/powers/{CODE}/")["legal_bases"][0]["law"]["api_url"]
    law = get(client, law_url)
    assert law["title"] == "中华人民共和国道路运输条例"
    assert any(a["number"] == "第二十一条" for a in law["article_list"])
    assert law["cited_by"] == [{"code": CODE, "title": "道路货物运输经营许可",
                                "articles": "第二十一条、第二十四条", "url": power.url,
                                "api_url": f"/api/v3/powers/{CODE}/"}]  # fmt: skip
    laws = get(client, "/api/v3/laws/?status=in_force&page_size=100")
    assert law["id"] in [item["id"] for item in laws["items"]]


def test_search_gives_the_search_pages_results(client, power):
    api = get(client, "/api/v3/search/?q=货物运输")
    page = get(client, "/search/json/?q=货物运输")
    assert api["total"] == page["total"] == 1
    assert [h["url"] for h in api["hits"]] == [h["url"] for h in page["hits"]]
    assert api["hits"][0]["api_url"] == f"/api/v3/powers/{CODE}/"
    assert "<mark>" in api["hits"][0]["highlight"]["title"]
    assert api["facets"]["type"][0]["count"] == 1
    filtered = get(client, "/api/v3/search/?q=货物运输&type=02")
    assert filtered["total"] == 0
    assert get(client, "/api/v3/search/?q=货物运输&type=99", status=400)["code"] == (
        "invalid_parameter"
    )


def test_no_personal_data_of_citizens_or_editors_leaks(client, power):
    from feedback.services import Submission, feedback_reply, feedback_submit

    receipt = feedback_submit(
        Submission(kind="complaint", rating=None, comment="窗口态度差", name="张三丰",
                   phone="13912345678", power=power),
        ip="203.0.113.9",
    )  # fmt: skip
    # the department answers and publishes the comment, as the power page then shows it
    replier = make_user("api-replier", superuser=True)
    feedback_reply(receipt.feedback, user=replier, text="已约谈窗口人员。", publish_comment=True)
    shown = get(client, f"/api/v3/powers/{CODE}/")["comments"]
    assert [(c["comment"], c["reply"], c["kind"]["label"]) for c in shown] == [
        ("窗口态度差", "已约谈窗口人员。", "投诉")
    ]
    assert get(client, "/api/v3/departments/TRANSPORT/")["comments"] == shown
    responses = [
        client.get(url)
        for url in (f"/api/v3/powers/{CODE}/", "/api/v3/powers/", "/api/v3/departments/TRANSPORT/",
                    "/api/v3/stats/satisfaction/", f"/api/v3/pages/{power.pk}/",
                    "/api/v3/search/?q=窗口态度差")
    ]  # fmt: skip
    assert [response.status_code for response in responses] == [200] * len(responses)
    bodies = [response.content.decode() for response in responses]
    assert "窗口态度差" in bodies[0] and "窗口态度差" in bodies[2]  # what is public is there
    for body in bodies:
        assert "张三丰" not in body and "13912345678" not in body and "203.0.113.9" not in body
        assert "example.com" not in body  # editors' email addresses


def test_the_flowchart_comes_with_its_renditions(client):
    from pathlib import Path

    from django.conf import settings
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    png = next((Path(settings.BASE_DIR) / "disclosure" / "fixtures" / "flowcharts").glob("*.png"))
    with png.open("rb") as handle:
        image = get_image_model().objects.create(title="道路货物运输经营许可流程图",
                                                 file=ImageFile(handle, name=png.name))  # fmt: skip
    publish_power(road_transport_licence(flowchart_id=image.pk))

    flowchart = get(client, f"/api/v3/powers/{CODE}/")["flowchart"]
    assert flowchart["width"] == image.width and flowchart["original_url"] == image.file.url
    widths = [r["width"] for r in flowchart["renditions"]]
    assert widths and all(w <= 1200 for w in widths)
    for rendition in flowchart["renditions"]:
        stored = rendition["url"].removeprefix(settings.MEDIA_URL)
        assert image.file.storage.exists(stored), rendition["url"]


def test_a_department_made_private_leaves_search_with_its_powers(client, power):
    from catalogue.models import DepartmentPage
    from tests.factories import make_department

    make_department(code="SECRETDEPT", short_name="区保密局", title="广安市广安区保密局")
    publish_power(road_transport_licence(code="SECRET-ROAD", title="道路机密运输审批",
                                         department_code="SECRETDEPT"))  # fmt: skip
    assert get(client, "/api/v3/search/?q=机密运输")["total"] == 1

    PageViewRestriction.objects.create(page=DepartmentPage.objects.get(code="SECRETDEPT"),
                                       restriction_type="login")  # fmt: skip
    found = get(client, "/api/v3/search/?q=道路运输")
    assert found["total"] == 1 and [h["code"] for h in found["hits"]] == [CODE]
    assert "SECRETDEPT" not in str(found["facets"])
    assert get(client, "/api/v3/search/?q=保密局")["departments"] == []
    assert get(client, "/api/v3/search/?q=道路&dept=SECRETDEPT", status=400)
    page = client.get("/search/?q=机密运输").content.decode()
    assert "道路机密运输审批" not in page and "保密局" not in page

    PageViewRestriction.objects.all().delete()  # public again: back in the index
    assert get(client, "/api/v3/search/?q=机密运输")["total"] == 1


def test_a_page_password_typed_in_the_hall_opens_nothing_through_the_api(client, power):
    """A visitor who typed a private page's password carries it in their session: the API
    neither shows them the page nor stores it for everyone else."""
    PageViewRestriction.objects.create(page=power, restriction_type="password", password="x")
    session = client.session
    session["passed_page_view_restrictions"] = [PageViewRestriction.objects.get().pk]
    session.save()
    assert client.get(f"/api/v3/pages/{power.pk}/").status_code == 404
    listed = get(client, "/api/v3/pages/?type=catalogue.PowerPage")
    assert power.pk not in [p["id"] for p in listed["items"]]
    # the password opens the page in the hall, where it was typed
    hall = client.get(power.url)
    assert hall.status_code == 200 and "道路货物运输经营许可" in hall.content.decode()
    client.cookies.clear()
    assert client.get(f"/api/v3/pages/{power.pk}/").status_code == 404
