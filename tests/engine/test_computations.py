"""Every computation: runs on its defaults, names stay tidy, and on extreme-but-valid inputs
gives what its PyTorch view (autograd, torch.optim) gives."""

import itertools
import math
import warnings

import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.pytorch import run_view

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


def multiplied(factor, layers):
    """`factor` multiplied in `layers` times, as plain floats: ±inf past the largest float."""
    product = 1.0
    for _ in range(layers):
        product *= factor
    return product


# Autograd passes a residual layer's gradient back as g·1 + g·f', a sum: once g has
# overflowed to ±inf with f' < 0, that sum is inf − inf = nan, where the chain rule's product
# (1 + f')^N is ±inf. There torch has no number, and the product written out is the check.
RESIDUAL_FACTOR = {
    "residual_chain": lambda given: 1 + given["f_prime"],
    "residual_low": lambda given: 1 - given["wobble"],
    "residual_high": lambda given: 1 + given["wobble"],
}

# The saddle lesson writes plain descent's x after N steps in closed form, x₀·(1 − 2·lr)^N.
# Stepping with torch.optim.SGD, an x that has overflowed to ±inf meets inf − inf on the next
# step and becomes nan; there the product written out is the check, and the loss and the
# gradient follow from that x.
PLAIN_RUN = {
    "plain_final_x": lambda x: x,
    "plain_final_loss": lambda x: x * x,
    "plain_final_grad": lambda x: abs(2 * x),
}


def agrees(got, expected, slack=0.0):
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return math.isclose(got, expected, rel_tol=1e-6, abs_tol=max(1e-9, slack))


def check_with_torch(name, values):
    """Run computation `name` on `values` in the engine and in its PyTorch view: every value
    the view computes (by autograd, torch.optim, torch.nn.functional) must agree."""
    computation = COMPUTATIONS[name]
    given = {**computation.defaults(), **values}
    trace = computation.run(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's own overflow warnings at the edges
        theirs = run_view(name, values, trace).values
    assert theirs, name
    for key, expected in theirs.items():
        got, slack = trace.value(key), 0.0
        if name == "chain_rule" and key in RESIDUAL_FACTOR and math.isnan(expected):
            expected = multiplied(RESIDUAL_FACTOR[key](given), int(given["layers"]))
            assert math.isinf(expected), (key, values)
        if name == "saddle" and key in PLAIN_RUN and math.isnan(expected):
            x = given["x0"] * multiplied(1 - 2 * given["lr"], int(given["steps"]))
            expected = PLAIN_RUN[key](x)
            assert math.isinf(expected), (key, values)
        if name == "adam" and key.startswith("update_"):
            # torch's update is w before less w after: exact only to a unit in the last
            # place of w (2.4e-4 for w = 10¹²), where the engine works it out directly.
            step = int(key.removeprefix("update_"))
            before = float(given["w0"]) if step == 1 else theirs[f"w_{step - 1}"]
            slack = 2 * math.ulp(max(abs(before), abs(theirs[f"w_{step}"])))
        assert agrees(got, expected, slack), f"{name} {values}: {key} {got!r}, torch {expected!r}"


@pytest.mark.parametrize("name", NEW)
def test_extreme_inputs_agree_with_torch(name):
    computation = COMPUTATIONS[name]
    checked = 0
    for spec in computation.inputs:
        for value in extremes(spec):
            values = {spec.name: value}
            if computation.validate(values) is None:
                check_with_torch(name, values)
                checked += 1
    assert checked >= len(computation.inputs)


def test_extreme_pairs_agree_with_torch():
    # A few inputs at their edges together, where they interact.
    for name in ("adam", "slope", "cross_entropy"):
        computation = COMPUTATIONS[name]
        specs = [s for s in computation.inputs if s.kind == "float"]
        checked = 0
        for a, b in itertools.combinations(specs, 2):
            for va, vb in itertools.product(extremes(a)[:3], extremes(b)[:3]):
                values = {a.name: va, b.name: vb}
                if computation.validate(values) is None:
                    check_with_torch(name, values)
                    checked += 1
        assert checked > 0, name
    schedule = COMPUTATIONS["schedule"]
    for values in (
        {"warmup": 0, "total": 1},
        {"warmup": 999_999_999_999, "total": 1_000_000_000_000},
        {"peak": 1e12, "floor_fraction": 1.0},
        {"peak": 5e-324, "floor_fraction": 0.0, "warmup": 3, "total": 4},
    ):
        assert schedule.validate(values) is None
        check_with_torch("schedule", values)
