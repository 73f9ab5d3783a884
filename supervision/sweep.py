"""The sweep: the warnings the passing days bring (a step on its last day, a case past 80% of
its time, overdue steps and cases, decisions not in 公示, 督办 not answered, the catalogue's
deadlines, unanswered citizens and departments' 数据完整度 dates), and the clearing of those
whose cause is gone.

Set-based: each rule is one query for the subjects it has not warned about yet and one bulk
insert, so a sweep over every open case stays within seconds. Run it every day (and as often as
you like: it raises nothing twice): `manage.py supervision_sweep`, or the django-tasks task
`supervision.tasks.sweep_task` (see the README, "电子监察").
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from cases.models import OPEN_STATES, Case, CaseStep, State
from catalogue.choices import PowerType
from workdays.calendar import WorkCalendar

from . import completion, selectors
from .alerts import Raise, clear_alerts, raise_alerts
from .models import Alert, AlertRule, OrderState, Source, SupervisionOrder
from .rules import active_rules, forget

DOUBLE_PUBLICITY_TYPES = (PowerType.LICENSING, PowerType.PENALTY)


@dataclass
class SweepReport:
    today: datetime.date
    raised: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_raised(self):
        return sum(self.raised.values())

    @property
    def total_cleared(self):
        return sum(self.cleared.values())


def _keyed(queryset, prefix: str, rule: AlertRule, pk="pk"):
    """The rows of `queryset` that `rule` has not warned about yet (their key `prefix:<pk>`)."""
    keyed = queryset.annotate(
        alert_key=Concat(Value(f"{prefix}:"), Cast(pk, CharField()), output_field=CharField())
    )
    warned = Alert.objects.filter(rule=rule, key=OuterRef("alert_key"))
    return keyed.exclude(Exists(warned))


def sweep(
    *, today: datetime.date | None = None, calendar: WorkCalendar | None = None
) -> SweepReport:
    """Raise every time-based warning due by `today` and clear those whose cause is gone."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    calendar = calendar or WorkCalendar.load()
    forget()  # a tuned rule counts from this sweep on
    rules = active_rules()
    _catalogue.clear()
    completion.forget()
    report = SweepReport(today=today)
    for code, check in CHECKS.items():
        rule = rules.get(code)
        if rule is not None:
            report.raised[code] = raise_alerts(rule, check(rule, today, calendar),
                                               source=Source.SWEEP)  # fmt: skip
    for code, clear in CLEARS.items():
        count = clear(today)
        if count:
            report.cleared[code] = count
    report.seconds = time.perf_counter() - started
    return report


# --- the checks -------------------------------------------------------------------------------

STEP_FIELDS = (
    "alert_key",
    "pk",
    "position",
    "name",
    "due_on",
    "case_id",
    "case__case_no",
    "case__power_name",
    "case__department_id",
    "case__power_id",
)


def _running_steps(today):
    return CaseStep.objects.filter(
        completed_at__isnull=True,
        started_at__isnull=False,
        due_on__isnull=False,
        case__state=State.IN_PROGRESS,
    )


def _step_raises(rows, text) -> list[Raise]:
    return [
        Raise(
            key,
            f"{no} {power}：“{name}”{text(due)}",
            department_id=department,
            case_id=case,
            step=position,
            power_id=power_id,
        )
        for key, _pk, position, name, due, case, no, power, department, power_id in rows
    ]


def check_step_last_day(rule, today, calendar) -> list[Raise]:
    rows = _keyed(_running_steps(today).filter(due_on=today), "step", rule)
    return _step_raises(rows.values_list(*STEP_FIELDS), lambda due: f"环节今天（{due}）到期")


def check_step_overdue(rule, today, calendar) -> list[Raise]:
    rows = _keyed(_running_steps(today).filter(due_on__lt=today), "step", rule)
    return _step_raises(rows.values_list(*STEP_FIELDS), lambda due: f"环节超期（期限 {due}）")


CASE_FIELDS = ("alert_key", "case_no", "power_name", "department_id", "pk", "power_id", "due_on")


def _case_raises(rows, text) -> list[Raise]:
    return [
        Raise(
            key,
            f"{no} {power}：{text(due)}",
            department_id=department,
            case_id=pk,
            power_id=power_id,
        )
        for key, no, power, department, pk, power_id, due in rows
    ]


def check_case_time_used(rule, today, calendar) -> list[Raise]:
    """Past `threshold`% of the promised time (with any extension): the working days left
    until the due date are at most (100 − threshold)% of the whole."""
    share = min(max(rule.threshold or 80, 1), 100)
    running = Case.objects.filter(
        state=State.IN_PROGRESS,
        due_on__isnull=False,
        due_on__gte=today,
        promised_days__isnull=False,
    ).annotate(total=F("promised_days") + F("extension_days"))
    totals = running.order_by().values_list("total", flat=True).distinct()
    within = Q()
    for total in totals:
        left = (total or 0) * (100 - share) // 100
        # Every due date before the (left + 1)-th working day from today leaves at most `left`.
        within |= Q(total=total, due_on__lt=calendar.add_working_days(today, left + 1))
    if not within:
        return []
    rows = _keyed(running.filter(within), "case", rule).values_list(*CASE_FIELDS)
    return _case_raises(rows, lambda due: f"已用去承诺时限的 {share}% 以上（承诺办结日期 {due}）")


def check_case_overdue(rule, today, calendar) -> list[Raise]:
    rows = _keyed(Case.objects.filter(state=State.IN_PROGRESS, due_on__lt=today), "case", rule)
    return _case_raises(
        rows.values_list(*CASE_FIELDS), lambda due: f"超过承诺办结日期（{due}）仍未办结"
    )


def check_decision_not_public(rule, today, calendar) -> list[Raise]:
    days = rule.threshold if rule.threshold is not None else 7
    cutoff = calendar.subtract_working_days(today, days)
    rows = _keyed(
        Case.objects.filter(
            state=State.FINISHED,
            power_type__in=DOUBLE_PUBLICITY_TYPES,
            public=False,
            withheld=False,
            finished_at__date__lt=cutoff,
        ),
        "case",
        rule,
    ).values_list(*CASE_FIELDS)
    return _case_raises(rows, lambda due: f"许可、处罚决定办结超过 {days} 个工作日仍未公示")


def check_withheld_no_reason(rule, today, calendar) -> list[Raise]:
    rows = _keyed(Case.objects.filter(withheld=True, withhold_reason=""), "case", rule)
    return _case_raises(rows.values_list(*CASE_FIELDS), lambda due: "不予公示未登记原因")


def check_order_overdue(rule, today, calendar) -> list[Raise]:
    """Once per round: an order sent back has a new date, and is warned about again if it
    is missed again (the key carries the number of times it was returned)."""
    open_orders = SupervisionOrder.objects.filter(state=OrderState.OPEN, due_on__lt=today)
    keyed = open_orders.annotate(alert_key=Concat(
        Value("order:"), Cast("pk", CharField()), Value(":"),
        Cast("returned_count", CharField()), output_field=CharField(),
    ))  # fmt: skip
    orders = keyed.exclude(Exists(Alert.objects.filter(rule=rule, key=OuterRef("alert_key"))))
    return [
        Raise(
            key,
            f"督办单 {number} 逾期未回复（回复期限 {due}）",
            department_id=department,
            case_id=case,
            order_id=pk,
        )
        for key, number, due, department, case, pk in orders.values_list(
            "alert_key", "number", "due_on", "department_id", "case_id", "pk"
        )
    ]


CATALOGUE_RULES = {
    selectors.REVIEW: "review_overdue",
    selectors.ADJUSTMENT: "adjustment_overdue",
    selectors.FEEDBACK: "feedback_overdue",
}


_catalogue: dict = {}  # the catalogue's items, read once per sweep


def _catalogue_items(today, calendar=None):
    if today not in _catalogue:
        _catalogue.clear()
        _catalogue[today] = selectors.supervision_of_all(today=today, calendar=calendar).items
    return _catalogue[today]


def _catalogue_checks(kind):
    def check(rule, today, calendar) -> list[Raise]:
        items = _catalogue_items(today, calendar)
        return [
            Raise(
                f"{kind}:{item.source_id}",
                f"{item.title}：{item.kind_label}超期（期限 {item.due_on}）{item.reason}",
                department_id=item.department.pk if item.department else None,
                power_id=item.power.pk if item.power else None,
                feedback_id=item.feedback_id,
            )
            for item in items
            if item.kind == kind and item.card == selectors.RED
        ]

    return check


CHECKS = {
    "step_last_day": check_step_last_day,
    "case_time_used": check_case_time_used,
    "step_overdue": check_step_overdue,
    "case_overdue": check_case_overdue,
    "decision_not_public": check_decision_not_public,
    "withheld_no_reason": check_withheld_no_reason,
    "order_overdue": check_order_overdue,
    **{code: _catalogue_checks(kind) for kind, code in CATALOGUE_RULES.items()},
    completion.DUE_SOON: completion.check_due_soon,
    completion.OVERDUE: completion.check_overdue,
}


# --- clearing what is resolved ----------------------------------------------------------------


def _open(code):
    return Alert.objects.filter(rule__code=code, cleared_at__isnull=True)


CHUNK = 500


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _clear_gone(codes, subject: tuple[str, ...], still, reason: str) -> int:
    """Clear the open warnings of the rules `codes` whose subject (the values of their `subject`
    fields) no longer holds: `still(ids)` answers, for ids of the first field, the subjects that
    still do. All at one moment, as one sweep.

    Plain queries by key and an update by primary key, not one UPDATE … NOT EXISTS (…): planned on
    the statistics of nearly empty tables (a new installation, a bulk import before autovacuum),
    PostgreSQL ran that correlated subquery as full scans of the steps and cases for every alert,
    minutes for a few thousand."""
    alerts = Alert.objects.filter(rule__code__in=codes, cleared_at__isnull=True)
    rows = list(alerts.values_list("pk", *subject))
    holding = set()
    for ids in _chunks({row[1] for row in rows if row[1] is not None}):
        holding |= still(ids)
    gone = [row[0] for row in rows if row[1:] not in holding]
    at = timezone.now()
    return sum(clear_alerts(Alert.objects.filter(pk__in=pks), reason, at=at)
               for pks in _chunks(gone))  # fmt: skip


def _steps_still(**conditions):
    """The (case, position) of the steps still open under `conditions`, of the cases asked."""

    def still(case_ids):
        steps = CaseStep.objects.filter(case_id__in=case_ids, completed_at__isnull=True)
        return set(steps.filter(**conditions).values_list("case_id", "position"))

    return still


def _rows_still(model, **conditions):
    """The (pk,) of the rows of `model` asked that still meet `conditions`."""

    def still(ids):
        rows = model.objects.filter(pk__in=ids, **conditions)
        return {(pk,) for pk in rows.values_list("pk", flat=True)}

    return still


def clear_step_last_day(today) -> int:
    still = _steps_still(due_on=today, case__state=State.IN_PROGRESS)
    return _clear_gone(["step_last_day"], ("case_id", "step"), still, "环节已办理或期限已过")


def clear_step_overdue(today) -> int:
    still = _steps_still(case__state__in=OPEN_STATES)
    return _clear_gone(["step_overdue"], ("case_id", "step"), still, "环节已办理或办件已终止")


def clear_case_time(today) -> int:
    still = _rows_still(Case, state__in=OPEN_STATES)
    return _clear_gone(["case_time_used", "case_overdue"], ("case_id",), still, "办件已办结或终止")


def clear_decision_not_public(today) -> int:
    still = _rows_still(Case, public=False, withheld=False)
    return _clear_gone(["decision_not_public"], ("case_id",), still, "已公示或已登记不予公示原因")


def clear_withheld_no_reason(today) -> int:
    still = _rows_still(Case, withheld=True, withhold_reason="")
    return _clear_gone(["withheld_no_reason"], ("case_id",), still, "已登记原因或已恢复公示")


def clear_order_overdue(today) -> int:
    still = _rows_still(SupervisionOrder, state=OrderState.OPEN)
    return _clear_gone(["order_overdue"], ("order_id",), still, "责任部门已回复")


def clear_catalogue(today) -> int:
    items = _catalogue_items(today)
    cleared = 0
    for kind, code in CATALOGUE_RULES.items():
        red = {
            f"{kind}:{item.source_id}"
            for item in items
            if item.kind == kind and item.card == selectors.RED
        }
        cleared += clear_alerts(_open(code).exclude(key__in=red), "已办理")
    return cleared


CLEARS = {
    "step_last_day": clear_step_last_day,
    "step_overdue": clear_step_overdue,
    "case_time": clear_case_time,
    "decision_not_public": clear_decision_not_public,
    "withheld_no_reason": clear_withheld_no_reason,
    "order_overdue": clear_order_overdue,
    "catalogue": clear_catalogue,
    "completion": completion.clear_resolved,
}
