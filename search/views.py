"""The hall's search page (/search/), its JSON form and the autocomplete suggestions."""

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache

from catalogue.choices import PowerType
from common.text import clean_public_text

from .engine import MAX_QUERY_LENGTH, search_hall, suggest
from .serializers import result_json
from .services import promotions_for, search_click_record, search_log_record

RELATED_TYPES = [PowerType.LICENSING, PowerType.CONFIRMATION, PowerType.PUBLIC_SERVICE]


def _page_number(request):
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def _run(request):
    """(the results, the log entry of this search or None)."""
    query = clean_public_text(request.GET.get("q", ""), MAX_QUERY_LENGTH)
    result = search_hall(query, request.GET, page_number=_page_number(request))
    entry = None
    if query:
        entry = search_log_record(result)
    return result, entry


FACET_PARAMS = {"type": "type", "dept": "dept", "status": "status"}


def _kept(result, *, leave_out=None):
    """The query string of these results (query, exact, scope, the filters but `leave_out`)."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["q"] = result.searched or result.query
    if result.exact:
        query["exact"] = "1"
    if result.everywhere:
        query["scope"] = "all"
    for name, value in result.selected.items():
        if name != leave_out:
            query[name] = value
    return query


def _facet_links(result):
    """A link for each facet value that toggles it, keeping the query and the other filters."""
    links = {}
    for name, facets in result.facets.items():
        for facet in facets:
            query = _kept(result, leave_out=name)
            if not facet.selected:
                query[name] = facet.value
            links[(name, facet.value)] = "?" + query.urlencode()
    return links


def _query_link(text, **extra):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["q"] = text
    for name, value in extra.items():
        query[name] = value
    return "?" + query.urlencode()


def _page_link(result, number):
    query = _kept(result)
    query["page"] = number
    return "?" + query.urlencode()


def _everywhere_link(result):
    """The same search among every power that mentions the words (see search.engine)."""
    query = _kept(result)
    query["scope"] = "all"
    return "?" + query.urlencode()


# Private: every search is logged, so no shared cache may answer it.
@cache_control(private=True, max_age=0)
def search(request):
    result, entry = _run(request)
    links = _facet_links(result)
    facets = [
        (
            label,
            name,
            [(facet, links[(name, facet.value)]) for facet in result.facets.get(name, [])],
        )
        for label, name in (("事项类型", "type"), ("实施主体", "dept"), ("状态", "status"))
    ]
    context = {
        "query": result.query,
        "result": result,
        "facets": facets,
        "previous_link": _page_link(result, result.page - 1) if result.page > 1 else None,
        "next_link": _page_link(result, result.page + 1) if result.page < result.pages else None,
        "promotions": promotions_for(result.query) if result.query else [],
        "exact_link": _query_link(result.corrected_from, exact=1) if result.corrected_from else "",
        "suggestion_link": _query_link(result.suggestion) if result.suggestion else "",
        "everywhere_link": _everywhere_link(result) if result.narrowed else "",
        "log_entry": entry,
        "related_types": RELATED_TYPES,
    }
    return render(request, "search/search.html", context)


@cache_control(private=True, max_age=0)
def search_json(request):
    """GET /search/json/?q=…: the search page's results as JSON."""
    result, _entry = _run(request)
    return JsonResponse(result_json(result), json_dumps_params={"ensure_ascii": False})


@cache_control(public=True, max_age=60)
def suggestions(request):
    """GET /search/suggest/?q=…: power names for autocomplete."""
    return JsonResponse(
        {"suggestions": suggest(request.GET.get("q", ""))},
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def click(request, entry: int, document: int):
    """GET /search/click/<entry>/<document>/: a result opened from the search page; counted for
    the search log (search.services.search_click_record), then on to the result."""
    url = search_click_record(entry, document)
    if url is None:
        raise Http404("没有这个搜索结果")
    return HttpResponseRedirect(url)
