"""The one way supervision's records change: 督办单 (issue, answer, accept, send back), a warning
cleared by a person, a 过错责任追究 finding. Every check of who may do what is asked of
access.roles here; the admin's views only call these.

- The legal office and 纪检监察 (roles.supervises) issue 督办, accept or return answers, clear
  warnings and record findings.
- The responsible department's own staff answer its 督办单; nobody else does.
- Site administrators set and withdraw the date by which a department completes its powers'
  information (数据完整度期限); nobody else does.
Refusals are SupervisionError (Chinese, naming the field) or PermissionDenied.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from access import roles
from cases.models import Case
from catalogue.models import DepartmentPage
from common.text import clean_public_text
from feedback.models import Feedback
from workdays.calendar import WorkCalendar

from . import completion
from .alerts import clear_alerts
from .models import (
    Alert,
    CompletionDeadline,
    FaultKind,
    Finding,
    Measure,
    OrderEntry,
    OrderState,
    SupervisionOrder,
)

MAX_ORDER_DAYS = 30
MAX_COMPLETION_YEARS = 3


class SupervisionError(ValueError):
    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        self.field, self.code = field, code
        super().__init__(message)


def _name(user) -> str:
    return (user.get_full_name() or user.get_username())[:50]


def _require_supervisor(user) -> None:
    if not roles.supervises(user):
        raise PermissionDenied("只有法制办和纪检监察可以督办、解除预警和追究责任。")


def issuer_role(user) -> str:
    return "纪检监察" if roles.is_supervisor(user) and not user.is_superuser else "法制办"


def may_review(user, order: SupervisionOrder) -> bool:
    """Whether `user` may accept or return the answers to this 督办单."""
    try:
        _require_issuer(user, order)
    except PermissionDenied:
        return False
    return True


def _require_issuer(user, order: SupervisionOrder) -> None:
    """The organ that issued a 督办单 (法制办 or 纪检监察) reviews its answers."""
    _require_supervisor(user)
    if not user.is_superuser and issuer_role(user) != order.issuer_role:
        raise PermissionDenied(f"该督办单由{order.issuer_role}发出，由{order.issuer_role}审查。")


# --- 督办 -------------------------------------------------------------------------------------


@dataclass
class Subject:
    """What a 督办单 or a finding is about, and the department responsible."""

    department: DepartmentPage
    case: Case | None = None
    alert: Alert | None = None
    feedback: Feedback | None = None


def subject_of(*, case=None, alert=None, feedback=None) -> Subject:
    given = [x for x in (case, alert, feedback) if x is not None]
    if len(given) != 1:
        raise SupervisionError("请指明督办的对象：一个办件、一条预警或一件投诉。", field="subject")
    if alert is not None:
        department = alert.department
        case = alert.case
        if department is None:
            raise SupervisionError("该预警没有责任部门，不能督办。", field="subject")
        return Subject(department, case=case, alert=alert, feedback=alert.feedback)
    if case is not None:
        return Subject(case.department, case=case)
    if feedback.department_id is None:
        raise SupervisionError("该投诉没有责任部门，不能督办。", field="subject")
    return Subject(feedback.department, feedback=feedback)


def _entry(order: SupervisionOrder, kind: str, user, text: str = "", at=None) -> OrderEntry:
    seq = order.entries.count() + 1
    return OrderEntry.objects.create(order=order, seq=seq, kind=kind, actor=user,
                                     actor_name=_name(user), text=text,
                                     at=at or timezone.now())  # fmt: skip


def _number(today: datetime.date) -> str:
    prefix = f"DB{today:%Y%m%d}"
    last = (
        SupervisionOrder.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{(int(last[len(prefix) :]) + 1) if last else 1:04d}"


def _days(days) -> int:
    try:
        days = int(days)
    except (TypeError, ValueError) as error:
        raise SupervisionError("办理时限应为工作日数。", field="days") from error
    if not 1 <= days <= MAX_ORDER_DAYS:
        raise SupervisionError(f"办理时限应为 1 到 {MAX_ORDER_DAYS} 个工作日。", field="days")
    return days


def order_issue(*, user, requirement: str, days, case=None, alert=None, feedback=None,
                calendar: WorkCalendar | None = None) -> SupervisionOrder:  # fmt: skip
    """督办: what the department must correct and by when (working days from today)."""
    _require_supervisor(user)
    subject = subject_of(case=case, alert=alert, feedback=feedback)
    requirement = clean_public_text(requirement, 2000, multiline=True)
    if not requirement:
        raise SupervisionError("请写明督办事项及整改要求。", field="requirement")
    days = _days(days)
    calendar = calendar or WorkCalendar.load()
    now = timezone.now()
    today = timezone.localdate(now)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = SupervisionOrder.objects.create(
                    number=_number(today), department=subject.department, case=subject.case,
                    alert=subject.alert, feedback=subject.feedback, requirement=requirement,
                    days=days, due_on=calendar.add_working_days(today, days), issued_by=user,
                    issued_by_name=_name(user), issuer_role=issuer_role(user), issued_at=now,
                )  # fmt: skip
                _entry(order, OrderEntry.Kind.ISSUED, user, requirement, at=now)
                return order
        except IntegrityError:  # two orders numbered at once: number again
            continue
    raise SupervisionError("督办单编号冲突，请重试。", code="conflict")


def _locked(order: SupervisionOrder, version=None) -> SupervisionOrder:
    fresh = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    if version is not None and int(version) != fresh.version:
        raise SupervisionError("该督办单刚刚已被他人处理，请刷新后查看。", code="conflict")
    return fresh


def may_answer(user, order: SupervisionOrder) -> bool:
    """The responsible department's own staff (editors and post holders)."""
    return roles.is_active_staff(user) and order.department_id in roles.department_ids_of(user)


def order_answer(order: SupervisionOrder, *, user, answer: str, version=None) -> SupervisionOrder:
    """The department's answer: what it did. On time when given by the due date."""
    if not may_answer(user, order):
        raise PermissionDenied("只有责任部门的工作人员可以回复督办。")
    answer = clean_public_text(answer, 2000, multiline=True)
    if not answer:
        raise SupervisionError("请写明整改情况。", field="answer")
    with transaction.atomic():
        order = _locked(order, version)
        if order.state != OrderState.OPEN:
            raise SupervisionError(f"督办单当前为“{order.get_state_display()}”，不能回复。",
                                   code="state")  # fmt: skip
        now = timezone.now()
        order.state, order.answer, order.answered_at = OrderState.ANSWERED, answer, now
        if order.answered_on_time is not False:  # late once, late for good
            order.answered_on_time = timezone.localdate(now) <= order.due_on
        order.version += 1
        order.save()
        _entry(order, OrderEntry.Kind.ANSWERED, user, answer, at=now)
        clear_alerts(Alert.objects.filter(rule__code="order_overdue", order=order),
                     "责任部门已回复")  # fmt: skip
    return order


def order_accept(order: SupervisionOrder, *, user, note: str = "", version=None):
    """The issuer accepts the answer: the 督办单 is closed, and the warning it was about cleared."""
    _require_issuer(user, order)
    note = clean_public_text(note, 2000, multiline=True)
    with transaction.atomic():
        order = _locked(order, version)
        if order.state != OrderState.ANSWERED:
            raise SupervisionError("只有已回复的督办单可以审查办结。", code="state")
        now = timezone.now()
        order.state, order.closed_at = OrderState.ACCEPTED, now
        order.version += 1
        order.save()
        _entry(order, OrderEntry.Kind.ACCEPTED, user, note, at=now)
        if order.alert_id:
            clear_alerts(Alert.objects.filter(pk=order.alert_id),
                         f"督办单 {order.number} 已整改办结", by=user, at=now)  # fmt: skip
    return order


def order_return(order: SupervisionOrder, *, user, note: str, version=None,
                 calendar: WorkCalendar | None = None) -> SupervisionOrder:  # fmt: skip
    """The issuer sends the answer back: the department has the order's days again."""
    _require_issuer(user, order)
    note = clean_public_text(note, 2000, multiline=True)
    if not note:
        raise SupervisionError("请写明退回的理由和仍需整改的内容。", field="note")
    calendar = calendar or WorkCalendar.load()
    with transaction.atomic():
        order = _locked(order, version)
        if order.state != OrderState.ANSWERED:
            raise SupervisionError("只有已回复的督办单可以退回。", code="state")
        now = timezone.now()
        order.state = OrderState.OPEN
        order.returned_count += 1
        order.due_on = calendar.add_working_days(timezone.localdate(now), order.days)
        order.version += 1
        order.save()
        _entry(order, OrderEntry.Kind.RETURNED, user, note, at=now)
    return order


# --- warnings ---------------------------------------------------------------------------------


def alert_clear(alert: Alert, *, user, reason: str) -> Alert:
    """A supervisor clears a warning, saying why (e.g. checked: the delay was the applicant's)."""
    _require_supervisor(user)
    reason = clean_public_text(reason, 300)
    if not reason:
        raise SupervisionError("请写明解除预警的原因。", field="reason")
    if not clear_alerts(Alert.objects.filter(pk=alert.pk), reason, by=user):
        raise SupervisionError("该预警已经解除。", code="state")
    alert.refresh_from_db()
    return alert


# --- 过错责任追究 ------------------------------------------------------------------------------


def finding_record(
    *, user, post: str, person: str, fault_kind: FaultKind, measure: Measure, facts: str,
    decided_on: datetime.date, case=None, order=None,
) -> Finding:  # fmt: skip
    """A finding from a 督办单 or a case: who was responsible, for what, and what was decided."""
    _require_supervisor(user)
    if (case is None) == (order is None):
        raise SupervisionError("请指明追究的依据：一个督办单或一个办件。", field="subject")
    department_id = order.department_id if order is not None else case.department_id
    if order is not None and case is None:
        case = order.case
    errors = {}
    post = clean_public_text(post, 100)
    person = clean_public_text(person, 50)
    facts = clean_public_text(facts, 2000, multiline=True)
    if not post:
        errors["post"] = "请写明责任岗位。"
    if not person:
        errors["person"] = "请写明责任人。"
    if not facts:
        errors["facts"] = "请写明过错事实。"
    if fault_kind is None or not fault_kind.active:
        errors["fault_kind"] = "请选择过错种类。"
    if measure is None or not measure.active:
        errors["measure"] = "请选择处理措施。"
    if not isinstance(decided_on, datetime.date) or decided_on > timezone.localdate():
        errors["decided_on"] = "决定日期不能晚于今天。"
    if errors:
        field, message = next(iter(errors.items()))
        raise SupervisionError(message, field=field)
    return Finding.objects.create(
        department_id=department_id, case=case, order=order, post=post, person=person,
        fault_kind=fault_kind, measure=measure, facts=facts, decided_on=decided_on,
        decided_by=user, decided_by_name=_name(user),
    )  # fmt: skip


# --- 数据完整度期限 ----------------------------------------------------------------------------


def _require_site_admin(user) -> None:
    if not roles.is_site_admin(user):
        raise PermissionDenied("只有站点管理员可以设定或撤销数据完整度期限。")


def completion_deadline_set(
    *, department: DepartmentPage, due_on, user, note: str = "", today=None
) -> CompletionDeadline:
    """The date by which `department` must complete its powers' information. It replaces the
    department's current date (kept, inactive; its warnings cleared) and is watched by the
    sweep (supervision.completion)."""
    _require_site_admin(user)
    today = today or timezone.localdate()
    if not isinstance(due_on, datetime.date):
        raise SupervisionError("请填写完成期限。", field="due_on")
    if due_on < today:
        raise SupervisionError("完成期限不能早于今天。", field="due_on")
    if due_on > today + datetime.timedelta(days=365 * MAX_COMPLETION_YEARS + 1):
        raise SupervisionError(f"完成期限不能晚于 {MAX_COMPLETION_YEARS} 年之后，请检查日期。",
                               field="due_on")  # fmt: skip
    note = clean_public_text(note, 300)
    now = timezone.now()
    try:
        with transaction.atomic():
            replaced = _end_deadline(department, now)
            deadline = CompletionDeadline.objects.create(
                department=department, due_on=due_on, note=note, set_by=user, set_at=now
            )
            if replaced is not None:
                completion.clear_for_deadline(replaced.pk, "期限已重新设定")
    except IntegrityError as error:  # another administrator set one at the same moment
        raise SupervisionError("另一位管理员刚刚设定了该部门的期限，请刷新后查看。",
                               code="conflict") from error  # fmt: skip
    return deadline


def completion_deadline_withdraw(*, department: DepartmentPage, user) -> CompletionDeadline:
    """Withdraw the department's date (kept, inactive); its warnings are cleared."""
    _require_site_admin(user)
    with transaction.atomic():
        ended = _end_deadline(department, timezone.now())
        if ended is None:
            raise SupervisionError("该部门没有设定数据完整度期限。", code="state")
        completion.clear_for_deadline(ended.pk, "期限已撤销")
    return ended


def _end_deadline(department, now) -> CompletionDeadline | None:
    current = (
        CompletionDeadline.objects.select_for_update().filter(department=department, active=True)
        .first()
    )  # fmt: skip
    if current is not None:
        current.active, current.ended_at = False, now
        current.save(update_fields=["active", "ended_at"])
    return current
