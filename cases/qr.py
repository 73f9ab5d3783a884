"""The receipt (受理回执 / 受理通知书) and its QR code, for the hall's online receipt and the
window's printed one in the admin: `receipt_context` gives what templates/cases/_receipt.html
needs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from common.qr import qr_svg as _qr_svg


def lookup_path(case_no: str) -> str:
    return f"{reverse('cases:lookup')}?{urlencode({'no': case_no})}"


def qr_svg(text: str, *, scale: int = 4) -> str:
    """The receipt's QR code of the lookup page."""
    return _qr_svg(text, scale=scale, title="查询二维码")


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
