"""电子监察 for the demo: the warnings the generated cases' history would have raised, a few
irregularities recorded through the services and a department's system (so that every kind of
rule that a case can break shows up), the day's sweep, then 督办单 in each state and findings
of several kinds, by the demo's legal office and 纪检监察 users; and 数据完整度 dates for three
departments (one passed: a red card, one close: a reminder, one department already complete).

Generated, like the cases: for demonstration only. Runs once (a second `make run` keeps what
is there)."""

from __future__ import annotations

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import ingest, services
from cases.models import Case, State
from cases.services import Actor, CaseError
from catalogue.completeness import departments_completeness
from catalogue.models import DepartmentPage
from supervision import services as supervision
from supervision.alerts import alerts_for_history
from supervision.models import (
    Alert,
    CompletionDeadline,
    FaultKind,
    Measure,
    OrderState,
    SupervisionOrder,
)
from supervision.sweep import sweep
from workdays.calendar import WorkCalendar

LEGAL_OFFICE_USER = "fzb-reviewer"
# (the warning's rule, the fault it is, the measure decided)
FINDINGS = [
    ("correction_repeat", "未一次性告知", "责令书面检查"),
    ("fee_on_free", "违规收费", "通报批评"),
    ("outside_post", "不按流程办理", "批评教育"),
    ("flow_order", "不按流程办理", "诫勉谈话"),
    ("reason_missing", "不予受理未说明理由", "批评教育"),
]
SUPERVISOR_USER = "jjjc-supervisor"
SITE_ADMIN_USER = "site-admin"
# 数据完整度 dates: (department's code, working days from today (negative: already passed),
# note): 区交通运输局 and 区行政审批局 of disclosure/fixtures/departments.json.
COMPLETION_DATES = [
    ("11511301008778386B", -5, "第一批：交通运输领域全部事项按实施清单补齐要素"),
    ("68236467-9", 3, "第一批：行政许可事项按实施清单补齐要素"),
]


def _staff(department_id, *, head=False):
    """A member of staff holding one of the department's posts (its head, if asked)."""
    users = get_user_model().objects.filter(posts__department_id=department_id, is_active=True)
    if head:
        users = users.filter(posts__is_head=True)
    return users.order_by("username").first()


def _other_post(case: Case) -> str:
    """A post of the case's department that does not hold its current step."""
    steps = case.steps_list
    current = set(steps[case.current_step].post_names) if case.current_step < len(steps) else set()
    for step in steps:
        for name in step.post_names:
            if name not in current and name != "申请人":
                return name
    return "综合岗"


def _fits(irregularity: str, case: Case) -> bool:
    """Whether the irregularity can be shown on the case: one done outside its post needs a
    current step with posts that is not the last (the last one also needs a decision)."""
    if irregularity != "outside_post":
        return True
    steps = case.steps_list
    if case.current_step >= len(steps) - 1 or not steps[case.current_step].post_names:
        return False
    return _other_post(case) not in steps[case.current_step].post_names


def _after_last(case: Case, when):
    """`when`, or the case's last event if that is later: a system pushes a case's events in
    the order they happened, and the generated history reaches up to the minute the demo is
    made (a push five minutes back would be refused as out of order, not for its fault)."""
    last = services.last_event_at(case)
    return max(when, last) if last is not None else when


def _irregularities(now) -> int:
    """One of each irregularity a department can commit on a running case, recorded as it
    would be: through the services (fees) and a business system's pushes (the refused ones
    are recorded too)."""
    running = (
        Case.objects.filter(generated=True, state=State.IN_PROGRESS)
        .select_related("department", "power").order_by("pk")
    )  # fmt: skip
    made = 0
    when = now - datetime.timedelta(minutes=5)
    free = running.filter(power__fee_free=True).first()
    if free is not None and (clerk := _staff(free.department_id)) is not None:
        services.fee_record(free, actor=Actor(user=clerk), due=120, paid=120)
        made += 1
    pushes = [
        # (what, the event as the system pushes it)
        ("outside_post", lambda case: {"kind": "complete_step", "position": case.current_step + 1,
                                       "handler": "王临时", "post": _other_post(case),
                                       "opinion": "同意"}),
        ("flow_order", lambda case: {"kind": "complete_step", "position": case.current_step + 3,
                                     "handler": "赵跳步", "post": "", "opinion": "跳过审查"}),
        ("special_untyped", lambda case: {"kind": "special_start", "reason": "需要现场鉴定"}),
        ("extension_unapproved", lambda case: {"kind": "extend", "days": 10, "reason": "材料复杂",
                                               "approver": {"name": "钱科员", "post": "科员"}}),
    ]  # fmt: skip
    # Each irregularity on a case it can happen to (_fits), whatever the day the demo is made.
    candidates = list(running.exclude(pk=free.pk if free else None)[5:200])
    used = set()
    for name, body in pushes:
        case = next((c for c in candidates if c.pk not in used and _fits(name, c)), None)
        system = case and _staff(case.department_id)
        if system is None:
            continue
        used.add(case.pk)
        event = {"external_id": f"DEMO-{name}", "occurred_at": _after_last(case, when),
                 **body(case)}  # fmt: skip
        try:
            ingest.push_event(case, event, account=system)
        except (CaseError, PermissionDenied):
            pass  # refused, and recorded by supervision
        made += 1
    waiting = Case.objects.filter(generated=True, state=State.SUBMITTED).order_by("pk").first()
    if waiting is not None and (system := _staff(waiting.department_id)) is not None:
        try:
            ingest.push_event(waiting, {"external_id": "DEMO-reject", "kind": "reject",
                                        "occurred_at": _after_last(waiting, when)},
                              account=system)  # fmt: skip
        except CaseError:
            made += 1
    return made


def _orders_and_findings(fzb, jjjc) -> tuple[int, int]:
    """督办单 in every state, from the open red cards, and findings of several kinds."""
    red = (
        Alert.objects.open().filter(rule__code__in=("step_overdue", "case_overdue"),
                                    case__isnull=False)
        .select_related("case", "department").order_by("department_id", "-raised_at")
    )  # fmt: skip
    # One per department first, then more of the same departments.
    candidates, seen = list(red[:400]), set()
    picked = [
        a for a in candidates if a.department_id not in seen and not seen.add(a.department_id)
    ]
    picked += [a for a in candidates if a not in picked]
    picked = picked[:8]
    plan = ["accepted", "answered", "overdue", "open", "returned", "accepted", "open", "answered"]
    overdue = FaultKind.objects.filter(name="超期办理").first()
    measures = itertools.cycle(Measure.objects.filter(active=True).order_by("position")[:3])
    orders = findings = 0
    for alert, state in zip(picked, plan, strict=False):
        issuer = jjjc if orders % 2 else fzb
        staff = _staff(alert.department_id)
        if staff is None:
            continue
        order = supervision.order_issue(
            user=issuer, alert=alert, days=5,
            requirement=f"{alert.detail}。请立即办理，查明超期原因，书面说明整改措施。",
        )  # fmt: skip
        orders += 1
        if state == "overdue":  # issued a fortnight ago and never answered
            SupervisionOrder.objects.filter(pk=order.pk).update(
                issued_at=order.issued_at - datetime.timedelta(days=14),
                due_on=timezone.localdate() - datetime.timedelta(days=5),
            )  # fmt: skip
            continue
        if state == "open":
            continue
        answer = "已督促承办人办理完毕，超期原因系材料核实耗时较长，已建立提醒机制。"
        supervision.order_answer(order, user=staff, answer=answer)
        if state == "returned":
            supervision.order_return(
                order, user=issuer, note="整改措施不具体，请补充责任落实情况。"
            )
        elif state == "accepted":
            supervision.order_accept(order, user=issuer, note="整改到位。")
            if overdue is None:
                continue
            post = alert.case.current_posts or "承办岗位"
            supervision.finding_record(
                user=issuer, order=order, post=post[:100], person="（承办人）",
                fault_kind=overdue, measure=next(measures),
                facts=alert.detail, decided_on=timezone.localdate(),
            )  # fmt: skip
            findings += 1
    # Findings on the irregularities: the fault kind each one is.
    for code, fault, measure in FINDINGS:
        alert = Alert.objects.filter(rule__code=code, case__isnull=False).order_by("pk").first()
        kind = FaultKind.objects.filter(name=fault).first()
        chosen = Measure.objects.filter(name=measure).first()
        if alert is None or kind is None or chosen is None:
            continue
        supervision.finding_record(
            user=jjjc, case=alert.case, post="承办岗位", person="（承办人）", fault_kind=kind,
            measure=chosen, facts=alert.detail, decided_on=timezone.localdate(),
        )  # fmt: skip
        findings += 1
    return orders, findings


def demo_supervision_load() -> dict | None:
    """Once: None when warnings exist already."""
    if Alert.objects.exists():
        return None
    User = get_user_model()
    fzb = User.objects.filter(username=LEGAL_OFFICE_USER).first()
    jjjc = User.objects.filter(username=SUPERVISOR_USER).first()
    history = alerts_for_history(Case.objects.filter(generated=True))
    irregular = _irregularities(timezone.now())
    sweep()
    orders = findings = 0
    if fzb is not None and jjjc is not None:
        orders, findings = _orders_and_findings(fzb, jjjc)
        sweep()  # the overdue 督办单 is a red card
    return {
        "history": sum(history.values()), "irregular": irregular,
        "open": Alert.objects.open().count(), "orders": orders, "findings": findings,
        "orders_open": SupervisionOrder.objects.exclude(state=OrderState.ACCEPTED).count(),
    }  # fmt: skip


def demo_completion_load() -> dict | None:
    """Once (None when dates exist): 数据完整度 dates for the departments of COMPLETION_DATES
    and for a department whose powers are complete, set by the demo's site administrator, then
    the sweep: a red card, a reminder, and a date met. A date already passed is set as it
    would have been weeks ago (the service takes no date in the past)."""
    if CompletionDeadline.objects.exists():
        return None
    User = get_user_model()
    admin = (
        User.objects.filter(username=SITE_ADMIN_USER).first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    if admin is None:
        return None
    calendar = WorkCalendar.load()
    today = timezone.localdate()
    departments = {d.code: d for d in DepartmentPage.objects.all()}
    figures = departments_completeness()
    plan = [(departments.get(code), days, note) for code, days, note in COMPLETION_DATES]
    named = {code for code, _days, _note in COMPLETION_DATES}
    done = next(
        (d for d in departments.values()
         if d.code not in named and (f := figures.get(d.pk)) is not None and f.powers
         and f.is_complete),
        None,
    )  # fmt: skip
    if done is not None:
        plan.append((done, 20, "事项要素已齐全，按期完成"))
    made = 0
    for department, days, note in plan:
        if department is None:
            continue
        due = calendar.add_working_days(today, max(days, 0))
        deadline = supervision.completion_deadline_set(
            department=department, due_on=due, user=admin, note=note
        )
        if days < 0:
            CompletionDeadline.objects.filter(pk=deadline.pk).update(
                due_on=calendar.subtract_working_days(today, -days),
                set_at=deadline.set_at - datetime.timedelta(days=45),
            )  # fmt: skip
        made += 1
    report = sweep()
    return {
        "dates": made,
        "reminders": report.raised.get("completion_due_soon", 0),
        "red": report.raised.get("completion_overdue", 0),
    }
