"""The toy network's values against the worked example and against PyTorch autograd."""

from __future__ import annotations

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
