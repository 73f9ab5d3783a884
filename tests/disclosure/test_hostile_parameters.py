"""The admin's reports and lists, and the hall's pages, take hostile filter values without a
server error: every filter a page offers (read from its own form) is sent numbers beyond 64
bits, NUL characters, markup, dates that are not dates and very long text. Each page still
answers its ordinary request."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db
HOSTILE = ["99999999999999999999", "-1", "abc", "\x00", "<script>alert(1)</script>",
           "2026-13-45", "x" * 5000, "' OR 1=1 --", "1e309"]  # fmt: skip
ADMIN_PAGES = [
    "wagtailadmin_reports:site_history", "wagtailadmin_reports:site_history_results",
    "wagtailadmin_reports:locked_pages", "wagtailadmin_reports:workflow",
    "wagtailadmin_reports:workflow_tasks", "wagtailadmin_reports:aging_pages",
    "wagtailadmin_reports:page_types_usage", "wagtailadmin_pages:search",
    "supervision:dashboard", "supervision:items", "supervision:alerts", "supervision:orders",
    "supervision:findings", "search_report", "feedback_admin:index",
    "import_data:index", "wagtailusers_users:index", "wagtailsnippets_laws_law:list",
    "wagtailsnippets_hall_search_synonym:list", "wagtailsnippets_hall_search_dictionaryword:list",
    "wagtailsnippets_review_functionchange:list",
]  # fmt: skip
HALL_PAGES = ["/", "/catalogue/", "/search/", "/laws/", "/adjustments/", "/evaluation/",
              "/open-data/", "/feedback/lookup/", "/performance/"]  # fmt: skip


def filter_names(html) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    names = {field.get("name") for field in soup.select("form input, form select")}
    return {name for name in names if name and name != "csrfmiddlewaretoken"}


def crawl(client, url):
    ordinary = client.get(url)
    assert ordinary.status_code == 200, url
    names = filter_names(ordinary.content.decode()) | {"p", "page", "ordering", "user", "q"}
    for name in sorted(names):
        for value in HOSTILE:
            response = client.get(url, {name: value})
            assert response.status_code < 500, (url, name, value)
            assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_reports_take_hostile_filter_values(client, power, name):
    client.force_login(make_user("root", superuser=True))
    crawl(client, reverse(name))


@pytest.mark.parametrize("url", HALL_PAGES)
def test_hall_pages_take_hostile_parameters(client, power, url):
    crawl(client, url)


def test_the_site_history_filter_beyond_64_bits_is_a_chinese_400(client, power):
    root = make_user("root", superuser=True)
    client.force_login(root)
    url = reverse("wagtailadmin_reports:site_history")
    response = client.get(url, {"user": "99999999999999999999"})
    assert response.status_code == 400 and "请求参数超出范围" in response.content.decode()
    assert client.get(url, {"user": str(root.pk)}).status_code == 200
