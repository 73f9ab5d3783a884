"""An integrator points the usual tools at /api/v3/openapi.json. openapi-spec-validator finds the
document valid; openapi-python-client, with the configuration the project ships
(api/openapi-python-client.yaml), generates without a warning a client under a name pip
accepts, with one module per English tag; and that client, against a live server, lists the
catalogue, reads a power, searches and, with an administrator's token, unpublishes a power (the
action the generator used to skip). People still read the document in Chinese.

Everything runs offline: the generator reads the document from a file and formats its output with
this virtualenv's ruff; its proxy settings lead nowhere, so any download would fail the test."""

import importlib
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.factories import load_base_data, make_user, publish_power

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "api" / "openapi-python-client.yaml"
PACKAGE = "disclosure_api_client"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers there


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    response = Client().get("/api/v3/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def generated(document, tmp_path_factory):
    """openapi-python-client run as an integrator runs it, on the saved document: its exit code,
    its output and the project it wrote."""
    work = tmp_path_factory.mktemp("client")
    (work / "openapi.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)  # its formatter, ruff, is this virtualenv's
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
           "HTTP_PROXY": NOWHERE, "HTTPS_PROXY": NOWHERE, "ALL_PROXY": NOWHERE,
           "http_proxy": NOWHERE, "https_proxy": NOWHERE, "all_proxy": NOWHERE,
           "NO_PROXY": "", "no_proxy": ""}  # fmt: skip
    run = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
         "--output-path", "project", "--config", str(CONFIG)],
        cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return run.returncode, run.stdout + run.stderr, work / "project"


@pytest.fixture(scope="module")
def client_package(generated):
    """The generated package, imported from where it was written."""
    returncode, output, project = generated
    assert returncode == 0, output
    project = str(project)
    sys.path.insert(0, project)
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(project)
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_the_document_passes_openapi_spec_validator(document):
    from openapi_spec_validator import OpenAPIV31SpecValidator, validate

    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)  # raises with the first error otherwise
    assert list(OpenAPIV31SpecValidator(document).iter_errors()) == []


def test_anonymous_access_is_an_optional_security_requirement_not_a_scheme(document):
    assert document["components"]["securitySchemes"] == {
        "BearerTokenAuth": {"type": "http", "scheme": "bearer"}
    }
    pages_list = document["paths"]["/api/v3/pages/"]["get"]
    assert pages_list["security"] == [{"BearerTokenAuth": []}, {}]
    assert document["paths"]["/api/v3/pages/"]["post"]["security"] == [{"BearerTokenAuth": []}]


def test_tags_are_english_names_with_chinese_for_people(document):
    operations = [op for item in document["paths"].values() for op in item.values()]
    used = {tag for op in operations for tag in op["tags"]}
    listed = {tag["name"]: tag for tag in document["tags"]}
    assert used == set(listed)
    assert all(name.isascii() and name.isidentifier() for name in listed)
    assert listed["powers"]["x-displayName"] == "事项"
    assert listed["powers"]["description"].startswith("事项：")
    assert document["info"]["title"] == "行政权力网上公开透明运行平台 开放接口"


def test_openapi_python_client_generates_an_installable_client_without_warnings(generated):
    returncode, output, project = generated
    assert returncode == 0, output
    assert "Warning" not in output and "WARNING" not in output, output
    assert "will not be generated" not in output, output
    name = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["poetry"]["name"]
    assert Requirement(name).name == "disclosure-api-client"  # what pip refused in Chinese
    modules = {path.name for path in (project / PACKAGE / "api").iterdir() if path.is_dir()}
    assert modules >= {"powers", "departments", "laws", "search", "feedback", "stats",
                       "performance", "cases", "pages"}  # fmt: skip
    assert all(name.isascii() for name in modules)
    assert (project / PACKAGE / "api" / "pages" / "pages_actions_unpublish.py").exists()


@pytest.fixture
def catalogue(transactional_db):
    load_base_data()
    return publish_power()  # 道路货物运输经营许可


@pytest.mark.django_db(transaction=True)
def test_the_generated_client_reads_searches_and_unpublishes(client_package, live_server,
                                                             catalogue):  # fmt: skip
    from disclosure_api_client.api.pages import pages_actions_unpublish
    from disclosure_api_client.api.powers import powers_detail, powers_list
    from disclosure_api_client.api.search import search
    from wagtail.models import APIToken

    from catalogue.models import PowerPage

    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    listed = powers_list.sync(client=anonymous, type_="01")
    assert listed.count == 1
    assert [item.title for item in listed.items] == ["道路货物运输经营许可"]

    power = powers_detail.sync(catalogue.code, client=anonymous)
    assert (power.code, power.title) == (catalogue.code, "道路货物运输经营许可")
    assert power.department.code == "TRANSPORT"

    found = search.sync(client=anonymous, q="货物运输")
    assert found.total == 1
    assert found.hits[0].title == "道路货物运输经营许可"

    admin = make_user("admin", superuser=True)
    token = APIToken.create_token(user=admin, name="系统对接")[1]
    staff = client_package.AuthenticatedClient(base_url=live_server.url, token=token,
                                               raise_on_unexpected_status=True)  # fmt: skip
    response = pages_actions_unpublish.sync_detailed(catalogue.pk, client=staff)
    assert response.status_code == 200, response.content
    assert response.parsed.title == "道路货物运输经营许可"
    assert not PowerPage.objects.get(pk=catalogue.pk).live
    assert powers_list.sync(client=anonymous).count == 0
