"""The daily sweep raises what the passing days bring, once, and clears what is resolved: a step
on its last day is a reminder, a case past 80% of its time a yellow card, an overdue step or
case a red card (also when the case as a whole is still within its promise); a decision kept
out of 公示, a 督办 not answered, the catalogue's own deadlines."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from cases import services
from cases.applicants import Applicant
from cases.models import Case, CaseStep
from cases.services import Actor
from supervision.models import Alert, AlertRule, Level
from supervision.sweep import sweep
from workdays.calendar import WorkCalendar

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}


def open_alerts(code):
    return list(Alert.objects.open().filter(rule__code=code))


def opened(licence, window):
    return services.window_open(licence, Applicant.clean(PERSON), user=window).case


def test_a_step_on_its_last_day_then_overdue_then_done(licence, window, reviewer):
    case = opened(licence, window)
    review = case.steps_list[1]
    calendar = WorkCalendar.load()

    sweep(today=review.due_on - datetime.timedelta(days=1) if review.due_on else None)
    assert open_alerts("step_last_day") == []
    report = sweep(today=review.due_on)
    (reminder,) = open_alerts("step_last_day")
    assert reminder.level == Level.REMINDER and reminder.case == case and reminder.step == 1
    assert reminder.source == "sweep"
    assert report.raised["step_last_day"] == 1
    assert sweep(today=review.due_on).raised["step_last_day"] == 0  # once, however often

    late = calendar.add_working_days(review.due_on, 1)
    sweep(today=late)
    (red,) = open_alerts("step_overdue")
    assert red.level == Level.RED and "审查" in red.detail
    # the case as a whole is still within its promise: the step's red card stands alone
    assert open_alerts("case_overdue") == [] and late <= case.due_on
    assert open_alerts("step_last_day") == []  # the day passed: the reminder is cleared

    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="同意")
    red.refresh_from_db()
    assert not red.is_open and red.cleared_automatically
    assert Alert.objects.filter(rule__code="step_overdue").count() == 1  # still counted


def test_a_case_past_its_share_of_time_is_yellow_then_red_when_overdue(licence, window):
    case = opened(licence, window)  # promised 5 working days
    calendar = WorkCalendar.load()
    accepted = timezone.localdate(case.accepted_at)
    # 80% of 5 days: yellow once at most one working day is left
    sweep(today=calendar.add_working_days(accepted, 3))
    assert open_alerts("case_time_used") == []
    sweep(today=calendar.add_working_days(accepted, 4))
    (yellow,) = open_alerts("case_time_used")
    assert yellow.level == Level.YELLOW and "80%" in yellow.detail

    sweep(today=calendar.add_working_days(case.due_on, 1))
    (red,) = open_alerts("case_overdue")
    assert red.level == Level.RED and str(case.due_on) in red.detail

    services.case_close(case, actor=Actor(user=window), state="withdrawn", reason="申请人撤回")
    sweep(today=calendar.add_working_days(case.due_on, 2))
    assert open_alerts("case_overdue") == open_alerts("case_time_used") == []


def test_the_threshold_a_site_administrator_sets_is_used(licence, window):
    AlertRule.objects.filter(code="case_time_used").update(threshold=40)
    case = opened(licence, window)
    calendar = WorkCalendar.load()
    accepted = timezone.localdate(case.accepted_at)
    sweep(today=calendar.add_working_days(accepted, 2))  # 40% of 5 days used
    (yellow,) = open_alerts("case_time_used")
    assert "40%" in yellow.detail


def test_a_decision_kept_out_of_publicity_and_a_withholding_without_reason(
    licence, window, reviewer, head
):
    case = opened(licence, window)
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="同意")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                           result="granted")  # fmt: skip
    calendar = WorkCalendar.load()
    Case.objects.filter(pk=case.pk).update(public=False)  # as an old system left it
    today = timezone.localdate()
    sweep(today=calendar.add_working_days(today, 7))
    assert open_alerts("decision_not_public") == []  # seven working days are allowed
    sweep(today=calendar.add_working_days(today, 8))
    (red,) = open_alerts("decision_not_public")
    assert red.case == case and "7 个工作日" in red.detail

    Case.objects.filter(pk=case.pk).update(public=True)
    sweep(today=calendar.add_working_days(today, 9))
    red.refresh_from_db()
    assert not red.is_open and red.cleared_reason

    Case.objects.filter(pk=case.pk).update(withheld=True, withhold_reason="", public=False)
    sweep(today=calendar.add_working_days(today, 9))
    assert len(open_alerts("withheld_no_reason")) == 1


def test_the_command_sweeps_and_says_what_it_raised(licence, window, capsys):
    case = opened(licence, window)
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=10))  # fmt: skip
    call_command("supervision_sweep")
    out = capsys.readouterr().out
    assert "环节超期：1 条" in out and "发出预警" in out
    call_command("supervision_sweep")
    assert "发出预警 0 条" in capsys.readouterr().out


def test_the_scheduled_task_sweeps_in_the_worker_and_keeps_the_last_periods(licence, window):
    """Enqueued once a day (cron or a scheduler), the task runs in the worker `make run`
    starts: the day's warnings are raised and the periods just ended are evaluated (kept when
    there is something to evaluate)."""
    from supervision.models import Evaluation
    from supervision.performance import Period
    from supervision.tasks import sweep_task

    case = opened(licence, window)
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=10))  # fmt: skip
    assert sweep_task.backend == "background"  # the worker's queue
    # Run as the worker runs it (the immediate backend: the test database cannot be closed).
    result = sweep_task.using(backend="default").enqueue()
    assert result.status == "SUCCESSFUL", result.status
    assert result.return_value["raised"]["step_overdue"] == 1
    assert len(open_alerts("step_overdue")) == 1
    last_month = Period.last_complete("month", timezone.localdate())
    assert Evaluation.objects.filter(period=last_month.param).count() == 0  # nothing then
    assert not Evaluation.objects.exclude(period__in=[
        last_month.param, Period.last_complete("quarter", timezone.localdate()).param,
        Period.last_complete("year", timezone.localdate()).param]).exists()  # fmt: skip


def test_the_command_sweeps_a_given_day_and_refuses_a_malformed_one(licence, window, capsys):
    import pytest
    from django.core.management.base import CommandError

    case = opened(licence, window)
    review = case.steps_list[1]
    call_command("supervision_sweep", "--date", review.due_on.isoformat())
    assert "环节到期提醒：1 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("supervision_sweep", "--date", "明天")
