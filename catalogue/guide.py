"""The printable guide (办事指南) of a power: one A4 page with its key facts, legal basis,
conditions, materials, the flowchart drawn across the page, rights and complaint channels, a QR
code of its permanent link and the date of the revision it shows; as a PDF made on the server.

The PDF is WeasyPrint's rendering of templates/catalogue/guide.html (its own stylesheet, plain
block layout that WeasyPrint handles well). It costs about a second (bench/flowchart.py), so it
is kept per revision and address in the shared cache: a power's guide is made once per
publication, whoever asks.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from common.qr import qr_svg

from . import flowchart
from .selectors import flowchart_tag, power_detail

PDF_TIMEOUT = 30 * 24 * 3600
# Part of the cache key: bump it when the guide's layout changes.
GUIDE_VERSION = 1


def permanent_url(request, power) -> str:
    return request.build_absolute_uri(reverse("power_short_url", args=[power.code]))


def guide_context(request, power) -> dict:
    detail = power_detail(power)
    department = detail["department"]
    chart = ""
    if power.steps:
        flow = flowchart.flow_of(power, department=department)
        chart = flowchart.to_svg(flowchart.layout(flow, flowchart.PRINT), ident="guide-fc")
    link = permanent_url(request, power)
    return {
        "page": power,
        **detail,
        "chart": chart,
        "link": link,
        "qr": qr_svg(link, scale=3, title="本事项永久链接二维码", scalable=True),
        "revision_date": power.last_published_at,
    }


def guide_pdf(request, power) -> bytes:
    """The guide of a live power as PDF bytes, made once per revision and address."""
    link = permanent_url(request, power)
    digest = hashlib.sha256(link.encode()).hexdigest()[:16]
    # The guide also shows the department and the laws: the generation follows both.
    key = f"guide-pdf:{GUIDE_VERSION}:{flowchart_tag(power.live_revision_id)}:{digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(render_to_string("catalogue/guide.html", guide_context(request, power)))
        cache.set(key, pdf, PDF_TIMEOUT)
    return pdf


class GuideUnavailable(Exception):
    """The server cannot make PDFs (WeasyPrint's Pango library is missing)."""


def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401 - loads Pango through cffi
    except (ImportError, OSError):
        return False
    return True


def render_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML  # imported on first use: it loads Pango
    except (ImportError, OSError) as error:
        raise GuideUnavailable(str(error)) from error
    # The guide needs nothing from outside its own markup: no base URL, and every fetch (file://,
    # http://) refused, whatever text a power holds.
    return HTML(string=html, base_url=None, url_fetcher=_refuse_fetch).write_pdf()


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"办事指南不读取外部资源：{url[:100]}")
