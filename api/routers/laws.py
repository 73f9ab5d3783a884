"""/api/v3/laws/: the law library (法律法规库), each law with its articles and the powers citing
it."""

import re

from django.db.models import Count
from ninja import Query, Router

from catalogue.models import LegalBasis
from catalogue.selectors import POWER_LIST_FIELDS, live_powers
from laws.models import Law, LawLevel, LawStatus

from .. import serializers
from ..errors import ApiError, Problem, echo
from ..params import MAX_PAGE, MAX_PAGE_SIZE, choice, known_parameters, paginate
from ..schemas import LawDetail, LawList

router = Router(tags=["laws"])
LAW_ID = re.compile(r"[1-9][0-9]{0,9}")


@router.get(
    "/",
    response={200: LawList, 400: Problem, 404: Problem},
    summary="法律法规列表",
    description="法规库中的法律法规（各版本），可按效力级别和状态筛选。",
    operation_id="laws_list",
)
@known_parameters("level", "status", "page", "page_size")
def laws_list(
    request,
    level: str | None = Query(None, max_length=32, description="效力级别代码"),
    status: str | None = Query(None, max_length=32, description="in_force 现行有效 等"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    laws = Law.objects.all()
    if level:
        laws = laws.filter(level=choice(level, LawLevel, "效力级别"))
    if status:
        laws = laws.filter(status=choice(status, LawStatus, "状态"))
    envelope, window = paginate(request, laws, page, page_size)
    shown = list(laws.annotate(article_count=Count("articles")).order_by("title", "-version_date",
                                                                         "id")[window])  # fmt: skip
    items = [serializers.law_summary(law, law.article_count) for law in shown]
    return {**envelope, "items": items}


@router.get(
    "/{law_id}/",
    response={200: LawDetail, 404: Problem, 400: Problem},
    summary="法律法规详情",
    description="一部法律法规（一个版本）的全部条文，以及引用它的公开事项。",
    operation_id="laws_detail",
)
@known_parameters()
def laws_detail(request, law_id: str):
    # strictly digits: "+1", "1_0" or " 1" are not another name for a law
    law = Law.objects.filter(pk=int(law_id)).first() if LAW_ID.fullmatch(law_id) else None
    if law is None:
        raise ApiError(404, "not_found", f"法规库中没有编号为 {echo(law_id)} 的法律法规。")
    articles = list(law.articles.order_by("sort_order"))
    citing = {}
    for basis in (
        LegalBasis.objects.filter(law=law, power__in=live_powers().values("pk"))
        .select_related("power")
        .only("articles", "power__" + "code", *(f"power__{f}" for f in POWER_LIST_FIELDS))
        .order_by("power__power_type", "power__path", "sort_order")
    ):
        power = basis.power
        if power.pk in citing:
            citing[power.pk]["articles"] += f"、{basis.articles}" if basis.articles else ""
            continue
        citing[power.pk] = {
            "code": power.code,
            "title": power.title,
            "articles": basis.articles,
            "url": power.get_url(request=request) or "",
            "api_url": serializers.power_api_url(power.code),
        }
    return {
        **serializers.law_summary(law, len(articles)),
        "history": law.history,
        "source": law.source,
        "status_changed_on": law.status_changed_on,
        "article_list": [
            {"number": a.number, "chapter": a.chapter, "text": a.text, "anchor": a.anchor}
            for a in articles
        ],  # fmt: skip
        "cited_by": list(citing.values()),
    }
