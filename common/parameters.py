"""Query-string values that no page can use: refused before any reaches the database, where, on
PostgreSQL, a number beyond 64 bits or a NUL character is a database error (a 500), and on
SQLite an overflow. The API (api.middleware) and the hall and admin
(disclosure.middleware.UnusableParametersMiddleware) both ask here."""

import re

# An integer of 19 digits or more does not fit the database's 64-bit integers.
HUGE_NUMBER = re.compile(r"[-+]?0*\d{19,}")
# Parameters that are text whatever their characters (a long number searched for is text).
TEXT_PARAMETERS = frozenset({"q", "tag", "search", "verifier", "html_path"})


def unusable_parameter(query_dict) -> str:
    """Why these parameters cannot be used (Chinese), or "" when they can."""
    for name, values in query_dict.lists():
        for value in values:
            if "\x00" in value or "\x00" in name:
                return "请求参数含有不允许的字符。"
            if name not in TEXT_PARAMETERS and HUGE_NUMBER.fullmatch(value.strip()):
                return "请求参数超出范围。"
    return ""
