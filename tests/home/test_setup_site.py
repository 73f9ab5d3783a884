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


def test_what_wagtails_migrations_named_in_english_is_named_in_chinese_and_switched_off():
    """The staff meet the page tree's root in the admin's breadcrumbs, the collections' root in
    every image and document chooser, and Wagtail's sample workflow among the workflows, tasks
    and the reports' filters: after set-up none of them is named in English, and the sample
    workflow cannot moderate anything."""
    from wagtail.models import Collection, Page, Task

    # As Wagtail's migrations leave them (an installation set up before they were renamed).
    Page.objects.filter(depth=1).update(title="Root", draft_title="Root")
    Collection.objects.filter(depth=1).update(name="Root")
    for model in (Workflow, Task):
        renamed = model.objects.filter(name="示例审批（已停用）")
        renamed.update(name="Moderators approval", active=True)
    assert Workflow.objects.filter(name="Moderators approval").exists()
    setup_site("--hostname", "quanli.example.gov.cn")
    root = Page.get_first_root_node()
    assert (root.title, root.draft_title) == ("根页面", "根页面")
    assert Collection.get_first_root_node().name == "根集合"
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    sample = Workflow.objects.get(name="示例审批（已停用）")
    assert not sample.active and not WorkflowPage.objects.filter(workflow=sample).exists()
    assert not Task.objects.get(name="示例审批（已停用）").active
    # The platform's own workflow is the one in force.
    assert Workflow.objects.filter(active=True).get().name == "法制办审核"
