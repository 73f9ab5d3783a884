"""What the catalogue adds to the law library's pages: the live powers that cite a law (the law
library is below the catalogue and does not import it; its templates load these tags)."""

from django import template
from django.db.models import Count
from django.urls import reverse

from ..models import LegalBasis, PowerPage
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


@register.inclusion_tag("catalogue/_flowchart.html", takes_context=True)
def power_flowchart(context, page, department=None):
    """The power page's 流程图: the chart generated from the steps (both widths, the page shows
    the one that fits), the department's own uploaded chart as an addition; in the legal
    office's preview of a revision, the chart of that revision with the steps it adds or
    changes marked, and the live chart beside it."""
    from .. import flowchart
    from ..selectors import power_flowchart as chart
    from ..selectors import step_changes

    request = context.get("request")
    preview = bool(getattr(request, "is_preview", False))
    result = {"page": page, "preview": preview, "request": request}
    if not page.steps:
        return result
    revision_id = None if preview else page.live_revision_id
    marks = None
    if preview and page.pk:
        live = PowerPage.objects.filter(pk=page.pk, live=True).first()
        if live is None:
            result["new_power"] = True
        else:
            changes = step_changes(live, page)
            result["changes"] = changes
            marks = changes["marks"]
            if marks or changes["removed"] or changes["moved"]:
                result["live_chart"] = chart(
                    live, flowchart.WIDE, revision_id=live.live_revision_id,
                    department=department, ident="fc-live",
                )  # fmt: skip
    for variant in (flowchart.WIDE, flowchart.NARROW, flowchart.PRINT):
        result[variant] = chart(
            page, variant, revision_id=revision_id, marks=marks, department=department,
            ident=f"fc-{variant}",
        )  # fmt: skip
    return result


@register.simple_tag(takes_context=True)
def power_link_qr(context, page):
    """A QR code of the power's permanent link (/p/<code>/), for the printed guide."""
    from common.qr import qr_svg

    request = context.get("request")
    if request is None or not page.code:
        return ""
    link = request.build_absolute_uri(reverse("power_short_url", args=[page.code]))
    return qr_svg(link, scale=3, title="本事项永久链接二维码", scalable=True)
