"""公开: citizens see every approved change with its reason, and nothing else."""

import pytest
from django.urls import reverse

from catalogue.models import PowerPage
from review.models import PowerPublication
from review.services import power_submit, review_approve, review_reject
from tests.factories import department_editor, legal_office_user, publish_power

pytestmark = pytest.mark.django_db


@pytest.fixture
def adjusted_power():
    """A power adjusted once (approved) and changed again (awaiting review)."""
    editor = department_editor()
    reviewer = legal_office_user("fzb")
    power = publish_power()
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.promised_time_limit = 3
    draft.change_note = "依据优化营商环境要求压缩承诺时限"
    draft.save_revision(user=editor)
    power_submit(power=power, user=editor)
    review_reject(power=power, user=reviewer, comment="内部意见：请核实时限依据")
    power_submit(power=power, user=editor)
    review_approve(power=power, user=reviewer, comment="内部意见：同意")
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.title = "尚未审核的新名称"
    draft.change_note = "尚未审核的说明"
    draft.save_revision(user=editor)
    power_submit(power=power, user=editor)
    return PowerPage.objects.get(pk=power.pk)


def approve_pending(power):
    review_approve(power=power, user=legal_office_user("fzb-2"), comment="内部意见：可以")


def test_the_power_page_shows_its_approved_history_only(client, adjusted_power):
    html = client.get(adjusted_power.url).content.decode()
    assert "依据优化营商环境要求压缩承诺时限" in html
    assert "承诺办结时限" in html
    assert "尚未审核" not in html
    assert "内部意见" not in html

    approve_pending(adjusted_power)  # the pending change joins the history, comments never do
    html = client.get(PowerPage.objects.get(pk=adjusted_power.pk).url).content.decode()
    assert "尚未审核的新名称" in html and "尚未审核的说明" in html
    assert "内部意见" not in html


def test_the_adjustments_list_and_feeds_show_approved_changes(client, adjusted_power):
    page = client.get(reverse("adjustments"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "道路货物运输经营许可" in html and "依据优化营商环境要求压缩承诺时限" in html
    assert "尚未审核" not in html and "内部意见" not in html
    for name in ("adjustments_feed", "adjustments_atom"):
        feed = client.get(reverse(name))
        assert feed.status_code == 200
        body = feed.content.decode()
        assert "依据优化营商环境要求压缩承诺时限" in body
        assert "尚未审核" not in body and "内部意见" not in body
    assert "application/atom+xml" in client.get(reverse("adjustments_atom"))["Content-Type"]

    approve_pending(adjusted_power)
    for name in ("adjustments", "adjustments_feed", "adjustments_atom"):
        body = client.get(reverse(name)).content.decode()
        assert "尚未审核的说明" in body and "内部意见" not in body, name


def test_an_unpublished_power_leaves_the_public_record(client, adjusted_power):
    assert "道路货物运输经营许可" in client.get(reverse("adjustments")).content.decode()
    PowerPage.objects.get(pk=adjusted_power.pk).unpublish()
    assert "道路货物运输经营许可" not in client.get(reverse("adjustments")).content.decode()
    assert PowerPublication.objects.filter(power=adjusted_power).exists()  # kept, not shown


@pytest.mark.parametrize("params", [{"page": "999"}, {"page": "x"}, {"all": "\x00"}])
def test_odd_parameters_give_a_normal_page(client, adjusted_power, params):
    assert client.get(reverse("adjustments"), params).status_code == 200
