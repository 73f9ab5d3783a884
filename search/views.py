"""The hall's search page. A plain search over live powers until the search issue lands."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from catalogue.selectors import POWER_LIST_FIELDS, live_powers, with_departments
from disclosure.text import clean_public_text

MAX_QUERY_LENGTH = 100


def search(request):
    query = clean_public_text(request.GET.get("q", ""), MAX_QUERY_LENGTH)
    results, rows = None, []
    if query:
        matches = (
            live_powers()
            .filter(Q(title__icontains=query) | Q(code=query))
            .order_by("power_type", "path")
            .only(*POWER_LIST_FIELDS)
        )
        results = Paginator(matches, 20).get_page(request.GET.get("page"))
        rows = with_departments(results.object_list)
    context = {"query": query, "results": results, "rows": rows}
    return render(request, "search/search.html", context)
