"""/api/v3/search/: the hall's Chinese search, the same results as the search page."""

import re
from typing import Literal

from ninja import Query, Router

from common.text import clean_public_text
from search.engine import MAX_QUERY_LENGTH, search_hall
from search.serializers import hit_json, result_json
from search.services import search_log_record

from .. import serializers
from ..errors import ApiError, Problem, echo
from ..params import known_parameters
from ..schemas import SearchResult

router = Router(tags=["search"])
MAX_SEARCH_PAGE = 500
_LAW_URL = re.compile(r"^/laws/(\d+)/")


def _api_url(document):
    if document.kind == "power" and document.code:
        return serializers.power_api_url(document.code)
    if document.kind == "department" and document.code:
        return serializers.department_api_url(document.code)
    match = _LAW_URL.match(document.url or "")
    return f"{serializers.API}/laws/{match.group(1)}/" if match else None


def _hit(hit):
    json = hit_json(hit)
    json["api_url"] = _api_url(hit.document)
    for name in ("code", "type", "status"):
        json[name] = json[name] or ""
    return json


@router.get(
    "/",
    response={200: SearchResult, 400: Problem},
    summary="搜索",
    description="网上政务大厅的中文搜索，与 /search/ 页面结果相同：理解繁体字、错别字、简称、"
    "部门俗称和日常说法；事项命中（标题和摘要中的命中词以 <mark> 标出，其余已转义）、分面计数、"
    "相关的“一件事”主题、法规条文和部门。",
    operation_id="search",
)
@known_parameters("q", "type", "dept", "status", "page", "exact", "scope")
def search(
    request,
    q: str = Query(..., min_length=1, max_length=MAX_QUERY_LENGTH, description="搜索词"),
    type: str | None = Query(None, max_length=20, description="事项类型（名称或国家编码）"),
    dept: str | None = Query(None, max_length=64, description="部门编码"),
    status: str | None = Query(None, max_length=20, description="状态"),
    page: int = Query(1, ge=1, le=MAX_SEARCH_PAGE),
    exact: bool = Query(False, description="true：按原词搜索，不纠正错别字"),
    scope: Literal["all"] | None = Query(
        None, description="all：也列出只在申请材料、办理流程等内容中提到这些词的事项（见 narrowed）"
    ),
):
    query = clean_public_text(q, MAX_QUERY_LENGTH)
    params = {name: value for name, value in (("type", type), ("dept", dept),
                                              ("status", status)) if value}  # fmt: skip
    result = search_hall(query, {**params, "exact": exact, "scope": scope or ""}, page_number=page)
    ignored = [name for name in params if name not in result.selected]
    if ignored:
        labels = {"type": "事项类型", "dept": "部门编码", "status": "状态"}
        shown = "、".join(f"{labels[n]}“{echo(params[n])}”" for n in ignored)
        raise ApiError(400, "invalid_parameter", f"无效的筛选条件：{shown}。")
    if query:
        search_log_record(result)
    return result_json(result, hit=_hit)
