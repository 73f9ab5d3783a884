"""A search page's results as JSON: one form for /search/json/ and the API's /api/v3/search/
(which adds its own links to each hit)."""


def hit_json(hit):
    document = hit.document
    return {
        "kind": document.kind,
        "title": document.title,
        "url": document.url,
        "code": document.code,
        "type": document.power_type,
        "status": document.status,
        "highlight": {"title": str(hit.title), "snippet": str(hit.snippet)},
    }


def result_json(result, hit=hit_json) -> dict:
    """A search page's results as JSON (also the API's /api/v3/search/, with its own hit)."""
    return {
        "query": result.query,
        "searched": result.searched or result.query,
        "corrected_from": result.corrected_from,
        "suggestion": result.suggestion,
        "departments_named": result.department_names,
        "words": result.words,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "partial": result.partial,
        "narrowed": result.narrowed,
        "listed": result.listed,
        "widened": result.widened,
        "loosened": result.loosened,
        "leading": result.leading,
        "guessed": result.guessed,
        "guessed_as": result.guessed_as,
        "hits": [hit(h) for h in result.hits],
        "topics": [hit(h) for h in result.topics],
        "articles": [hit(h) for h in result.articles],
        "departments": [hit(h) for h in result.departments],
        "facets": {
            name: [
                {"value": f.value, "label": str(f.label), "count": f.count, "selected": f.selected}
                for f in facets
            ]
            for name, facets in result.facets.items()
        },
    }
