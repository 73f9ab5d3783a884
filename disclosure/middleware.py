"""Security headers that differ between the public hall and the admin, and the refusal of
query strings no page can use."""

from django.shortcuts import render

from common.parameters import unusable_parameter


class AdminSameOriginFramingMiddleware:
    """The public hall may never be framed (X_FRAME_OPTIONS = "DENY"); the Wagtail admin frames
    its own previews, so admin responses allow same-origin framing. Django's
    XFrameOptionsMiddleware keeps a header that is already set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


class UnusableParametersMiddleware:
    """A query string no page can use (a number beyond 64 bits in an admin report's filter, a
    NUL character) is a 400 with a Chinese message, never a database error. The API refuses
    its own the same way (api.middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reason = "" if request.path.startswith("/api/") else unusable_parameter(request.GET)
        if reason:
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)
