"""Schemathesis reads /api/v3/openapi.json and sends every operation hundreds of generated
requests — valid, borderline and hostile: no answer may be a server error or break the schema the
document promises. The platform's own endpoints document their errors too, so their status codes
are checked as well."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests.factories import make_user

schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", get_wsgi_application())
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance]
OWN = CHECKS + [schemathesis.checks.status_code_conformance]
EXAMPLES = settings(max_examples=30, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@pytest.fixture
def content(power, settings):
    """A published power of the transport bureau (with citations, steps, tags), and no rate
    limits in the way of the generated submissions."""
    settings.FEEDBACK_RATE_LIMITS = {"ip_per_minute": 10**6, "phone_per_day": 10**6,
                                     "lookups_per_minute": 10**6}  # fmt: skip
    return power


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI application itself, which closes the database connection at
    the end of each request (Django's test client avoids this the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    """An administrator's API token (Wagtail's APIToken: only its digest is stored)."""
    from wagtail.models import APIToken

    user = make_user("schemathesis", superuser=True)
    return APIToken.create_token(user=user, name="schemathesis")[1]


@pytest.mark.django_db
@schema.exclude(path_regex="^/api/v3/pages/").parametrize()
@EXAMPLES
def test_the_platforms_endpoints_keep_their_contract(case, content):
    case.call_and_validate(checks=OWN)


@pytest.mark.django_db
@schema.include(path_regex="^/api/v3/pages/").parametrize()
@EXAMPLES
def test_wagtails_pages_endpoints_never_fail_anonymously(case, content):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.include(path_regex="^/api/v3/pages/", method="GET").parametrize()
@EXAMPLES
def test_wagtails_pages_endpoints_never_fail_for_a_token_holder(case, content, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
