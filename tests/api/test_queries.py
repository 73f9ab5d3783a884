"""The list and detail endpoints cost the same number of SQL statements however many powers a
page holds or however many laws a power cites."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.services import CitationData
from tests.factories import publish_power, road_transport_licence

pytestmark = pytest.mark.django_db


def queries(client, url):
    client.get(url)  # once first: the site's root paths and content types are looked up once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.fixture
def no_api_cache(settings):
    settings.PAGE_CACHE_ENABLED = False  # count the work, not the cache


def test_the_list_does_not_grow_with_the_page_size(client, no_api_cache):
    for n in range(12):
        publish_power(road_transport_licence(code=f"API-Q-{n:02}", title=f"道路运输许可{n}"))
    small = queries(client, "/api/v3/powers/?page_size=2")
    large = queries(client, "/api/v3/powers/?page_size=12")
    assert small == large


def test_the_detail_does_not_grow_with_the_citations_or_steps(client, no_api_cache):
    publish_power(road_transport_licence(code="API-ONE", citations=[
        CitationData(law_title="中华人民共和国道路运输条例", articles="第二十一条")]))  # fmt: skip
    many = [
        CitationData(law_title="中华人民共和国道路运输条例", articles=f"第{n}条")
        for n in ("二十一", "二十二", "二十四", "二十五", "二十六")
    ] + [CitationData(law_title="中华人民共和国行政许可法", articles="第十二条、第四十二条")]
    steps = [{"name": f"环节{n}", "post": "", "description": "", "time_limit": 1,
              "supervision": "", "outcomes": ["approve", "refuse"]}
             for n in range(8)]  # fmt: skip
    publish_power(road_transport_licence(code="API-MANY", citations=many, steps=steps))
    one = queries(client, "/api/v3/powers/API-ONE/")
    several = queries(client, "/api/v3/powers/API-MANY/")
    assert one == several


def test_departments_and_laws_lists_are_constant_too(client, no_api_cache, power):
    assert queries(client, "/api/v3/departments/?page_size=1") == queries(
        client, "/api/v3/departments/?page_size=2"
    )
    assert queries(client, "/api/v3/laws/?page_size=1") == queries(
        client, "/api/v3/laws/?page_size=30"
    )
