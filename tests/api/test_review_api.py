"""A department's own system keeps its powers up to date through the API: it saves a draft,
submits it to the legal office, and the legal office approves or sends it back — the same review
as in the admin, with the same people allowed to do each step."""

import pytest
from django.core import mail

from catalogue.models import PowerPage
from tests.factories import bearer, department_editor, legal_office_user

pytestmark = pytest.mark.django_db
CODE = "511A0142000000-511602000000-000-TEST-1-00"


@pytest.fixture
def editor():
    return bearer(department_editor("TRANSPORT", "jtj-system"))


@pytest.fixture
def reviewer():
    user = legal_office_user("fzb-api")
    user.email = "fzb@example.com"
    user.save()
    return bearer(user)


def draft(client, headers, power, **fields):
    response = client.patch(f"/api/v3/pages/{power.pk}/",
                            {"meta": {"type": "catalogue.PowerPage"}, **fields},
                            content_type="application/json", headers=headers)  # fmt: skip
    assert response.status_code == 200, response.content[:300]


def post(client, url, headers, body=None):
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def test_draft_submit_reject_resubmit_approve(client, power, editor, reviewer):
    draft(client, editor, power, promised_time_limit=3, change_note="压缩承诺时限")
    submitted = post(client, f"/api/v3/powers/{CODE}/submit/", editor)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json() == {"code": CODE, "live": True, "has_unpublished_changes": True,
                                "review": "in_progress"}  # fmt: skip
    assert any("法制办" in m.subject or "审核" in m.subject for m in mail.outbox)
    # the public record is unchanged while in review
    assert client.get(f"/api/v3/powers/{CODE}/").json()["promised_time_limit"] == 5

    no_comment = post(client, f"/api/v3/powers/{CODE}/reject/", reviewer, {"comment": " "})
    assert no_comment.status_code == 409 and "审核意见" in no_comment.json()["detail"]
    rejected = post(client, f"/api/v3/powers/{CODE}/reject/", reviewer,
                    {"comment": "请说明压缩时限的依据"})  # fmt: skip
    assert rejected.json()["review"] == "needs_changes"

    draft(client, editor, power, promised_time_limit=3, change_note="窗口合并后压缩承诺时限")
    assert post(client, f"/api/v3/powers/{CODE}/submit/", editor).json()["review"] == (
        "in_progress"
    )
    approved = post(client, f"/api/v3/powers/{CODE}/approve/", reviewer)
    assert approved.status_code == 200 and approved.json()["has_unpublished_changes"] is False
    assert client.get(f"/api/v3/powers/{CODE}/").json()["promised_time_limit"] == 3


def test_each_step_only_for_those_allowed_to_take_it(client, power, editor, reviewer):
    outsider = bearer(department_editor("APPROVAL", "spj-system"))
    draft(client, editor, power, title="道路货物运输经营许可（修订）")

    assert post(client, f"/api/v3/powers/{CODE}/submit/", {}).status_code == 401
    refused = post(client, f"/api/v3/powers/{CODE}/submit/", outsider)
    assert refused.status_code == 403 and "没有修改该事项的权限" in refused.json()["detail"]
    assert post(client, f"/api/v3/powers/{CODE}/submit/", editor).status_code == 200
    again = post(client, f"/api/v3/powers/{CODE}/submit/", editor)
    assert again.status_code == 409 and "已在法制办审核中" in again.json()["detail"]
    assert post(client, f"/api/v3/powers/{CODE}/approve/", editor).status_code == 403
    assert post(client, f"/api/v3/powers/{CODE}/approve/", outsider).status_code == 403
    assert PowerPage.objects.get(pk=power.pk).title == "道路货物运输经营许可"
    assert post(client, "/api/v3/powers/NO-SUCH/approve/", reviewer).status_code == 404
    # the legal office takes the step the others could not
    assert post(client, f"/api/v3/powers/{CODE}/approve/", reviewer).status_code == 200
    assert PowerPage.objects.get(pk=power.pk).title == "道路货物运输经营许可（修订）"


def test_only_the_reviewed_revision_goes_live(client, power, editor, reviewer):
    """Whatever happens to a power while it is in review, approving publishes what the legal
    office saw; a later revision stays a draft."""
    from wagtail.models import Revision

    draft(client, editor, power, title="（未经审核的标题）", promised_time_limit=1)
    bad = PowerPage.objects.get(pk=power.pk).latest_revision_id
    draft(client, editor, power, title="道路货物运输经营许可", promised_time_limit=3,
          change_note="压缩承诺时限")  # fmt: skip
    assert post(client, f"/api/v3/powers/{CODE}/submit/", editor).status_code == 200
    # the API does not offer Wagtail's revert (which ignores the lock of a power in review)
    revert = post(client, f"/api/v3/pages/{power.pk}/actions/revert/", editor,
                  {"revision_id": bad})  # fmt: skip
    assert revert.status_code == 404
    # while the actions it does offer are there, and refuse an editor (the address is right)
    publish = post(client, f"/api/v3/pages/{power.pk}/actions/publish/", editor)
    assert publish.status_code == 403
    # even if a newer revision appeared by another way in, it would not be published
    Revision.objects.get(pk=bad).as_object().save_revision(user=power.owner)
    assert post(client, f"/api/v3/powers/{CODE}/approve/", reviewer).status_code == 200
    live = client.get(f"/api/v3/powers/{CODE}/").json()
    assert live["title"] == "道路货物运输经营许可" and live["promised_time_limit"] == 3
    assert PowerPage.objects.get(pk=power.pk).has_unpublished_changes
