"""HTTP around the API (/api/v3/): CORS for an allowlist of origins, limits on request bodies,
ETag / Last-Modified / Cache-Control with 304 answers, HEAD, and a per-process cache of anonymous
reads that every publish (and every counted rating) makes stale, like the page cache
(disclosure/pagecache.py)."""

from __future__ import annotations

import hashlib
import json
import re
import time

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from common import pagecache
from common.parameters import HUGE_NUMBER, unusable_parameter

from .errors import echo, problem

PREFIX = "/api/v3/"
API_NAMESPACE = "wagtailapi_v3"
# The version key that ratings bump (feedback.services): the API shows rating summaries.
VERSION_PATH = PREFIX
# Never stored: searches are logged one by one; feedback lookups are personal; the documents
# are cheap and the docs page is HTML.
# Wagtail's pages router takes any query parameter (it ignores those it does not know), so its
# answers are not stored either: arbitrary query strings must not fill the cache.
UNCACHED = (PREFIX + "search/", PREFIX + "feedback/", PREFIX + "docs/", PREFIX + "openapi.json",
            PREFIX + "pages/")  # fmt: skip
CASES_PATH = PREFIX + "cases/"
BATCH_PATH = CASES_PATH + "batch/"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = "Authorization, Content-Type, If-None-Match, If-Modified-Since"
EXPOSED_HEADERS = "ETag, Last-Modified, Location"


PAGE_WRITE = re.compile(rf"^{PREFIX}pages/(?:(\d+)/)?$")


def _refuse_json(request):
    """Every write takes one JSON object; a page write names only fields the page type takes
    (Wagtail's router would ignore the others silently, so a misspelt field changed nothing)."""
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return problem(400, "invalid_body", "请求内容不是有效的 JSON。")
    if not isinstance(data, dict):
        # A body of the wrong shape is the body's fault, as the schemas' own errors: 422.
        return problem(
            422, "invalid_body", "请求内容须为一个 JSON 对象（{…}），而不是数组或单个值。"
        )
    page_write = PAGE_WRITE.match(request.path)
    if page_write and request.method in ("POST", "PATCH"):
        unknown = _unknown_page_fields(data, page_write.group(1), create=request.method == "POST")
        if unknown:
            shown = "、".join(echo(name, 40) for name in sorted(unknown)[:10])
            return problem(400, "invalid_body", f"该页面类型没有这些可写字段：{shown}。",
                           [{"loc": [name], "type": "extra_forbidden", "msg": "不是可用的字段"}
                            for name in sorted(unknown)])  # fmt: skip
    return None


def _unknown_page_fields(data: dict, page_id: str | None, *, create: bool) -> set[str]:
    from django.apps import apps
    from wagtail.api.v3.registry import registry
    from wagtail.models import Page

    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    label = meta.get("type")
    if not label and page_id and len(page_id) < 19:
        page = Page.objects.filter(pk=int(page_id)).select_related("content_type").first()
        label = page and f"{page.content_type.app_label}.{page.content_type.model}"
    try:
        model = apps.get_model(str(label)) if label else None
    except (LookupError, ValueError):
        return set()  # an unknown type: Wagtail's router says so
    registration = model and registry.get(model._meta.label)
    schema = registration and (registration.create_schema if create else registration.patch_schema)
    if schema is None:
        return set()
    known = {"meta"}
    for name, field in schema.model_fields.items():
        known.add(name)
        if field.alias:
            known.add(field.alias)
    return set(data) - known


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.store = caches["pages"]

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        # Cookies never count here: no session (a page password a visitor once typed would
        # otherwise open private pages to them, and to the cache) and no CSRF token.
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            request.COOKIES.pop(name, None)
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return self._cors(HttpResponse(status=204), origin, preflight=True)
        try:
            request.get_host()
        except DisallowedHost:
            return problem(400, "invalid_parameter", "请求的主机名（Host）不被接受。")
        response = (
            self._refuse_address(request) or self._refuse_parameters(request)
            or self._refuse_body(request) or self._respond(request)
        )  # fmt: skip
        return self._cors(self._json_error(response), origin)

    # --- requests ---------------------------------------------------------------------------

    @staticmethod
    def _refuse_address(request):
        """Every API address ends with a slash (the document's, /openapi.json, excepted): say
        so, rather than redirect (a redirected POST loses its body)."""
        last = request.path.rsplit("/", 1)[-1]
        if last and "." not in last:
            return problem(
                404,
                "not_found",
                f"没有这个接口地址；接口地址以 / 结尾，如 {echo(request.path, 60)}/。",
            )
        if "\x00" in request.path:
            return problem(400, "invalid_parameter", "请求地址含有不允许的字符。")
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is None or API_NAMESPACE not in match.namespaces:
            # Said before any other check (CSRF would answer a POST with 403; the hall's
            # catch-all page route would answer with an HTML page).
            return problem(404, "not_found", "没有这个接口地址。")
        return None

    @staticmethod
    def _refuse_parameters(request):
        """Values no endpoint can use, refused before any reaches the database (where, on
        PostgreSQL, a number beyond 64 bits or a NUL character would be a database error)."""
        if any(HUGE_NUMBER.fullmatch(part) for part in request.path.split("/")):
            return problem(404, "not_found")
        reason = unusable_parameter(request.GET)
        return problem(400, "invalid_parameter", reason) if reason else None

    @staticmethod
    def _refuse_body(request):
        if request.method not in WRITE_METHODS:
            return None
        limit = getattr(settings, "API_MAX_BODY_BYTES", 64 * 1024)
        if request.path == BATCH_PATH:  # up to 200 cases and events at once
            limit = getattr(settings, "API_MAX_BATCH_BODY_BYTES", 1024 * 1024)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem(400, "invalid_body", "Content-Length 无效。")
        if length > limit:
            return problem(413, "body_too_large", f"请求内容过大：最多 {limit // 1024} KB。")
        if length and request.method != "DELETE":
            content_type = request.content_type or ""
            if content_type != "application/json" and not content_type.endswith("+json"):
                return problem(415, "unsupported_media_type")
            return _refuse_json(request)
        return None

    def _respond(self, request):
        head = request.method == "HEAD"
        if head:  # answered as GET, without the body
            request.method = "GET"
        anonymous = "Authorization" not in request.headers
        cacheable = (
            request.method == "GET" and anonymous and not request.path.startswith(UNCACHED)
            and getattr(settings, "PAGE_CACHE_ENABLED", True)
        )  # fmt: skip
        key = None
        if cacheable:
            # Cases change all day (every step pushed): their answers have a version of their
            # own (cases.services makes /api/v3/cases/ stale), so they do not stale the rest.
            version = pagecache.current_generation(
                CASES_PATH if request.path.startswith(CASES_PATH) else VERSION_PATH
            )
            location = f"{request.get_host()}{request.get_full_path()}"
            digest = hashlib.sha256(location.encode()).hexdigest()
            key = f"api:{version}:{digest}"
            stored = self.store.get(key)
            if stored is not None:
                response = self._from_store(stored)
                response["X-Page-Cache"] = "hit"
                return self._conditional(request, response, head)
        response = self.get_response(request)
        self._headers(request, response, anonymous)
        if key and response.status_code == 200 and not response.streaming:
            response["Last-Modified"] = http_date(self._version_time(version))
            response["X-Page-Cache"] = "miss"
            self.store.set(key, self._to_store(response))
        return self._conditional(request, response, head)

    @staticmethod
    def _json_error(response):
        """Errors that did not come from the API's handlers (an unknown address, a method the
        endpoint does not take, a server error) are problems in JSON too."""
        if response.status_code < 400 or "json" in response.get("Content-Type", ""):
            return response
        codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large",
                 400: "invalid_parameter", 401: "authentication_required",
                 403: "permission_denied"}  # fmt: skip
        status = response.status_code
        code = codes.get(status, "server_error" if status >= 500 else "invalid_parameter")
        converted = problem(status, code)
        for header in ("Allow", "Vary"):
            if header in response:
                converted[header] = response[header]
        converted["Cache-Control"] = "no-store"
        return converted

    # --- headers ----------------------------------------------------------------------------

    @staticmethod
    def _headers(request, response, anonymous):
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            if "Cache-Control" not in response:
                response["Cache-Control"] = "no-store"
            return
        if "ETag" not in response:
            response["ETag"] = _etag(response.content)
        if request.path.startswith(PREFIX + "feedback/"):
            response["Cache-Control"] = "private, no-store"
        elif not anonymous or request.path.startswith(PREFIX + "search/"):
            response["Cache-Control"] = "private, max-age=0, must-revalidate"
        else:
            max_age = getattr(settings, "API_CACHE_MAX_AGE", 60)
            response["Cache-Control"] = f"public, max-age={max_age}"
        patch_vary_headers(response, ["Authorization"])

    def _version_time(self, version) -> float:
        """When content of this version was first served (shared by every process): a change
        makes a new version, so nothing under it changed since then."""
        shared = caches["default"]
        key = f"api:last-modified:{version}"
        shared.add(key, time.time(), timeout=7 * 24 * 3600)
        return shared.get(key) or time.time()

    @staticmethod
    def _conditional(request, response, head):
        if response.status_code == 200 and request.method == "GET":
            conditional = get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
                response=response,
            )
            if conditional is not response:
                for header in ("Cache-Control", "Vary", "X-Page-Cache"):
                    if header in response:
                        conditional[header] = response[header]
                response = conditional
        if head and response.status_code != 304:
            response.content = b""
        return response

    @staticmethod
    def _to_store(response):
        headers = {name: response[name] for name in ("Content-Type", "ETag", "Last-Modified",
                                                     "Cache-Control", "Vary")
                   if name in response}  # fmt: skip
        return (response.content, headers)

    @staticmethod
    def _from_store(stored):
        content, headers = stored
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response

    # --- CORS -------------------------------------------------------------------------------

    @staticmethod
    def _cors(response, origin, *, preflight=False):
        patch_vary_headers(response, ["Origin"])
        allowed = getattr(settings, "API_CORS_ALLOWED_ORIGINS", [])
        if not origin or not (origin in allowed or "*" in allowed):
            return response
        response["Access-Control-Allow-Origin"] = origin
        if preflight:
            response["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PATCH, DELETE, OPTIONS"
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "600"
        else:
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
