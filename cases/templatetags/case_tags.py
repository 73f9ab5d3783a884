"""Cases on a power's page (its template loads this; the catalogue does not import cases)."""

from django import template
from django.core.cache import cache
from django.urls import reverse

from catalogue.flowchart import NARROW, WIDE
from catalogue.selectors import live_powers, revision_flowchart

from ..selectors import power_figures

register = template.Library()
# The figures are one aggregate query; kept a few minutes so a busy power page does not repeat it.
FIGURES_SECONDS = 300


@register.inclusion_tag("cases/_figures.html")
def case_figures(power):
    """This year's 受理, 办结, average working days against the promise, on-time rate, and the
    way to 网上申报 where the power accepts it."""
    key = f"cases:figures:{power.pk}"
    figures = cache.get(key)
    if figures is None:
        figures = power_figures(power)
        cache.set(key, figures, FIGURES_SECONDS)
    return {
        "power": power,
        "figures": figures,
        "online": (power.online_depth or 0) >= 3,
        "apply_url": reverse("cases:apply", args=[power.code]),
        "list_url": f"{reverse('cases:list')}?power={power.code}",
    }


@register.inclusion_tag("cases/_flowchart.html")
def case_flowchart(case, steps, admin=False):
    """The flowchart of the revision the case follows, with its path marked: steps done, the
    one at hand, late ones (done late, or waiting past their date)."""
    if not live_powers().filter(pk=case.power_id).exists():
        # The power is no longer public: its chart (supervision points, channels) neither.
        return {"case": case, "wide": "", "narrow": ""}
    marks = {}
    for index, step in enumerate(steps):
        if step.completed_at:
            marks[index] = "late" if step.late else "done"
        elif index == case.current_step and case.is_open:
            # While the clock is stopped (补正, 特别程序) the step's date has not moved yet.
            marks[index] = "late" if step.late and not case.paused_since else "current"
    return {
        "case": case,
        "wide": revision_flowchart(case.revision_id, WIDE, marks=marks, ident="case-fc-w"),
        # The admin is a desktop tool without the hall's stylesheet: the wide chart only.
        "narrow": ""
        if admin
        else revision_flowchart(case.revision_id, NARROW, marks=marks, ident="case-fc-n"),
    }
