"""The department's side: their own feedback only, masked personal data, logged unmasking,
replies on time or overdue on the 电子监察 dashboard, and appeals decided by the legal office."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from access.models import PersonalDataView
from feedback.models import AppealDecision, Feedback
from feedback.services import Submission, appeal_decide, appeal_request, feedback_submit
from supervision.selectors import FEEDBACK, RED, YELLOW, supervision_for
from tests.factories import department_editor, legal_office_user

pytestmark = pytest.mark.django_db
D = datetime.date


def complaint(power, **values):
    values = {"kind": "complaint", "rating": 1, "comment": "办事窗口无人", "name": "李四",
              "phone": "13912345678", **values}  # fmt: skip
    receipt = feedback_submit(Submission(power=power, **values), ip="10.1.1.1")
    return receipt.feedback


def test_staff_see_their_departments_feedback_masked_and_unmasking_is_logged(client, power):
    feedback = complaint(power)
    editor = department_editor("TRANSPORT")
    client.force_login(editor)
    listing = client.get(reverse("feedback_admin:index")).content.decode()
    assert feedback.tracking_no in listing
    assert "李*" in listing and "139****5678" in listing and "13912345678" not in listing

    detail = reverse("feedback_admin:detail", args=[feedback.pk])
    assert "显示完整信息" not in client.get(detail).content.decode()
    refused = client.post(detail, {"action": "reveal"}, follow=True).content.decode()
    assert "13912345678" not in refused
    assert not PersonalDataView.objects.exists()

    editor.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    editor = type(editor).objects.get(pk=editor.pk)  # permissions are cached per user object
    client.force_login(editor)
    assert "显示完整信息" in client.get(detail).content.decode()
    revealed = client.post(detail, {"action": "reveal"}).content.decode()
    assert "13912345678" in revealed and "本次查看已记录" in revealed
    assert PersonalDataView.objects.filter(user=editor, object_id=str(feedback.pk)).count() == 1
    assert PersonalDataView.objects.get().fields == "姓名、手机号码"

    outsider = department_editor("APPROVAL")
    client.force_login(outsider)
    assert feedback.tracking_no not in client.get(reverse("feedback_admin:index")).content.decode()
    assert client.get(detail).status_code == 404


def test_a_reply_in_the_admin_reaches_the_citizen_and_clears_the_card(client, power):
    feedback = complaint(power)
    editor = department_editor("TRANSPORT")
    client.force_login(editor)
    detail = reverse("feedback_admin:detail", args=[feedback.pk])
    response = client.post(detail, {"action": "reply", "reply": "已整改，窗口安排专人值守。",
                                    "publish_comment": "yes"})  # fmt: skip
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == "answered" and feedback.answered_on_time
    assert feedback.moderation == "published"
    assert not [i for i in supervision_for(editor).items if i.kind == FEEDBACK]
    page = client.get(power.url).content.decode()
    assert "已整改，窗口安排专人值守。" in page
    empty = client.post(detail, {"action": "reply", "reply": ""})
    assert empty.status_code == 200
    assert "请填写答复内容。" in empty.content.decode()


def test_an_overdue_complaint_turns_red_and_a_bad_review_due_soon_yellow(power):
    late = complaint(power)
    Feedback.objects.filter(pk=late.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 10, 8, 9)), due_on=D(2026, 10, 29)
    )
    soon = complaint(power, kind="evaluation", rating=2, comment="", phone="13700000000")
    # a bad review: 5 working days; submitted on Tuesday 24 November 2026 → Tuesday 1 December
    Feedback.objects.filter(pk=soon.pk).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 11, 24, 9))
    )
    from feedback.services import reply_due_on

    assert reply_due_on("evaluation", 2, D(2026, 11, 24)) == D(2026, 12, 1)
    Feedback.objects.filter(pk=soon.pk).update(due_on=D(2026, 12, 1))

    editor = department_editor("TRANSPORT")
    items = {i.feedback_id: i for i in supervision_for(editor, today=D(2026, 11, 28)).items}
    assert items[late.pk].card == RED and items[soon.pk].card == YELLOW
    row = next(r for r in supervision_for(editor, today=D(2026, 11, 28)).rows)
    assert (row.open_feedback, row.red, row.yellow) == (2, 1, 1)


def test_the_legal_office_decides_an_appeal_and_the_review_stays_stored(client, power):
    from feedback.selectors import rating_summary

    malicious = complaint(power, kind="evaluation", rating=1, comment="乱打差评")
    editor = department_editor("TRANSPORT")
    appeal = appeal_request(malicious, user=editor, reason="同一号码一分钟内在多个事项下打差评")
    with pytest.raises(ValueError, match="已有待决定的申诉"):
        appeal_request(malicious, user=editor, reason="再申诉一次")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        appeal_decide(appeal, user=editor, grant=True, reason="自己批准")
    assert rating_summary(power=power).ratings == 1

    reviewer = legal_office_user("fzb")
    appeal_decide(appeal, user=reviewer, grant=True, reason="经核实为恶意差评")
    appeal.refresh_from_db()
    assert appeal.decision == AppealDecision.GRANTED and appeal.decided_by == reviewer
    assert rating_summary(power=power).ratings == 0
    assert Feedback.objects.filter(pk=malicious.pk).exists()
    from wagtail.models import ModelLogEntry

    actions = set(ModelLogEntry.objects.filter(object_id=str(malicious.pk))
                  .values_list("action", flat=True))  # fmt: skip
    assert {"feedback.appeal", "feedback.appeal_decided"} <= actions
