"""The receipt (受理回执 / 受理通知书) and its QR code, for the hall's online receipt and the
window's printed one in the admin: `receipt_context` gives what templates/cases/_receipt.html
needs."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.urls import reverse
from django.utils.safestring import mark_safe


def lookup_path(case_no: str) -> str:
    return f"{reverse('cases:lookup')}?{urlencode({'no': case_no})}"


def qr_svg(text: str, *, scale: int = 4) -> str:
    """An SVG QR code (no inline style: the hall's CSP allows none), safe to put in a page."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(scale=scale, title="查询二维码", svgclass="qr", lineclass="qr__line")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the text is encoded in the path


def receipt_context(request, case, password: str) -> dict:
    """The receipt of a new case: its number, the password (shown only here, once), the
    promised time limit and a QR code to the lookup page."""
    lookup_url = request.build_absolute_uri(lookup_path(case.case_no))
    return {
        "receipt_case": case,
        "receipt_password": password,
        "receipt_lookup_url": lookup_url,
        "receipt_qr": qr_svg(lookup_url),
    }
