"""The landscape's paths against PyTorch: each surface written again here in torch, its
gradient from autograd, and torch.optim's SGD (with and without momentum) and Adam run on
it in float64, step by step, for 200 steps, from the lesson's start and from random ones."""

from __future__ import annotations

import math
import random

import pytest

from llmtutor.engine.landscape import (
    OPTIMIZERS,
    SURFACES,
    Settings,
    compute,
    draws,
    race,
    run,
    step_trace,
)

torch = pytest.importorskip("torch")

STEPS = 200
TOLERANCE = 1e-9


def torch_loss(name: str, w):  # type: ignore[no-untyped-def]
    """Each surface, written out again as torch operations (autograd gives the gradient)."""
    w1, w2 = w[0], w[1]
    if name == "toy":
        return (2.0 * w1 * w2 * 1.2 - 1.0) ** 2
    if name == "ravine":
        return 0.05 * w1**2 + 2.5 * w2**2
    if name == "saddle":
        return w1**2 - w2**2 + w2**4 / 4
    if name == "minima":
        return (w1**2 - 1) ** 2 / 4 + 0.3 * w1 + w2**2
    if name == "sharp":
        narrow = torch.exp(-((w1 - 1) ** 2) / 0.08)
        wide = torch.exp(-((w1 + 1) ** 2) / 1.28)
        return 1 - narrow - 0.8 * wide + 0.5 * w2**2
    raise AssertionError(name)


def torch_path(name: str, optimizer: str, start: tuple[float, float], s: Settings) -> list:
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    if optimizer == "adam":
        opt = torch.optim.Adam([w], lr=s.lr, betas=(s.beta1, s.beta2), eps=1e-8)
    elif optimizer == "momentum":
        opt = torch.optim.SGD([w], lr=s.lr, momentum=s.momentum)
    else:
        opt = torch.optim.SGD([w], lr=s.lr)
    noise = draws(s.seed, s.steps)
    positions = [tuple(w.tolist())]
    for step in range(s.steps):
        opt.zero_grad()
        torch_loss(name, w).backward()
        if optimizer == "sgd":
            with torch.no_grad():
                w.grad += s.noise * torch.tensor(noise[step], dtype=torch.float64)
        opt.step()
        positions.append(tuple(w.tolist()))
    return positions


def starts(name: str) -> list[tuple[float, float]]:
    surface = SURFACES[name]
    rng = random.Random(name)
    w1_low, w1_high, w2_low, w2_high = surface.box
    extra = [
        (round(rng.uniform(w1_low, w1_high), 3), round(rng.uniform(w2_low, w2_high), 3))
        for _ in range(3)
    ]
    return [surface.start, *extra]


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_path_equals_torch_optim_for_200_steps(name: str) -> None:
    settings = Settings(steps=STEPS, lr=0.05, noise=0.3, seed=7)
    compared = 0
    for start in starts(name):
        paths = race(SURFACES[name], start, settings)
        for optimizer in OPTIMIZERS:
            path = paths[optimizer]
            expected = torch_path(name, optimizer, start, settings)
            if path.diverged:  # then torch's run left the floats at the same step
                w = torch.tensor(expected[path.steps + 1], dtype=torch.float64)
                assert not math.isfinite(torch_loss(name, w).item()), (name, optimizer, start)
            compared += 1 + path.steps
            for step, (a, b) in enumerate(expected[: path.steps + 1]):
                mine = (path.w1[step], path.w2[step])
                for x, y in zip(mine, (a, b), strict=True):
                    assert math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (
                        name,
                        optimizer,
                        start,
                        step,
                        mine,
                        (a, b),
                    )


def test_gradient_descent_on_a_quadratic_diverges_exactly_above_two_over_the_curvature() -> None:
    # The ravine is 0.05·w1² + 2.5·w2²: curvatures 0.1 and 5. Each step multiplies w2 by
    # 1 − 5·lr, so it shrinks for lr < 2/5 and grows for lr > 2/5.
    ravine = SURFACES["ravine"]
    for lr, grows in ((0.399, False), (0.401, True)):
        path = run(ravine, "gd", (1.0, 0.5), Settings(lr=lr, steps=2000))
        assert (abs(path.w2[-1]) > 0.5) == grows, lr
        expected = 0.5 * (1 - 5 * lr) ** path.steps  # the closed form, written out here
        assert math.isclose(path.w2[-1], expected, rel_tol=1e-9, abs_tol=1e-300)


def test_a_path_that_overflows_stops_and_says_so() -> None:
    path = run(SURFACES["ravine"], "gd", (1.0, 0.5), Settings(lr=10.0, steps=2000))
    assert path.diverged and path.steps < 2000
    assert all(math.isfinite(value) for value in path.loss)


def test_a_step_opened_up_gives_the_path_s_next_position_and_its_formulas() -> None:
    settings = Settings(steps=5, lr=0.1)
    surface = SURFACES["toy"]
    paths = race(surface, surface.start, settings)
    for optimizer, path in paths.items():
        for step in (1, 3):
            values = step_trace(surface, path, step, settings)
            assert math.isclose(values.value("w1"), path.w1[step], rel_tol=1e-12)
            assert math.isclose(values.value("w2"), path.w2[step], rel_tol=1e-12), optimizer
            assert math.isclose(values.value("L"), path.loss[step], rel_tol=1e-12)
    first = step_trace(surface, paths["adam"], 1, settings)
    # The article's start: dL/dw1 = 2(y − target)·x·w2·w3 = 1.9584, as in the backprop lesson
    assert math.isclose(first.value("g1"), 1.9584, rel_tol=1e-12)
    assert first["m_hat1"].formula == "m1₁ ÷ (1 − β1¹)"
    assert math.isclose(first.value("update1"), 0.1, rel_tol=1e-6)  # Adam's first step: ≈ lr


# -- the lesson's computation: its facts against the paths, judged here -------------------


def _end_w1(t, name: str, optimizer: str) -> float:  # type: ignore[no-untyped-def]
    return t.value(f"{name}_{optimizer}_w1_end")


def test_the_race_to_a_low_loss_is_won_by_the_first_path_below_it() -> None:
    for values in ({}, {"lr": 0.2}, {"steps": 5}, {"noise": 3.0, "seed": 4}):
        t = compute(**values)
        for name in ("toy", "ravine"):
            firsts = {}
            for optimizer in OPTIMIZERS:
                losses = t.series[f"{name}_{optimizer}_loss"].y
                firsts[optimizer] = next((k for k, v in enumerate(losses) if v < 0.01), None)
                below = t.value(f"{name}_{optimizer}_below")
                assert below == (math.inf if firsts[optimizer] is None else firsts[optimizer])
            reached = {o: k for o, k in firsts.items() if k is not None}
            if not reached:
                expected = "none"
            else:
                best = [o for o, k in reached.items() if k == min(reached.values())]
                expected = best[0] if len(best) == 1 else "tie"
            assert t.facts[f"{name}_first"] == expected, (values, name)


def test_gd_across_the_ravine_is_stable_exactly_below_two_fifths() -> None:
    assert compute(lr=0.39).facts["ravine_gd"] == "converges"
    assert compute(lr=0.41).facts["ravine_gd"] == "diverges"
    assert compute(lr=0.41, ravine_w2=0.0).facts["ravine_gd"] == "floor"
    assert compute().value("ravine_lr_limit") == 2 / 5


def test_who_leaves_the_saddle_and_which_side_of_the_ridges_each_ends_on() -> None:
    # The article's claim, with the lesson's defaults: from the ridge, plain descent stays on
    # it (∂L/∂w2 = 0 there) and the noisy run leaves it.
    t = compute()
    assert t.facts["saddle_gd"] == "stalled" and t.facts["saddle_sgd"] == "left"
    assert t.value("saddle_gd_w2_end") == 0.0
    for values in ({}, {"noise": 4.0}, {"lr": 0.3, "momentum": 0.95}):
        t = compute(**values)
        for optimizer in OPTIMIZERS:
            w2 = t.series[f"saddle_{optimizer}"].y
            left = any(abs(v) >= 1 for v in w2)
            assert (t.facts[f"saddle_{optimizer}"] == "left") == left
        # The ridges, found here from the formulas: w1³ − w1 + 0.3 = 0 between the minima's
        # dips, and where the sharp surface's two pulls balance.
        assert abs(t.value("minima_ridge") ** 3 - t.value("minima_ridge") + 0.3) < 1e-12
        for name, right in (("minima", "shallow"), ("sharp", "sharp")):
            top = t.value(f"{name}_ridge")
            for optimizer in OPTIMIZERS:
                side = right if _end_w1(t, name, optimizer) > top else "other"
                assert (t.facts[f"{name}_{optimizer}"] == right) == (side == right)
    g1, _ = SURFACES["sharp"].slope(compute().value("sharp_ridge"), 0.0)
    assert abs(g1) < 1e-9
