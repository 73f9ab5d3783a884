"""Query-string rules shared by the platform's endpoints: unknown parameters are refused (a
misspelt filter must not silently return everything), pages are numbered from 1."""

from __future__ import annotations

import math
from functools import wraps

from django.http import QueryDict

from .errors import ApiError, echo

MAX_PAGE = 100_000
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
PAGING = ("page", "page_size")


def known_parameters(*names):
    """Refuse a request whose query string names anything else (400 unknown_parameter)."""
    allowed = frozenset(names)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            unknown = sorted(set(request.GET.keys()) - allowed)
            if unknown:
                shown = "、".join(echo(name) for name in unknown[:5])
                raise ApiError(
                    400, "unknown_parameter",
                    f"不支持的参数：{shown}。可用的参数：{'、'.join(sorted(allowed)) or '无'}。",
                )  # fmt: skip
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def choice(value: str, choices, what: str) -> str:
    """A filter value among a TextChoices (its code or its Chinese label); 400 otherwise."""
    value = value.strip()
    for member in choices:
        if value in (member.value, member.label):
            return member.value
    listed = "、".join(f"{member.value}（{member.label}）" for member in choices)
    raise ApiError(400, "invalid_parameter", f"未知的{what}“{echo(value)}”。可用：{listed}。")


def page_window(count: int, page: int, page_size: int) -> tuple[int, int, int]:
    """(pages, start, end) for a page of `count` items; a page beyond the last is a 404."""
    pages = max(1, math.ceil(count / page_size))
    if page > pages:
        raise ApiError(404, "page_out_of_range", f"页码超出范围：共 {pages} 页。")
    start = (page - 1) * page_size
    return pages, start, start + page_size


def page_links(request, page: int, pages: int) -> tuple[str | None, str | None]:
    def link(number):
        query = QueryDict(mutable=True)
        query.update(request.GET)
        query["page"] = str(number)
        return f"{request.path}?{query.urlencode()}"

    return (link(page + 1) if page < pages else None, link(page - 1) if page > 1 else None)


def paginate(request, queryset_or_count, page: int, page_size: int):
    """The page envelope (count, page, pages, next, previous) and the slice to show."""
    count = queryset_or_count if isinstance(queryset_or_count, int) else queryset_or_count.count()
    pages, start, end = page_window(count, page, page_size)
    following, preceding = page_links(request, page, pages)
    envelope = {"count": count, "page": page, "page_size": page_size, "pages": pages,
                "next": following, "previous": preceding}  # fmt: skip
    return envelope, slice(start, end)
