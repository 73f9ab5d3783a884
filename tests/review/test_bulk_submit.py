"""An import sends hundreds of powers to the legal office at once: each one is in review exactly
as if its editor had pressed 提交审核, the reviewers get one email for the batch instead of one per
power, and a power that cannot be submitted stops the whole batch."""

import pytest
from django.core import mail
from wagtail.models import PageLogEntry, TaskState, WorkflowState

from catalogue.models import PowerPage
from catalogue.services import power_upsert
from review.services import (
    ReviewError,
    power_submit,
    powers_submit_bulk,
    review_approve,
    review_reject,
)
from tests.factories import content_admin_user, legal_office_user, road_transport_licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    user = legal_office_user("fzb")
    user.email = "fzb@example.com"
    user.save()
    return user


@pytest.fixture
def importer():
    return content_admin_user("importer")


def draft(code, user):
    """A new power written by the importer, not yet public."""
    power_upsert(data=road_transport_licence(code=code), user=user, publish=False)
    return PowerPage.objects.get(code=code)


def review_state(power):
    """What being in review means for a power, without ids and times."""
    power = PowerPage.objects.get(pk=power.pk)
    state = power.current_workflow_state
    task_state = state.current_task_state
    entry = PageLogEntry.objects.get(page=power, action="wagtail.workflow.start")
    return {
        "workflow": (state.workflow.name, state.status, state.requested_by.username),
        "task": (
            task_state.task.name,
            task_state.status,
            task_state.revision_id == power.latest_revision_id,
            task_state.content_type.model,
        ),  # fmt: skip
        "in_progress": power.workflow_in_progress,
        "log": (
            entry.user.username,
            entry.revision_id == power.latest_revision_id,
            entry.data["workflow"]["title"],
            entry.data["workflow"]["next"]["title"],
            entry.data["workflow"]["task_state_id"] == task_state.id,
        ),  # fmt: skip
    }


def test_a_bulk_submission_is_the_same_review_as_pressing_submit(
    importer, reviewer, django_capture_on_commit_callbacks
):
    one, many = draft("SUBMIT-ONE", importer), [draft(f"SUBMIT-BULK-{n}", importer) for n in (1, 2)]
    mail.outbox.clear()
    power_submit(power=one, user=importer)
    emails_for_one = len(mail.outbox)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):  # the email leaves on commit
        assert powers_submit_bulk(power_ids=[p.pk for p in many], user=importer) == 2

    for power in many:
        assert review_state(power) == review_state(one)
    # one email for the whole batch, to the legal office, naming the powers
    assert emails_for_one >= 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fzb@example.com"] and "2 项" in message.subject
    assert "SUBMIT-BULK-1" in message.body and "SUBMIT-BULK-2" in message.body

    # the legal office decides on them as on any other submission
    review_approve(power=many[0], user=reviewer)
    review_reject(power=many[1], user=reviewer, comment="请补充申请材料")
    assert PowerPage.objects.get(pk=many[0].pk).live
    assert not PowerPage.objects.get(pk=many[1].pk).live
    assert TaskState.objects.get(workflow_state__object_id=str(many[1].pk)).status == "rejected"


def test_a_power_already_in_review_stops_the_batch_without_it_the_batch_goes(importer, reviewer):
    pending, fresh = draft("SUBMIT-PENDING", importer), draft("SUBMIT-FRESH", importer)
    power_submit(power=pending, user=importer)
    with pytest.raises(ReviewError, match="SUBMIT-PENDING.*已在法制办审核中"):
        powers_submit_bulk(power_ids=[fresh.pk, pending.pk], user=importer)
    assert not PowerPage.objects.get(pk=fresh.pk).workflow_in_progress
    assert powers_submit_bulk(power_ids=[fresh.pk], user=importer) == 1
    assert PowerPage.objects.get(pk=fresh.pk).workflow_in_progress


def test_a_power_sent_back_is_resubmitted_to_the_same_review(importer, reviewer):
    power = draft("SUBMIT-AGAIN", importer)
    power_submit(power=power, user=importer)
    review_reject(power=power, user=reviewer, comment="行使依据不全")
    states = WorkflowState.objects.count()

    assert powers_submit_bulk(power_ids=[power.pk], user=importer) == 1

    # resumed, as the admin's resubmit does: no second workflow
    assert WorkflowState.objects.count() == states
    assert PowerPage.objects.get(pk=power.pk).current_workflow_state.status == "in_progress"


def test_an_editor_cannot_submit_another_departments_powers_in_bulk_its_own_editor_can(
    importer,
):
    from tests.factories import department_editor

    power = draft("SUBMIT-OTHER", importer)
    outsider = department_editor("APPROVAL")
    with pytest.raises(ReviewError, match="没有修改该事项的权限"):
        powers_submit_bulk(power_ids=[power.pk], user=outsider)
    assert not PowerPage.objects.get(pk=power.pk).workflow_in_progress
    assert powers_submit_bulk(power_ids=[power.pk], user=department_editor("TRANSPORT")) == 1
    assert PowerPage.objects.get(pk=power.pk).workflow_in_progress
