"""Cleaning text that comes from the public (query strings, forms) before it reaches a query."""

import unicodedata


def clean_public_text(value, max_length: int, *, multiline=False) -> str:
    """Trimmed, length-limited text without control characters (NUL breaks PostgreSQL); with
    `multiline`, line breaks are kept (at most one blank line in a row)."""
    if not isinstance(value, str):
        return ""
    if value.isprintable():  # no control, format or surrogate character, no line break
        text = value
    else:
        keep = "\n" if multiline else ""
        text = "".join(
            ch for ch in value.replace("\r\n", "\n")
            if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs", "Cf")
        )  # fmt: skip
    if not multiline:
        return " ".join(text.split())[:max_length]
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text[:max_length]
