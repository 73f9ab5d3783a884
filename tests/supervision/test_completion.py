"""数据完整度 under 电子监察: a site administrator gives a department a date by which its powers
must be complete; the sweep reminds it a few working days before and raises a red card once the
date has passed, and clears them when its powers are complete. Each department's staff see
their own incomplete powers and what each lacks; supervisors see every department's."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalogue.models import DepartmentPage
from catalogue.services import PowerData
from supervision import services
from supervision.models import Alert, AlertRule, CompletionDeadline, Level
from supervision.services import SupervisionError
from supervision.sweep import sweep
from tests.cases.conftest import holder
from tests.factories import (
    department_editor,
    legal_office_user,
    publish_power,
    road_transport_licence,
    site_admin_user,
    supervisor_user,
)
from workdays.calendar import WorkCalendar

pytestmark = pytest.mark.django_db

RIGHTS = "不服的，可以向广安市广安区人民政府申请行政复议，或者向广安区人民法院提起行政诉讼。"


def bare(code, department_code="TRANSPORT", **values) -> PowerData:
    """A power as the provincial list has it: a name, a code and a type."""
    return PowerData(code=code, department_code=department_code, title=f"事项 {code}",
                     power_type="01", **values)  # fmt: skip


def completed(code, department_code="TRANSPORT") -> PowerData:
    return road_transport_licence(code=code, department_code=department_code,
                                  title=f"事项 {code}", service_mode="窗口办理",
                                  rights_note=RIGHTS)  # fmt: skip


def transport():
    return DepartmentPage.objects.get(code="TRANSPORT")


def open_alerts(code):
    return list(Alert.objects.open().filter(rule__code=code))


def deadline_form(day, note=""):
    return {"action": "set", "due_on": day.isoformat(), "note": note}


def test_a_site_administrator_sets_the_date_and_a_department_editor_cannot(client):
    today = timezone.localdate()
    due = today + datetime.timedelta(days=30)
    url = f"/admin/supervision/completeness/{transport().pk}/deadline/"

    # The department's own editor, and the legal office, are refused: nothing is written.
    editor = department_editor()
    with pytest.raises(PermissionDenied, match="站点管理员"):
        services.completion_deadline_set(department=transport(), due_on=due, user=editor)
    for refused in (editor, legal_office_user()):
        client.force_login(refused)
        response = client.post(url, deadline_form(due))
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not CompletionDeadline.objects.exists()

    # A site administrator sets it; a date already past is refused in Chinese.
    assert "completion-deadlines" not in client.get("/admin/").content.decode()  # no menu item
    admin = site_admin_user()
    client.force_login(admin)
    assert "completion-deadlines" in client.get("/admin/").content.decode()  # 电子监察设置
    assert client.get(url).status_code == 200
    response = client.post(url, deadline_form(today - datetime.timedelta(days=1)))
    assert response.status_code == 200 and "完成期限不能早于今天" in response.content.decode()
    assert not CompletionDeadline.objects.exists()
    response = client.post(url, deadline_form(due, "第一批：全部行政许可事项"))
    assert response.status_code == 302
    deadline = CompletionDeadline.objects.get()
    assert (deadline.due_on, deadline.set_by, deadline.active) == (due, admin, True)
    assert deadline.note == "第一批：全部行政许可事项"

    # A new date replaces it (the old one kept, inactive); withdrawing ends it.
    client.post(url, deadline_form(due + datetime.timedelta(days=10)))
    assert CompletionDeadline.objects.filter(active=True).get().due_on == due + datetime.timedelta(
        days=10
    )
    deadline.refresh_from_db()
    assert not deadline.active and deadline.ended_at is not None
    client.post(url, {"action": "withdraw"})
    assert not CompletionDeadline.objects.filter(active=True).exists()
    with pytest.raises(SupervisionError, match="没有设定"):
        services.completion_deadline_withdraw(department=transport(), user=admin)


def test_the_sweep_reminds_before_the_date_turns_red_after_it_and_clears_when_complete():
    publish_power(bare("BARE-1"))
    publish_power(completed("FULL-1"))
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    due = calendar.add_working_days(today, 12)
    services.completion_deadline_set(department=transport(), due_on=due, user=site_admin_user())

    sweep(today=calendar.subtract_working_days(due, 6))
    assert open_alerts("completion_due_soon") == []  # the reminder comes 5 working days before
    sweep(today=calendar.subtract_working_days(due, 5))
    (reminder,) = open_alerts("completion_due_soon")
    assert reminder.level == Level.REMINDER and reminder.department == transport()
    assert "（还有 5 个工作日），" in reminder.detail
    assert "1 项事项要素不全（完整度 54%）" in reminder.detail
    assert sweep(today=calendar.subtract_working_days(due, 4)).raised["completion_due_soon"] == 0

    sweep(today=due)
    assert open_alerts("completion_overdue") == []  # the date itself is still in time
    late = due + datetime.timedelta(days=1)
    report = sweep(today=late)
    (red,) = open_alerts("completion_overdue")
    assert red.level == Level.RED and red.category == "catalogue" and str(due) in red.detail
    assert report.raised["completion_overdue"] == 1
    reminder.refresh_from_db()
    assert not reminder.is_open and "期限已过" in reminder.cleared_reason

    # The department completes its last power; the next sweep clears the red card.
    publish_power(completed("BARE-1"))
    sweep(today=late + datetime.timedelta(days=1))
    red.refresh_from_db()
    assert not red.is_open and red.cleared_automatically
    assert red.cleared_reason == "部门事项要素已齐全"
    assert Alert.objects.filter(rule__code="completion_overdue").count() == 1  # still counted


def test_a_complete_department_is_never_warned_and_a_new_date_ends_the_old_dates_warnings():
    publish_power(completed("FULL-1"))
    publish_power(bare("BARE-1", department_code="APPROVAL"))
    admin = site_admin_user()
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    approval = DepartmentPage.objects.get(code="APPROVAL")
    for department in (transport(), approval):
        services.completion_deadline_set(department=department, due_on=today, user=admin)
    sweep(today=today + datetime.timedelta(days=3))
    (red,) = open_alerts("completion_overdue")  # the transport bureau's powers are complete
    assert red.department == approval

    services.completion_deadline_set(department=approval, user=admin,
                                      due_on=calendar.add_working_days(today, 20))  # fmt: skip
    red.refresh_from_db()
    assert not red.is_open and red.cleared_reason == "期限已重新设定"


def test_the_reminder_comes_as_many_working_days_before_as_a_site_administrator_set():
    AlertRule.objects.filter(code="completion_due_soon").update(threshold=10)
    publish_power(bare("BARE-1"))
    calendar = WorkCalendar.load()
    due = calendar.add_working_days(timezone.localdate(), 15)
    services.completion_deadline_set(department=transport(), due_on=due, user=site_admin_user())
    sweep(today=calendar.subtract_working_days(due, 10))
    assert len(open_alerts("completion_due_soon")) == 1


def test_a_departments_staff_see_only_their_departments_incomplete_powers(client):
    publish_power(bare("TRANSPORT-1"))
    approval_power = publish_power(bare("APPROVAL-1", department_code="APPROVAL"))
    approval = DepartmentPage.objects.get(code="APPROVAL")

    for user in (
        department_editor("APPROVAL"),
        holder("clerk", "窗口受理岗", department="APPROVAL"),
    ):
        client.force_login(user)
        listing = client.get("/admin/supervision/completeness/")
        assert [row.department.code for row in listing.context["rows"]] == ["APPROVAL"]
        assert client.get(f"/admin/supervision/completeness/{transport().pk}/").status_code == 404
        page = client.get(f"/admin/supervision/completeness/{approval.pk}/")
        html = page.content.decode()
        assert "事项 APPROVAL-1" in html and "事项 TRANSPORT-1" not in html
        assert f"/admin/pages/{approval_power.pk}/edit/" in html
        assert "受理条件、申请材料、办理流程" in html  # what it lacks, in the national order
        assert "设定期限" not in html  # only site administrators set dates

    # 纪检监察 and the legal office see every department.
    for user in (supervisor_user(), legal_office_user()):
        client.force_login(user)
        rows = client.get("/admin/supervision/completeness/").context["rows"]
        assert {row.department.code for row in rows} >= {"TRANSPORT", "APPROVAL"}
        assert client.get(f"/admin/supervision/completeness/{transport().pk}/").status_code == 200


def test_a_long_list_is_paged_and_filtered_by_what_is_missing(client):
    from catalogue.services import powers_bulk_upsert

    powers_bulk_upsert([bare(f"MANY-{n:02d}") for n in range(55)], publish=True)
    publish_power(completed("ALMOST-1"))
    publish_power(PowerData(code="ALMOST-1", department_code="TRANSPORT", service_mode=""))
    client.force_login(department_editor())
    url = f"/admin/supervision/completeness/{transport().pk}/"
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    assert first.context["incomplete_total"] == 56
    second = client.get(url, {"page": "2"})
    assert len(second.context["page"].object_list) == 6
    assert second.context["page"].object_list[-1].code == "ALMOST-1"  # the fullest last
    only = client.get(url, {"missing": "service_mode", "type": "01"})
    assert only.context["selected_total"] == 56
    only = client.get(url, {"missing": "materials"})
    assert only.context["selected_total"] == 55
    assert client.get(url, {"missing": "nonsense", "page": "²"}).status_code == 200


def test_a_completion_warning_leads_to_the_departments_list(client):
    publish_power(bare("BARE-1"))
    today = timezone.localdate()
    services.completion_deadline_set(department=transport(), due_on=today, user=site_admin_user())
    # a fortnight later
    CompletionDeadline.objects.update(due_on=today - datetime.timedelta(days=14))
    sweep(today=today)
    (red,) = open_alerts("completion_overdue")
    client.force_login(department_editor())
    page = client.get(f"/admin/supervision/alerts/{red.pk}/").content.decode()
    assert f"/admin/supervision/completeness/{transport().pk}/" in page
    listing = client.get("/admin/supervision/completeness/").content.decode()
    assert "已逾期" in listing
