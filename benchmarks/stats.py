"""What the benchmarks report of their timings, computed one way for all of them."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (q a whole number from 1 to 99), interpolated between the closest
    ranks: the standard library's inclusive quantiles. One value is its own percentile."""
    if not 1 <= q <= 99 or q != int(q):
        raise ValueError(f"percentile: q must be a whole number from 1 to 99, not {q!r}")
    if not values:
        raise ValueError("percentile: no values")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
