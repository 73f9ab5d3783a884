"""Reads of the law library for the public hall."""

from django.db.models import Count, Q

from catalogue.selectors import POWER_LIST_FIELDS, live_powers

from .models import Law, LawLevel


def law_list_grouped():
    """Laws by level, with the number of live powers citing each version."""
    live_ids = live_powers().values("id")
    laws = Law.objects.annotate(
        power_count=Count(
            "citations__power", filter=Q(citations__power__in=live_ids), distinct=True
        )
    ).order_by("title", "-version_date")
    grouped = {level: [] for level in LawLevel}
    for law in laws:
        grouped[LawLevel(law.level)].append(law)
    return [(level, items) for level, items in grouped.items() if items]


def law_detail(law):
    """A law's articles, its other versions, and the live powers that cite it."""
    citing = (
        live_powers()
        .filter(legal_bases__law=law)
        .distinct()
        .order_by("power_type", "path")
        .only(*POWER_LIST_FIELDS)
    )
    versions = (
        Law.objects.filter(title=law.title)
        .order_by("-version_date")
        .only("id", "title", "version_date", "status")
    )
    return {
        "articles": list(law.articles.order_by("sort_order")),
        "citing_powers": list(citing),
        "versions": list(versions),
    }
