"""What the catalogue adds to the law library's pages: the live powers that cite a law (the law
library is below the catalogue and does not import it; its templates load these tags)."""

from django import template
from django.db.models import Count

from ..models import LegalBasis
from ..selectors import POWER_LIST_FIELDS, live_powers

register = template.Library()


@register.simple_tag
def powers_citing(law):
    """The live, public powers whose legal basis cites this version of the law."""
    return list(
        live_powers()
        .filter(legal_bases__law=law)
        .distinct()
        .order_by("power_type", "path")
        .only(*POWER_LIST_FIELDS)
    )


@register.simple_tag
def with_citing_counts(groups):
    """The law list's groups, each law with `power_count`: the live powers citing it (one
    query for the whole list)."""
    laws = [law for _level, items in groups for law in items]
    counts = dict(
        LegalBasis.objects.filter(law__in=laws, power__in=live_powers().values("id"))
        .values_list("law")
        .annotate(n=Count("power", distinct=True))
    )
    for law in laws:
        law.power_count = counts.get(law.pk, 0)
    return groups
