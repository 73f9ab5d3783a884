"""Four eyes (四眼原则): the legal office's approval is a second person's. A reviewer who edits a
power, or submits it, cannot also approve it — not in the admin's workflow, not through the API,
not through the services — and another reviewer can. A superuser may act alone, and that is
recorded as a sole decision (单人决定) that 电子监察 shows."""

import pytest
from django.urls import reverse
from wagtail.models import PageLogEntry

from catalogue.models import PowerPage
from review.models import PowerPublication
from review.services import ReviewPermissionError, power_submit, review_approve
from supervision.selectors import sole_decisions
from tests.factories import (
    bearer,
    department_editor,
    legal_office_user,
    make_user,
    publish_power,
    save_change,
    submit_change,
)

pytestmark = pytest.mark.django_db
PATCH = {"meta": {"type": "catalogue.PowerPage"}}


def workflow_action(client, power, action, comment=""):
    task_state = PowerPage.objects.get(pk=power.pk).current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[power.pk, action, task_state.pk])
    return client.post(url, {"comment": comment})


def live(power):
    return PowerPage.objects.get(pk=power.pk)


def test_through_the_api_a_reviewer_cannot_edit_submit_and_approve_alone(client):
    power = publish_power()
    first, second = legal_office_user("fzb-1"), legal_office_user("fzb-2")
    headers = bearer(first)
    # the trial's three calls: edit, submit, approve — the last one now refused
    assert client.patch(f"/api/v3/pages/{power.pk}/", {**PATCH, "promised_time_limit": 2,
                        "change_note": "压缩时限"}, content_type="application/json",
                        headers=headers).status_code == 200  # fmt: skip
    code = power.code
    assert client.post(f"/api/v3/powers/{code}/submit/", {}, content_type="application/json",
                       headers=headers).status_code == 200  # fmt: skip
    refused = client.post(f"/api/v3/powers/{code}/approve/", {},
                          content_type="application/json", headers=headers)  # fmt: skip
    assert refused.status_code == 403 and "四眼原则" in refused.json()["detail"]
    # publishing directly is not the legal office's either
    assert client.patch(f"/api/v3/pages/{power.pk}/", {**PATCH, "meta": {"type":
                        "catalogue.PowerPage", "action": "publish"}},
                        content_type="application/json",
                        headers=headers).status_code == 403  # fmt: skip
    assert live(power).promised_time_limit == 5

    # a second reviewer approves it
    approved = client.post(f"/api/v3/powers/{code}/approve/", {},
                           content_type="application/json", headers=bearer(second))  # fmt: skip
    assert approved.status_code == 200
    assert live(power).promised_time_limit == 2
    record = PowerPublication.objects.filter(power=power).first()
    assert record.approved_by == second and not record.sole_decision


def test_in_the_admin_the_submitter_sees_no_approve_button_and_cannot_post_it(client):
    power = publish_power()
    first, second = legal_office_user("fzb-1"), legal_office_user("fzb-2")
    submit_change(power, first, promised_time_limit=3, change_note="压缩承诺办结时限")

    client.force_login(first)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[power.pk])).content.decode()
    assert 'workflow-action-name="approve"' not in edit
    assert 'workflow-action-name="reject"' in edit  # sending it back is still possible
    workflow_action(client, power, "approve", comment="自己批准")
    assert live(power).promised_time_limit == 5 and live(power).workflow_in_progress

    client.force_login(second)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[power.pk])).content.decode()
    assert 'workflow-action-name="approve"' in edit
    workflow_action(client, power, "approve", comment="同意")
    assert live(power).promised_time_limit == 3 and not live(power).workflow_in_progress


def test_a_reviewer_who_corrects_the_text_sends_it_to_another_reviewer(client):
    power = publish_power()
    editor = department_editor()
    first, second = legal_office_user("fzb-1"), legal_office_user("fzb-2")
    submit_change(power, editor, promised_time_limit=3, change_note="压缩承诺办结时限")
    # the first reviewer may approve the editor's change as it stands ...
    assert any(
        a[0] == "approve"
        for a in live(power).current_workflow_task.specific.get_actions(live(power), first)
    )
    # ... but corrects it instead: the correction is what is now under review
    save_change(live(power), first, promised_time_limit=4, change_note="压缩承诺办结时限至4日")
    with pytest.raises(ReviewPermissionError, match="四眼原则"):
        review_approve(power=power, user=first)
    with pytest.raises(ReviewPermissionError, match="只有法制办审核人员"):
        review_approve(power=power, user=editor)  # not a reviewer at all
    review_approve(power=power, user=second)
    assert live(power).promised_time_limit == 4  # the corrected text went live


def test_the_admin_resaving_an_imported_text_unchanged_is_no_correction(client):
    """Texts that came in through an import, the API or a service have LF line ends; the
    admin's form sends them back as CRLF when a reviewer approves. That is the same text: the
    reviewer may still approve, and the public record names only what the editor changed."""
    power = publish_power()
    editor, reviewer = department_editor(), legal_office_user("fzb-1")
    conditions = live(power).acceptance_conditions
    assert "\n" in conditions and "\r" not in conditions
    submit_change(power, editor, promised_time_limit=3, change_note="压缩承诺办结时限")
    save_change(live(power), reviewer, acceptance_conditions=conditions.replace("\n", "\r\n"))
    review_approve(power=power, user=reviewer)
    assert live(power).promised_time_limit == 3
    record = PowerPublication.objects.filter(power_id=power.pk).latest("published_at")
    assert record.changed_fields == ["承诺办结时限"]


def test_a_superuser_may_decide_alone_and_that_shows_in_supervision(client):
    power = publish_power()
    root = make_user("root", superuser=True)
    reviewer = legal_office_user("fzb")
    save_change(power, root, promised_time_limit=2, change_note="压缩承诺办结时限")
    power_submit(power=live(power), user=root)
    review_approve(power=power, user=root)
    assert live(power).promised_time_limit == 2
    record = PowerPublication.objects.filter(power=power).first()
    assert record.sole_decision and record.approved_by == root
    assert PageLogEntry.objects.filter(page=power, action="review.sole_decision", user=root)

    decisions = sole_decisions(reviewer)
    assert [(d.user, d.count) for d in decisions] == [(root, 1)]
    client.force_login(reviewer)
    page = client.get(reverse("supervision:dashboard")).content.decode()
    assert "单人决定" in page and "root" in page
    # A department's editor does not see the legal office's list.
    assert sole_decisions(department_editor()) == []
    # An ordinary approval by a second person is not listed.
    editor = department_editor("TRANSPORT", "editor-2")
    save_change(live(power), editor, promised_time_limit=3, change_note="恢复承诺时限")
    power_submit(power=live(power), user=editor)
    review_approve(power=power, user=reviewer)
    assert [(d.user, d.count) for d in sole_decisions(reviewer)] == [(root, 1)]
