"""SQL statements counted, by verb and table."""

from __future__ import annotations

import re
from collections import Counter

_TABLE_RE = re.compile(r'^\s*(?:UPDATE|(\w+).*?(?:FROM|INTO))\s+[`"]?(\w+)', re.S | re.I)


def statement_kind(sql: str) -> str:
    """SELECT catalogue_powerpage, INSERT INTO … → INSERT feedback_feedback, UPDATE …, or the
    first word (SAVEPOINT, RELEASE, …) when no table is named."""
    match = _TABLE_RE.match(sql)
    if match:
        return f"{(match.group(1) or 'UPDATE').upper()} {match.group(2)}"
    return (sql.split(None, 1) or ["?"])[0].upper()


class StatementCounter:
    """For connection.execute_wrapper(): counts every statement, and each kind."""

    def __init__(self):
        self.count = 0
        self.kinds: Counter = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.kinds[statement_kind(sql)] += 1
        return execute(sql, params, many, context)
