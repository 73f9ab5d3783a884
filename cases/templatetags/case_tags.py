"""Cases on a power's page (its template loads this; the catalogue does not import cases)."""

from django import template
from django.core.cache import cache
from django.urls import reverse

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
