"""What the benchmarks report of their timings, computed one way for all of them."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, interpolated between the closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
