"""Security headers that differ between the public hall and the admin, and the refusal of
query strings no page can use."""

from csp.middleware import CSPMiddleware
from django.http import QueryDict
from django.shortcuts import render

from common.parameters import unusable_parameter

ADMIN_PREFIX = "/admin/"


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
    """Query strings that would reach the database in a form it cannot take: a number beyond 64
    bits in a filter (an admin report's user, a page number) is a 400 with a Chinese message;
    NUL characters are dropped from every value (PostgreSQL refuses them in text). Never a
    database error. The API refuses its own the same way (api.middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            return self.get_response(request)
        pairs = request.GET.lists()
        if any("\x00" in name or any("\x00" in v for v in values) for name, values in pairs):
            cleaned = QueryDict(mutable=True)
            for name, values in request.GET.lists():
                cleaned.setlist(name.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            request.GET = cleaned
        reason = unusable_parameter(request.GET)
        if reason:
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings CONTENT_SECURITY_POLICY: nothing from another host, script
    only from the site), with one exception for the admin: Wagtail's admin widgets (choosers,
    date pickers, inline panels) start with inline scripts, so /admin/ also allows inline script
    — still nothing from another host. The hall and the API's docs keep the strict policy."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path.startswith(ADMIN_PREFIX) and parts.update is None:
            parts.update = {"script-src": ["'unsafe-inline'"]}
        return parts
