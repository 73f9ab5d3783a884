"""An operator installs the platform under the government's own address: after `migrate`, one
command sets up the site, the hall's pages, the roles and the review workflow, and may be run
again after every upgrade."""

import io

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Site, Workflow, WorkflowPage

from catalogue.models import PowerCatalogue

pytestmark = pytest.mark.django_db


def setup_site(*args):
    out = io.StringIO()
    call_command("setup_site", *args, stdout=out)
    return out.getvalue()


def test_the_site_answers_under_its_own_address_and_a_second_run_changes_nothing(client):
    output = setup_site("--hostname", "Quanli.Example.gov.cn")
    assert "站点已就绪：quanli.example.gov.cn:443" in output
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("quanli.example.gov.cn", 443)
    assert site.site_name == "行政权力网上公开透明运行平台"
    catalogue = PowerCatalogue.objects.get()
    assert WorkflowPage.objects.get(page=catalogue).workflow.active

    pages, workflows = (
        catalogue.get_site().root_page.get_descendants().count(),
        Workflow.objects.count(),
    )
    setup_site("--hostname", "quanli.example.gov.cn")
    assert catalogue.get_site().root_page.get_descendants().count() == pages
    assert Workflow.objects.count() == workflows
    assert client.get("/", HTTP_HOST="quanli.example.gov.cn").status_code == 200


@pytest.mark.parametrize("hostname", ["not a host", "http://quanli.example.gov.cn", ""])
def test_a_mistyped_address_is_refused_in_chinese_and_changes_nothing(hostname):
    before = list(Site.objects.values_list("hostname", "port"))
    with pytest.raises(CommandError, match="域名格式不正确"):
        setup_site("--hostname", hostname)
    assert list(Site.objects.values_list("hostname", "port")) == before
