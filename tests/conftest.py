import shutil

import pytest
from django.conf import settings
from django.core.cache import caches

from tests.factories import load_base_data


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the site structure, the real law library and two departments."""
    with django_db_blocker.unblock():
        load_base_data()
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.IMPORT_ROOT, ignore_errors=True)
    shutil.rmtree(settings.CASE_FILES_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _rate_limits_in_one_window(monkeypatch):
    """Rate limits count in fixed windows (a minute, a day): every test runs inside one, so a
    test that happens to cross the start of a minute does not see its counts restart."""
    monkeypatch.setattr("common.ratelimit._clock", lambda: 1_800_000_030.0)


@pytest.fixture(autouse=True)
def _fresh_caches():
    for alias in ("default", "pages", "renditions", "flowcharts"):
        caches[alias].clear()
    yield


@pytest.fixture
def catalogue(db):
    from catalogue.models import PowerCatalogue

    return PowerCatalogue.objects.get()


@pytest.fixture
def power(db):
    from tests.factories import publish_power

    return publish_power()
