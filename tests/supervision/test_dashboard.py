"""电子监察: yellow and red cards, per department, for the people who must act on them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import TaskState

from laws.models import Law
from review.models import AdjustmentRequirement
from review.services import law_supersede, review_approve, review_reject
from supervision.selectors import RED, REVIEW, YELLOW, supervision_for
from tests.factories import (
    content_admin_user,
    department_editor,
    legal_office_user,
    publish_power,
    road_transport_licence,
    submit_change,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def reviewer():
    return legal_office_user("fzb")


def test_an_overdue_review_turns_red_and_one_due_soon_yellow(reviewer):
    editor = department_editor()
    late = publish_power()
    soon = publish_power(road_transport_licence(code="SOON-1", department_code="APPROVAL"))
    submit_change(late, editor, result_name="新证照")
    submit_change(soon, department_editor("APPROVAL"), result_name="新证照")
    # the first submission reached the legal office on 1 September 2026
    TaskState.objects.filter(workflow_state__object_id=str(late.pk)).update(
        started_at=timezone.make_aware(datetime.datetime(2026, 9, 1, 10))
    )
    TaskState.objects.filter(workflow_state__object_id=str(soon.pk)).update(
        started_at=timezone.make_aware(datetime.datetime(2026, 11, 16, 10))
    )
    supervision = supervision_for(reviewer, today=D(2026, 11, 27))
    cards = {item.power.code: (item.kind, item.due_on, item.card) for item in supervision.items}
    assert cards[late.code] == (REVIEW, D(2026, 9, 15), RED)
    # 10 working days after Monday 16 November is Monday 30 November: 1 working day left
    assert cards["SOON-1"] == (REVIEW, D(2026, 11, 30), YELLOW)
    rows = {row.department.code: row for row in supervision.rows}
    assert (rows["TRANSPORT"].pending_reviews, rows["TRANSPORT"].red) == (1, 1)
    assert (rows["APPROVAL"].pending_reviews, rows["APPROVAL"].yellow) == (1, 1)


def test_an_editor_sees_only_their_department(reviewer):
    publish_power()
    publish_power(road_transport_licence(code="APPROVAL-1", department_code="APPROVAL"))
    law_supersede(law=Law.objects.find_by_title("道路运输条例").first(), changed_on=D(2026, 9, 1))
    editor = department_editor("APPROVAL")
    supervision = supervision_for(editor, today=D(2026, 11, 27))
    assert [row.department.code for row in supervision.rows] == ["APPROVAL"]
    assert {item.power.code for item in supervision.items} == {"APPROVAL-1"}
    everything = supervision_for(reviewer, today=D(2026, 11, 27))
    assert len(everything.items) == 2
    assert all(item.card == RED for item in everything.items)


def test_average_review_time_and_rejection_rate(reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, result_name="一")
    review_reject(power=power, user=reviewer, comment="请修改")
    submit_change(power, editor, result_name="二")
    review_approve(power=power, user=reviewer)
    supervision = supervision_for(reviewer)
    row = next(r for r in supervision.rows if r.department.code == "TRANSPORT")
    assert (row.decided_90, row.rejected_90) == (2, 1)
    assert row.rejection_rate == 0.5
    assert row.average_review_days_30 == 0.0


def test_a_year_without_a_holiday_schedule_is_flagged(reviewer):
    publish_power()
    law = Law.objects.find_by_title("道路运输条例").first()
    law_supersede(law=law, changed_on=D(2026, 12, 20))
    assert AdjustmentRequirement.objects.get().due_on.year == 2027
    supervision = supervision_for(reviewer, today=D(2026, 12, 21))
    assert supervision.unknown_years == [2027]


def test_the_dashboard_pages_answer_each_role(client, reviewer):
    publish_power()
    law_supersede(law=Law.objects.find_by_title("道路运输条例").first(), changed_on=D(2026, 9, 1))
    client.force_login(reviewer)
    dashboard = client.get(reverse("supervision:dashboard"))
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert "区交通运输局" in html and "区行政审批局" in html
    items = client.get(reverse("supervision:items"), {"dept": "TRANSPORT", "card": "red"})
    assert "道路货物运输经营许可" in items.content.decode()
    assert (
        client.get(reverse("supervision:items"), {"card": "<x>", "dept": "\x00"}).status_code == 200
    )

    client.force_login(department_editor("APPROVAL"))
    html = client.get(reverse("supervision:dashboard")).content.decode()
    assert "区行政审批局" in html and "区交通运输局" not in html

    client.force_login(content_admin_user("nobody"))
    assert client.get(reverse("supervision:dashboard")).status_code in (302, 403)


def test_an_editor_sees_what_to_adjust_on_the_admin_home(client):
    publish_power()
    law_supersede(law=Law.objects.find_by_title("道路运输条例").first(), changed_on=D(2026, 11, 2))
    client.force_login(department_editor())
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "待办事项与期限" in html
    assert "道路货物运输经营许可" in html
    assert "2026-11-30" in html  # 20 working days after 2 November 2026


def test_the_daily_digest_emails_yellow_and_red_items_to_those_who_must_act(reviewer):
    from django.core import mail
    from django.core.management import call_command

    publish_power()
    publish_power(road_transport_licence(code="APPROVAL-1", department_code="APPROVAL"))
    law_supersede(law=Law.objects.find_by_title("道路运输条例").first(), changed_on=D(2025, 9, 1))
    transport_editor = department_editor("TRANSPORT")
    approval_editor = department_editor("APPROVAL")
    mail.outbox.clear()
    call_command("supervision_digest")
    recipients = {message.to[0]: message for message in mail.outbox}
    assert set(recipients) == {reviewer.email, transport_editor.email, approval_editor.email}
    assert "红牌" in recipients[transport_editor.email].subject
    assert "道路货物运输经营许可" in recipients[transport_editor.email].body
    assert "APPROVAL-1" in recipients[approval_editor.email].body
    assert road_transport_licence().code not in recipients[approval_editor.email].body
