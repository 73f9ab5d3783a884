"""/api/v3/cases/: 办件公示 for everyone, the full record for the department's token, and the
pushes of departments' business systems (a case, its events, a batch of both), idempotent by the
systems' own ids. The mapping to cases.services is cases.ingest; this module reads and writes
HTTP only."""

import re

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Status
from pydantic import ValidationError
from wagtail.api.v3.auth import AllowAnonymous, BearerTokenAuth

from access.personal_data import mask_id_number, mask_name, mask_phone, reveal
from cases import ingest, selectors
from cases.applicants import ApplicantError
from cases.ingest import IngestError, Outcome
from cases.models import (
    ApplicantType,
    Case,
    Channel,
    ClockStop,
    EventKind,
    IdType,
    Result,
    SpecialProcedure,
    State,
    WithholdReason,
)
from cases.services import CaseError
from catalogue.choices import PowerType
from catalogue.models import DepartmentPage, PowerPage

from ..case_schemas import (
    BatchIn,
    BatchOut,
    CaseDetail,
    CaseIn,
    CaseList,
    CaseReceipt,
    EventIn,
    EventReceipt,
)
from ..errors import MESSAGES, ApiError, Problem, _chinese_errors, echo
from ..params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, choice, known_parameters, paginate

router = Router(tags=["cases"])

# 办件公示 is counted and paged up to this many cases; older ones are found by month.
COUNT_LIMIT = 10_000
MONTH = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
READ_AUTH = [BearerTokenAuth(), AllowAnonymous()]
WRITE_RESPONSES = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem,
                   413: Problem, 415: Problem, 422: Problem}  # fmt: skip
# Refusals of the flow (a step out of order, a state that does not allow it, a concurrent
# change): 409; bad data (a date in the future, a missing reason): 422.
CONFLICTS = frozenset({"order", "state", "conflict", "duplicate", "rated"})
FIELD_NAMES = {"handler_name": "handler", "fee": "fee_due"}


def _choice(choices, value) -> dict | None:
    if not value:
        return None
    try:
        return {"code": value, "label": choices(value).label}
    except ValueError:
        return {"code": value, "label": value}


def _api_url(case_no: str) -> str:
    return f"/api/v3/cases/{case_no}/"


# --- reads ----------------------------------------------------------------------------------


def _summary(case: Case, departments: dict) -> dict:
    department = departments.get(case.department_id)
    return {
        "case_no": case.case_no,
        "power_code": case.power_code,
        "power_name": case.power_name,
        "power_type": _choice(PowerType, case.power_type),
        "department": {"code": department.code, "name": department.title} if department else None,
        "applicant": case.applicant_public_name,
        "channel": _choice(Channel, case.channel),
        "state": _choice(State, case.state),
        "accepted_at": case.accepted_at,
        "due_on": case.due_on,
        "finished_at": case.finished_at,
        "result": _choice(Result, case.result),
        "on_time": case.on_time,
        "promised_days": case.promised_days,
        "working_days_used": case.working_days_used,
        "api_url": _api_url(case.case_no),
    }


def _departments(ids) -> dict:
    return {d.pk: d for d in DepartmentPage.objects.filter(pk__in=set(ids)).only("code", "title")}


def _month(value: str) -> tuple[int, int]:
    found = MONTH.match(value.strip())
    if not found:
        raise ApiError(400, "invalid_parameter",
                       f"月份“{echo(value)}”无效：应为 YYYY-MM，如 2026-11。")  # fmt: skip
    return int(found.group(1)), int(found.group(2))


@router.get(
    "/",
    response={200: CaseList, 400: Problem, 404: Problem},
    auth=READ_AUTH,
    summary="办件公示列表",
    description="公示中的办件，新受理的在前，可按受理部门（dept，部门编码）、事项（power，事项编码）、"
    "状态（state，代码或名称，如 finished 或 办结）和月份（month，YYYY-MM："
    "受理或作出不予受理决定的月份）筛选。"
    "只含公示信息：自然人申请人只显示姓氏。"
    f"统计和翻页最多到 {COUNT_LIMIT} 件，更早的请按月份筛选。",
    operation_id="cases_list",
)
@known_parameters("dept", "power", "state", "month", "page", "page_size")
def cases_list(
    request,
    dept: str | None = Query(None, max_length=64, description="受理部门编码"),
    power: str | None = Query(None, max_length=64, description="事项编码"),
    state: str | None = Query(None, max_length=20, description="状态：代码或名称"),
    month: str | None = Query(
        None, max_length=7, description="月份，YYYY-MM（受理或作出不予受理决定的月份）"
    ),
    page: int = Query(1, ge=1, le=COUNT_LIMIT),
    page_size: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):  # fmt: skip
    department = found_power = None
    if dept:
        department = DepartmentPage.objects.live().filter(code=dept.strip()).only("pk").first()
        if department is None:
            raise ApiError(400, "invalid_parameter", f"没有编码为“{echo(dept)}”的公开部门。")
    if power:
        found_power = PowerPage.objects.live().filter(code=power.strip()).only("pk").first()
        if found_power is None:
            raise ApiError(400, "invalid_parameter", f"没有编码为“{echo(power)}”的公开事项。")
    cases = selectors.public_cases(
        department=department, power=found_power,
        state=choice(state, State, "状态") if state else None,
        month=_month(month) if month else None,
    )  # fmt: skip
    counted = cases.order_by()[: COUNT_LIMIT + 1].count()
    envelope, window = paginate(request, min(counted, COUNT_LIMIT), page, page_size)
    rows = list(cases[window])
    departments = _departments(case.department_id for case in rows)
    items = [_summary(case, departments) for case in rows]
    return {**envelope, "count_limit": COUNT_LIMIT, "count_capped": counted > COUNT_LIMIT,
            "items": items}  # fmt: skip


def _step(step, full: bool) -> dict:
    return {
        "position": step.position + 1, "name": step.name, "posts": step.posts,
        "time_limit": step.time_limit, "started_at": step.started_at, "due_on": step.due_on,
        "completed_at": step.completed_at, "handler_name": step.handler_name,
        "handler_post": step.handler_post, "opinion": step.opinion if full else None,
    }  # fmt: skip


def _stop(stop, full: bool) -> dict:
    return {
        "kind": _choice(ClockStop.Kind, stop.kind),
        "procedure": _choice(SpecialProcedure, stop.procedure),
        "started_on": stop.started_on, "ended_on": stop.ended_on,
        "reason": stop.reason if full else None, "result": stop.result if full else None,
    }  # fmt: skip


FULL_ONLY = ("external_id", "submitted_at", "accepted_by_name", "result_description",
             "closing_reason", "public", "withhold_reason", "applicant_detail", "fees",
             "materials", "events")  # fmt: skip


def _detail(case: Case, *, full: bool, user=None) -> dict:
    departments = _departments([case.department_id])
    body = {
        **_summary(case, departments),
        "view": "full" if full else "public",
        "current_step": case.current_step + 1,
        "extension_days": case.extension_days,
        "rejection_reason": case.rejection_reason,
        "steps": [_step(step, full) for step in case.steps_list],
        "clock_stops": [_stop(stop, full) for stop in case.clock_stops.all()],
        **dict.fromkeys(FULL_ONLY),
    }
    if not full:
        return body
    body.update(
        external_id=case.external_id, submitted_at=case.submitted_at,
        accepted_by_name=case.accepted_by_name, result_description=case.result_description,
        closing_reason=case.closing_reason, public=case.public,
        withhold_reason=_choice(WithholdReason, case.withhold_reason),
        applicant_detail=_applicant(case, user),
        fees={"due": str(case.fee_due), "paid": str(case.fee_paid), "waived": str(case.fee_waived)},
        materials=[{"name": m.name, "received": m.received, "uploaded": bool(m.file)}
                   for m in case.materials.all()],
        events=[_event(event) for event in case.events.order_by("seq")],
    )  # fmt: skip
    return body


def _applicant(case: Case, user) -> dict:
    """The applicant as staff see it: masked, unless the token's user holds the right to see
    personal data (then the look is recorded, access.personal_data.reveal)."""
    person = case.applicant_type == ApplicantType.PERSON
    values = {
        "name": case.applicant_name, "id_no": case.applicant_id_no,
        "contact_name": case.contact_name, "contact_phone": case.contact_phone,
        "address": case.address,
    }  # fmt: skip
    masked = not selectors.may_reveal_applicant(user, case)
    if masked:
        values = {
            "name": mask_name(case.applicant_name) if person else case.applicant_name,
            "id_no": mask_id_number(case.applicant_id_no),
            "contact_name": mask_name(case.contact_name),
            "contact_phone": mask_phone(case.contact_phone),
            "address": f"{case.address[:6]}***" if case.address else "",
        }
    else:
        reveal(user, case, fields={"申请人": case.applicant_name, "证件号码": case.applicant_id_no,
                                   "联系人": case.contact_name, "联系电话": case.contact_phone,
                                   "通讯地址": case.address})  # fmt: skip
    return {
        **values, "masked": masked, "type": _choice(ApplicantType, case.applicant_type),
        "id_type": _choice(IdType, case.applicant_id_type),
    }  # fmt: skip


def _event(event) -> dict:
    return {
        "seq": event.seq, "kind": _choice(EventKind, event.kind),
        "occurred_at": event.occurred_at, "recorded_at": event.recorded_at,
        "actor_name": event.actor_name, "channel": _choice(Channel, event.channel),
        "step": None if event.step is None else event.step + 1,
        "external_id": event.external_id, "data": event.data,
    }  # fmt: skip


# --- pushes ---------------------------------------------------------------------------------


def _refusal(error: Exception) -> tuple[int, str, str, list | None]:
    """(status, code, Chinese detail, errors by field) for a refused push."""
    if isinstance(error, PermissionDenied):
        return 403, "permission_denied", str(error) or MESSAGES["permission_denied"], None
    if isinstance(error, ApplicantError):
        items = [{"loc": ["applicant", name], "type": "invalid", "msg": message}
                 for name, message in error.errors.items()]  # fmt: skip
        return 422, "invalid_body", f"申请人信息有误：{error}", items
    if isinstance(error, IngestError):
        status = 404 if error.field in ("case_no", None) else 422
        code = "not_found" if status == 404 else "invalid_body"
        return status, code, str(error), _field(error.field, str(error))
    if isinstance(error, ValidationError):
        detail, items = _chinese_errors(error.errors())
        return 422, "invalid_body", f"{MESSAGES['invalid_body']}{detail}", items
    if isinstance(error, CaseError):
        if error.code in CONFLICTS:
            return 409, "conflict", str(error), _field(error.field, str(error))
        return 422, "invalid_body", str(error), _field(error.field, str(error))
    return 422, "invalid_body", "内容超出范围或含有不允许的字符，未作修改。", None


def _field(name, message):
    if not name:
        return None
    return [{"loc": [FIELD_NAMES.get(name, name)], "type": "invalid", "msg": message}]


def _raise(error: Exception):
    status, code, detail, items = _refusal(error)
    raise ApiError(status, code, detail, items) from error


def _case_receipt(outcome: Outcome) -> dict:
    case = outcome.case
    return {
        "case_no": case.case_no, "external_id": case.external_id, "created": outcome.created,
        "password": outcome.password, "state": _choice(State, case.state),
        "due_on": case.due_on, "api_url": _api_url(case.case_no),
    }  # fmt: skip


def _event_receipt(outcome: Outcome) -> dict:
    case = outcome.case
    return {
        "case_no": case.case_no, "external_id": outcome.external_id, "created": outcome.created,
        "seq": outcome.seq, "kind": outcome.kind, "occurred_at": outcome.occurred_at,
        "state": _choice(State, case.state), "current_step": case.current_step + 1,
        "due_on": case.due_on,
    }  # fmt: skip


REFUSALS = (CaseError, ApplicantError, IngestError, PermissionDenied)


@router.post(
    "/",
    response={200: CaseReceipt, 201: CaseReceipt, **WRITE_RESPONSES},
    auth=BearerTokenAuth(),
    summary="报送办件（部门业务系统）",
    description="部门业务系统报送一个办件：事项编码、申办流水号（external_id，必填）、申请人、申办时间，"
    "已受理的附受理人、岗位和受理时间。须用本部门工作人员的 API 令牌，"
    "只能报送本部门的事项（否则 403）。按申办流水号幂等：新建返回 201 和查询密码；"
    "同一流水号再次报送返回 200 和原办件，不作任何修改。",
    operation_id="cases_create",
)
@known_parameters()
def cases_create(request, body: CaseIn):
    try:
        outcome = ingest.push_case(body.model_dump(), account=request.user)
    except REFUSALS as error:
        _raise(error)
    return Status(201 if outcome.created else 200, _case_receipt(outcome))


@router.post(
    "/batch/",
    response={200: BatchOut, **WRITE_RESPONSES},
    auth=BearerTokenAuth(),
    summary="批量报送办件和事件",
    description=f"一次最多 {ingest.MAX_BATCH} 项（办件和/或事件），按顺序逐项办理，每项单独生效："
    "整体返回 200，results 中逐项给出结果"
    "（201 新建、200 重复报送未修改、403、404、409、422 及中文说明）。"
    "事件用 case_no 或 case_external_id（申办流水号，可引用同一批次中先报送的办件）指明所属办件。",
    operation_id="cases_batch",
)
@known_parameters()
def cases_batch(request, body: BatchIn):
    items, shapes = [], []
    for item in body.items:
        problem = None
        if (item.case is None) == (item.event is None):
            problem = CaseError("每一项须有 case 或 event 之一。", field="items")
        elif item.event is not None and not (item.case_no or item.case_external_id):
            problem = CaseError(
                "事件须写明所属办件：case_no 或 case_external_id。", field="case_no"
            )
        shapes.append(problem)
        items.append(item.model_dump() if problem is None else None)
    outcomes = ingest.push_batch([i for i in items if i is not None], account=request.user)
    outcomes = iter(outcomes)
    results, counts = [], {"created": 0, "retried": 0, "refused": 0}
    for index, problem in enumerate(shapes):
        outcome = problem if problem is not None else next(outcomes)
        if isinstance(outcome, Outcome):
            status = 201 if outcome.created else 200
            counts["created" if outcome.created else "retried"] += 1
            results.append({"index": index, "status": status, "code": None, "detail": None,
                            "errors": None, "case_no": outcome.case.case_no,
                            "password": outcome.password or None,
                            "seq": outcome.seq})  # fmt: skip
        else:
            status, code, detail, errors = _refusal(outcome)
            counts["refused"] += 1
            results.append({"index": index, "status": status, "code": code, "detail": detail,
                            "errors": errors, "case_no": None, "password": None,
                            "seq": None})  # fmt: skip
    return {**counts, "results": results}


@router.post(
    "/{case_no}/events/",
    response={200: EventReceipt, 201: EventReceipt, **WRITE_RESPONSES},
    auth=BearerTokenAuth(),
    summary="报送办件的一个事件（部门业务系统）",
    description="受理、不予受理、完成环节、补正、特别程序、延期、退件、撤回、收费，各带业务系统自己的事件号"
    "（external_id，必填）和发生时间（不晚于现在，不早于该办件上一个事件）。"
    "环节须按顺序办理；流程不允许的操作或顺序不对返回 409，内容有误返回 422，"
    "其他部门的办件返回 403。"
    "同一事件号再次报送返回 200 和已记录的事件，不作任何修改（并发重复报送亦然）。",
    operation_id="cases_event",
)
@known_parameters()
def cases_event(request, case_no: str, body: EventIn):
    try:
        case = ingest.find_case(case_no=case_no, account=request.user)
        outcome = ingest.push_event(case, body.model_dump(), account=request.user)
    except REFUSALS as error:
        _raise(error)
    return Status(201 if outcome.created else 200, _event_receipt(outcome))


# The detail after the batch: "/{case_no}/" would take "batch/" first.


@router.get(
    "/{case_no}/",
    response={200: CaseDetail, 400: Problem, 404: Problem},
    auth=READ_AUTH,
    summary="办件详情",
    description="所有人：办件公示所示的内容（各环节的时间、岗位和办理人，不含任何个人信息）。"
    "受理部门的 API 令牌（Authorization: Bearer …）：完整记录，含申请人（证件号码、电话等已遮蔽；"
    "有查看个人信息权限的，显示全文并记录在案）、办理意见、补正内容、收费、材料清单和办件日志；"
    "其他令牌看到公示内容。",
    operation_id="cases_detail",
)
@known_parameters()
def cases_detail(request, case_no: str):
    user = request.user
    if len(case_no) <= 20 and user.is_authenticated:
        case = Case.objects.filter(case_no=case_no).first()
        if case is not None and selectors.works_in(user, case):
            return _detail(case, full=True, user=user)
    case = selectors.public_case(case_no) if len(case_no) <= 20 else None
    if case is None:
        raise ApiError(404, "not_found", f"没有编号为“{echo(case_no)}”的公示办件。")
    return _detail(case, full=False)
