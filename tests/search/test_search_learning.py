"""The search learns from what citizens type: queries that find nothing, or whose results
nobody opens, are listed in the admin (搜索词学习), where one click turns a query into an intent or
a synonym."""

import re

import pytest
from django.urls import reverse

from search.engine import search_hall
from search.models import Intent, SearchLogEntry, Synonym
from tests.factories import (
    content_admin_user,
    department_editor,
    make_department,
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


def guessed_section(page: str) -> str:
    return page.split('id="guessed-heading"')[1].split('id="zero-heading"')[0]


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


def test_a_situation_the_search_guessed_is_confirmed_as_an_intent_in_one_click(client):
    """转外地医院看病 has no phrase of the lexicon whole; the search read it as 异地就医、
    异地转诊 on its own (a guess). The log keeps that reading, 搜索词学习 shows it with the
    words filled in, and one click makes it an intent: from then on it is understood, not
    guessed."""
    make_department(code="LABOUR", short_name="区人社局", title="广安市广安区人力资源和社会保障局")
    items = [("MED-REFERRAL", "异地转诊人员备案"), ("MED-AWAY", "其他临时外出就医人员备案")]
    for code, title in items:
        publish_power(road_transport_licence(code=code, title=title, department_code="LABOUR",
                                             citations=[], tags=[], result_name=""))  # fmt: skip
    client.get(reverse("search"), {"q": "转外地医院看病"})
    client.get("/api/v3/search/", {"q": "转外地医院看病"})
    for entry in SearchLogEntry.objects.all():
        assert entry.guessed == "外地医院看病" and "异地转诊" in entry.guessed_as
    client.get(reverse("search"), {"q": "异地转诊"})  # in the catalogue's words: no guess
    assert SearchLogEntry.objects.get(query="异地转诊").guessed == ""

    client.force_login(content_admin_user())
    page = client.get(reverse("search_learning")).content.decode()
    screen = guessed_section(page)
    assert "外地医院看病" in screen and "转外地医院看病" in screen
    assert "转外地医院看病" not in unopened_section(page)  # listed once, with its reading
    (filled,) = re.findall(r'name="words" type="text"[^>]* value="([^"]+)"', screen)
    assert filled == SearchLogEntry.objects.filter(query="转外地医院看病").first().guessed_as

    answer = client.post(reverse("search_learning"),
                         {"query": "外地医院看病", "words": filled, "action": "intent"},
                         follow=True)  # fmt: skip
    assert "已设为搜索意图" in answer.content.decode()
    assert Intent.objects.get().phrase_list == ["外地医院看病"]
    assert "外地医院看病" not in guessed_section(answer.content.decode())

    client.logout()
    result = search_hall("转外地医院看病")
    assert result.guessed == []
    assert {hit.document.code for hit in result.hits} == {"MED-REFERRAL", "MED-AWAY"}
    client.get(reverse("search"), {"q": "转外地医院看病"})
    assert SearchLogEntry.objects.order_by("-pk").first().guessed == ""

    # The intent was written as one phrase; a citizen who types it in pieces is read by it too.
    spaced = search_hall("转 外地 医院 看病")
    assert "外地医院看病" in spaced.words and spaced.guessed == []
    assert {hit.document.code for hit in spaced.hits} == {"MED-REFERRAL", "MED-AWAY"}
    data = client.get("/api/v3/search/", {"q": "转 外地 医院 看病"}).json()  # and integrators
    assert {hit["code"] for hit in data["hits"]} == {"MED-REFERRAL", "MED-AWAY"}
    assert data["guessed"] == []


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
