"""Warnings raised at once, by what a case event breaks: received from cases.signals inside the
transaction that wrote the event (one event, or a business system's batch, checked together
with a few queries), so the warning commits or rolls back with it. Also the refused pushes of
departments' systems (a step out of order, a 不予受理 without a reason…), recorded after the
refusal.

The time-based warnings come with the passing days: supervision.sweep. Both write through
`raise_alerts` and `clear_alerts`, so a warning is raised once per rule and subject and cleared
once, with who, when and why.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.utils import timezone

from cases.models import CLOSED_STATES, CaseStep, EventKind, Result
from catalogue.models import PowerPage

from .models import Alert, AlertRule, Source
from .rules import active_rules

# The warnings that watch a running step or case: their cause is gone when it is done.
STEP_TIME_RULES = ("step_last_day", "step_overdue")
CASE_TIME_RULES = ("case_time_used", "case_overdue")
STEP_KINDS = (EventKind.STEP_COMPLETED, EventKind.FINISHED)


@dataclass
class Raise:
    """A warning to raise: the subject's key (unique per rule) and what it is about."""

    key: str
    detail: str
    department_id: int | None = None
    case_id: int | None = None
    step: int | None = None
    power_id: int | None = None
    feedback_id: int | None = None
    order_id: int | None = None
    at: datetime.datetime | None = None  # when it happened, if not now (a recorded history)
    event_seq: int | None = None  # the case event that raised it


def raise_alerts(
    rule: AlertRule, raises: list[Raise], *, source: str, at=None, cleared_reason=""
) -> int:
    """Raise `rule`'s warnings about these subjects; one already raised about a subject (open
    or cleared) is left as it is. With `cleared_reason`, they are raised already cleared (what
    a recorded history shows: a step done late). Returns how many were asked for."""
    if not raises:
        return 0
    at = at or timezone.now()
    Alert.objects.bulk_create(
        [
            Alert(
                rule=rule,
                level=rule.level,
                category=rule.category,
                key=r.key[:80],
                department_id=r.department_id,
                case_id=r.case_id,
                step=r.step,
                power_id=r.power_id,
                feedback_id=r.feedback_id,
                order_id=r.order_id,
                detail=r.detail[:300],
                source=source,
                event_seq=r.event_seq,
                raised_at=r.at or at,
                cleared_at=(r.at or at) if cleared_reason else None,
                cleared_reason=cleared_reason,
                cleared_automatically=bool(cleared_reason),
            )
            for r in raises
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return len(raises)


def clear_alerts(alerts, reason: str, *, by=None, at=None) -> int:
    """Clear the open ones of `alerts` (a queryset): automatically (`by` None) or by a person."""
    return alerts.filter(cleared_at__isnull=True).update(
        cleared_at=at or timezone.now(),
        cleared_by=by,
        cleared_reason=reason[:300],
        cleared_automatically=by is None,
    )


def _label(case) -> str:
    return f"{case.case_no} {case.power_name}"[:120]


def _fee_cap(standard: str) -> Decimal | None:
    """The highest amount in yuan a published fee standard names ("每件 10 元，加急 20 元" → 20);
    None when it names none (nothing to compare with)."""
    amounts = []
    for number in re.findall(r"(\d+(?:\.\d+)?)\s*(?:元|圆)", standard or ""):
        try:
            amounts.append(Decimal(number))
        except InvalidOperation:
            continue
    return max(amounts) if amounts else None


# --- case events ------------------------------------------------------------------------------


def on_events_recorded(sender, events, steps=None, **kwargs):
    alerts_for_events(events, steps=steps)


def alerts_for_events(events, *, steps=None) -> None:
    """Check the events just written against the enabled rules; raise what they break and
    clear what they resolve (a step done, a case closed). `steps`: the steps the events
    completed, by (case id, position), when the sender has them (else they are read)."""
    rules = active_rules()
    if not events or not rules:
        return
    raises: dict[str, list[Raise]] = {}
    stepped = [e for e in events if e.kind in STEP_KINDS]
    if steps is None or any((e.case.pk, e.step) not in steps for e in stepped):
        steps = _steps_of(stepped)
    fees = _fees_of([e for e in events if e.kind == EventKind.FEE_RECORDED], rules)
    done_steps, late_steps, closed_cases = [], [], []
    for event in events:
        case = event.case
        found: list[tuple[str, Raise]] = []
        if event.kind in STEP_KINDS:
            step = steps.get((case.pk, event.step))
            if step is not None:
                done_steps.append(step)
                found += _step_rules(case, step)
                if step.due_on and timezone.localdate(step.completed_at) > step.due_on:
                    late_steps.append(step)
        if event.kind == EventKind.FINISHED:
            if case.on_time is False:
                found.append(
                    (
                        "case_overdue",
                        Raise(
                            f"case:{case.pk}",
                            f"{_label(case)}：超期办结（承诺办结日期 {case.due_on}）",
                        ),
                    )
                )
            if case.result in (Result.DENIED, Result.PARTIAL) and not case.result_description:
                found.append(
                    (
                        "reason_missing",
                        Raise(
                            f"case:{case.pk}:finish",
                            f"{_label(case)}：{case.get_result_display()}未说明理由",
                        ),
                    )
                )
        elif event.kind == EventKind.REJECTED and not (event.data or {}).get("reason"):
            found.append(
                (
                    "reason_missing",
                    Raise(f"case:{case.pk}:reject", f"{_label(case)}：不予受理未说明理由"),
                )
            )
        elif event.kind == EventKind.CORRECTION_REQUESTED and (event.data or {}).get("repeat"):
            found.append(
                (
                    "correction_repeat",
                    Raise(
                        f"case:{case.pk}:seq:{event.seq}",
                        f"{_label(case)}：第 {case.correction_count} 次补正告知（应一次性告知）",
                    ),
                )
            )
        elif event.kind == EventKind.SPECIAL_STARTED and not (event.data or {}).get("procedure"):
            found.append(
                (
                    "special_untyped",
                    Raise(f"case:{case.pk}:seq:{event.seq}", f"{_label(case)}：特别程序未注明种类"),
                )
            )
        elif event.kind == EventKind.WITHHELD and not case.withhold_reason:
            found.append(
                (
                    "withheld_no_reason",
                    Raise(f"case:{case.pk}", f"{_label(case)}：不予公示未登记原因"),
                )
            )
        elif event.kind == EventKind.FEE_RECORDED:
            found += _fee_rules(case, fees.get(case.power_id))
        if case.state in CLOSED_STATES:
            closed_cases.append(case.pk)
        for code, found_raise in found:
            if code in rules:
                found_raise.department_id = case.department_id
                found_raise.case_id = case.pk
                found_raise.power_id = case.power_id
                found_raise.event_seq = event.seq
                raises.setdefault(code, []).append(found_raise)
    for code, items in raises.items():
        raise_alerts(rules[code], items, source=Source.EVENT)
    _clear_resolved(done_steps, late_steps, closed_cases)


def _steps_of(events) -> dict[tuple[int, int], CaseStep]:
    if not events:
        return {}
    wanted = {(e.case.pk, e.step) for e in events}
    rows = CaseStep.objects.filter(case_id__in={pk for pk, _ in wanted}).only(
        "id",
        "case_id",
        "position",
        "name",
        "posts",
        "due_on",
        "completed_at",
        "handler_post",
        "handler_name",
    )
    return {(s.case_id, s.position): s for s in rows if (s.case_id, s.position) in wanted}


def _step_rules(case, step) -> list[tuple[str, Raise]]:
    found = []
    names = step.post_names
    if names and step.handler_post and step.handler_post not in names:
        found.append(
            (
                "outside_post",
                Raise(
                    f"step:{step.pk}:post",
                    f"{_label(case)}：“{step.name}”由“{step.handler_post}”（{step.handler_name}）办理，"
                    f"承办岗位为“{step.posts}”",
                    step=step.position,
                ),
            )
        )
    if step.due_on and timezone.localdate(step.completed_at) > step.due_on:
        found.append(
            (
                "step_overdue",
                Raise(
                    f"step:{step.pk}",
                    f"{_label(case)}：“{step.name}”环节超期（期限 {step.due_on}）",
                    step=step.position,
                ),
            )
        )
    return found


def _fees_of(events, rules) -> dict[int, PowerPage]:
    if not events or not ({"fee_on_free", "fee_above_standard"} & rules.keys()):
        return {}
    ids = {e.case.power_id for e in events}
    return {
        p.pk: p for p in PowerPage.objects.filter(pk__in=ids).only("id", "fee_free", "fee_standard")
    }


def _fee_rules(case, power) -> list[tuple[str, Raise]]:
    if power is None:
        return []
    charged = max(case.fee_due or 0, case.fee_paid or 0)
    if power.fee_free and charged > 0:
        return [
            (
                "fee_on_free",
                Raise(
                    f"case:{case.pk}:fee:{case.version}",
                    f"{_label(case)}：公布为不收费的事项记录收费 {charged} 元",
                ),
            )
        ]
    cap = None if power.fee_free else _fee_cap(power.fee_standard)
    if cap is not None and charged > cap:
        return [
            (
                "fee_above_standard",
                Raise(
                    f"case:{case.pk}:fee:{case.version}",
                    f"{_label(case)}：收费 {charged} 元，高于公布标准的最高金额 {cap} 元",
                ),
            )
        ]
    return []


def _clear_resolved(done_steps, late_steps, closed_cases) -> None:
    """A step done clears its reminder (on time) or its red card (late: counted, then
    cleared); a case closed clears the warnings on its time."""
    if done_steps:
        keys = [f"step:{s.pk}" for s in done_steps if s not in late_steps]
        if keys:
            clear_alerts(
                Alert.objects.filter(rule__code__in=STEP_TIME_RULES, key__in=keys), "环节已按期办理"
            )
        if late_steps:
            clear_alerts(
                Alert.objects.filter(
                    rule__code__in=STEP_TIME_RULES, key__in=[f"step:{s.pk}" for s in late_steps]
                ),
                "环节已办理（超期）",
            )
    if closed_cases:
        clear_alerts(
            Alert.objects.filter(
                Q(rule__code__in=CASE_TIME_RULES) | Q(rule__code__in=STEP_TIME_RULES),
                case_id__in=closed_cases,
            ),
            "办件已办结或终止",
        )


# --- refused pushes ---------------------------------------------------------------------------


def on_push_refused(sender, case, kind, external_id, error, account=None, **kwargs):
    """A department's system pushed what the flow refused: record the attempt."""
    code = _refusal_rule(kind, error)
    rule = active_rules().get(code) if code else None
    if rule is None:
        return
    message = str(error) if not isinstance(error, PermissionDenied) else "未经部门负责人批准"
    raise_alerts(
        rule,
        [
            Raise(
                f"push:{case.pk}:{external_id}"[:80],
                f"{_label(case)}：业务系统报送的“{kind}”事件（{external_id}）被拒收：{message}",
                department_id=case.department_id,
                case_id=case.pk,
                power_id=case.power_id,
            )
        ],
        source=Source.PUSH,
    )


def _refusal_rule(kind: str, error) -> str | None:
    field = getattr(error, "field", None)
    code = getattr(error, "code", "")
    if kind == "extend" and (field == "approver" or isinstance(error, PermissionDenied)):
        return "extension_unapproved"
    if kind in ("reject", "complete_step") and field in ("reason", "result_description"):
        return "reason_missing"
    if kind == "special_start" and field == "procedure":
        return "special_untyped"
    if code in ("order", "state"):
        return "flow_order"
    return None


# --- a recorded history -----------------------------------------------------------------------


def alerts_for_history(cases) -> dict[str, int]:
    """The warnings a history of cases written without their events passing through here
    (the demo's and the benchmark's generated cases, a bulk load) would have raised, set-based:
    steps and cases done late (raised when they were done, and cleared: they count in the
    figures), repeated 补正. Returns the number raised per rule."""
    from cases.models import CaseEvent, State

    rules, done = active_rules(), {}
    step_rule = rules.get("step_overdue")
    if step_rule is not None:
        late = CaseStep.objects.filter(
            case__in=cases, completed_at__isnull=False, due_on__isnull=False,
            completed_at__date__gt=F("due_on"),
        )  # fmt: skip
        rows = late.values_list(
            "pk", "case_id", "position", "name", "due_on", "completed_at", "case__case_no",
            "case__power_name", "case__department_id", "case__power_id",
        )  # fmt: skip
        done["step_overdue"] = raise_alerts(
            step_rule,
            [
                Raise(f"step:{pk}", f"{no} {power}：“{name}”环节超期（期限 {due}）",
                      department_id=department, case_id=case, step=position,
                      power_id=power_id, at=completed)  # fmt: skip
                for pk, case, position, name, due, completed, no, power, department, power_id
                in rows
            ],
            source=Source.HISTORY,
            cleared_reason="环节已办理（超期）",
        )  # fmt: skip
    case_rule = rules.get("case_overdue")
    if case_rule is not None:
        rows = cases.filter(state=State.FINISHED, on_time=False).values_list(
            "pk", "case_no", "power_name", "department_id", "power_id", "due_on", "finished_at"
        )
        done["case_overdue"] = raise_alerts(
            case_rule,
            [
                Raise(
                    f"case:{pk}",
                    f"{no} {power}：超期办结（承诺办结日期 {due}）",
                    department_id=department,
                    case_id=pk,
                    power_id=power_id,
                    at=finished,
                )  # fmt: skip
                for pk, no, power, department, power_id, due, finished in rows
            ],
            source=Source.HISTORY,
            cleared_reason="办件已办结或终止",
        )
    repeat_rule = rules.get("correction_repeat")
    if repeat_rule is not None:
        events = CaseEvent.objects.filter(
            case__in=cases, kind=EventKind.CORRECTION_REQUESTED, data__repeat=True
        )
        rows = events.values_list(
            "case_id", "seq", "occurred_at", "case__case_no", "case__power_name",
            "case__department_id", "case__power_id",
        )  # fmt: skip
        done["correction_repeat"] = raise_alerts(
            repeat_rule,
            [
                Raise(
                    f"case:{case}:seq:{seq}",
                    f"{no} {power}：再次补正告知（应一次性告知）",
                    department_id=department,
                    case_id=case,
                    power_id=power_id,
                    at=at,
                )  # fmt: skip
                for case, seq, at, no, power, department, power_id in rows
            ],
            source=Source.HISTORY,
        )
    return done
