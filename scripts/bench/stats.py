"""The few statistics the report gives."""

from __future__ import annotations

import statistics
from typing import Any


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def p99(values: list[float]) -> float:
    """The 99th percentile, interpolated between the two nearest samples."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def summary_ms(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 3),
        "p99": round(p99(values), 3),
        "max": round(max(values), 3),
    }
