"""Security headers that differ between the public hall and the admin."""


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
