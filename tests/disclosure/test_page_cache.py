"""The public page cache: fast for citizens, and never stale after an approval."""

import re

import pytest

from catalogue.models import PowerPage
from laws.models import Law

pytestmark = pytest.mark.django_db


def test_a_repeated_visit_is_served_from_the_cache(client, power):
    first = client.get(power.url)
    second = client.get(power.url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    # the same page, but for the visitor's own (freshly masked) CSRF token in its form
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", second.content) == token.sub(b"", first.content)
    assert token.search(second.content)


def test_an_approved_change_is_visible_at_once(client, power):
    client.get(power.url)
    client.get("/catalogue/")
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.title = "道路货物运输经营许可（已调整）"
    revision = draft.save_revision()
    # awaiting review: the cached page is still right
    assert "已调整" not in client.get(power.url).content.decode()
    revision.publish()
    assert "已调整" in client.get(power.url).content.decode()
    assert "已调整" in client.get("/catalogue/").content.decode()


def test_unpublishing_removes_the_page_at_once(client, power):
    assert client.get(power.url).status_code == 200
    PowerPage.objects.get(pk=power.pk).unpublish()
    assert client.get(power.url).status_code == 404


def test_a_corrected_law_text_shows_on_the_powers_citing_it(client, power):
    client.get(power.url)
    law = Law.objects.find_by_title("道路运输条例").first()
    article = law.articles.get(ordinal=21)
    article.text = "申请从事货运经营的，应当具备下列条件（勘误）"
    article.save()
    assert "（勘误）" in client.get(power.url).content.decode()


def test_signed_in_editors_and_forms_are_never_cached_visitors_pages_are(client, power):
    from tests.factories import make_user

    assert client.get(power.url)["X-Page-Cache"] == "miss"
    client.force_login(make_user())
    assert "X-Page-Cache" not in client.get(power.url)
    assert "X-Page-Cache" not in client.get("/admin/login/")
    client.logout()
    assert client.get(power.url)["X-Page-Cache"] == "hit"


def test_a_lost_generation_key_never_brings_back_an_old_page(client, power):
    from django.core.cache import caches

    client.get(power.url)
    caches["default"].clear()  # e.g. Redis restarted, or the key expired
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.title = "道路货物运输经营许可（更名）"
    draft.save_revision().publish()
    caches["default"].clear()
    assert "（更名）" in client.get(power.url).content.decode()


def test_the_generation_does_not_expire_with_the_database_cache(settings, db):
    from django.core.cache import caches

    from common import pagecache

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "disclosure_cache"},
    }  # fmt: skip
    from django.core.management import call_command

    call_command("createcachetable")
    caches["default"].clear()
    first = pagecache.current_generation()
    pagecache.invalidate()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM disclosure_cache")
        (expires,) = cursor.fetchone()
    assert str(expires).startswith("9999")
    assert pagecache.current_generation() == first + 1


def test_pages_made_stale_again_and_again_stay_stale_with_the_database_cache(
    client, power, settings
):
    """A business system's batches make the same pages stale many times a second: each time
    the version is written anew (one statement for all the pages) and read back by every
    worker, never an older copy."""
    from django.core.cache import caches
    from django.core.management import call_command

    from common import pagecache

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "disclosure_cache"},
    }  # fmt: skip
    call_command("createcachetable")
    caches["default"].clear()
    caches["pages"].clear()
    client.get("/catalogue/")
    seen = []
    for _ in range(3):
        client.get(power.url)
        assert client.get(power.url)["X-Page-Cache"] == "hit"
        pagecache.invalidate_paths([power.url, "/cases/"])
        assert client.get(power.url)["X-Page-Cache"] == "miss"
        seen.append(caches["default"].get(pagecache._path_key(power.url)))
    assert seen == sorted(set(seen))  # a new, larger version every time
    assert client.get("/catalogue/")["X-Page-Cache"] == "hit"  # other pages untouched


def test_a_page_made_private_leaves_the_cache_at_once(client, power):
    from wagtail.models import PageViewRestriction

    assert client.get(power.url).status_code == 200
    assert client.get(power.url)["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=power.get_parent(), restriction_type="login")
    assert client.get(power.url).status_code == 302  # to the login page, not a cached copy


def test_unknown_query_parameters_are_not_cached_known_ones_are(client, power):
    assert "X-Page-Cache" not in client.get(power.url, {"x": "1"})
    assert client.get(power.url)["X-Page-Cache"] == "miss"
    assert client.get("/catalogue/", {"type": "01"})["X-Page-Cache"] == "miss"
    assert client.get("/catalogue/", {"type": "01"})["X-Page-Cache"] == "hit"


def test_a_rating_refreshes_its_power_page_only_even_after_the_cache_lost_track(client, power):
    from django.core.cache import caches

    from common import pagecache

    other = client.get("/catalogue/")
    client.get(power.url)
    pagecache.invalidate_paths([power.url])
    assert client.get(power.url)["X-Page-Cache"] == "miss"
    assert client.get("/catalogue/")["X-Page-Cache"] == "hit"
    # the shared cache forgets the page's version (evicted): never back to an older copy
    caches["default"].delete(pagecache._path_key(power.url))
    assert client.get(power.url)["X-Page-Cache"] == "miss"
    assert other.status_code == 200
