"""/api/v3/powers/: the live catalogue, filtered and paged, and each power in full."""

from typing import Literal

from ninja import Query, Router
from wagtail.api.v3.auth import BearerTokenAuth

from catalogue.choices import PowerStatus, PowerType
from catalogue.models import PowerPage
from catalogue.selectors import (
    POWER_LIST_FIELDS,
    live_departments,
    live_powers,
    live_powers_filtered,
    with_departments,
)
from review.services import (
    ReviewError,
    ReviewPermissionError,
    power_submit,
    review_approve,
    review_reject,
)
from search.segmentation import query_words

from .. import serializers
from ..errors import ApiError, Problem, echo
from ..params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    choice,
    known_parameters,
    paginate,
)
from ..schemas import PowerDetail, PowerList, ReviewComment, ReviewState

router = Router(tags=["powers"])

ORDERINGS = {
    "type": ("power_type", "path"),
    "code": ("code",),
    "-code": ("-code",),
    "title": ("title", "code"),
    "-title": ("-title", "code"),
    "published": ("last_published_at", "code"),
    "-published": ("-last_published_at", "code"),
    "promised_time_limit": ("promised_time_limit", "code"),
    "-promised_time_limit": ("-promised_time_limit", "code"),
}
Ordering = Literal[
    "type", "code", "-code", "title", "-title", "published", "-published",
    "promised_time_limit", "-promised_time_limit",
]  # fmt: skip


def _power_type(value: str) -> str:
    try:
        return PowerType.parse(value).value
    except ValueError:
        choices = "、".join(f"{t.value} {t.label}" for t in PowerType)
        raise ApiError(400, "invalid_parameter",
                       f"未知的事项类型“{echo(value)}”。可用：{choices}。") from None  # fmt: skip


@router.get(
    "/",
    response={200: PowerList, 400: Problem, 404: Problem},
    summary="事项列表",
    description="公开的行政权力事项，可按事项类型（名称或国家编码 01…10、20）、"
    "实施主体（部门编码）、状态、标签和关键词 q（事项名称或编码包含全部词语）筛选，"
    "分页返回，附总数。",
    operation_id="powers_list",
)
@known_parameters("type", "department", "status", "tag", "q", "ordering", "page", "page_size")
def powers_list(
    request,
    type: str | None = Query(None, max_length=20, description="事项类型：名称或国家编码"),
    department: str | None = Query(None, max_length=64, description="部门编码"),
    status: str | None = Query(None, max_length=20, description="状态：代码或名称（在用）"),
    tag: str | None = Query(None, max_length=50, description="标签"),
    q: str | None = Query(None, max_length=100, description="关键词（名称或编码）"),
    ordering: Ordering = Query("type", description="排序"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):  # fmt: skip
    found = None
    if department:
        found = live_departments().filter(code=department.strip()).only("path").first()
        if found is None:
            raise ApiError(400, "invalid_parameter", f"没有编码为“{echo(department)}”的公开部门。")
    powers = live_powers_filtered(
        power_type=_power_type(type.strip()) if type else None,
        status=choice(status, PowerStatus, "状态") if status else None,
        department=found,
        tag=tag.strip() if tag else None,
        words=(query_words(q) or [q.strip()]) if q else (),
    )
    envelope, window = paginate(request, powers, page, page_size)
    rows = with_departments(
        powers.order_by(*ORDERINGS[ordering]).only(*POWER_LIST_FIELDS, "promised_time_limit",
                                                   "legal_time_limit", "last_published_at")[window]
    )  # fmt: skip
    items = [serializers.power_summary(power, dept, request) for power, dept in rows]
    return {**envelope, "items": items}


@router.get(
    "/{code}/",
    response={200: PowerDetail, 404: Problem},
    summary="事项详情",
    description="事项页面所示的全部内容：行使依据（含条文和法规链接）、办理流程、时限、收费、申请材料、"
    "投诉渠道、流程图、标签、公开的调整记录和公众评议汇总。",
    operation_id="powers_detail",
)
@known_parameters()
def powers_detail(request, code: str):
    power = (
        live_powers().filter(code=code[:64]).select_related("flowchart").first()
        if len(code) <= 64
        else None
    )
    if power is None:
        raise ApiError(404, "not_found", f"没有编码为“{echo(code)}”的公开事项。")
    return serializers.power_detail(power, request)


# --- Review actions (token holders; the same services as the admin's buttons) -----------------


def _any_power(code: str):
    power = PowerPage.objects.filter(code=code[:64]).first() if len(code) <= 64 else None
    if power is None:
        raise ApiError(404, "not_found", f"没有编码为“{echo(code)}”的事项。")
    return power


def _review_state(power) -> dict:
    power = PowerPage.objects.get(pk=power.pk)
    state = power.current_workflow_state
    return {
        "code": power.code,
        "live": power.live,
        "has_unpublished_changes": power.has_unpublished_changes,
        "review": state.status if state else None,
    }


def _review(action):
    try:
        action()
    except ReviewPermissionError as error:
        raise ApiError(403, "permission_denied", str(error)) from None
    except ReviewError as error:
        raise ApiError(409, "conflict", str(error)) from None


REVIEW_RESPONSES = {200: ReviewState, 400: Problem, 401: Problem, 403: Problem, 404: Problem,
                    409: Problem, 422: Problem}  # fmt: skip


@router.post(
    "/{code}/submit/",
    response=REVIEW_RESPONSES,
    auth=BearerTokenAuth(),
    summary="提交法制办审核",
    description="把事项的最新修改（如经 Wagtail 页面接口保存的草稿）提交法制办审核，"
    "与管理后台的“提交审核”相同：只能提交本部门的事项。",
    operation_id="powers_submit",
)
@known_parameters()
def powers_submit(request, code: str):
    power = _any_power(code)
    _review(lambda: power_submit(power=power, user=request.user))
    return _review_state(power)


@router.post(
    "/{code}/approve/",
    response=REVIEW_RESPONSES,
    auth=BearerTokenAuth(),
    summary="法制办审核通过（发布）",
    description="法制办审核人员批准提交的修改，即发布。",
    operation_id="powers_approve",
)
@known_parameters()
def powers_approve(request, code: str, body: ReviewComment | None = None):
    power = _any_power(code)
    comment = body.comment if body else ""
    _review(lambda: review_approve(power=power, user=request.user, comment=comment))
    return _review_state(power)


@router.post(
    "/{code}/reject/",
    response=REVIEW_RESPONSES,
    auth=BearerTokenAuth(),
    summary="法制办退回修改",
    description="法制办审核人员退回提交的修改，须写明审核意见（随退回通知发给部门）。",
    operation_id="powers_reject",
)
@known_parameters()
def powers_reject(request, code: str, body: ReviewComment):
    power = _any_power(code)
    _review(lambda: review_reject(power=power, user=request.user, comment=body.comment))
    return _review_state(power)
