"""Medians and percentiles, the same everywhere."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable


def percentile(values: Iterable[float], percent: float) -> float:
    """The nearest-rank percentile (NaN without values): the smallest value that at least
    `percent` % of the values do not exceed."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def distribution(values: Iterable[float]) -> dict:
    """n, p50, p95, p99, max and mean of the values ({"n": 0} without values)."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def sum_counts(many: Iterable[dict]) -> dict:
    """{"200": 3} + {"200": 1, "429": 2} = {"200": 4, "429": 2}."""
    total: Counter = Counter()
    for counts in many:
        total.update(counts)
    return dict(total)
