"""Every computation: runs on its defaults and on extreme-but-valid inputs, names stay tidy."""

import itertools
import math

import pytest

from llmtutor.engine import COMPUTATIONS

NEW = ("cross_entropy", "slope", "chain_rule", "adam", "schedule", "saddle", "training_step")


def extremes(spec):
    """Valid values at the edges of what `spec` accepts."""
    if spec.kind == "floats":
        candidates = [
            (spec.limit,),
            (-spec.limit, spec.limit) * 3,
            (0.0,) * spec.max_items,
            (1e-300, -1e-300),
        ]
    else:
        low = spec.minimum if spec.minimum is not None else -spec.limit
        high = spec.maximum if spec.maximum is not None else spec.limit
        if spec.below is not None:
            high = math.nextafter(spec.below, -math.inf)
        candidates = [low, high, 1e-300, 1, 0, -1e-300, 5e-324]
        if spec.positive:
            candidates.append(math.nextafter(0, 1))
        if spec.kind == "int":
            candidates = [round(c) for c in candidates]
    return [c for c in candidates if spec.check(c) is None]


@pytest.mark.parametrize("name", NEW)
def test_defaults_run_and_names_are_tidy(name):
    computation = COMPUTATIONS[name]
    trace = computation.run({})
    for spec in computation.inputs:
        assert spec.check(spec.default) is None
        assert spec.name in trace, f"input {spec.name} is not in the trace"
    for quantity in trace.values():
        assert len(quantity.symbol) <= 16, quantity.symbol
        assert len(quantity.formula) <= 42, quantity.formula
        assert math.isfinite(quantity.value), quantity.name
    for series in trace.series.values():
        assert len(series.x) == len(series.y) > 1
        assert all(math.isfinite(v) for v in series.x + series.y)


@pytest.mark.parametrize("name", NEW)
def test_extreme_inputs_do_not_raise(name):
    computation = COMPUTATIONS[name]
    for spec in computation.inputs:
        for value in extremes(spec):
            values = {spec.name: value}
            if computation.validate(values) is None:
                computation.run(values)


def test_extreme_pairs_do_not_raise():
    # A few inputs at their edges together, where they interact.
    for name in ("adam", "slope", "cross_entropy"):
        computation = COMPUTATIONS[name]
        specs = [s for s in computation.inputs if s.kind == "float"]
        for a, b in itertools.combinations(specs, 2):
            for va, vb in itertools.product(extremes(a)[:3], extremes(b)[:3]):
                values = {a.name: va, b.name: vb}
                if computation.validate(values) is None:
                    computation.run(values)
    schedule = COMPUTATIONS["schedule"]
    for values in (
        {"warmup": 0, "total": 1},
        {"warmup": 999_999_999_999, "total": 1_000_000_000_000},
        {"peak": 1e12, "floor_fraction": 1.0},
        {"peak": 5e-324, "floor_fraction": 0.0, "warmup": 3, "total": 4},
    ):
        assert schedule.validate(values) is None
        schedule.run(values)
