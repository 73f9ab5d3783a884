import logging
import re

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from . import guide
from .flowchart import png_available
from .selectors import flowchart_tag, live_powers, power_flowchart_file
from .validators import CODE_PATTERN

CODE_RE = re.compile(CODE_PATTERN)
logger = logging.getLogger(__name__)


def power_short_url(request, code):
    """/p/<code>/: the permanent address of a power, whatever its title or department."""
    if not CODE_RE.match(code):
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).only("id", "url_path", "path", "depth").first()
    if power is None:
        raise Http404("没有这个事项编码")
    return redirect(power.get_url(request=request))


def _live_power_with_steps(code):
    if not CODE_RE.match(code):
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).first()
    if power is None:
        raise Http404("没有这个事项编码")
    if not power.steps:
        raise Http404("本事项尚未公开办理流程，没有流程图")
    return power


def _chart_response(request, code, kind):
    power = _live_power_with_steps(code)
    etag = f'"fc-{flowchart_tag(power.live_revision_id)}-{kind}"'
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified(headers={"ETag": etag})
    if kind == "png" and not png_available():
        # Without a CJK font the bitmap would show boxes instead of text (check --deploy says so).
        return HttpResponse(
            "本服务器缺少中文字体，暂时无法提供 PNG 流程图，请使用 SVG 版本。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    content = power_flowchart_file(power, kind=kind, revision_id=power.live_revision_id)
    content_type = "image/png" if kind == "png" else "image/svg+xml; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Disposition"] = f'inline; filename="{power.code}-flowchart.{kind}"'
    # A standalone SVG is a document: it may style itself, nothing else.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@require_safe
def flowchart_svg(request, code):
    """/p/<code>/flowchart.svg: the power's chart generated from its live steps."""
    return _chart_response(request, code, "svg")


@require_safe
def flowchart_png(request, code):
    """/p/<code>/flowchart.png: the same chart as a bitmap (the API, the open data)."""
    return _chart_response(request, code, "png")


@require_safe
def guide_pdf(request, code):
    """/p/<code>/guide.pdf: the one-page printable guide (办事指南) of a live power."""
    if not CODE_RE.match(code):
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).first()
    if power is None:
        raise Http404("没有这个事项编码")
    try:
        pdf = guide.guide_pdf(request, power)
    except guide.GuideUnavailable:
        logger.exception("办事指南 PDF 无法生成")
        return HttpResponse(
            "本服务器暂时无法生成 PDF（缺少 Pango 组件），请使用浏览器的“打印”功能打印办事指南。",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{power.code}-guide.pdf"'
    response["Cache-Control"] = "public, max-age=300"
    return response
