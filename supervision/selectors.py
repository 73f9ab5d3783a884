"""电子监察: every open item of the review process with its deadline and its card.

Three kinds of items are supervised:
- 审核 (review): a submission waiting for the legal office, due REVIEW_DEADLINE_WORKING_DAYS
  working days after it reached the legal office;
- 调整 (adjustment): an open adjustment requirement, due on its own date;
- 答复 (feedback): a bad review, complaint, report or question from a citizen not answered yet,
  due on its own date (feedback.services.reply_due_on).

Each item is 正常, 黄牌 (due within YELLOW_CARD_WORKING_DAYS working days) or 红牌 (overdue).
"""

from __future__ import annotations

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.models import TaskState

from access import roles
from catalogue.models import DepartmentPage, PowerPage
from feedback.models import Feedback, Status
from review.models import TASK_NAME, AdjustmentRequirement, PowerPublication
from workdays.calendar import WorkCalendar

NORMAL, YELLOW, RED = "normal", "yellow", "red"
CARD_LABELS = {NORMAL: "正常", YELLOW: "黄牌", RED: "红牌"}
REVIEW, ADJUSTMENT, FEEDBACK = "review", "adjustment", "feedback"
KIND_LABELS = {REVIEW: "待审核", ADJUSTMENT: "待调整", FEEDBACK: "待答复"}


def card_for(due_on: datetime.date, *, today: datetime.date, calendar: WorkCalendar) -> str:
    if today > due_on:
        return RED
    if calendar.working_days_between(today, due_on) <= settings.YELLOW_CARD_WORKING_DAYS:
        return YELLOW
    return NORMAL


@dataclass(frozen=True)
class PowerRef:
    """What 电子监察 shows of a power: enough for a link and its code."""

    pk: int
    path: str
    title: str
    code: str
    live: bool


@dataclass
class Item:
    kind: str
    power: PowerRef | PowerPage | None
    department: DepartmentPage | None
    started_on: datetime.date
    due_on: datetime.date
    card: str
    reason: str
    feedback_id: int | None = None
    # The task state, adjustment requirement or feedback behind the item (a warning's subject).
    source_id: int | None = None

    @property
    def title(self):
        return (
            self.power.title if self.power else (self.department.title if self.department else "")
        )

    @property
    def card_label(self):
        return CARD_LABELS[self.card]

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]


@dataclass
class DepartmentRow:
    department: DepartmentPage
    pending_reviews: int = 0
    open_adjustments: int = 0
    open_feedback: int = 0
    yellow: int = 0
    red: int = 0
    average_review_days_30: float | None = None
    average_review_days_90: float | None = None
    decided_90: int = 0
    rejected_90: int = 0

    @property
    def rejection_rate(self):
        return None if not self.decided_90 else self.rejected_90 / self.decided_90


@dataclass
class Supervision:
    today: datetime.date
    rows: list[DepartmentRow]
    items: list[Item]
    unknown_years: list[int] = field(default_factory=list)

    @property
    def totals(self):
        total = DepartmentRow(department=None)
        for row in self.rows:
            total.pending_reviews += row.pending_reviews
            total.open_adjustments += row.open_adjustments
            total.open_feedback += row.open_feedback
            total.yellow += row.yellow
            total.red += row.red
            total.decided_90 += row.decided_90
            total.rejected_90 += row.rejected_90
        return total


def visible_departments(user):
    departments = DepartmentPage.objects.order_by("path")
    if roles.sees_all_departments(user):
        return departments
    return departments.filter(pk__in=roles.department_ids_of(user))  # editors and post holders


def _review_task_states():
    return TaskState.objects.filter(
        task__name=TASK_NAME,
        workflow_state__base_content_type__model="page",
    ).select_related("workflow_state")


def supervision_for(user, *, today=None, calendar=None) -> Supervision:
    """What `user` may supervise: their department(s), or everything for the legal office."""
    return _supervision(visible_departments(user), today=today, calendar=calendar)


def supervision_of_all(*, today=None, calendar=None) -> Supervision:
    """Every department's items (the sweep's view)."""
    return _supervision(DepartmentPage.objects.order_by("path"), today=today, calendar=calendar)


def _supervision(visible, *, today=None, calendar=None) -> Supervision:
    today = today or timezone.localdate()
    calendar = calendar or WorkCalendar.load()
    departments = OrderedDict((d.path, d) for d in visible)
    paths = Q()
    for path in departments:
        paths |= Q(path__startswith=path)
    powers = PowerPage.objects.filter(paths) if departments else PowerPage.objects.none()
    # Plain records, not page objects: building a thousand Wagtail pages costs 100 ms.
    power_by_id = {
        row[0]: PowerRef(*row) for row in powers.values_list("id", "path", "title", "code", "live")
    }

    def department_of(power):
        return departments.get(power.path[: -PowerPage.steplen])

    items = []
    deadline = settings.REVIEW_DEADLINE_WORKING_DAYS
    pending = _review_task_states().filter(status=TaskState.STATUS_IN_PROGRESS)
    # Subqueries, not lists of a thousand ids (their parameters cost more than the queries).
    power_ids = powers.annotate(pk_text=Cast("pk", CharField())).values("pk_text")
    for state in pending.filter(workflow_state__object_id__in=power_ids):
        power = power_by_id[int(state.workflow_state.object_id)]
        started = timezone.localdate(state.started_at)
        due = calendar.add_working_days(started, deadline)
        items.append(
            Item(REVIEW, power, department_of(power), started, due,
                 card_for(due, today=today, calendar=calendar), "提交法制办审核",
                 source_id=state.pk)
        )  # fmt: skip
    # A power taken down meanwhile has nothing left to adjust in public.
    requirements = AdjustmentRequirement.objects.open().filter(
        power__in=powers.filter(live=True).values("pk")
    )
    for requirement in requirements.select_related("law", "function_change"):
        power = power_by_id[requirement.power_id]
        items.append(
            Item(ADJUSTMENT, power, department_of(power), requirement.changed_on,
                 requirement.due_on, card_for(requirement.due_on, today=today, calendar=calendar),
                 requirement.reason, source_id=requirement.pk)
        )  # fmt: skip
    items += _feedback_items(departments, today=today, calendar=calendar)
    items.sort(key=lambda item: (item.due_on, item.title))

    rows = OrderedDict((path, DepartmentRow(department=dept)) for path, dept in departments.items())
    for item in items:
        row = rows.get(item.department.path) if item.department else None
        if row is None:
            continue
        if item.kind == REVIEW:
            row.pending_reviews += 1
        elif item.kind == ADJUSTMENT:
            row.open_adjustments += 1
        else:
            row.open_feedback += 1
        if item.card == YELLOW:
            row.yellow += 1
        elif item.card == RED:
            row.red += 1
    _review_statistics(rows, power_by_id, department_of, power_ids, today=today,
                       calendar=calendar)  # fmt: skip

    horizon = [today] + [item.due_on for item in items]
    return Supervision(
        today=today,
        rows=list(rows.values()),
        items=items,
        unknown_years=calendar.unknown_years(min(horizon), max(horizon)),
    )


def _feedback_items(departments, *, today, calendar):
    """Citizens' submissions waiting for their department's reply."""

    by_id = {department.pk: department for department in departments.values()}
    waiting = Feedback.objects.filter(
        status=Status.RECEIVED, due_on__isnull=False, department_id__in=list(by_id)
    ).select_related("power")
    return [
        Item(FEEDBACK, f.power, by_id[f.department_id], timezone.localdate(f.created_at),
             f.due_on, card_for(f.due_on, today=today, calendar=calendar),
             f"{f.get_kind_display()}{'（' + f.get_rating_display() + '）' if f.rating else ''}"
             f" {f.tracking_no}", feedback_id=f.pk, source_id=f.pk)
        for f in waiting
    ]  # fmt: skip


def _review_statistics(rows, power_by_id, department_of, power_ids, *, today, calendar):
    """Average review time (working days) over 30 and 90 days, and the rejection rate."""
    since = today - datetime.timedelta(days=90)
    decided = _review_task_states().filter(
        status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED],
        finished_at__date__gte=since,
        workflow_state__object_id__in=power_ids,
    )
    durations = {path: {30: [], 90: []} for path in rows}
    for state in decided:
        power = power_by_id[int(state.workflow_state.object_id)]
        department = department_of(power)
        if department is None:
            continue
        row = rows[department.path]
        finished = timezone.localdate(state.finished_at)
        days = calendar.working_days_between(timezone.localdate(state.started_at), finished)
        row.decided_90 += 1
        if state.status == TaskState.STATUS_REJECTED:
            row.rejected_90 += 1
        durations[department.path][90].append(days)
        if finished >= today - datetime.timedelta(days=30):
            durations[department.path][30].append(days)
    for path, row in rows.items():
        for window in (30, 90):
            values = durations[path][window]
            average = round(sum(values) / len(values), 1) if values else None
            setattr(row, f"average_review_days_{window}", average)


def filter_items(items, *, department_code=None, kind=None, card=None):
    selected = items
    if department_code:
        selected = [i for i in selected if i.department and i.department.code == department_code]
    if kind in KIND_LABELS:
        selected = [i for i in selected if i.kind == kind]
    if card in CARD_LABELS:
        selected = [i for i in selected if i.card == card]
    return selected


# --- Sole decisions (单人决定) ------------------------------------------------------------------

SOLE_DECISION_DAYS = 90


@dataclass
class SoleDecisions:
    """Publications by one person without a second person's review, by person and day."""

    user: object
    day: datetime.date
    count: int
    example: PowerPublication


def sole_decisions(user, *, days=SOLE_DECISION_DAYS) -> list[SoleDecisions]:
    """What was put live in the last `days` without four eyes (a superuser approving their own
    change, or the right to publish directly): for the legal office and site administrators."""
    if not roles.sees_all_departments(user):
        return []
    since = timezone.now() - datetime.timedelta(days=days)
    publications = (
        PowerPublication.objects.filter(sole_decision=True, published_at__gte=since)
        .select_related("approved_by", "power")
        .order_by("-published_at", "-id")
    )
    grouped: OrderedDict = OrderedDict()
    for publication in publications.iterator():
        key = (publication.approved_by_id, timezone.localdate(publication.published_at))
        if key not in grouped:
            grouped[key] = SoleDecisions(publication.approved_by, key[1], 0, publication)
        grouped[key].count += 1
    return list(grouped.values())
