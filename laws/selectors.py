"""Reads of the law library for the public hall (the powers citing a law are the catalogue's:
catalogue/templatetags/catalogue_tags.py)."""

from .models import Law, LawLevel


def law_list_grouped():
    """Laws by level, newest version of each title first."""
    laws = Law.objects.order_by("title", "-version_date")
    grouped = {level: [] for level in LawLevel}
    for law in laws:
        grouped[LawLevel(law.level)].append(law)
    return [(level, items) for level, items in grouped.items() if items]


def law_detail(law):
    """A law's articles and its other versions."""
    versions = (
        Law.objects.filter(title=law.title)
        .order_by("-version_date")
        .only("id", "title", "version_date", "status")
    )
    return {
        "articles": list(law.articles.order_by("sort_order")),
        "versions": list(versions),
    }
