"""The hall's home page offers the life-event topics (一件事) first, for citizens who know what
happened to them rather than which power they need."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import PowerPage
from tests.factories import make_topic, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_topics_with_links_and_leads_to_all_of_them(client, power):
    other = publish_power(road_transport_licence(code="CONFIRM-1", title="从业资格注册", tags=[]))
    newborn = make_topic((power.code, ""), (other.code, ""))
    retirement = make_topic((other.code, ""), title="退休一件事", slug="retirement")

    page = client.get("/").content.decode()
    section = page[page.index('id="topics-heading"') :]
    assert "高效办成一件事" in page
    assert f'href="{newborn.url}"' in section and "新生儿出生一件事" in section
    assert f'href="{retirement.url}"' in section and "退休一件事" in section
    assert section.index("新生儿出生一件事") < section.index("退休一件事")  # the editors' order
    assert 'href="/topics/"' in section

    # a topic none of whose powers is public is not offered
    PowerPage.objects.get(pk=other.pk).unpublish()
    page = client.get("/").content.decode()
    assert "新生儿出生一件事" in page and "退休一件事" not in page


def test_the_home_page_shows_no_topics_section_while_there_are_none(client):
    assert 'id="topics-heading"' not in client.get("/").content.decode()


def test_the_home_page_costs_the_same_queries_however_many_topics(client, settings, power):
    settings.PAGE_CACHE_ENABLED = False
    make_topic((power.code, ""))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    queries()  # Wagtail's site-root cache
    one = queries()
    for n in range(8):
        make_topic((power.code, ""), title=f"第{n}件事", slug=f"event-{n}")
    assert queries() == one
