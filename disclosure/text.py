"""Cleaning text that comes from the public (query strings, forms) before it reaches a query."""

import unicodedata


def clean_public_text(value, max_length: int) -> str:
    """Trimmed, length-limited text without control characters (NUL breaks PostgreSQL)."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cs", "Cf"))
    return " ".join(text.split())[:max_length]
