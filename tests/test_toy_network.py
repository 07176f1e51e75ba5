"""The toy network's values against the worked example and against PyTorch autograd."""

from __future__ import annotations

import math
import random

import pytest
import torch

from llmtutor.engine import COMPUTATIONS

toy = COMPUTATIONS["toy_network"]

# The worked example, as stated in the foundation issue and the source article.
EXPECTED = {
    "h": 1.0,
    "a": -0.3,
    "y": -0.36,
    "L": 1.8496,
    "dL_dy": -2.72,
    "dy_dw3": -0.3,
    "dL_dw3": 0.816,
    "dy_da": 1.2,
    "dL_da": -3.264,
    "da_dw2": 1.0,
    "dL_dw2": -3.264,
    "da_dh": -0.3,
    "dL_dh": 0.9792,
    "dh_dw1": 2.0,
    "dL_dw1": 1.9584,
    "dL_dw1_chain": 1.9584,
    "w1_new": 0.30416,
    "w2_new": 0.0264,
    "w3_new": 1.1184,
}


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items())
def test_worked_example(name: str, expected: float) -> None:
    assert toy.run({}).value(name) == pytest.approx(expected, abs=1e-12)


def test_loss_after_the_step_is_0_9644() -> None:
    trace = toy.run({})
    assert round(trace.value("L_new"), 4) == 0.9644
    assert trace.value("L_change") == pytest.approx(0.9644 - 1.8496, abs=1e-4)
    # Rounding the new weights to three decimals, as by hand, lands near the article's 0.9649.
    assert trace.value("L_rounded") == pytest.approx(0.9649, abs=2e-4)


def test_substituted_formulas_carry_the_numbers() -> None:
    trace = toy.run({})
    assert trace["dL_dw1"].substituted == "0.9792 × 2"
    assert trace["w2_new"].substituted == "-0.3 − 0.1 × (-3.264)"
    assert trace["L"].equation == "L = (y − target)² = (-0.36 − 1)² = 1.8496"


def test_gradient_notes_follow_the_sign() -> None:
    trace = toy.run({})
    assert "decrease w1" in trace["dL_dw1"].note
    assert "increase w2" in trace["dL_dw2"].note
    assert "decrease w3" in toy.run({"w3": 1.2}).__getitem__("dL_dw3").note
    assert "above L" in trace["L_large_lr"].note  # lr × 5 overshoots on the worked example
    assert "below L" in trace["L_small_lr"].note


def autograd(x: float, w1: float, w2: float, w3: float, target: float, lr: float) -> dict:
    """The same graph in PyTorch: gradients by loss.backward(), then one SGD step."""
    weights = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in (w1, w2, w3)]
    h = x * weights[0]
    a = h * weights[1]
    y = a * weights[2]
    for tensor in (h, a, y):
        tensor.retain_grad()
    loss = (y - target) ** 2
    loss.backward()
    result = {
        "L": loss.item(),
        "dL_dy": y.grad.item(),
        "dL_da": a.grad.item(),
        "dL_dh": h.grad.item(),
        "dL_dw1": weights[0].grad.item(),
        "dL_dw2": weights[1].grad.item(),
        "dL_dw3": weights[2].grad.item(),
    }
    optimizer = torch.optim.SGD(weights, lr=lr)
    optimizer.step()
    for index, w in enumerate(weights, start=1):
        result[f"w{index}_new"] = w.item()
    with torch.no_grad():
        result["L_new"] = ((x * weights[0] * weights[1] * weights[2] - target) ** 2).item()
    return result


def _random_inputs(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {
        "x": rng.uniform(-3, 3),
        "w1": rng.uniform(-2, 2),
        "w2": rng.uniform(-2, 2),
        "w3": rng.uniform(-2, 2),
        "target": rng.uniform(-3, 3),
        "lr": rng.uniform(0.001, 0.5),
    }


@pytest.mark.parametrize("seed", [None, *range(20)])
def test_matches_pytorch_autograd(seed: int | None) -> None:
    inputs = toy.defaults() if seed is None else _random_inputs(seed)
    trace = toy.run(inputs)
    for name, value in autograd(**inputs).items():
        assert trace.value(name) == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_a_hand_calculation_rounds_the_new_weights_to_three_decimals() -> None:
    # The article rounds the new weights to 0.304, 0.026 and 1.118 before its forward pass.
    trace = toy.run({})
    assert [trace.value(f"w{i}_rounded") for i in (1, 2, 3)] == [0.304, 0.026, 1.118]
    by_hand = (2.0 * 0.304 * 0.026 * 1.118 - 1.0) ** 2
    assert trace.value("L_rounded") == pytest.approx(by_hand, rel=1e-15)
    assert trace.value("L_rounding_gap") == pytest.approx(
        by_hand - autograd(**toy.defaults())["L_new"], rel=1e-9
    )
    assert trace["w1_rounded"].substituted == "round(0.30416, 3)"
    assert trace["L_rounded"].substituted == "(2 × 0.304 × 0.026 × 1.118 − 1)²"
    assert trace["w2_small_lr"].substituted == "-0.3 − 0.1 ÷ 10 × (-3.264)"


# Inputs at the edges of what the lesson accepts (every number at most 1e12 in size, lr > 0),
# and inputs that make every gradient 0, every step too small for a float, or the loss after
# the step overflow.
EDGES: list[dict[str, float]] = [
    *({spec.name: value} for spec in toy.inputs for value in (-1e12, 1e12, 1e-300, 0.0, 5e-324)),
    {"target": -0.36},  # y lands on the target
    {"x": 1e12, "w1": 1e12, "w2": 1e12, "w3": 1e12, "lr": 1e12},  # (−8e300 − 1)² overflows
    {"x": 1e12, "w1": -1e12, "w2": 1e12, "w3": -1e12, "target": -1e12, "lr": 1e12},
    {"x": 1e-300, "w1": 1e-300, "lr": 1e12},
]


def _agrees(got: float, expected: float) -> bool:
    if math.isnan(got) or math.isnan(expected):
        return math.isnan(got) and math.isnan(expected)
    if math.isinf(got) or math.isinf(expected):
        return got == expected
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-300)


def _change(after: float, before: float) -> str:
    if not (math.isfinite(after) and math.isfinite(before)):
        return "not_finite"
    return "down" if after < before else "up" if after > before else "same"


def _cases() -> list[dict[str, float]]:
    valid = [{**toy.defaults(), **edge} for edge in EDGES if toy.validate(edge) is None]
    return [toy.defaults(), *valid, *(_random_inputs(seed) for seed in range(10))]


@pytest.mark.parametrize("inputs", _cases())
def test_every_step_size_and_fact_agrees_with_torch(inputs: dict[str, float]) -> None:
    """The gradients, the step, the steps ten times smaller and five times larger, and every
    fact the lessons choose their words by, against PyTorch autograd and torch.optim.SGD."""
    trace = toy.run(inputs)
    theirs = autograd(**inputs)
    for name, value in theirs.items():
        assert _agrees(trace.value(name), value), (name, trace.value(name), value)
    variants = {"small_lr": inputs["lr"] / 10, "large_lr": inputs["lr"] * 5}
    for suffix, lr in variants.items():
        other = autograd(**{**inputs, "lr": lr})
        for i in (1, 2, 3):
            assert _agrees(trace.value(f"w{i}_{suffix}"), other[f"w{i}_new"]), (suffix, i)
        assert _agrees(trace.value(f"L_{suffix}"), other["L_new"]), suffix

    # The facts, from torch's gradients and the update and losses written out by hand: a
    # fact can hang on the last bit of a value (a weight that a tiny step leaves unchanged),
    # where torch.optim.SGD's fused update may round differently from w − lr × g.
    x, target = inputs["x"], inputs["target"]
    before = [inputs[f"w{i}"] for i in (1, 2, 3)]
    grads = [theirs[f"dL_dw{i}"] for i in (1, 2, 3)]

    def step(lr: float) -> list[float]:
        return [w - lr * g for w, g in zip(before, grads, strict=True)]

    def loss(w: list[float]) -> float:
        miss = x * w[0] * w[1] * w[2] - target
        return miss * miss  # overflows to inf where ** 2 would raise

    new = step(inputs["lr"])
    loss_before, loss_new = loss(before), loss(new)
    small, large = loss(step(variants["small_lr"])), loss(step(variants["large_lr"]))
    rounding = _change(loss([round(w, 3) for w in new]), loss_new)
    side = {"down": "below", "up": "above", "same": "on_target"}
    moves = {"down": "down", "up": "up", "same": "too_small"}  # from w to w'
    expected = {
        "y_vs_target": side[_change(x * before[0] * before[1] * before[2], target)],
        **{
            f"w{i}_moves": "no_gradient" if grads[i - 1] == 0 else moves[_change(w_new, w)]
            for i, w, w_new in zip((1, 2, 3), before, new, strict=True)
        },
        "after_step": _change(loss_new, loss_before),
        "rounding": {"down": "changes", "up": "changes"}.get(rounding, rounding),
        "after_smaller_step": _change(small, loss_before),
        "smaller_vs_step": _change(small, loss_new),
        "after_larger_step": _change(large, loss_before),
        "larger_vs_step": _change(large, loss_new),
    }
    assert trace.facts == expected
