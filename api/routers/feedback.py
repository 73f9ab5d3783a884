"""/api/v3/feedback/: a citizen's evaluation, complaint or question, and its status: the same
form validation, rate limits and receipt as the hall's form (feedback/)."""

import secrets

from django.http import QueryDict
from ninja import Query, Router, Status

from common import ratelimit
from feedback.forms import FeedbackForm, LookupForm
from feedback.models import Kind
from feedback.models import Status as FeedbackStatusChoice
from feedback.selectors import feedback_target
from feedback.services import (
    LookupLocked,
    RateLimited,
    Submission,
    feedback_lookup,
    feedback_submit,
    limit,
)

from ..errors import ApiError, Problem, echo
from ..params import known_parameters
from ..schemas import FeedbackIn, FeedbackStatus, Receipt

router = Router(tags=["feedback"])


def _target(power_code, department_code):
    if not (power_code or department_code):
        raise ApiError(422, "invalid_body", "请求内容无效：请给出事项编码 power 或部门编码。")
    power, department = feedback_target(power_code, department_code)
    if power is None and department is None:
        what = f"事项“{echo(power_code)}”" if power_code else f"部门“{echo(department_code)}”"
        raise ApiError(404, "not_found", f"没有编码为{what}的公开内容。")
    return power, department


def _form_errors(form):
    items, parts = [], []
    for field, errors in form.errors.get_json_data().items():
        for error in errors:
            loc = [] if field == "__all__" else [field]
            items.append({"loc": loc, "type": error.get("code") or "invalid",
                          "msg": error["message"]})  # fmt: skip
            parts.append(error["message"])
    return "".join(parts[:5]), items


@router.post(
    "/",
    response={
        201: Receipt,
        400: Problem,
        404: Problem,
        413: Problem,
        415: Problem,
        422: Problem,
        429: Problem,
    },  # fmt: skip
    summary="提交评价、投诉、举报、咨询或建议",
    description="与事项页面上的表单相同的校验和频率限制；返回受理编号（以及未留手机号码时的查询码）。"
    "重试时带上同一个 Idempotency-Key 请求头，两分钟内的重复提交只记一次，返回第一次的回执。"
    "评价（evaluation）须给出 rating 1–5；投诉、举报、咨询、建议须写明 comment。",
    operation_id="feedback_submit",
)
@known_parameters()
def submit(request, body: FeedbackIn):
    power, department = _target(body.power, body.department)
    data = QueryDict(mutable=True)
    data.update({"kind": body.kind, "rating": "" if body.rating is None else str(body.rating),
                 "comment": body.comment, "name": body.name, "phone": body.phone})  # fmt: skip
    if body.consent_to_contact:
        data["consent_to_contact"] = "on"
    form = FeedbackForm(data)
    if not form.is_valid():
        detail, items = _form_errors(form)
        raise ApiError(422, "invalid_body", detail, items)
    cleaned = form.cleaned_data
    submission = Submission(
        kind=cleaned["kind"], rating=cleaned["rating"], comment=cleaned["comment"],
        name=cleaned["name"], phone=cleaned["phone"],
        consent_to_contact=cleaned["consent_to_contact"], power=power, department=department,
    )  # fmt: skip
    try:
        # Folding a repeated request needs the caller's own key: an identical rating from
        # another person behind the same address must get its own receipt.
        key = request.headers.get("Idempotency-Key", "")[:100] or secrets.token_hex(16)
        receipt = feedback_submit(submission, ip=ratelimit.client_ip(request), client=key)
    except RateLimited as limited:
        raise ApiError(429, "rate_limited", str(limited)) from None
    due_on = receipt.feedback.due_on if receipt.feedback else None
    return Status(
        201,
        {
            "tracking_no": receipt.tracking_no,
            "lookup_code": receipt.lookup_code,
            "reply_due_on": due_on,
            "folded": receipt.folded,
            "lookup_url": f"/api/v3/feedback/{receipt.tracking_no}/",
        },
    )


@router.get(
    "/{tracking_no}/",
    response={200: FeedbackStatus, 400: Problem, 404: Problem, 429: Problem},
    summary="查询办理情况",
    description="受理编号加手机号码后四位（未留手机号码的，用回执上的查询码），与查询页面相同；"
    "编号不存在和校验不符的回答相同（404）。",
    operation_id="feedback_status",
)
@known_parameters("verifier")
def status(
    request,
    tracking_no: str,
    verifier: str = Query(..., min_length=1, max_length=8,
                          description="手机号码后四位，或回执上的查询码"),
):  # fmt: skip
    ip = ratelimit.client_ip(request)
    if not ratelimit.allow("lookup-minute", ip, limit("lookups_per_minute"), 60):
        raise ApiError(429, "rate_limited", "查询过于频繁，请一分钟后再试。")
    form = LookupForm({"tracking_no": tracking_no[:20], "verifier": verifier})
    if not form.is_valid():
        detail, items = _form_errors(form)
        raise ApiError(400, "invalid_parameter", detail, items)
    try:
        feedback = feedback_lookup(
            form.cleaned_data["tracking_no"], form.cleaned_data["verifier"], ip=ip
        )
    except LookupLocked as locked:
        raise ApiError(429, "rate_limited", str(locked)) from None
    if feedback is None:
        raise ApiError(
            404, "not_found", "没有找到这条记录：请核对受理编号和手机号后四位（或查询码）。"
        )
    target = feedback.power or feedback.department
    return {
        "tracking_no": feedback.tracking_no,
        "kind": {"code": feedback.kind, "label": str(Kind(feedback.kind).label)},
        "status": {
            "code": feedback.status,
            "label": str(FeedbackStatusChoice(feedback.status).label),
        },
        "created_at": feedback.created_at,
        "reply_due_on": feedback.due_on,
        "target": target.title if target else "",
        "comment": feedback.comment,
        "reply": feedback.reply,
        "replied_at": feedback.replied_at,
    }
