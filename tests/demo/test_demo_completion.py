"""The demo's 数据完整度: `make run` shows a department past its date (a red card), one close to
it (a reminder) and one whose powers are complete, and each department's figure in public."""

import pytest

from catalogue.completeness import departments_completeness
from demo.catalogue import demo_catalogue_load
from demo.supervision import demo_completion_load
from demo.users import demo_users_ensure
from supervision.models import Alert, CompletionDeadline

pytestmark = pytest.mark.django_db


def test_the_demo_sets_dates_that_show_a_red_card_a_reminder_and_one_met(client):
    demo_catalogue_load()  # all 1,135 items: most of them bare, as the provincial list has them
    demo_users_ensure()
    summary = demo_completion_load()
    assert summary == {"dates": 3, "reminders": 1, "red": 1}
    red = Alert.objects.open().get(rule__code="completion_overdue")
    reminder = Alert.objects.open().get(rule__code="completion_due_soon")
    assert red.department.title == "广安市广安区交通运输局"
    assert reminder.department.title == "广安市广安区行政审批局"
    assert red.department.code != "TRANSPORT"  # the demo's department, not the tests' own
    met = CompletionDeadline.objects.exclude(department__in=[red.department, reminder.department])
    assert departments_completeness()[met.get().department_id].is_complete
    assert all(d.set_by.username == "site-admin" for d in CompletionDeadline.objects.all())
    assert "各部门信息完整度" in client.get("/catalogue/").content.decode()
    assert demo_completion_load() is None  # once
