"""The site's URLs plus the benchmark's ceiling: a plain view returning exactly 1 KB."""

from django.http import HttpResponse
from django.urls import include, path

PLAIN_BODY = b"x" * 1023 + b"\n"  # 1024 bytes


def plain(request):
    """The cheapest useful Django view: the ceiling the public pages are compared with."""
    return HttpResponse(PLAIN_BODY, content_type="text/plain; charset=utf-8")


urlpatterns = [
    # The ceiling: under a prefix the page cache skips, so Django's full stack and no cache.
    path("_util/bench/plain/", plain, name="bench_plain"),
    # The same view where the page cache stores it, to compare with the pages' cache hits.
    path("_bench/plain/", plain, name="bench_plain_cached"),
    path("", include("disclosure.urls")),
]

handler404 = "disclosure.views.page_not_found"
handler500 = "disclosure.views.server_error"
