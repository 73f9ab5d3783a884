"""Schemathesis against the cases endpoints with a department's token: generated cases, events
and batches of every shape (missing fields, wrong types, arrays, nulls, huge numbers, NUL
characters), and reads of the full view. None may end in a server error or break the schema or
the status codes the document promises."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from tests.cases.conftest import holder
from tests.factories import bearer, publish_power, road_transport_licence

schema = schemathesis.openapi.from_wsgi("/api/v3/openapi.json", get_wsgi_application())
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
]
EXAMPLES = settings(max_examples=40, deadline=None, database=None,
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


@pytest.fixture
def headers(db):
    """The transport bureau's system, with a published power and one pushed case to read."""
    from cases import ingest

    power = publish_power(road_transport_licence(online_depth=4))
    user = holder("schemathesis-system", "窗口受理岗")
    ingest.push_case(
        {"power": power.code, "external_id": "ST-1", "submitted_at": None,
         "applicant": {"type": "organisation", "name": "广安顺达物流有限公司",
                       "id_no": "91511602MA6234567B"}},
        account=user,
    )  # fmt: skip
    return bearer(user)


@pytest.mark.django_db
@schema.include(path_regex="^/api/v3/cases/").parametrize()
@EXAMPLES
def test_the_cases_endpoints_keep_their_contract_for_a_department_token(case, headers):
    case.call_and_validate(headers=headers, checks=CHECKS)
