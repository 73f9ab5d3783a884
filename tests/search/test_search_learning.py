"""The search learns from what citizens type: queries that find nothing, or whose results
nobody opens, are listed in the admin (搜索词学习), where one click turns a query into an intent or
a synonym."""

import re

import pytest
from django.urls import reverse

from search.models import Intent, SearchLogEntry, Synonym
from tests.factories import (
    content_admin_user,
    department_editor,
    publish_power,
    road_transport_licence,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dog_licence():
    return publish_power(
        road_transport_licence(code="GA-DOG", title="犬类准养证核发", citations=[], tags=[],
                               result_name="")
    )  # fmt: skip


def zero_section(page: str) -> str:
    return page.split('id="zero-heading"')[1].split('id="unopened-heading"')[0]


def unopened_section(page: str) -> str:
    return page.split('id="unopened-heading"')[1]


def text(page: str) -> str:
    """The page's text (results are highlighted with <mark>)."""
    return re.sub(r"<[^>]+>", "", page)


def hit_links(page: str) -> list[str]:
    return re.findall(r'<a href="(/search/click/\d+/\d+/)">', page)


def test_a_query_that_finds_nothing_is_taught_as_an_intent_in_one_click(client, dog_licence):
    client.get(reverse("search"), {"q": "狗牌怎么挂"})
    assert SearchLogEntry.objects.get(query="狗牌怎么挂").results == 0

    client.force_login(content_admin_user())
    screen = client.get(reverse("search_learning")).content.decode()
    assert "狗牌怎么挂" in zero_section(screen)

    # A phrase of one character is refused, with a reason, and nothing is saved.
    teach = {"query": "狗", "words": "犬类准养证", "action": "intent"}
    answer = client.post(reverse("search_learning"), teach, follow=True)
    assert "至少两个字" in answer.content.decode() and not Intent.objects.exists()

    answer = client.post(reverse("search_learning"), {**teach, "query": "狗牌怎么挂"}, follow=True)
    assert "已设为搜索意图" in answer.content.decode()
    assert "狗牌怎么挂" not in zero_section(answer.content.decode())

    client.logout()
    page = client.get(reverse("search"), {"q": "狗牌怎么挂"}).content.decode()
    assert "犬类准养证核发" in text(page)


def test_a_query_is_taught_as_a_synonym(client, dog_licence):
    client.force_login(content_admin_user())
    client.post(reverse("search_learning"), {"query": "狗证", "words": "犬类准养证",
                                             "action": "synonym"})  # fmt: skip
    assert Synonym.objects.get().term_list == ["狗证", "犬类准养证"]
    client.logout()
    assert "犬类准养证核发" in text(client.get(reverse("search"), {"q": "办狗证"}).content.decode())


def test_results_nobody_opens_are_listed_until_someone_opens_one(client, dog_licence):
    for _ in range(2):
        page = client.get(reverse("search"), {"q": "犬类"}).content.decode()
    (link,) = hit_links(page)

    admin = content_admin_user()
    client.force_login(admin)
    unopened = unopened_section(client.get(reverse("search_learning")).content.decode())
    assert "犬类" in unopened

    client.logout()
    answer = client.get(link)
    assert answer.status_code == 302 and answer["Location"] == dog_licence.url
    assert SearchLogEntry.objects.filter(query="犬类").order_by("-pk").first().clicks == 1

    client.force_login(admin)
    unopened = unopened_section(client.get(reverse("search_learning")).content.decode())
    assert "犬类" not in unopened


def test_a_forged_click_leads_nowhere(client, dog_licence):
    client.get(reverse("search"), {"q": "犬类"})
    entry = SearchLogEntry.objects.get()
    assert client.get(f"/search/click/{entry.pk}/999999/").status_code == 404
    assert SearchLogEntry.objects.get().clicks == 0


def test_only_site_and_content_administrators_teach_the_search(client, dog_licence):
    client.force_login(department_editor())
    refused = client.get(reverse("search_learning"))  # Wagtail sends them home with a message
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    answer = client.post(reverse("search_learning"), {"query": "狗牌", "words": "犬类准养证",
                                                       "action": "intent"})  # fmt: skip
    assert answer.status_code == 302 and not Intent.objects.exists()

    client.force_login(content_admin_user())
    assert client.get(reverse("search_learning")).status_code == 200
