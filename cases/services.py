"""Every write of a case: its creation by each of the three ways in (window, online application,
business system or 补录), each step, 补正, 特别程序, 延期, the outcome, 公示, fees. The admin, the
hall's views, the API and the spreadsheet import call these; nothing else writes a case.

Each change is one transaction: the case row is locked, its version checked (two handlers
completing the same step: the first wins, the second gets CaseError), the change applied and one
event appended to the log (CaseEvent, seq = the case's new version). A refused change raises
CaseError (Chinese) or PermissionDenied and writes nothing.

A step's rules live once, in _step_apply (checked and applied in memory): step_complete writes
one case with them, steps_complete_many a business system's batch, set-based.
"""

from __future__ import annotations

import datetime
import secrets
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import Revision

from access import roles
from access.scoping import may_handle
from catalogue.models import DepartmentPage, PowerPage
from common import pagecache, ratelimit
from common.text import clean_public_text
from feedback.models import Feedback, Kind
from feedback.services import AlreadyRated, Submission, feedback_submit
from workdays.calendar import WorkCalendar

from . import deadlines, numbers, signals
from .applicants import Applicant
from .models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseStep,
    Channel,
    ClockStop,
    EventKind,
    Result,
    SpecialProcedure,
    State,
    WithholdReason,
    post_names,
)

APPLICANT_POST = "申请人"
# Allowance for clocks of business systems a little ahead of ours.
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_EXTENSION_DAYS = 30
MAX_FEE = Decimal("1000000000")


class CaseError(ValueError):
    """A change the case's flow or rules do not allow, or bad data; the message is Chinese.
    `code` is stable for the API (conflict, invalid, order, ...)."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        self.code, self.field = code, field
        super().__init__(message)


@dataclass
class Actor:
    """Who makes a change: a member of staff (`user`), or an official named by a business
    system or a recorded case (`name`, `post`), or the applicant (neither)."""

    user: object = None
    name: str = ""
    post: str = ""
    channel: str = Channel.WINDOW
    # When it happened (补录 and pushes); now when None.
    occurred_at: datetime.datetime | None = None
    external_id: str = ""  # the business system's id of this event
    # The staff account that records what a named official did: a business system's API
    # token, the clerk of a 补录. Its department scope is checked; the log keeps it.
    account: object = None

    @property
    def recorder(self):
        return self.user if self.user is not None else self.account

    @property
    def label(self) -> str:
        if self.user is not None:
            return (self.user.get_full_name() or self.user.get_username())[:50]
        return self.name[:50]


@dataclass
class Opened:
    """A new case and the password printed on its receipt (shown once, stored hashed)."""

    case: Case
    password: str
    created: bool = True  # False: a business system's retried push of a case it had sent
    warnings: list[str] = field(default_factory=list)


# --- reading the flow -----------------------------------------------------------------------


# A revision never changes: its steps are read once per process (bounded). Keyed with the time
# of publication too: SQLite may give a deleted revision's id to a new one.
_FLOWS: OrderedDict[tuple, list[dict]] = OrderedDict()
_FLOWS_KEPT = 4096


def power_flow(power: PowerPage) -> tuple[int, list[dict]]:
    """The id of the live revision of a published power and its steps, as a case copies them
    (read once per revision and process: revisions never change)."""
    if not power.live or power.live_revision_id is None:
        raise CaseError("该事项尚未发布，不能办理。", code="not_live", field="power")
    revision_id = power.live_revision_id
    key = (revision_id, power.last_published_at)
    steps = _FLOWS.get(key)
    if steps is None:
        steps = _steps_of(Revision.objects.get(pk=revision_id))
        _FLOWS[key] = steps
        while len(_FLOWS) > _FLOWS_KEPT:
            _FLOWS.popitem(last=False)
    if not steps:
        raise CaseError("该事项尚未公布办理流程，不能受理办件。", code="no_flow", field="power")
    return revision_id, steps


def _steps_of(revision) -> list[dict]:
    live = revision.as_object()
    return [
        {
            "name": block.value["name"],
            "posts": block.value.get("post") or "",
            "time_limit": block.value.get("time_limit"),
            "description": block.value.get("description") or "",
        }
        for block in live.steps
    ]


def _department_of(power: PowerPage) -> DepartmentPage:
    path = power.path[: -PowerPage.steplen]
    if getattr(_batch, "active", False):
        if path not in _batch.departments:
            _batch.departments[path] = DepartmentPage.objects.get(path=path)
        return _batch.departments[path]
    return DepartmentPage.objects.get(path=path)


def acceptance_position(case: Case) -> int:
    """The step that acceptance completes: the first one not the applicant's own."""
    for step in case.steps_list:
        if not step.by_applicant:
            return step.position
    return 0


# --- who may act ----------------------------------------------------------------------------


def holds_post(user, case: Case, step: CaseStep) -> bool:
    """Whether `user` holds one of the posts the step names in the case's department."""
    if user is None or not roles.is_active_staff(user):
        return False
    wanted = set(step.post_names)
    return bool(wanted & set(roles.posts_of(user, case.department_id)))


def _require_staff(actor: Actor, case: Case):
    recorder = actor.recorder
    if recorder is not None and not may_handle(recorder, case):
        raise PermissionDenied("只能办理本部门的办件。")


def _require_post(actor: Actor, case: Case, step: CaseStep):
    if actor.user is None:
        if not actor.name:
            raise CaseError("请写明办理人姓名。", field="handler_name")
        return
    if not holds_post(actor.user, case, step):
        raise PermissionDenied(f"“{step.name}”环节由{step.posts or '指定岗位'}办理，您不在该岗位。")


def _require_head(actor: Actor, case: Case, what: str):
    if actor.user is not None and not roles.is_department_head(actor.user, case.department_id):
        raise PermissionDenied(f"{what}须经部门负责人批准。")


# --- the one way a change is written ---------------------------------------------------------


def _when(actor: Actor, case: Case | None = None) -> datetime.datetime:
    when = _occurred(actor)
    if case is not None:
        _in_order(when, last_event_at(case))
    return when


def _occurred(actor: Actor) -> datetime.datetime:
    """When the change happened (now, or as pushed/recorded): never in the future."""
    now = timezone.now()
    when = actor.occurred_at or now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + CLOCK_SKEW:
        raise CaseError("发生时间不能晚于现在。", code="future", field="occurred_at")
    return when


def last_event_at(case: Case):
    """When the case's last event happened (None before its first)."""
    return case.events.order_by("-seq").values_list("occurred_at", flat=True).first()


def _in_order(when, last) -> None:
    """Events come in the order they happened: none before the case's last one."""
    if last is not None and when < last:
        raise CaseError(
            f"发生时间早于该办件上一个事件（{timezone.localtime(last):%Y-%m-%d %H:%M}），"
            "事件须按发生顺序报送。",
            code="order", field="occurred_at",
        )  # fmt: skip


def _locked(case: Case, version: int | None = None) -> Case:
    """The case as it is now, its row locked for this transaction; CaseError when someone else
    changed it since the caller read it (`version`)."""
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and fresh.version != version:
        raise CaseError("该办件刚刚已被他人处理，请刷新后查看最新状态。", code="conflict")
    return fresh


def _write(case: Case, actor: Actor, kind: str, when, *, step=None, data=None, fields=()):
    """Save the changed `fields` of the locked case with its version moved on, and append one
    event. A concurrent change of the same case makes the conditional update miss: CaseError."""
    values = {name: getattr(case, name) for name in fields}
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        **values, version=F("version") + 1
    )
    if not updated:
        raise CaseError("该办件刚刚已被他人处理，请刷新后查看最新状态。", code="conflict")
    case.version += 1
    event = CaseEvent.objects.create(
        case=case, seq=case.version, kind=kind, occurred_at=when, actor=actor.recorder,
        actor_name=actor.label, channel=actor.channel, step=step,
        external_id=actor.external_id, data=data or {},
    )  # fmt: skip
    signals.events_recorded.send(sender=Case, events=[event])
    return event


_batch = threading.local()


@contextmanager
def batch():
    """Many changes in a row (a business system's batch push, an import): the working calendar
    is read once, and the public pages the changes touch are made stale once, at the end,
    instead of once per change. Each change is still its own transaction."""
    if getattr(_batch, "active", False):
        yield
        return
    _batch.active, _batch.calendar, _batch.paths = True, None, set()
    _batch.departments, _batch.power_urls = {}, {}
    try:
        yield
    finally:
        paths = _batch.paths
        _batch.active, _batch.calendar, _batch.paths = False, None, set()
        _batch.departments, _batch.power_urls = {}, {}
        if paths:
            pagecache.invalidate_paths(sorted(paths))


def _calendar() -> WorkCalendar:
    """The working calendar (China's holidays and the overrides entered), once per batch."""
    if getattr(_batch, "active", False):
        if _batch.calendar is None:
            _batch.calendar = WorkCalendar.load()
        return _batch.calendar
    return WorkCalendar.load()


def _power_url(power_id) -> str:
    """The power page's address (remembered for a batch)."""
    known = getattr(_batch, "power_urls", None) if getattr(_batch, "active", False) else None
    if known is not None and power_id in known:
        return known[power_id]
    power = PowerPage.objects.filter(pk=power_id).only("url_path", "path", "depth").first()
    url = (power.url or "") if power is not None else ""
    if known is not None:
        known[power_id] = url
    return url


def _pages_changed(case: Case):
    """办件公示 and its power's page (its figures) are served fresh; in a
    batch, once at its end."""
    # A case's own page is rendered live (cases.views.case_detail): nothing to make stale.
    paths = ["/cases/", f"/p/{case.power_code}/", "/api/v3/cases/"]
    url = _power_url(case.power_id)
    if url:
        paths.append(url)
    if getattr(_batch, "active", False):
        _batch.paths.update(paths)
        return
    pagecache.invalidate_paths(paths)


# --- opening a case -------------------------------------------------------------------------


def _new_case(power, applicant: Applicant, actor: Actor, when, *, state, external_id=""):
    revision_id, flow = power_flow(power)
    department = _department_of(power)
    password = numbers.new_password()
    case = Case(
        channel=actor.channel, external_id=external_id, power=power, revision_id=revision_id,
        department=department, power_code=power.code, power_name=power.title[:255],
        power_type=power.power_type, promised_days=power.promised_time_limit,
        legal_days=power.legal_time_limit, applicant_type=applicant.type,
        applicant_name=applicant.name, applicant_public_name=applicant.public_name,
        applicant_id_type=applicant.id_type, applicant_id_no=applicant.id_no,
        contact_name=applicant.contact_name, contact_phone=applicant.contact_phone,
        address=applicant.address, state=state, submitted_at=when, version=0,
    )  # fmt: skip
    for _attempt in range(8):
        case.case_no = numbers.new_case_no(when)
        case.password_hash = numbers.password_hash(case.case_no, password)
        try:
            with transaction.atomic():
                case.save()
            break
        except IntegrityError as error:
            if (
                external_id
                and Case.objects.filter(department=department, external_id=external_id).exists()
            ):
                raise CaseError("该业务系统流水号已报送。", code="duplicate") from error
    else:  # pragma: no cover - 887 million numbers a day
        raise CaseError("无法生成唯一的办件编号，请重试。", code="conflict")
    steps = CaseStep.objects.bulk_create(
        CaseStep(
            case=case,
            position=index,
            name=step["name"][:100],
            posts=step["posts"][:200],
            time_limit=step["time_limit"],
            description=step["description"][:2000],
            by_applicant=post_names(step["posts"]) == [APPLICANT_POST],
        )  # fmt: skip
        for index, step in enumerate(flow)
    )
    # The new case's steps as if prefetched: the rest of its opening reads them from here.
    prefetched = CaseStep.objects.filter(case=case)
    prefetched._result_cache, prefetched._prefetch_done = steps, True
    case._prefetched_objects_cache = {"steps": prefetched}
    return case, password


def _materials(case: Case, power: PowerPage, received: list[str]):
    names = [block.value["name"] for block in power.materials]
    unknown = [name for name in received if name not in names]
    if unknown:
        raise CaseError(f"不是该事项的申请材料：{'、'.join(unknown)[:200]}", field="materials")
    CaseMaterial.objects.bulk_create(
        CaseMaterial(case=case, name=name[:300], received=name in received) for name in names
    )


def application_submit(power: PowerPage, applicant: Applicant, *, files=(), ip: str = "") -> Opened:
    """网上申报: a citizen applies from the power's page. The case waits for the department
    (待受理); the applicant's own steps (网上申报) are done. `files`: (material name, checked
    upload) pairs from cases.uploads."""
    if power.online_depth < 3:
        raise CaseError("该事项暂不支持网上申报，请到窗口办理。", code="not_online", field="power")
    if power.status != "in_force":
        raise CaseError("该事项已暂停实施或已取消，不能申报。", code="not_in_force", field="power")
    actor = Actor(channel=Channel.ONLINE, name=applicant.name[:50])
    when = timezone.now()
    stored = []  # files written before the transaction ends: removed again if it rolls back
    try:
        with transaction.atomic():
            case, password = _new_case(power, applicant, actor, when, state=State.SUBMITTED)
            _materials(case, power, [])
            uploaded = []
            for name, upload in files:
                material = case.materials.filter(name=name).first()
                if material is None:
                    raise CaseError(f"不是该事项的申请材料：{name[:100]}", field="materials")
                material.file.save(upload.safe_name, upload.file, save=False)
                stored.append(material.file)
                material.content_type, material.size = upload.content_type, upload.size
                material.uploaded_at, material.received = when, True
                material.save()
                uploaded.append(name)
            _applicant_steps_done(case, when)
            _write(case, actor, EventKind.SUBMITTED, when, data={"materials": uploaded},
                   fields=["current_step", "current_posts"])  # fmt: skip
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    return Opened(case, password)


def _applicant_steps_done(case: Case, when):
    position = 0
    for step in case.steps_list:
        if not step.by_applicant:
            break
        step.started_at = step.completed_at = when
        step.handler_name, step.handler_post = "申请人", APPLICANT_POST
        step.save(update_fields=["started_at", "completed_at", "handler_name", "handler_post"])
        position = step.position + 1
    case.current_step = position
    case.current_posts = case.steps_list[acceptance_position(case)].posts


def window_open(power: PowerPage, applicant: Applicant, *, user, materials=()) -> Opened:
    """窗口受理: the window accepts an application in person. The case starts accepted."""
    actor = Actor(user=user, channel=Channel.WINDOW)
    department = _department_of(power)
    if not roles.is_active_staff(user) or department.pk not in roles.department_ids_of(user):
        raise PermissionDenied("只能受理本部门的事项。")
    with transaction.atomic():
        when = _when(actor)
        case, password = _new_case(power, applicant, actor, when, state=State.SUBMITTED)
        _materials(case, power, list(materials))
        _applicant_steps_done(case, when)
        _write(case, actor, EventKind.SUBMITTED, when, fields=["current_step", "current_posts"])
        case = _accept(case, actor, when)
    return Opened(case, password)


def case_record(
    power: PowerPage, applicant: Applicant, *, actor: Actor, external_id: str = "",
    accepted_by: Actor | None = None, materials=(),
) -> Opened:  # fmt: skip
    """A case that a department's own system pushes (channel 部门业务系统) or that is recorded
    afterwards (补录): submitted when `actor.occurred_at` says, accepted by the named official
    of `accepted_by` (with its own time) when given. With `external_id` (申办流水号) the push is
    idempotent: the same id again returns the case first created (created=False), unchanged."""
    external_id = clean_public_text(external_id, 64)
    department = _department_of(power)
    recorder = actor.recorder
    if recorder is None or not roles.may_record_cases_for(recorder, department.pk):
        raise PermissionDenied("只能报送本部门事项的办件。")
    if external_id:
        existing = Case.objects.filter(department=department, external_id=external_id).first()
        if existing is not None:
            return Opened(existing, "", created=False)
    with transaction.atomic():
        when = _when(actor)
        case, password = _new_case(power, applicant, actor, when, state=State.SUBMITTED,
                                   external_id=external_id)  # fmt: skip
        _materials(case, power, list(materials))
        _applicant_steps_done(case, when)
        _write(case, actor, EventKind.SUBMITTED, when, fields=["current_step", "current_posts"])
        if accepted_by is not None:
            accepted_by.account = accepted_by.account or recorder
            accepted_by.channel = actor.channel
            case = _accept(case, accepted_by, _when(accepted_by, case))
    return Opened(case, password)


def case_accept(case: Case, *, actor: Actor, version=None, materials=()) -> Case:
    """受理: completes the acceptance step; the promised limit starts today."""
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state != State.SUBMITTED:
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能受理。", code="state")
        when = _when(actor, case)
        if materials:
            case.materials.filter(name__in=list(materials)).update(received=True)
        return _accept(case, actor, when)


def _accept(case: Case, actor: Actor, when) -> Case:
    steps = case.steps_list
    step = steps[acceptance_position(case)]
    _require_post(actor, case, step)
    calendar = _calendar()
    today = timezone.localdate(when)
    case.state, case.accepted_at = State.IN_PROGRESS, when
    case.accepted_by, case.accepted_by_name = actor.user, actor.label
    case.due_on = (
        None if case.promised_days is None
        else deadlines.due_date(calendar, today, case.promised_days).on
    )  # fmt: skip
    case.public, case.published_at = not case.withheld, when
    _complete(step, actor, when, "受理", calendar)
    case.current_step = step.position + 1
    _start_next(case, steps, when, calendar)
    _write(case, actor, EventKind.ACCEPTED, when, step=step.position,
           data={"due_on": case.due_on.isoformat() if case.due_on else None},
           fields=["state", "accepted_at", "accepted_by", "accepted_by_name", "due_on", "public",
                   "published_at", "current_step", "current_posts"])  # fmt: skip
    _pages_changed(case)
    return case


def _complete(step: CaseStep, actor: Actor, when, opinion: str, calendar):
    _complete_in_memory(step, actor, when, opinion, calendar)
    step.save()


def _complete_in_memory(step: CaseStep, actor: Actor, when, opinion: str, calendar):
    if step.started_at is None:
        step.started_at = when
        step.due_on = calendar.add_working_days(timezone.localdate(when), step.time_limit or 0)
    step.completed_at, step.completed_by = when, actor.user
    step.handler_name = actor.label
    step.handler_post = actor.post or _post_of(actor, step)
    step.opinion = opinion


def _post_of(actor: Actor, step: CaseStep) -> str:
    if actor.user is None:
        return step.post_names[0] if step.post_names else ""
    held = set(roles.posts_of(actor.user, step.case.department_id))
    return next((name for name in step.post_names if name in held), "")[:100]


def _start_next(case: Case, steps, when, calendar):
    step = _start_next_in_memory(case, steps, when, calendar)
    if step is not None:
        step.save(update_fields=["started_at", "due_on"])


def _start_next_in_memory(case: Case, steps, when, calendar) -> CaseStep | None:
    case.current_posts = ""
    if case.current_step < len(steps):
        step = steps[case.current_step]
        case.current_posts = step.posts
        step.started_at = when
        if step.time_limit is not None:
            step.due_on = calendar.add_working_days(timezone.localdate(when), step.time_limit)
        return step
    return None


def case_reject(case: Case, *, actor: Actor, reason: str, version=None) -> Case:
    """不予受理, with the reason the applicant is told."""
    reason = clean_public_text(reason, 1000, multiline=True)
    if not reason:
        raise CaseError("不予受理须写明理由。", field="reason")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state != State.SUBMITTED:
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能不予受理。", code="state")
        when = _when(actor, case)
        _require_post(actor, case, case.steps_list[acceptance_position(case)])
        case.state, case.rejection_reason, case.finished_at = State.REJECTED, reason, when
        case.public, case.published_at = not case.withheld, when
        case.current_posts = ""
        fields = ["state", "rejection_reason", "finished_at", "public", "published_at",
                  "current_posts"]  # fmt: skip
        _write(case, actor, EventKind.REJECTED, when, data={"reason": reason}, fields=fields)
    _pages_changed(case)
    return case


# --- the steps ------------------------------------------------------------------------------


def step_complete(
    case: Case, *, actor: Actor, position: int, opinion: str = "", result: str = "",
    result_description: str = "", version=None,
) -> Case:  # fmt: skip
    """Complete the step at `position` (it must be the current one) with its opinion. The last
    step needs the result (准予 / 不予 / 部分准予) and finishes the case (办结)."""
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        steps = case.steps_list
        done = _step_apply(
            case, steps, actor, position, opinion, result, result_description,
            last_at=lambda: last_event_at(case),
        )  # fmt: skip
        for step in done.steps:
            step.save(update_fields=STEP_FIELDS)
        _write(case, actor, done.kind, done.when, step=position, data=done.data,
               fields=done.fields)  # fmt: skip
    _pages_changed(case)
    return case


STEP_FIELDS = ["started_at", "due_on", "completed_at", "completed_by", "handler_name",
               "handler_post", "opinion"]  # fmt: skip


@dataclass
class _StepDone:
    """A step completed in memory: the steps changed, the case's fields changed, the event."""

    steps: list
    fields: list
    kind: str
    when: datetime.datetime
    data: dict


def _step_apply(case, steps, actor, position, opinion, result, result_description, *,
                last_at) -> _StepDone:  # fmt: skip
    """The rules of completing a step, checked and applied to the locked case and its steps
    in memory; nothing is written (the caller writes: step_complete one case, steps_complete_many
    a batch). `last_at`: the time of the case's last event (a callable: read only when needed).
    CaseError or PermissionDenied when refused; then the case and steps are unchanged."""
    opinion = clean_public_text(opinion, 2000, multiline=True)
    if case.state != State.IN_PROGRESS:
        raise CaseError(f"办件当前为“{case.get_state_display()}”，不能办理环节。", code="state")
    if position != case.current_step:
        if position < case.current_step and 0 <= position < len(steps):
            done = steps[position]
            raise CaseError(f"“{done.name}”环节已由{done.handler_name or '他人'}办理完毕。",
                            code="conflict")  # fmt: skip
        expected = steps[case.current_step].name if case.current_step < len(steps) else "办结"
        raise CaseError(f"环节须按顺序办理，当前应办理“{expected}”。", code="order")
    step = steps[position]
    _require_post(actor, case, step)
    when = _occurred(actor)
    _in_order(when, last_at())
    last = position == len(steps) - 1
    if last and result not in Result.values:
        raise CaseError("最后一个环节须选择办结结果：准予、不予或部分准予。", field="result")
    if last and result in (Result.DENIED, Result.PARTIAL) and not result_description.strip():
        raise CaseError("不予或部分准予须写明理由。", field="result_description")
    calendar = _calendar()
    _complete_in_memory(step, actor, when, opinion, calendar)
    case.current_step = position + 1
    changed = [step]
    following = _start_next_in_memory(case, steps, when, calendar)
    if following is not None:
        changed.append(following)
    fields = ["current_step", "current_posts"]
    data = {"step": step.name, "opinion": opinion}
    if last:
        fields += _finish(case, when, result, result_description, calendar)
        data.update(result=result)
    kind = EventKind.FINISHED if last else EventKind.STEP_COMPLETED
    return _StepDone(changed, fields, kind, when, data)


@dataclass
class StepPush:
    """One step completion of a batch: the case, who (an Actor with the system's event id in
    `external_id` and the time in `occurred_at`), the step (0-based) and what was decided."""

    case: Case
    actor: Actor
    position: int
    opinion: str = ""
    result: str = ""
    result_description: str = ""


@dataclass
class StepPushed:
    """What a StepPush did: the case (as the batch left it), the event's seq, kind and time;
    `created` False for a retried event id (nothing written)."""

    case: Case
    created: bool
    seq: int
    kind: str
    occurred_at: datetime.datetime


class BatchRace(Exception):
    """steps_complete_many met a concurrent writer at the database (a unique constraint, a
    deadlock): nothing of the batch was written; the caller pushes its items one by one."""


def steps_complete_many(pushes: list[StepPush]) -> list[StepPushed | Exception]:
    """Complete many steps at once (a business system's batch), with the rules of
    step_complete (_step_apply), set-based: one transaction that locks all the batch's cases
    in one statement ordered by id (no deadlock between batches), reads their steps, their
    last event times and the events already recorded under the batch's ids in one query each,
    applies the items in order in memory (an item changes its case for the next item of the
    same case), then writes the steps and cases with one bulk update each and the events with
    one insert (seq contiguous per case); the public pages are made stale once.

    The answer for each push, in order: StepPushed (created, or a retried event id: nothing
    written) or the CaseError / PermissionDenied that refused it, as step_complete would have
    said it. BatchRace when the database refused the writes (nothing written)."""
    from django.db import DataError, OperationalError
    from django.db.models import OuterRef, Subquery, prefetch_related_objects

    answers: list[StepPushed | Exception | None] = [None] * len(pushes)
    if not pushes:
        return []
    ids = sorted({push.case.pk for push in pushes})
    with batch():
        try:
            with transaction.atomic():
                locked = Case.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                cases = {case.pk: case for case in locked}
                steps: dict[int, list[CaseStep]] = {pk: [] for pk in cases}
                rows = CaseStep.objects.filter(case_id__in=ids).order_by("case_id", "position")
                for step in rows:
                    step.case = cases[step.case_id]
                    steps[step.case_id].append(step)
                last_event = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-seq")
                last = dict(
                    Case.objects.filter(pk__in=ids)
                    .annotate(last=Subquery(last_event.values("occurred_at")[:1]))
                    .values_list("pk", "last")
                )
                wanted = {push.actor.external_id for push in pushes} - {""}
                recorded = {}
                if wanted:
                    for event in CaseEvent.objects.filter(
                        case_id__in=ids, external_id__in=wanted
                    ).only("case_id", "external_id", "seq", "kind", "occurred_at"):
                        key = (event.case_id, event.external_id)
                        recorded[key] = (event.seq, event.kind, event.occurred_at)
                if any(push.position == len(steps.get(push.case.pk, ())) - 1 for push in pushes):
                    prefetch_related_objects(list(cases.values()), "clock_stops")
                events, changed_steps, changed_fields = [], {}, {}
                for index, push in enumerate(pushes):
                    case = cases.get(push.case.pk)
                    if case is None:
                        answers[index] = CaseError("没有找到该办件。", code="not_found")
                        continue
                    key = (case.pk, push.actor.external_id)
                    if push.actor.external_id and key in recorded:
                        seq, kind, when = recorded[key]
                        answers[index] = StepPushed(case, False, seq, kind, when)
                        continue
                    try:
                        _require_staff(push.actor, case)
                        done = _step_apply(
                            case, steps[case.pk], push.actor, push.position, push.opinion,
                            push.result, push.result_description,
                            last_at=lambda pk=case.pk: last.get(pk),
                        )  # fmt: skip
                    except (CaseError, PermissionDenied) as error:
                        answers[index] = error
                        continue
                    case.version += 1
                    last[case.pk] = done.when
                    events.append(CaseEvent(
                        case=case, seq=case.version, kind=done.kind, occurred_at=done.when,
                        actor=push.actor.recorder, actor_name=push.actor.label,
                        channel=push.actor.channel, step=push.position,
                        external_id=push.actor.external_id, data=done.data,
                    ))  # fmt: skip
                    if push.actor.external_id:
                        recorded[key] = (case.version, done.kind, done.when)
                    for step in done.steps:
                        changed_steps[step.pk] = step
                    changed_fields.setdefault(case.pk, set()).update(done.fields)
                    answers[index] = StepPushed(case, True, case.version, done.kind, done.when)
                if events:
                    _bulk_set(CaseStep, list(changed_steps.values()), STEP_FIELDS)
                    touched = [cases[pk] for pk in changed_fields]
                    fields = sorted(set().union(*changed_fields.values())) + ["version"]
                    _bulk_set(Case, touched, fields)
                    CaseEvent.objects.bulk_create(events)
                    done_steps = {(step.case_id, step.position): step
                                  for step in changed_steps.values()}  # fmt: skip
                    signals.events_recorded.send(sender=Case, events=events, steps=done_steps)
                    for case in touched:
                        _pages_changed(case)
        except (IntegrityError, OperationalError, DataError) as error:
            raise BatchRace(str(error)) from error
    return answers


def _bulk_set(model, objects: list, names: list[str]) -> None:
    """Save `names` of many rows at once: on PostgreSQL one UPDATE … FROM (VALUES …) (Django's
    bulk_update builds a CASE per field and row, slower than the step's own work), elsewhere
    bulk_update."""
    from django.db import connection

    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, names)
        return
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    casts = [pk.db_type(connection)] + [field.db_type(connection) for field in fields]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    columns = [quote(pk.column)] + [quote(field.column) for field in fields]
    params = []
    for obj in objects:
        params.append(obj.pk)
        params += [field.get_db_prep_save(getattr(obj, field.attname), connection)
                   for field in fields]  # fmt: skip
    sets = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
    sql = (
        f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(objects))}) "  # noqa: S608 - names quoted, values bound
        f"AS v ({', '.join(columns)}) WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _finish(case: Case, when, result, description, calendar) -> list[str]:
    case.state, case.finished_at, case.result = State.FINISHED, when, result
    case.result_description = clean_public_text(description, 2000, multiline=True)
    _close_figures(case, timezone.localdate(when), calendar)
    return ["state", "finished_at", "result", "result_description", "working_days_used",
            "on_time"]  # fmt: skip


def _close_figures(case: Case, end: datetime.date, calendar):
    if case.accepted_at is None:
        return
    start = timezone.localdate(case.accepted_at)
    stopped, _lines = deadlines.stopped_working_days(calendar, _stops(case), until=end)
    case.working_days_used = max(0, calendar.working_days_between(start, end) - stopped)
    case.on_time = None if case.due_on is None else end <= case.due_on


def _stops(case: Case):
    """The clock's stops that count: those after acceptance (a 补正 before acceptance stops
    nothing: the clock had not started)."""
    return [
        (
            stop.kind,
            stop.started_on,
            stop.ended_on,
            "补正"
            if stop.kind == ClockStop.Kind.CORRECTION
            else f"特别程序（{stop.get_procedure_display()}）",
        )  # fmt: skip
        for stop in case.clock_stops.all()
        if not stop.before_acceptance
    ]


def due_explained(case: Case) -> deadlines.Due | None:
    """How the case's promised date was computed (None before acceptance)."""
    if case.accepted_at is None:
        return None
    if case.promised_days is None:
        return deadlines.Due(on=None, lines=["该事项未公布承诺办结时限，不计算承诺办结日期。"])
    return deadlines.due_date(
        _calendar(), timezone.localdate(case.accepted_at), case.promised_days,
        extension=case.extension_days, stops=_stops(case), paused=case.paused_since is not None,
    )  # fmt: skip


def _recompute_due(case: Case, calendar) -> None:
    if case.promised_days is None:
        case.due_on = None
        return
    due = deadlines.due_date(calendar, timezone.localdate(case.accepted_at), case.promised_days,
                             extension=case.extension_days, stops=_stops(case))  # fmt: skip
    case.due_on = due.on


# --- 补正, 特别程序, 延期 ------------------------------------------------------------------


def correction_request(case: Case, *, actor: Actor, items: str, version=None) -> Case:
    """补正告知: everything the applicant must bring, told at once (一次性告知). The clock stops
    until the materials arrive. A second request is allowed, and recorded as such."""
    items = clean_public_text(items, 2000, multiline=True)
    if not items:
        raise CaseError("补正告知须一次性列明需要补正的全部内容。", field="items")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state not in (State.SUBMITTED, State.IN_PROGRESS):
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能补正告知。", code="state")
        when = _when(actor, case)
        _require_post(actor, case, _acting_step(case))
        today = timezone.localdate(when)
        ClockStop.objects.create(
            case=case, kind=ClockStop.Kind.CORRECTION, started_on=today, reason=items,
            before_acceptance=case.accepted_at is None,
        )  # fmt: skip
        repeat = case.correction_count >= 1
        case.correction_count += 1
        case.state, case.paused_since = State.CORRECTION, today
        _write(case, actor, EventKind.CORRECTION_REQUESTED, when, step=case.current_step,
               data={"items": items, "repeat": repeat},
               fields=["state", "paused_since", "correction_count"])  # fmt: skip
    _pages_changed(case)
    return case


def correction_received(case: Case, *, actor: Actor, note: str = "", version=None) -> Case:
    """The applicant brought the materials: the clock runs again, the dates move on."""
    return _resume(case, actor, ClockStop.Kind.CORRECTION, State.CORRECTION, note, version,
                   EventKind.CORRECTION_RECEIVED)  # fmt: skip


def special_start(case: Case, *, actor: Actor, procedure: str, reason: str, version=None) -> Case:
    """特别程序 (听证、检验、专家评审…): its time is not counted in the limit."""
    reason = clean_public_text(reason, 2000, multiline=True)
    if procedure not in SpecialProcedure.values:
        raise CaseError("请选择特别程序的种类。", field="procedure")
    if not reason:
        raise CaseError("请写明启动特别程序的理由。", field="reason")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state != State.IN_PROGRESS:
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能启动特别程序。",
                            code="state")  # fmt: skip
        when = _when(actor, case)
        _require_post(actor, case, _acting_step(case))
        today = timezone.localdate(when)
        ClockStop.objects.create(case=case, kind=ClockStop.Kind.SPECIAL, procedure=procedure,
                                 started_on=today, reason=reason)  # fmt: skip
        case.state, case.paused_since = State.SPECIAL, today
        _write(case, actor, EventKind.SPECIAL_STARTED, when, step=case.current_step,
               data={"procedure": procedure, "reason": reason},
               fields=["state", "paused_since"])  # fmt: skip
    _pages_changed(case)
    return case


def special_end(case: Case, *, actor: Actor, result: str, version=None) -> Case:
    return _resume(case, actor, ClockStop.Kind.SPECIAL, State.SPECIAL, result, version,
                   EventKind.SPECIAL_ENDED)  # fmt: skip


def _acting_step(case: Case) -> CaseStep:
    steps = case.steps_list
    if case.current_step < len(steps):
        return steps[case.current_step]
    return steps[-1]


def _resume(case, actor, kind, state, note, version, event_kind):
    note = clean_public_text(note, 2000, multiline=True)
    if kind == ClockStop.Kind.SPECIAL and not note:
        raise CaseError("请写明特别程序的结果。", field="result")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state != state:
            raise CaseError(f"办件当前为“{case.get_state_display()}”。", code="state")
        when = _when(actor, case)
        today = timezone.localdate(when)
        stop = case.clock_stops.filter(kind=kind, ended_on__isnull=True).order_by("-id").first()
        stop.ended_on, stop.result = today, note
        stop.save(update_fields=["ended_on", "result"])
        calendar = _calendar()
        stopped, _lines = deadlines.stopped_working_days(
            calendar, [(kind, stop.started_on, today, "")]
        )
        case.paused_since = None
        case.state = State.IN_PROGRESS if case.accepted_at else State.SUBMITTED
        fields = ["state", "paused_since"]
        if case.accepted_at:
            _recompute_due(case, calendar)
            fields.append("due_on")
            current = case.current
            if current is not None and current.due_on is not None and stopped:
                current.due_on = calendar.add_working_days(current.due_on, stopped)
                current.save(update_fields=["due_on"])
        _write(case, actor, event_kind, when, step=case.current_step,
               data={"note": note, "stopped_days": stopped}, fields=fields)  # fmt: skip
    _pages_changed(case)
    return case


def extension_grant(case: Case, *, actor: Actor, days: int, reason: str, version=None) -> Case:
    """延期 (行政许可法第四十二条): approved by the department's head, with the reason and the
    number of working days; the applicant is told the new date."""
    reason = clean_public_text(reason, 1000, multiline=True)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise CaseError(f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日。", field="days")
    if not reason:
        raise CaseError("延期须写明理由。", field="reason")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        _require_head(actor, case, "延期")
        if case.state not in (State.IN_PROGRESS, State.CORRECTION, State.SPECIAL):
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能延期。", code="state")
        if case.extension_days:
            raise CaseError("该办件已经延期一次，不能再次延期。", code="state")
        when = _when(actor, case)
        case.extension_days = days
        _recompute_due(case, _calendar())
        _write(case, actor, EventKind.EXTENDED, when,
               data={"days": days, "reason": reason,
                     "due_on": case.due_on.isoformat() if case.due_on else None},
               fields=["extension_days", "due_on"])  # fmt: skip
    _pages_changed(case)
    return case


# --- ending otherwise: 退件, 撤回, 作废 ----------------------------------------------------------


def case_close(case: Case, *, actor: Actor, state: str, reason: str, version=None) -> Case:
    """退件 (returned to the applicant), 撤回 (withdrawn at the applicant's request) or 作废 (a
    record made in error; the head's decision; it leaves 公示)."""
    kinds = {State.RETURNED: EventKind.RETURNED, State.WITHDRAWN: EventKind.WITHDRAWN,
             State.VOID: EventKind.VOIDED}  # fmt: skip
    if state not in kinds:
        raise CaseError("无效的操作。", field="state")
    reason = clean_public_text(reason, 1000, multiline=True)
    if not reason:
        raise CaseError("请写明原因。", field="reason")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if state == State.VOID:
            _require_head(actor, case, "作废")
            if case.state == State.VOID:
                raise CaseError("办件已作废。", code="state")
        elif case.state not in OPEN_STATES:
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能{State(state).label}。",
                            code="state")  # fmt: skip
        when = _when(actor, case)
        previous = case.state
        case.state, case.closing_reason, case.current_posts = state, reason, ""
        fields = ["state", "closing_reason", "current_posts"]
        if previous in OPEN_STATES:
            case.finished_at, case.paused_since = when, None
            fields += ["finished_at", "paused_since"]
            case.clock_stops.filter(ended_on__isnull=True).update(ended_on=timezone.localdate(when))
        if state == State.VOID:
            case.public = False
            fields.append("public")
        _write(case, actor, kinds[state], when, data={"reason": reason, "from": previous},
               fields=fields)  # fmt: skip
    _pages_changed(case)
    return case


# --- 公示 and fees --------------------------------------------------------------------------


def publicity_set(case: Case, *, actor: Actor, withhold: bool, reason: str = "", note: str = "",
                  version=None) -> Case:  # fmt: skip
    """Withhold a case from 办件公示 (only for a recorded reason: state or trade secret, privacy),
    or show it again."""
    if withhold and reason not in WithholdReason.values:
        raise CaseError("不予公示须选择原因：涉及国家秘密、商业秘密或个人隐私。", field="reason")
    note = clean_public_text(note, 300)
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.withheld == withhold:
            raise CaseError("办件已经是该公示状态。", code="state")
        when = _when(actor, case)
        case.withheld = withhold
        case.withhold_reason, case.withhold_note = (reason, note) if withhold else ("", "")
        # In 公示 once accepted (or refused), unless withheld; never when void.
        case.public = not withhold and case.state not in (State.SUBMITTED, State.VOID)
        if case.public and case.published_at is None:
            case.published_at = when
        _write(case, actor, EventKind.WITHHELD if withhold else EventKind.DISCLOSED, when,
               data={"reason": reason, "note": note},
               fields=["withheld", "withhold_reason", "withhold_note", "public",
                       "published_at"])  # fmt: skip
    _pages_changed(case)
    return case


def _money(value, label) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as error:
        raise CaseError(f"{label}应为金额（元）。", field="fee") from error
    if not amount.is_finite() or amount < 0 or amount >= MAX_FEE:
        raise CaseError(f"{label}应为不小于 0 的金额（元）。", field="fee")
    return amount.quantize(Decimal("0.01"))


def fee_record(case: Case, *, actor: Actor, due, paid, waived=0, version=None) -> Case:
    """收费: the amount due, paid and waived, as the department's cashier records them."""
    due, paid = _money(due, "应收费用"), _money(paid, "实收费用")
    waived = _money(waived, "减免费用")
    with transaction.atomic():
        case = _locked(case, version)
        _require_staff(actor, case)
        if case.state in (State.VOID, State.SUBMITTED):
            raise CaseError(f"办件当前为“{case.get_state_display()}”，不能记录收费。", code="state")
        when = _when(actor, case)
        case.fee_due, case.fee_paid, case.fee_waived = due, paid, waived
        _write(case, actor, EventKind.FEE_RECORDED, when,
               data={"due": str(due), "paid": str(paid), "waived": str(waived)},
               fields=["fee_due", "fee_paid", "fee_waived"])  # fmt: skip
    return case


# --- the applicant's side: lookup and rating -------------------------------------------------


class LookupLocked(Exception):
    """Too many wrong passwords for this case number today: try tomorrow, or call 12345."""

    def __init__(self, message="这个办件编号今天核对失败的次数过多，请明天再查，"
                 "或拨打政务服务便民热线 12345。"):  # fmt: skip
        super().__init__(message)


LOOKUP_LIMITS = {"per_number_and_source": 10, "per_number": 100}
DAY = 86400


def _source(ip: str) -> str:
    return numbers.password_hash("lookup-source", ip)[:16]


def case_lookup(case_no: str, verifier: str, *, ip: str = "") -> Case | None:
    """The case for its number and the password on the receipt (or the last four digits of the
    contact phone); None for any mismatch, the same answer as an unknown number. The same limits
    against guessing as the feedback lookup: ten wrong answers for one number from one address
    in a day lock that address out of that number; a hundred from anywhere lock the number."""
    case_no, verifier = numbers.normalise(case_no)[:20], numbers.normalise(verifier)[:20]
    try:
        return ratelimit.guarded_lookup(
            "case-lookup", case_no, _source(ip), lambda: _verified(case_no, verifier),
            per_source=LOOKUP_LIMITS["per_number_and_source"],
            per_number=LOOKUP_LIMITS["per_number"], window=DAY,
        )  # fmt: skip
    except ratelimit.Guessing as error:
        raise LookupLocked() from error


def _verified(case_no: str, verifier: str) -> Case | None:
    if not case_no or not verifier:
        return None
    case = Case.objects.filter(case_no=case_no).exclude(state=State.VOID).first()
    if case is None:
        return None
    if secrets.compare_digest(case.password_hash, numbers.password_hash(case_no, verifier)):
        return case
    phone = case.contact_phone
    if len(verifier) == 4 and len(phone) >= 4 and secrets.compare_digest(phone[-4:], verifier):
        return case
    return None


def case_rate(case: Case, *, rating: int, comment: str = "", ip: str = "", client: str = ""):
    """一事一评: the applicant of a finished case rates it once, through the platform's
    evaluation; it counts for the power and the department and is shown as verified.
    The caller has verified the applicant (case_lookup)."""
    if case.state not in (State.FINISHED, State.REJECTED):
        raise CaseError("办件办结后才能评价。", code="state")
    if isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5):
        raise CaseError("请选择满意程度（1 到 5）。", field="rating")
    comment = clean_public_text(comment, 500, multiline=True)
    submission = Submission(kind=Kind.EVALUATION, rating=rating, comment=comment,
                            power=case.power, case_no=case.case_no)  # fmt: skip
    try:
        receipt = feedback_submit(submission, ip=ip, client=client)
    except AlreadyRated as error:
        raise CaseError(str(error), code="rated") from error
    if receipt.folded:
        raise CaseError("该办件已经评价过，每件只能评价一次。", code="rated")
    with transaction.atomic():
        locked = _locked(case)
        applicant = Actor(channel=Channel.ONLINE, name="申请人")
        data = {"rating": rating, "tracking_no": receipt.tracking_no}
        _write(locked, applicant, EventKind.RATED, timezone.now(), data=data)
    return receipt


def case_rated(case: Case) -> bool:
    return Feedback.objects.filter(case_no=case.case_no).exists()
