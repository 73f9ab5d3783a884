"""The hall's search page. A plain search over live powers until the search issue lands."""

from django.core.paginator import Paginator
from django.shortcuts import render

from catalogue.selectors import live_powers
from disclosure.text import clean_public_text

MAX_QUERY_LENGTH = 100


def search(request):
    query = clean_public_text(request.GET.get("q", ""), MAX_QUERY_LENGTH)
    results = None
    if query:
        matches = (
            live_powers()
            .filter(title__icontains=query)
            .order_by("power_type", "path")
            .only("id", "path", "depth", "title", "code", "power_type", "url_path")
        ) | live_powers().filter(code=query)
        results = Paginator(matches.distinct(), 20).get_page(request.GET.get("page"))
    return render(request, "search/search.html", {"query": query, "results": results})
