"""Cases and step events pushed by departments' own business systems (部门业务系统): the mapping
from what a system sends to the calls of cases.services, idempotency by the system's own ids,
and batches. The API (api/routers/cases.py) validates the shape of a push and calls these; the
rules of the flow stay in cases.services, so they live once.

- A case is identified by its 申办流水号 (`external_id`) within its department: pushed again, the
  case first created is returned unchanged (created=False).
- An event is identified by the system's event id (`external_id`) within its case: pushed again
  (also by two clients at once), the event first recorded is returned and nothing changes.
- The token's account must work for the department of the power (a case) or of the case (an
  event): otherwise PermissionDenied, and nothing is written or shown.
- Refusals are CaseError (with a stable `code`: order, state, conflict, future, invalid…),
  ApplicantError (per field) or IngestError (an unknown power or case); all Chinese.
"""

from __future__ import annotations

import datetime
import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DataError, IntegrityError, OperationalError, transaction

from access import roles
from access.models import Post
from catalogue.models import PowerPage
from common.text import clean_public_text

from . import services, signals
from .applicants import Applicant, ApplicantError
from .models import Case, CaseEvent, Channel, State
from .services import Actor, CaseError

logger = logging.getLogger(__name__)
_powers = threading.local()  # the powers a batch names, read once

MAX_BATCH = 200
SYSTEM_NAME = "部门业务系统"

# The kinds of events a business system pushes, and what each is called in the log.
EVENT_KINDS = {
    "accept": "受理",
    "reject": "不予受理",
    "complete_step": "完成环节（最后一个环节即办结）",
    "correction_request": "补正告知",
    "correction_received": "补正材料收到",
    "special_start": "特别程序开始",
    "special_end": "特别程序结束",
    "extend": "延期（须部门负责人批准）",
    "return": "退件",
    "withdraw": "撤回",
    "fee": "收费",
}


class IngestError(ValueError):
    """A push naming something that is not there (a power, a case); Chinese message."""

    def __init__(self, message: str, *, code: str = "not_found", field: str | None = None):
        self.code, self.field = code, field
        super().__init__(message)


@dataclass
class Outcome:
    """What a push did: the case, and for an event its place in the log. `created` is False
    for a retry (nothing changed)."""

    case: Case
    created: bool
    password: str = ""  # the new case's query password (shown once)
    seq: int | None = None
    kind: str = ""
    occurred_at: datetime.datetime | None = None
    external_id: str = ""


def _external_id(value, field="external_id") -> str:
    cleaned = clean_public_text(value or "", 64)
    if not cleaned:
        raise CaseError("请提供业务系统的编号（external_id）。", field=field)
    return cleaned


def _refuse_control_characters(value, where: str = "") -> None:
    """A NUL or another control character anywhere in a push (PostgreSQL cannot store NUL;
    none belongs in a record): refused, naming the field, before anything is read or written."""
    if isinstance(value, dict):
        for name, item in value.items():
            _refuse_control_characters(item, f"{where}.{name}" if where else str(name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_control_characters(item, f"{where}.{index}")
    elif (
        isinstance(value, str)
        and not value.isprintable()
        and any(ord(ch) < 32 and ch not in "\n\t" or ord(ch) == 127 for ch in value)
    ):
        raise CaseError(f"{where or '内容'} 含有不允许的控制字符。", field=where or None)


def _label(account) -> str:
    return (account.get_full_name() or account.get_username())[:50] if account else SYSTEM_NAME


# --- a case ---------------------------------------------------------------------------------


def push_case(data: dict, *, account) -> Outcome:
    """A case from a department's system: `power` (事项编码), `external_id` (申办流水号),
    `applicant` (as cases.applicants.Applicant.clean takes it), `submitted_at`, optional
    `acceptance` {handler, post, accepted_at} and `materials` (names received)."""
    _refuse_control_characters(data)
    external_id = _external_id(data.get("external_id"))
    code = str(data.get("power") or "")[:64]
    power = _power(code) if code else None
    if power is None:
        raise IngestError(f"没有编码为“{clean_public_text(code, 30)}”的已发布事项。",
                          field="power")  # fmt: skip
    applicant = Applicant.clean(data.get("applicant") or {})
    actor = Actor(name=SYSTEM_NAME, channel=Channel.SYSTEM, occurred_at=data.get("submitted_at"),
                  account=account)  # fmt: skip
    accepted_by = None
    acceptance = data.get("acceptance")
    if acceptance:
        accepted_by = Actor(
            name=clean_public_text(acceptance.get("handler") or "", 50),
            post=clean_public_text(acceptance.get("post") or "", 100),
            channel=Channel.SYSTEM, occurred_at=acceptance.get("accepted_at"), account=account,
        )  # fmt: skip
    try:
        opened = services.case_record(
            power, applicant, actor=actor, external_id=external_id, accepted_by=accepted_by,
            materials=data.get("materials") or (),
        )  # fmt: skip
    except (CaseError, IntegrityError) as error:
        # Two clients pushed the same case at once: the other one created it.
        existing = _case_by_external_id(external_id, account, power=power)
        if existing is not None:
            return Outcome(existing, created=False)
        if isinstance(error, IntegrityError):
            raise CaseError("与现有办件冲突，未作修改。", code="conflict") from error
        raise
    return Outcome(opened.case, created=opened.created, password=opened.password)


def _power(code: str) -> PowerPage | None:
    """The live power of this code (once per batch)."""
    powers = getattr(_powers, "found", None)
    if powers is not None and code in powers:
        return powers[code]
    power = PowerPage.objects.live().filter(code=code).first()
    if powers is not None:
        powers[code] = power
    return power


def _case_by_external_id(external_id: str, account, *, power=None) -> Case | None:
    cases = Case.objects.filter(external_id=external_id)
    if power is not None:
        return cases.filter(department__path=power.path[: -PowerPage.steplen]).first()
    if not roles.sees_all_departments(account):
        cases = cases.filter(department_id__in=roles.department_ids_of(account))
    found = list(cases[:2])
    if len(found) > 1:
        raise IngestError("多个部门有该申办流水号的办件，请改用办件编号（case_no）。",
                          code="invalid", field="case_external_id")  # fmt: skip
    return found[0] if found else None


# --- an event -------------------------------------------------------------------------------


def find_case(*, case_no: str = "", external_id: str = "", account) -> Case:
    """The case an event is for, by its 办件编号 or by the 申办流水号 the system pushed it with
    (a case pushed earlier in the same batch). IngestError when there is none the account may
    see; PermissionDenied when it is another department's."""
    case = None
    case_no = clean_public_text(case_no, 20)
    if case_no:
        case = Case.objects.filter(case_no=case_no).first()
    elif external_id:
        case = _case_by_external_id(clean_public_text(external_id, 64), account)
    if case is None:
        shown = clean_public_text(case_no or external_id or "", 30)
        raise IngestError(f"没有找到办件“{shown}”。", field="case_no")
    return case


def push_event(case: Case, data: dict, *, account, known: dict | None = None) -> Outcome:
    """One event of a case as its system recorded it: `external_id` (the system's event id),
    `kind` (EVENT_KINDS), `occurred_at`, and the kind's fields. A retried id returns the event
    first recorded; nothing changes. `known`: the case's events by external id, when the
    caller (a batch) read them already."""
    if not roles.may_record_cases_for(account, case.department_id):
        raise PermissionDenied("只能报送本部门办件的事件。")
    _refuse_control_characters(data)
    external_id = _external_id(data.get("external_id"))
    if known is not None:
        recorded = known.get(external_id)
    else:
        recorded = _recorded_event(case, external_id)
    if recorded is not None:
        return _retried(case, external_id, recorded)
    kind = data.get("kind")
    if kind not in EVENT_KINDS:
        raise CaseError("未知的事件种类。", field="kind")
    actor = Actor(
        name=clean_public_text(data.get("handler") or "", 50),
        post=clean_public_text(data.get("post") or "", 100),
        channel=Channel.SYSTEM, occurred_at=data.get("occurred_at"), external_id=external_id,
        account=account,
    )  # fmt: skip
    try:
        changed = _apply(case, kind, data, actor)
    except PermissionDenied as error:
        _refused(case, kind, external_id, error, account)
        raise
    except (CaseError, IntegrityError) as error:
        # The same event pushed twice at once: the first one recorded it, the second met the
        # changed case (or the unique constraint case_event_external_id_unique).
        recorded = _recorded_event(case, external_id)
        if recorded is not None:
            return _retried(case, external_id, recorded)
        if isinstance(error, IntegrityError):
            raise CaseError("该办件刚刚已被他人处理，请重试。", code="conflict") from error
        _refused(case, kind, external_id, error, account)
        raise
    return Outcome(changed, created=True, seq=changed.version, kind=kind,
                   occurred_at=data.get("occurred_at"), external_id=external_id)  # fmt: skip


def _refused(case: Case, kind: str, external_id: str, error: Exception, account) -> None:
    """Tell supervision that the flow refused a system's event (signals.push_refused)."""
    signals.push_refused.send(sender=Case, case=case, kind=kind, external_id=external_id,
                              error=error, account=account)  # fmt: skip


def _recorded_event(case: Case, external_id: str) -> tuple | None:
    event = CaseEvent.objects.filter(case=case, external_id=external_id).first()
    return None if event is None else _recorded(event)


def _recorded(event: CaseEvent) -> tuple:
    """(seq, kind as pushed, occurred_at) of a recorded event, as a retry answers it."""
    return event.seq, _push_kind(event), event.occurred_at


def _retried(case: Case, external_id: str, recorded: tuple) -> Outcome:
    seq, kind, occurred_at = recorded
    fresh = Case.objects.get(pk=case.pk)
    return Outcome(fresh, created=False, seq=seq, kind=kind, occurred_at=occurred_at,
                   external_id=external_id)  # fmt: skip


def _push_kind(event: CaseEvent) -> str:
    from .models import EventKind

    return {
        EventKind.ACCEPTED: "accept", EventKind.REJECTED: "reject",
        EventKind.STEP_COMPLETED: "complete_step", EventKind.FINISHED: "complete_step",
        EventKind.CORRECTION_REQUESTED: "correction_request",
        EventKind.CORRECTION_RECEIVED: "correction_received",
        EventKind.SPECIAL_STARTED: "special_start", EventKind.SPECIAL_ENDED: "special_end",
        EventKind.EXTENDED: "extend", EventKind.RETURNED: "return",
        EventKind.WITHDRAWN: "withdraw", EventKind.FEE_RECORDED: "fee",
    }.get(event.kind, event.kind)  # fmt: skip


def _text(data, name) -> str:
    return str(data.get(name) or "")


def _apply(case: Case, kind: str, data: dict, actor: Actor) -> Case:
    if kind == "accept":
        return services.case_accept(case, actor=actor, materials=data.get("materials") or ())
    if kind == "reject":
        return services.case_reject(case, actor=actor, reason=_text(data, "reason"))
    if kind == "complete_step":
        position = data.get("position")
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            raise CaseError("请写明完成的是第几个环节（position，从 1 起）。", field="position")
        return services.step_complete(
            case, actor=actor, position=position - 1, opinion=_text(data, "opinion"),
            result=_text(data, "result"), result_description=_text(data, "result_description"),
        )  # fmt: skip
    if kind == "correction_request":
        return services.correction_request(case, actor=actor, items=_text(data, "items"))
    if kind == "correction_received":
        return services.correction_received(case, actor=actor, note=_text(data, "note"))
    if kind == "special_start":
        return services.special_start(case, actor=actor, procedure=_text(data, "procedure"),
                                      reason=_text(data, "reason"))  # fmt: skip
    if kind == "special_end":
        return services.special_end(case, actor=actor, result=_text(data, "result"))
    if kind == "extend":
        actor.name, actor.post = _approver(case, data.get("approver") or {})
        return services.extension_grant(case, actor=actor, days=data.get("days"),
                                        reason=_text(data, "reason"))  # fmt: skip
    if kind in ("return", "withdraw"):
        state = State.RETURNED if kind == "return" else State.WITHDRAWN
        return services.case_close(case, actor=actor, state=state, reason=_text(data, "reason"))
    # fee
    return services.fee_record(
        case,
        actor=actor,
        due=data.get("fee_due"),
        paid=data.get("fee_paid"),
        waived=data.get("fee_waived"),
    )


def _approver(case: Case, approver: dict) -> tuple[str, str]:
    """延期 pushed by a system: the head who approved it, by name and by a head's post (负责人岗位)
    the department keeps here."""
    name = clean_public_text(approver.get("name") or "", 50)
    post = clean_public_text(approver.get("post") or "", 100)
    if not name or not post:
        raise CaseError("延期须经部门负责人批准：请写明批准人的姓名和岗位（approver）。",
                        field="approver")  # fmt: skip
    if not Post.objects.filter(department_id=case.department_id, name=post, is_head=True).exists():
        heads = Post.objects.filter(department_id=case.department_id, is_head=True)
        names = "、".join(heads.values_list("name", flat=True)[:5]) or "（本部门尚未设负责人岗位）"
        raise CaseError(
            f"延期须经部门负责人批准：“{post}”不是本部门的负责人岗位。负责人岗位：{names}。",
            field="approver",
        )
    return name, post


# --- a batch --------------------------------------------------------------------------------


def push_batch(items: list[dict], *, account) -> list[Outcome | Exception]:
    """Up to MAX_BATCH items, each {"case": {...}} or {"event": {...}, "case_no" or
    "case_external_id"}, applied in order, each in its own transaction: the answer for each is
    its Outcome or the exception that refused it (the others go on). The working calendar is
    read once and the public pages made stale once for the whole batch.

    settings.CASES_BATCH_COMMIT: "item" (the default) commits each item on its own; "batch"
    commits the batch once, each item in its own savepoint (still refused or applied alone),
    three times faster on PostgreSQL (one WAL flush instead of one per item), at the price of
    holding the batch's case locks until its end and losing the whole batch on a crash (the
    system pushes it again: idempotent).

    A run of complete_step events (the bulk of what systems push) goes through
    services.steps_complete_many: the same rules, checked in memory, written set-based (one
    lock statement, one read of steps, one bulk write). settings.CASES_BATCH_STEPS = "item"
    pushes them one by one instead (the benchmark's baseline)."""
    if len(items) > MAX_BATCH:
        raise CaseError(f"一次最多报送 {MAX_BATCH} 项。", field="items")
    results: list[Outcome | Exception] = []
    set_based = getattr(settings, "CASES_BATCH_STEPS", "set") == "set"
    # Set-based, steps_complete_many reads the recorded events itself, under its lock.
    steps_only = set_based and all(_is_step(item) for item in items)
    cases, events = _preload(items, account, events=not steps_only)
    one_commit = getattr(settings, "CASES_BATCH_COMMIT", "item") == "batch"
    # The pages are made stale when services.batch() ends: after the commit.
    with services.batch(), transaction.atomic() if one_commit else nullcontext():
        _powers.found = {}
        try:
            index = 0
            while index < len(items):
                end = index
                while set_based and end < len(items) and _is_step(items[end]):
                    end += 1
                if end > index:
                    results.extend(_push_steps(items[index:end], account, cases, events))
                    index = end
                else:
                    results.append(_push_one(items[index], account, cases, events))
                    index += 1
        finally:
            _powers.found = None
    return results


def _push_one(item, account, cases, events) -> Outcome | Exception:
    try:
        return _push_item(item, account, cases, events)
    except (CaseError, ApplicantError, IngestError, PermissionDenied) as error:
        return error
    except (DataError, OverflowError) as error:
        logger.info("batch item refused by the database: %s", error)
        return CaseError("内容超出范围或含有不允许的字符，未作修改。", code="invalid")
    except OperationalError as error:  # a deadlock victim (CASES_BATCH_COMMIT = "batch")
        logger.info("batch item met a concurrent change: %s", error)
        return CaseError("该办件刚刚已被他人处理，请重试。", code="conflict")


def _preload(items, account, *, events=True) -> tuple[dict, dict]:
    """The cases the batch's events name and (with `events`) the events already recorded
    under the batch's event ids, each in one query rather than one per item."""
    numbers = {clean_public_text(item.get("case_no"), 20) for item in items} - {""}
    externals = {
        clean_public_text(item.get("case_external_id") or "", 64)
        for item in items
        if item.get("event") is not None and not item.get("case_no")
    } - {""}
    cases: dict[tuple[str, str], Case] = {}
    if numbers:
        for case in Case.objects.filter(case_no__in=numbers):
            cases[("case_no", case.case_no)] = case
    if externals:
        found = Case.objects.filter(external_id__in=externals)
        if not roles.sees_all_departments(account):
            found = found.filter(department_id__in=roles.department_ids_of(account))
        seen = set()
        for case in found:
            key = ("external_id", case.external_id)
            if key in seen:  # two departments': find_case says which to name
                cases.pop(key, None)
                continue
            seen.add(key)
            cases[key] = case
    # Events: for each preloaded case, its recorded events among the batch's ids (a case not
    # preloaded, one created by this batch, is asked one event at a time).
    known: dict[int, dict[str, tuple]] = {case.pk: {} for case in cases.values()}
    if not events:
        return cases, known
    event_ids = {
        clean_public_text((item.get("event") or {}).get("external_id") or "", 64)
        for item in items
        if item.get("event") is not None
    } - {""}
    if event_ids and known:
        for event in CaseEvent.objects.filter(case_id__in=known, external_id__in=event_ids):
            known[event.case_id][event.external_id] = _recorded(event)
    return cases, known


def _push_item(item: dict, account, cases: dict, events: dict) -> Outcome:
    if item.get("case") is not None:
        outcome = push_case(item["case"], account=account)
        cases[("external_id", outcome.case.external_id)] = outcome.case
        cases[("case_no", outcome.case.case_no)] = outcome.case
        return outcome
    case_no, external_id = item.get("case_no") or "", item.get("case_external_id") or ""
    key = ("case_no", case_no) if case_no else ("external_id", external_id)
    case = cases.get(key)
    if case is None:
        case = find_case(case_no=case_no, external_id=external_id, account=account)
        cases[key] = case
    known = events.get(case.pk)
    outcome = push_event(case, item.get("event") or {}, account=account, known=known)
    cases[key] = outcome.case
    if known is not None and outcome.seq is not None:
        # Recorded now (or found): a repeat later in the batch is a retry.
        known.setdefault(outcome.external_id, (outcome.seq, outcome.kind, outcome.occurred_at))
    return outcome


def _is_step(item: dict) -> bool:
    event = item.get("event")
    return (
        item.get("case") is None
        and isinstance(event, dict)
        and event.get("kind") == ("complete_step")
    )


def _push_steps(run: list[dict], account, cases: dict, events: dict) -> list:
    """A run of complete_step events of a batch: each checked as push_event checks it (the
    case, the department, the text, the ids, a retry), then all completed at once by
    services.steps_complete_many. When the database refuses the writes (a concurrent batch
    recorded one of the ids first), the run is pushed again one item at a time, where each
    retried id is answered as such."""
    answers: list = [None] * len(run)
    pushes, places = [], []
    for index, item in enumerate(run):
        try:
            push = _step_push(item, account, cases, events)
        except (CaseError, ApplicantError, IngestError, PermissionDenied) as error:
            answers[index] = error
            continue
        if isinstance(push, Outcome):
            answers[index] = push
        else:
            pushes.append(push)
            places.append(index)
    try:
        done = services.steps_complete_many(pushes)
    except services.BatchRace as error:
        logger.info("batch of steps met a concurrent change, pushed one by one: %s", error)
        for index in places:
            answers[index] = _push_one(run[index], account, cases, events)
        return answers
    for index, push, answer in zip(places, pushes, done, strict=True):
        if isinstance(answer, Exception):
            answers[index] = answer
            _refused(push.case, "complete_step", push.actor.external_id, answer, account)
            continue
        data = run[index].get("event") or {}
        external_id = push.actor.external_id
        if answer.created:
            outcome = Outcome(
                answer.case, created=True, seq=answer.seq, kind="complete_step",
                occurred_at=data.get("occurred_at"), external_id=external_id,
            )  # fmt: skip
        else:
            outcome = Outcome(
                answer.case, created=False, seq=answer.seq,
                kind=_push_kind(CaseEvent(kind=answer.kind)),
                occurred_at=answer.occurred_at, external_id=external_id,
            )  # fmt: skip
        answers[index] = outcome
        item = run[index]
        key = _key(item)
        cases[key] = answer.case
        known = events.setdefault(answer.case.pk, {})
        known.setdefault(external_id, (outcome.seq, outcome.kind, outcome.occurred_at))
    return answers


def _key(item: dict) -> tuple[str, str]:
    case_no, external_id = item.get("case_no") or "", item.get("case_external_id") or ""
    return ("case_no", case_no) if case_no else ("external_id", external_id)


def _step_push(item: dict, account, cases: dict, events: dict):
    """The checks push_event makes before the flow's own (which services make): a StepPush,
    or the Outcome of a retry already known to the batch."""
    case_no, external_id = item.get("case_no") or "", item.get("case_external_id") or ""
    key = _key(item)
    case = cases.get(key)
    if case is None:
        case = find_case(case_no=case_no, external_id=external_id, account=account)
        cases[key] = case
    data = item.get("event") or {}
    if not roles.may_record_cases_for(account, case.department_id):
        raise PermissionDenied("只能报送本部门办件的事件。")
    _refuse_control_characters(data)
    event_id = _external_id(data.get("external_id"))
    recorded = (events.get(case.pk) or {}).get(event_id)
    if recorded is not None:
        return _retried(case, event_id, recorded)
    position = data.get("position")
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise CaseError("请写明完成的是第几个环节（position，从 1 起）。", field="position")
    actor = Actor(
        name=clean_public_text(data.get("handler") or "", 50),
        post=clean_public_text(data.get("post") or "", 100),
        channel=Channel.SYSTEM, occurred_at=data.get("occurred_at"), external_id=event_id,
        account=account,
    )  # fmt: skip
    return services.StepPush(
        case, actor, position - 1, opinion=_text(data, "opinion"), result=_text(data, "result"),
        result_description=_text(data, "result_description"),
    )  # fmt: skip
