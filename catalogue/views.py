import re

from django.http import Http404
from django.shortcuts import redirect

from .selectors import live_powers
from .validators import CODE_PATTERN

CODE_RE = re.compile(CODE_PATTERN)


def power_short_url(request, code):
    """/p/<code>/: the permanent address of a power, whatever its title or department."""
    if not CODE_RE.match(code):
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).only("id", "url_path", "path", "depth").first()
    if power is None:
        raise Http404("没有这个事项编码")
    return redirect(power.get_url(request=request))


def flowchart_svg(request, code):
    raise Http404("流程图尚未实现")  # replaced in this session by the generated chart


def flowchart_png(request, code):
    raise Http404("流程图尚未实现")


def guide_pdf(request, code):
    raise Http404("办事指南尚未实现")
