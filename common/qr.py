"""QR codes as SVG, drawn on the server (segno; no network, no JavaScript)."""

import segno
from django.utils.safestring import mark_safe


def qr_svg(text: str, *, scale: int = 4, title: str = "二维码", scalable: bool = False) -> str:
    """An SVG QR code of `text` (no inline style: the hall's CSP allows none), safe to put in a
    page: segno's own markup, the text is encoded in the path. `scalable`: a viewBox and no
    size of its own, for a stylesheet to size it (print)."""
    code = segno.make(text, error="m")
    svg = code.svg_inline(
        scale=scale, title=title, svgclass="qr", lineclass="qr__line", omitsize=scalable
    )
    return mark_safe(svg)  # noqa: S308
