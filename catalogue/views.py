from django.http import Http404
from django.shortcuts import redirect

from .selectors import live_powers

MAX_CODE_LENGTH = 64


def power_short_url(request, code):
    """/p/<code>/: the permanent address of a power, whatever its title or department."""
    if len(code) > MAX_CODE_LENGTH:
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).only("id", "url_path", "path", "depth").first()
    if power is None:
        raise Http404("没有这个事项编码")
    return redirect(power.get_url(request=request))
