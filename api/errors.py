"""Errors of the API: RFC 7807 problem details (application/problem+json), each with a stable
machine-readable `code` and a Chinese `detail` a developer can show to a citizen.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "code": "not_found", "detail": "没有找到编码为 X 的事项。"}

Every handler of the API instance lives here (Wagtail's pages router included), so no request to
/api/v3/ ends in an HTML page or a 500 for input it could not use.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

PROBLEM_JSON = "application/problem+json"

# Stable codes and their default Chinese messages.
logger = logging.getLogger(__name__)

MESSAGES = {
    "invalid_parameter": "请求参数无效。",
    "unknown_parameter": "不支持的参数。",
    "invalid_body": "请求内容无效。",
    "unsupported_media_type": "请求内容须为 JSON（Content-Type: application/json）。",
    "body_too_large": "请求内容过大。",
    "authentication_required": "需要身份认证：请在 Authorization 头中提供 Bearer 令牌。",
    "permission_denied": "没有执行该操作的权限。",
    "not_found": "没有找到请求的内容。",
    "page_out_of_range": "页码超出范围。",
    "method_not_allowed": "不支持该请求方法。",
    "rate_limited": "请求过于频繁，请稍后再试。",
    "conflict": "请求与当前状态冲突。",
    "server_error": "服务器内部错误，请稍后再试。",
}


class Problem(Schema):
    """An error (RFC 7807), with a stable code and a Chinese message."""

    type: str = "about:blank"
    title: str
    status: int
    code: str
    detail: str
    errors: list[dict[str, Any]] | None = None


class ApiError(Exception):
    """Raise in an endpoint to answer with a problem: ApiError(404, "not_found", "…")."""

    def __init__(self, status: int, code: str, detail: str | None = None, errors=None):
        super().__init__(detail or MESSAGES.get(code, ""))
        self.status, self.code = status, code
        self.detail = detail or MESSAGES.get(code, "")
        self.errors = errors


_UNSAFE = re.compile(r"[<>\"'&`\\\x00-\x1f\x7f]")


def echo(value, limit: int = 30) -> str:
    """A client's value as an error message quotes it: shortened, without markup or control
    characters (a client may show the message in a web page)."""
    text = _UNSAFE.sub("", str(value))
    return text[:limit] + ("…" if len(text) > limit else "")


def problem(status: int, code: str, detail: str | None = None, errors=None) -> HttpResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    payload = Problem(
        title=title, status=status, code=code, detail=detail or MESSAGES.get(code, ""),
        errors=errors,
    )  # fmt: skip
    response = HttpResponse(
        payload.model_dump_json(exclude_none=True, fallback=str),
        status=status,
        content_type=PROBLEM_JSON,
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# Pydantic's error types, said in Chinese (the rest: "取值无效").
_ERROR_TYPES = {
    "missing": "缺少必填项",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "bool_parsing": "须为 true 或 false",
    "float_parsing": "须为数字",
    "string_type": "须为文本",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "greater_than_equal": "过小",
    "less_than_equal": "过大",
    "greater_than": "过小",
    "less_than": "过大",
    "literal_error": "不是可选的值",
    "enum": "不是可选的值",
    "json_invalid": "不是有效的 JSON",
    "model_attributes_type": "格式不正确",
    "dict_type": "须为 JSON 对象",
    "list_type": "须为列表",
    "date_from_datetime_parsing": "须为日期（YYYY-MM-DD）",
    "date_parsing": "须为日期（YYYY-MM-DD）",
    "extra_forbidden": "不是可用的字段",
}


def _chinese_errors(errors) -> tuple[str, list[dict]]:
    items, parts = [], []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("query", "body", "path")]
        where = ".".join(loc) or "请求"
        message = _ERROR_TYPES.get(error.get("type", ""), "取值无效")
        context = error.get("ctx") or {}
        for bound in ("ge", "le", "max_length", "min_length", "gt", "lt"):
            if bound in context:
                message += f"（{bound} {context[bound]}）"
        items.append({"loc": loc, "type": error.get("type", ""), "msg": message})
        parts.append(f"{where}：{message}")
    return "；".join(parts[:5]) + "。", items


def register(api):
    """Install the handlers on the API instance (after Wagtail's own, which they replace)."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError):
        return problem(exc.status, exc.code, exc.detail, exc.errors)

    @api.exception_handler(NinjaValidationError)
    def ninja_invalid(request: HttpRequest, exc: NinjaValidationError):
        body = any("body" in (e.get("loc") or ()) for e in exc.errors)
        detail, items = _chinese_errors(exc.errors)
        code = "invalid_body" if body else "invalid_parameter"
        return problem(400 if not body else 422, code, f"{MESSAGES[code]}{detail}", items)

    def invalid(request, detail, items):
        """A query string's fault (a read) is a 400; a body's (a write) a 422."""
        if request.method in ("GET", "HEAD"):
            return problem(400, "invalid_parameter", f"{MESSAGES['invalid_parameter']}{detail}",
                           items)  # fmt: skip
        return problem(422, "invalid_body", f"{MESSAGES['invalid_body']}{detail}", items)

    @api.exception_handler(PydanticValidationError)
    def pydantic_invalid(request: HttpRequest, exc: PydanticValidationError):
        detail, items = _chinese_errors(exc.errors())
        return invalid(request, detail, items)

    @api.exception_handler(DjangoValidationError)
    def django_invalid(request: HttpRequest, exc: DjangoValidationError):
        from wagtail.utils.forms import FormValidationError

        if isinstance(exc, FormValidationError):
            items = [
                {"loc": list(path), "type": code, "msg": str(message)}
                for path, coded_messages in exc.loc_errors
                for message, code in coded_messages
            ]
        else:
            items = [{"loc": [], "type": "invalid", "msg": str(m)} for m in exc.messages]
        detail = "；".join(item["msg"] for item in items[:5])
        return invalid(request, detail, items)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError):
        return problem(401, "authentication_required")

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied):
        if not request.user.is_authenticated:
            return problem(401, "authentication_required")
        # Wagtail's own messages are English: say them in Chinese.
        locked = "locked" in str(exc)
        detail = "该事项已锁定（如正在法制办审核中），暂不能修改。" if locked else None
        return problem(403, "permission_denied", detail)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        message = str(exc)
        return problem(404, "not_found", message if message and not message.isascii() else None)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        status = exc.status_code
        code = {400: "invalid_parameter", 401: "authentication_required",
                403: "permission_denied", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "body_too_large", 415: "unsupported_media_type",
                429: "rate_limited"}.get(status, "invalid_parameter" if status < 500
                                         else "server_error")  # fmt: skip
        message = str(exc)
        if message.startswith("Cannot parse request body"):
            return problem(400, "invalid_body", "请求内容不是有效的 JSON。")
        if message.startswith("limit cannot be higher than"):
            message = f"limit 不能大于 {message.rsplit(' ', 1)[-1]}。"
        detail = message if message and not message.isascii() else None
        return problem(status, code, detail)

    @api.exception_handler(DataError)
    @api.exception_handler(OverflowError)
    def out_of_range(request: HttpRequest, exc: Exception):
        # A value the database cannot store (a number beyond 64 bits, a NUL character).
        if request.method in ("GET", "HEAD"):
            return problem(400, "invalid_parameter", "请求参数超出范围或含有不允许的字符。")
        return problem(422, "invalid_body", "请求内容超出范围或含有不允许的字符，未作修改。")

    @api.exception_handler(IntegrityError)
    def collision(request: HttpRequest, exc: IntegrityError):
        if request.method in ("GET", "HEAD"):
            return problem(400, "invalid_parameter", "请求参数超出范围。")
        return problem(409, "conflict", "请求与现有内容冲突（如重复的编码或地址），未作修改。")

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception):
        # Logged in full for the operators; the caller learns nothing of the code, DEBUG or not.
        logger.exception("API error on %s %s", request.method, request.path)
        return problem(500, "server_error")

    @api.exception_handler(ValueError)
    @api.exception_handler(TypeError)
    def unusable_filter(request: HttpRequest, exc: Exception):
        # A filter Wagtail's router passes to the ORM as it came (revisions ?user_id=abc).
        if request.method in ("GET", "HEAD"):
            return problem(400, "invalid_parameter")
        if "expected a number but got" in str(exc):  # an id in the address that is not one
            return problem(404, "not_found")
        return unexpected(request, exc)
