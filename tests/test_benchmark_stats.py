"""The benchmarks' percentile, against percentiles worked out by hand."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

# The benchmarks are scripts that import `stats` from their own folder, not a package.
_spec = importlib.util.spec_from_file_location(
    "benchmark_stats", Path(__file__).parent.parent / "benchmarks" / "stats.py"
)
assert _spec is not None and _spec.loader is not None
stats = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stats)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        # Sorted 1, 2, 3, 4: rank (4 − 1)·q/100 from 0, linear between its neighbours.
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # rank 1.5: halfway from 2 to 3
        ([4.0, 1.0, 3.0, 2.0], 90, 3.7),  # rank 2.7: 3 + 0.7 × (4 − 3)
        ([4.0, 1.0, 3.0, 2.0], 99, 3.97),  # rank 2.97
        ([4.0, 1.0, 3.0, 2.0], 1, 1.03),  # rank 0.03
        ([0.0, 100.0], 37, 37.0),
        ([5.0, 5.0, 5.0], 90, 5.0),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 50, 30.0),  # the median, an element
        ([10.0, 20.0, 30.0, 40.0, 50.0], 90, 46.0),  # rank 3.6: 40 + 0.6 × 10
        ([7.5], 99, 7.5),  # one value is every percentile of itself
    ],
)
def test_percentile(values: list[float], q: int, expected: float) -> None:
    assert stats.percentile(values, q) == pytest.approx(expected, rel=1e-12)


def test_percentile_leaves_its_values_in_order() -> None:
    values = [3.0, 1.0, 2.0]
    stats.percentile(values, 50)
    assert values == [3.0, 1.0, 2.0]


@pytest.mark.parametrize(("values", "q"), [([], 50), ([1.0, 2.0], 0), ([1.0, 2.0], 100)])
def test_percentile_refuses_what_has_none(values: list[float], q: int) -> None:
    with pytest.raises(ValueError):
        stats.percentile(values, q)
