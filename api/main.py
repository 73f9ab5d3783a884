"""The API instance: /api/v3/, one OpenAPI document (/api/v3/openapi.json, docs at /api/v3/docs/)
for Wagtail's own pages router and the platform's routers.

Wagtail's pages router answers anonymous callers with live, public pages only and lets token
holders (Authorization: Bearer …, Wagtail's API tokens) read and write exactly what their page
permissions allow — the same permission testers as the admin (access/roles.py), so a department
editor cannot publish, nor write another department's powers. Cookies never authenticate the
API, so a browser's session cannot be used to write through it (no CSRF exposure).

Wagtail's shared instance also carries images, documents, snippets, redirects and sites routers
that the hall does not publish; this instance mounts only what is meant to be public.
"""

from __future__ import annotations

from django.conf import settings
from ninja.renderers import JSONRenderer
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.api.v3.errors import register_exception_handlers
from wagtail.api.v3.routers import pages as wagtail_pages

from . import errors
from .openapi import DocumentedAPI, tags
from .routers import cases, departments, feedback, laws, powers, search, stats

# Wagtail's page actions the API offers: publishing and unpublishing (the permission testers let
# only the legal office do either to a power) and deleting. Reverting, moving, copying and
# aliases are the admin's: they are not part of running the catalogue, and Wagtail's revert
# ignores the lock on a power in review.
PAGE_ACTIONS = ("/{page_id}/actions/publish/", "/{page_id}/actions/unpublish/",
                "/{page_id}/actions/delete/")  # fmt: skip


def pages_router():
    """Wagtail's pages router (list, find, detail, create, update, delete, revisions) with only
    PAGE_ACTIONS of its actions."""
    from ninja import Router

    router = Router(tags=["pages"])
    router.path_operations = dict(wagtail_pages.router.path_operations)
    actions = Router(auth=BearerTokenAuth())
    actions.path_operations = {
        path: view
        for path, view in wagtail_pages.actions_router.path_operations.items()
        if path in PAGE_ACTIONS
    }
    router.add_router("/", actions)
    return router


def _docs_enabled(view):
    from functools import wraps

    from django.http import Http404

    @wraps(view)
    def gate(request, *args, **kwargs):
        if not getattr(settings, "WAGTAILAPI_DOCS_ENABLED", True):
            raise Http404
        return view(request, *args, **kwargs)

    return gate


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 text rather than \\u escapes: readable, and a third smaller for Chinese."""

    json_dumps_params = {"ensure_ascii": False}


api = DocumentedAPI(
    renderer=ChineseJSONRenderer(),
    title="行政权力网上公开透明运行平台 开放接口",
    version="3.0.0",
    description=(
        "网上政务大厅的全部公开内容：职权目录（事项、部门）、法律法规库、搜索、公众评议和评议结果，"
        "以及 Wagtail 的页面接口。只返回已发布、公开的内容；写入只对持有 API 令牌的工作人员开放，"
        "权限与管理后台相同。错误以 application/problem+json 返回，带稳定的 code 和中文说明。"
    ),
    # Wagtail's pages router builds its links with this namespace.
    urls_namespace="wagtailapi_v3",
    openapi_url="/openapi.json",
    docs_url="/docs/",
    docs_decorator=_docs_enabled,
    # English tags for generators, each with its Chinese name for people (api/openapi.py).
    openapi_extra={"tags": tags()},
)
register_exception_handlers(api)  # Wagtail's, then ours (which replace them)
errors.register(api)

api.add_router("/powers/", powers.router)
api.add_router("/departments/", departments.router)
api.add_router("/laws/", laws.router)
api.add_router("/search/", search.router)
api.add_router("/feedback/", feedback.router)
api.add_router("/stats/", stats.router)
api.add_router("/cases/", cases.router)
api.add_router("/pages/", pages_router())
