"""Schemathesis against the write endpoints, with a superuser's token: generated bodies of every
shape (objects missing fields, wrong types, arrays, nulls, huge numbers, odd text) to page
creation and edits, page actions and the review steps. None may end in a server error."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests.factories import bearer, make_user

schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", get_wsgi_application())
EXAMPLES = settings(max_examples=25, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI application itself, which closes the database connection at
    the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.include(
    path_regex="^/api/v3/(pages|powers)/", method=["POST", "PATCH", "DELETE"]
).parametrize()
@EXAMPLES
def test_write_endpoints_never_fail_for_a_token_holder(case, power, headers):
    case.call_and_validate(headers=headers, checks=[schemathesis.checks.not_a_server_error])


@pytest.fixture
def headers(db):
    return bearer(make_user("schemathesis-writer", superuser=True))
