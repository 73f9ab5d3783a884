"""A citizen who knows what happened to them (a child is born, a shop to open) finds the powers
it involves, in the order they do them, on the life-event topics (高效办成一件事)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from catalogue.models import PowerPage
from tests.factories import make_topic, publish_power, road_transport_licence
from topics.models import TopicIndexPage

pytestmark = pytest.mark.django_db


def three_powers():
    """Three live powers of two departments: a licence, a registration, a food permit."""
    licence = publish_power()
    registration = publish_power(
        road_transport_licence(
            code="CONFIRM-1", title="出租汽车驾驶员从业资格注册", power_type="07", tags=[]
        )
    )
    food = publish_power(
        road_transport_licence(
            code="APPROVAL-1",
            department_code="APPROVAL",
            title="食品经营许可",
            citations=[],
            tags=[],
        )
    )
    return licence, registration, food


def test_a_citizen_opens_the_topics_and_a_topic_and_sees_its_items_in_order_with_links(client):
    licence, registration, food = three_powers()
    topic = make_topic(
        (food.code, "取得营业执照后办理"),
        (licence.code, ""),
        (registration.code, "开业前一个月内"),
        title="开办餐饮店一件事",
        slug="restaurant",
        audience="准备开办餐饮店的个人和企业",
    )

    listing = client.get("/topics/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert '<html lang="zh-Hans">' in page
    assert f'href="{topic.url}"' in page and "开办餐饮店一件事" in page
    assert "准备开办餐饮店的个人和企业" in page and "3 项" in page

    response = client.get(topic.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1>") == 1 and "适用对象" in page
    steps = page[
        page.index('<ol class="steps">') : page.index("</ol>", page.index('<ol class="steps">'))
    ]
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', steps)
    assert links == [
        (food.url, "食品经营许可"),
        (licence.url, "道路货物运输经营许可"),
        (registration.url, "出租汽车驾驶员从业资格注册"),
    ]
    assert re.findall(r"第 (\d) 项", steps) == ["1", "2", "3"]
    assert "区行政审批局" in steps and "区交通运输局" in steps
    assert "取得营业执照后办理" in steps and "开业前一个月内" in steps


def test_an_unpublished_or_private_power_does_not_appear_on_a_topic_page(client):
    licence, registration, food = three_powers()
    topic = make_topic((licence.code, "先办"), (registration.code, "再办"), (food.code, "最后"))

    PowerPage.objects.get(pk=licence.pk).unpublish()
    PageViewRestriction.objects.create(
        page=PowerPage.objects.get(pk=food.pk),
        restriction_type=PageViewRestriction.PASSWORD,
        password="secret",
    )

    page = client.get(topic.url).content.decode()
    assert "道路货物运输经营许可" not in page and "先办" not in page
    assert "食品经营许可" not in page and "最后" not in page
    assert "出租汽车驾驶员从业资格注册" in page
    assert re.findall(r"第 (\d) 项", page) == ["1"]  # numbered as shown
    assert "共 1 项" in page
    assert "1 项" in client.get("/topics/").content.decode()

    PowerPage.objects.get(pk=registration.pk).unpublish()
    assert "本主题暂无公开的事项" in client.get(topic.url).content.decode()
    # a topic with nothing to show is not offered in the list
    assert topic.title not in client.get("/topics/").content.decode()


def test_a_topic_page_costs_the_same_queries_however_many_items(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    licence, registration, food = three_powers()
    small = make_topic((licence.code, ""), slug="small", title="小主题一件事")
    more = [
        publish_power(road_transport_licence(code=f"MORE-{n}", title=f"事项{n}", tags=[]))
        for n in range(12)
    ]
    big = make_topic(
        *[(power.code, f"提示{n}") for n, power in enumerate([registration, food, *more])],
        slug="big",
        title="大主题一件事",
    )

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    queries(small.url)  # Wagtail's site-root cache
    assert queries(small.url) == queries(big.url)
    before = queries("/topics/")
    make_topic((food.code, ""), slug="third", title="第三个一件事")
    assert queries("/topics/") == before


def test_topics_are_editorial_and_published_without_the_legal_office(power):
    topic = make_topic((power.code, ""))
    assert topic.live and not topic.has_unpublished_changes
    assert topic.get_workflow() is None  # the 法制办审核 workflow is the catalogue's alone
    index = TopicIndexPage.objects.get()
    assert index.url == "/topics/" and index.get_parent().specific_class.__name__ == "HomePage"
