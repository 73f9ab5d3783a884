"""What a citizen sees in the hall: the home page, the catalogue, departments and powers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import PowerPage
from catalogue.services import CitationData, PowerData, power_upsert
from tests.factories import publish_latest_revision, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db


def make_powers():
    """Three live powers of two departments and types, and one that was never published."""
    licence = publish_power()
    publish_power(
        road_transport_licence(
            code="CONFIRM-1",
            title="出租汽车驾驶员从业资格注册",
            power_type="07",
            citations=[],
            tags=[],
        )
    )
    publish_power(
        road_transport_licence(
            code="APPROVAL-1",
            department_code="APPROVAL",
            title="食品经营许可",
            citations=[],
            tags=[],
        )
    )
    power_upsert(data=road_transport_licence(code="DRAFT-1", title="尚未审核的草稿事项"))
    return licence


def test_the_home_page_counts_live_powers_by_type_and_department(client):
    make_powers()
    response = client.get("/")
    assert response.status_code == 200
    counts = {member.value: n for member, n in response.context["type_counts"]}
    assert counts["01"] == 2 and counts["07"] == 1 and counts["02"] == 0
    departments = {dept.code: n for dept, n in response.context["department_counts"]}
    assert departments == {"TRANSPORT": 2, "APPROVAL": 1}
    assert "尚未审核的草稿事项" not in response.content.decode()
    assert [p.code for p, _dept in response.context["recent_powers"]][0] == "APPROVAL-1"

    publish_latest_revision("DRAFT-1")  # approved: counted and shown at once
    response = client.get("/")
    assert {dept.code: n for dept, n in response.context["department_counts"]}["TRANSPORT"] == 3
    assert "尚未审核的草稿事项" in response.content.decode()


def test_catalogue_filters_combine_and_count(client):
    make_powers()
    response = client.get("/catalogue/", {"type": "01", "dept": "TRANSPORT"})
    listing = response.context["listing"]
    assert listing.total == 1
    assert [power.code for power, _dept in listing.rows] == [road_transport_licence().code]
    type_counts = {facet.value: facet.count for facet in listing.type_facets}
    assert type_counts["01"] == 1 and type_counts["07"] == 1  # counts within the department
    dept_counts = {facet.value: facet.count for facet in listing.department_facets}
    assert dept_counts == {"TRANSPORT": 1, "APPROVAL": 1}  # counts within the type
    assert "尚未审核的草稿事项" not in response.content.decode()

    publish_latest_revision("DRAFT-1")  # a 行政许可 of the transport bureau, approved
    response = client.get("/catalogue/", {"type": "01", "dept": "TRANSPORT"})
    assert response.context["listing"].total == 2
    assert "尚未审核的草稿事项" in response.content.decode()


def test_type_filter_accepts_a_national_code_without_its_zero(client):
    make_powers()
    listing = client.get("/catalogue/", {"type": "7"}).context["listing"]
    assert [power.code for power, _dept in listing.rows] == ["CONFIRM-1"]


@pytest.mark.parametrize(
    "params",
    [
        {"type": "99"},
        {"dept": "<script>alert(1)</script>"},
        {"status": "deleted"},
        {"page": "99999"},
        {"page": "-1"},
        {"page": "abc"},
        {"type": "x" * 5000},
    ],
)
def test_unknown_filters_and_pages_give_a_normal_page(client, params):
    make_powers()
    response = client.get("/catalogue/", params)
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert response.context["listing"].total == 3


def test_the_power_page_shows_its_legal_basis_with_article_text_and_its_steps(client, power):
    response = client.get(power.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "道路货物运输经营许可" in html
    assert "中华人民共和国道路运输条例" in html
    # the text of 道路运输条例 第二十一条, quoted from the library
    assert "申请从事货运经营的，应当具备下列条件" in html
    assert "窗口受理岗" in html and "集体研究" in html
    assert "/p/" + power.code + "/" in html


def test_the_public_page_never_shows_a_change_awaiting_review_until_approved(client, power):
    power_upsert(
        data=PowerData(code=power.code, department_code="TRANSPORT", title="改过但未审核的名称")
    )
    html = client.get(power.url).content.decode()
    assert "改过但未审核的名称" not in html
    assert "道路货物运输经营许可" in html

    approved = publish_latest_revision(power.code)
    assert "改过但未审核的名称" in client.get(approved.url).content.decode()


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_power_page_costs_the_same_queries_however_many_citations_and_steps(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    small = publish_power()
    step = {"name": "审查", "post": "审核岗", "description": "", "time_limit": 1, "supervision": ""}
    big = publish_power(
        road_transport_licence(
            code="BIG-1",
            steps=[step] * 12,
            citations=[
                CitationData(law_title="中华人民共和国行政许可法", articles=f"第{n}条")
                for n in ("十二", "十三", "十四", "二十九", "三十", "三十一", "四十二")
            ]
            + [CitationData(law_title="中华人民共和国道路运输条例", articles="第八条、第九条")],
            tags=["一", "二", "三", "四"],
        )
    )
    _queries_for(client, small.url)  # warm Wagtail's site-root cache
    _queries_for(client, big.url)  # and each power's case figures (kept a few minutes)
    assert _queries_for(client, small.url) == _queries_for(client, big.url)


def test_the_catalogue_costs_the_same_queries_however_many_powers(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    make_powers()
    _queries_for(client, "/catalogue/")
    few = _queries_for(client, "/catalogue/?type=01")
    for n in range(30):
        publish_power(road_transport_licence(code=f"MORE-{n}", citations=[], tags=[]))
    _queries_for(client, "/catalogue/")  # the departments' 数据完整度, once per publication
    assert _queries_for(client, "/catalogue/?type=01") == few
    assert _queries_for(client, "/catalogue/?type=01&page=2") == few


def test_the_department_page_lists_its_powers_by_type_and_its_complaint_phone(client):
    make_powers()
    department = PowerPage.objects.get(code="CONFIRM-1").get_parent().specific
    response = client.get(department.url)
    groups = {ptype.label: [p.code for p in powers] for ptype, powers in
              response.context["powers_by_type"]}  # fmt: skip
    assert groups == {"行政许可": [road_transport_licence().code], "行政确认": ["CONFIRM-1"]}
    assert "12345" in response.content.decode()


def test_the_law_page_lists_the_powers_that_cite_it_and_drafts_once_published(client, power):
    from catalogue.services import power_upsert
    from tests.factories import road_transport_licence

    power_upsert(data=road_transport_licence(code="DRAFT-CITING", title="未公开的草稿事项"))
    law = power.legal_bases.select_related("law").first().law
    response = client.get(reverse("laws:detail", args=[law.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert power.title in page and "引用本法规的事项（1 项）" in page
    assert "未公开的草稿事项" not in page
    assert 'id="art-21"' in page
    listing = client.get(reverse("laws:list")).content.decode()
    assert "被 1 个事项引用" in listing

    publish_latest_revision("DRAFT-CITING")
    page = client.get(reverse("laws:detail", args=[law.pk])).content.decode()
    assert "未公开的草稿事项" in page and "引用本法规的事项（2 项）" in page


def test_an_unknown_law_is_a_chinese_404_a_known_one_is_shown(client):
    from laws.models import Law

    response = client.get("/laws/999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
    law = Law.objects.get(title="中华人民共和国行政许可法")
    response = client.get(f"/laws/{law.pk}/")
    assert response.status_code == 200 and law.title in response.content.decode()


@pytest.mark.parametrize(
    "query", ["\x00", "许可\x00' OR 1=1 --", "<b>x</b>", "😀" * 50, "\u202e反转", "x" * 10000]
)
def test_the_search_page_survives_hostile_queries(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<b>x</b>" not in response.content


def test_markup_in_a_query_comes_back_as_text(client):
    html = client.get("/search/", {"q": "<b>x</b>"}).content.decode()
    assert "“&lt;b&gt;x&lt;/b&gt;”" in html and "<b>x</b>" not in html
