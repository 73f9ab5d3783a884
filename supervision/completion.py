"""数据完整度 under 电子监察: each department's completeness (catalogue.completeness) beside the
date a site administrator set for it (CompletionDeadline), and the sweep's two rules on it:

- completion_due_soon (提醒): the date is at most `threshold` working days away and the
  department still has incomplete powers;
- completion_overdue (红牌): the date has passed and it still has.

Both are keyed on the deadline (`completion:<pk>`), so each is raised once per date set; they
clear when the department's powers are complete, when the date is withdrawn or replaced, and
(the reminder) when the date has passed and the red card takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from catalogue.completeness import (
    DepartmentCompleteness,
    departments_completeness,
    powers_completeness,
    summarise,
)
from workdays.calendar import WorkCalendar

from .alerts import Raise, clear_alerts
from .models import Alert, AlertRule, CompletionDeadline
from .selectors import visible_departments

DUE_SOON, OVERDUE = "completion_due_soon", "completion_overdue"
RULES = (DUE_SOON, OVERDUE)
DEFAULT_REMINDER_DAYS = 5

# A deadline's state as 电子监察 shows it.
DONE, NORMAL, SOON, LATE = "done", "normal", "soon", "late"
STATE_LABELS = {DONE: "已完成", NORMAL: "未到期", SOON: "临近期限", LATE: "已逾期"}


def alert_key(deadline_id: int) -> str:
    return f"completion:{deadline_id}"


def reminder_days() -> int:
    """How many working days before the date the reminder comes (the rule's threshold, as a
    site administrator tuned it)."""
    threshold = AlertRule.objects.filter(code=DUE_SOON).values_list("threshold", flat=True).first()
    return threshold or DEFAULT_REMINDER_DAYS


def deadline_state(deadline, figure, *, today, calendar, days) -> str:
    if figure is None or figure.is_complete:
        return DONE
    if today > deadline.due_on:
        return LATE
    if calendar.working_days_between(today, deadline.due_on) <= days:
        return SOON
    return NORMAL


@dataclass
class CompletenessRow:
    """A department in 电子监察's 数据完整度: its figure, its date and that date's state."""

    department: object
    figure: DepartmentCompleteness
    deadline: CompletionDeadline | None = None
    state: str = ""
    working_days_left: int | None = None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, "")


def completeness_rows(user, *, today=None, calendar=None) -> list[CompletenessRow]:
    """The departments `user` may see (their own; all for the legal office, site
    administrators and 纪检监察) with their figures and dates: three queries and the cached
    figures."""
    today = today or timezone.localdate()
    calendar = calendar or WorkCalendar.load()
    figures = departments_completeness()
    departments = list(visible_departments(user).only("id", "path", "title", "short_name", "code"))
    deadlines = {
        d.department_id: d
        for d in CompletionDeadline.objects.filter(
            active=True, department__in=[d.pk for d in departments]
        ).select_related("set_by")
    }
    days = reminder_days()
    rows = []
    for department in departments:
        figure = figures.get(department.pk, DepartmentCompleteness(department_id=department.pk))
        row = CompletenessRow(department, figure, deadlines.get(department.pk))
        if row.deadline is not None:
            row.state = deadline_state(row.deadline, figure, today=today, calendar=calendar,
                                       days=days)  # fmt: skip
            row.working_days_left = calendar.working_days_between(today, row.deadline.due_on)
        rows.append(row)
    return rows


def active_deadline(department) -> CompletionDeadline | None:
    return CompletionDeadline.objects.filter(department=department, active=True).first()


# --- the sweep --------------------------------------------------------------------------------

_sweep: dict = {}  # the deadlines and fresh figures, read once per sweep


def forget() -> None:
    _sweep.clear()


def _state(today):
    """The active deadlines and every department's figure, computed afresh (never from the
    cache: the sweep must not act on a figure a missed invalidation left behind)."""
    if today not in _sweep:
        _sweep.clear()
        deadlines = list(
            CompletionDeadline.objects.filter(active=True).select_related("department")
            .only("id", "due_on", "department_id", "department__title",
                  "department__short_name")
        )  # fmt: skip
        _sweep[today] = (deadlines, summarise(powers_completeness()))
    return _sweep[today]


def _detail(deadline, figure, text) -> str:
    department = deadline.department.short_name or deadline.department.title
    return (
        f"{department}：数据完整度期限 {deadline.due_on}{text}，{figure.incomplete} 项事项"
        f"要素不全（完整度 {figure.percent}%）"
    )


def _not_warned(rule, raises: list[Raise]) -> list[Raise]:
    warned = set(
        Alert.objects.filter(rule=rule, key__in=[r.key for r in raises]).values_list(
            "key", flat=True
        )
    )
    return [r for r in raises if r.key not in warned]


def check_due_soon(rule, today, calendar) -> list[Raise]:
    days = rule.threshold or DEFAULT_REMINDER_DAYS
    deadlines, figures = _state(today)
    raises = []
    for deadline in deadlines:
        figure = figures.get(deadline.department_id)
        if deadline_state(deadline, figure, today=today, calendar=calendar, days=days) == SOON:
            left = calendar.working_days_between(today, deadline.due_on)
            text = "（今天到期）" if left <= 0 else f"（还有 {left} 个工作日）"
            raises.append(Raise(alert_key(deadline.pk), _detail(deadline, figure, text),
                                department_id=deadline.department_id))  # fmt: skip
    return _not_warned(rule, raises)


def check_overdue(rule, today, calendar) -> list[Raise]:
    deadlines, figures = _state(today)
    raises = []
    for deadline in deadlines:
        figure = figures.get(deadline.department_id)
        if figure is not None and not figure.is_complete and today > deadline.due_on:
            raises.append(Raise(alert_key(deadline.pk), _detail(deadline, figure, " 已过"),
                                department_id=deadline.department_id))  # fmt: skip
    return _not_warned(rule, raises)


def clear_resolved(today) -> int:
    """Clear the completion warnings whose cause is gone, each with its reason."""
    open_alerts = list(
        Alert.objects.open().filter(rule__code__in=RULES).values_list("pk", "rule__code", "key")
    )
    if not open_alerts:
        return 0
    deadlines, figures = _state(today)
    by_key = {alert_key(d.pk): d for d in deadlines}
    reasons: dict[str, list[int]] = {}
    for pk, code, key in open_alerts:
        deadline = by_key.get(key)
        if deadline is None:
            reason = "期限已撤销或重新设定"
        elif (figure := figures.get(deadline.department_id)) is None or figure.is_complete:
            reason = "部门事项要素已齐全"
        elif code == DUE_SOON and today > deadline.due_on:
            reason = "期限已过，转为逾期红牌"
        else:
            continue
        reasons.setdefault(reason, []).append(pk)
    return sum(clear_alerts(Alert.objects.filter(pk__in=pks), reason)
               for reason, pks in reasons.items())  # fmt: skip


def clear_for_deadline(deadline_id: int, reason: str) -> int:
    """Clear a deadline's warnings at once (it was withdrawn or replaced)."""
    return clear_alerts(
        Alert.objects.filter(Q(rule__code__in=RULES), key=alert_key(deadline_id)), reason
    )
