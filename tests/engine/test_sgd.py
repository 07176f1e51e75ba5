"""Plain vs noisy gradient descent from a saddle, and the batch arithmetic."""

import math
import sys

import numpy as np
import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.sgd import compute, descend


def f(x, y):
    return x**2 - y**2 + y**4 / 4


def noisy_run(x0, lr, steps, noise, seed):
    """Every (x, y) of gradient descent on f from (x0, 0), each gradient plus seeded Gaussian
    noise: ∂f/∂x = 2x, ∂f/∂y = y³ − 2y, written out here. Plain float arithmetic: a value
    too large for a float becomes ±inf and inf − inf becomes nan, nothing raises."""
    rng = np.random.default_rng(seed)
    xs, ys = [float(x0)], [0.0]
    for _ in range(steps):
        x, y = xs[-1], ys[-1]
        nx, ny = (float(n) for n in rng.standard_normal(2))
        xs.append(x - lr * (2 * x + noise * nx))
        ys.append(y - lr * (y * y * y - 2 * y + noise * ny))
    return xs, ys


def test_plain_descent_stalls_at_the_saddle():
    t = compute()
    assert t.value("start_grad_y") == 0.0
    assert t.value("plain_final_y") == 0.0
    assert abs(t.value("plain_final_x")) < 1e-6
    assert t.value("plain_final_loss") == pytest.approx(0.0, abs=1e-9)
    assert t.value("plain_final_grad") < 1e-6
    assert "stuck" in t["plain_final_loss"].note


@pytest.mark.parametrize("seed", range(10))
def test_noisy_descent_escapes(seed):
    t = compute(seed=seed)
    assert abs(t.value("noisy_final_y")) == pytest.approx(math.sqrt(2), abs=0.25)
    assert t.value("noisy_final_loss") < -0.8
    assert t.value("noisy_final_loss") < t.value("plain_final_loss")
    assert 0 < t.value("escape_step") <= 100


def test_deterministic_under_its_seed():
    a, b = compute(seed=3), compute(seed=3)
    assert [q.value for q in a.values()] == [q.value for q in b.values()]
    assert a.series["noisy_path"] == b.series["noisy_path"]
    c = compute(seed=4)
    assert a.value("noisy_final_x") != c.value("noisy_final_x")


def test_noisy_path_is_gradient_plus_seeded_noise():
    # Rebuild the noisy run independently from the same generator.
    rng = np.random.default_rng(7)
    x, y, lr, noise = 1.0, 0.0, 0.1, 0.1
    for _ in range(20):
        nx, ny = rng.standard_normal(2)
        x, y = x - lr * (2 * x + noise * nx), y - lr * (y**3 - 2 * y + noise * ny)
    path = descend(1.0, 0.1, 20, 0.1, 7)
    assert path.xs[-1] == pytest.approx(x, abs=1e-12)
    assert path.ys[-1] == pytest.approx(y, abs=1e-12)
    t = compute(seed=7, steps=20)
    assert t.value("noisy_final_loss") == pytest.approx(f(x, y), abs=1e-12)


def test_no_noise_means_no_escape():
    t = compute(noise=0.0)
    assert t.value("noisy_final_y") == 0.0
    assert t.value("escape_step") == math.inf


def test_surface_facts():
    t = compute()
    assert t.value("valley_y") == pytest.approx(math.sqrt(2))
    assert t.value("valley_loss") == pytest.approx(-1.0)
    assert t.value("start_loss") == pytest.approx(1.0)
    assert t.value("saddle_loss") == 0.0


def test_batch_arithmetic():
    t = compute()
    assert t.value("tokens_per_batch") == 1024 * 4096
    assert t.value("tokens_per_batch") == pytest.approx(4.19e6, abs=5e3)  # "about 4 million"
    assert t.value("steps_needed") == pytest.approx(2e12 / 4_194_304)
    assert 450_000 < t.value("steps_needed") < 500_000  # "roughly 500,000"


def test_series():
    t = compute(steps=50)
    plain, noisy = t.series["plain_path"], t.series["noisy_path"]
    assert plain.x == noisy.x == tuple(float(i) for i in range(51))
    # Plain descent stays on y = 0, where x_k = x₀(1 − 2·lr)^k = 0.8^k and f = x² = 0.64^k.
    assert plain.y == pytest.approx([0.64**k for k in range(51)], rel=1e-9)
    assert t.series["plain_xy"].x == pytest.approx([0.8**k for k in range(51)], rel=1e-9)
    assert set(t.series["plain_xy"].y) == {0.0}
    # The noisy run, rebuilt from the same seeded noise (seed 0, σ = 0.1, lr = 0.1).
    xs, ys = noisy_run(1.0, 0.1, 50, 0.1, 0)
    assert noisy.y == pytest.approx([f(x, y) for x, y in zip(xs, ys, strict=True)], abs=1e-12)
    assert t.series["noisy_xy"].x == pytest.approx(xs, abs=1e-12)
    assert t.series["noisy_xy"].y == pytest.approx(ys, abs=1e-12)


def test_extreme_inputs_give_what_float_arithmetic_gives():
    # x0 = lr = σ = 10¹²: each plain step multiplies x by r = 1 − 2·10¹², and the lesson
    # writes x after N steps in closed form, x₀·r^N. |r|^200 is about 10^(200 × 12.3), far
    # past the largest float, and the power is even, so x is +inf (not the nan that stepping
    # one update at a time reaches, once an inf meets inf − inf); f = x² is +inf too.
    t = compute(x0=1e12, lr=1e12, noise=1e12, steps=200)
    assert 200 * math.log10(2e12 - 1) > math.log10(sys.float_info.max)
    with pytest.raises(OverflowError):
        (1 - 2e12) ** 200
    assert t.value("plain_final_x") == math.inf
    assert t.value("plain_final_y") == 0.0
    assert t.value("plain_final_loss") == math.inf
    assert "overflowed" in t["plain_final_x"].note
    # The noisy run is simulated step by step, so there an inf does meet inf − inf.
    xs, ys = noisy_run(1e12, 1e12, 200, 1e12, 0)
    assert math.isnan(xs[-1]) and math.isnan(ys[-1])
    assert math.isnan(t.value("noisy_final_x")) and math.isnan(t.value("noisy_final_y"))
    assert math.isnan(t.value("noisy_final_loss"))
    # The first step's noise, ×10¹², throws y far off the ridge at once.
    assert abs(ys[1]) >= 1
    assert t.value("escape_step") == 1
    # Finite where the floats are: 10 steps, x = 10¹²·(1 − 2·10¹²)^k, f = x².
    t = compute(x0=1e12, lr=1e12, noise=0.0, steps=10)
    expected = 1e12 * (1 - 2e12) ** 10
    assert t.value("plain_final_x") == pytest.approx(expected, rel=1e-12)
    assert t.value("plain_final_loss") == pytest.approx(expected**2, rel=1e-12)


def test_registered():
    assert COMPUTATIONS["saddle"].run({"seed": 1}).value("seed") == 1


def stepped_x(x0, lr, steps):
    """Plain descent along the ridge, one update at a time: x ← x − lr·2x."""
    x = float(x0)
    for _ in range(steps):
        x = x - lr * (2 * x)
    return x


@pytest.mark.parametrize(
    ("x0", "lr", "steps"),
    [(1.0, 0.1, 100), (-2.0, 0.3, 30), (3.0, 0.7, 50), (1.0, 1.2, 10), (1e12, 2.0, 40)],
)
def test_plain_descent_in_closed_form_is_stepping_it(x0, lr, steps):
    t = compute(x0=x0, lr=lr, steps=steps)
    assert t.value("plain_factor") == 1 - 2 * lr
    assert t.value("plain_final_x") == pytest.approx(stepped_x(x0, lr, steps), rel=1e-12)
    assert t.series["plain_xy"].x == pytest.approx(
        [stepped_x(x0, lr, k) for k in range(steps + 1)], rel=1e-12
    )


def test_plain_descent_is_written_as_the_multiplier_to_the_power_of_the_steps():
    t = compute()
    assert t["plain_factor"].equation == "r = 1 − 2 × lr = 1 − 2 × 0.1 = 0.8"
    assert t["plain_final_x"].formula == "x₀ × r^steps"
    assert t["plain_final_x"].substituted == "1 × 0.8^100"
    # 10,000 steps are written whole in the formula, as a number to compute with
    assert compute(steps=10_000)["plain_final_x"].substituted == "1 × 0.8^10000"
    # From the saddle itself nothing moves, even where r^N overflows (3^1000)
    t = compute(x0=0.0, lr=2.0, steps=1000)
    assert t["plain_final_x"].equation == "x_plain = x₀ = 0"
    assert set(t.series["plain_xy"].x) == {0.0}


def test_the_first_noisy_step_is_the_noise_alone():
    # y₁ = 0 − lr × (0³ − 2 × 0 + σ × n₁), n₁ the second number of the seed's first draw
    for seed, noise, lr in ((0, 0.1, 0.1), (5, 2.0, 0.3), (9, 0.0, 0.1)):
        n1 = float(np.random.default_rng(seed).standard_normal(2)[1])
        t = compute(seed=seed, noise=noise, lr=lr)
        assert t.value("noise_draw") == n1
        assert t.value("noisy_y1") == pytest.approx(-lr * noise * n1, rel=1e-15, abs=0)
        assert t.value("noisy_y1") == noisy_run(1.0, lr, 1, noise, seed)[1][1]


@pytest.mark.parametrize(
    ("inputs", "fate"),
    [
        ({}, "shrinks"),  # r = 0.8
        ({"lr": 0.5}, "zero"),  # r = 0
        ({"lr": 0.7}, "zigzag"),  # r = −0.4
        ({"lr": 1.0}, "flips"),  # r = −1
        ({"lr": 10.0}, "grows"),  # r = −19
        ({"lr": 1e12}, "overflow"),  # |r|^100 ≈ 10^1230
        ({"lr": 1e-20}, "stays"),  # 1 − 2e-20 rounds to 1
        ({"lr": 1e-12}, "barely"),  # 0.999999999998^100 shows as 1
        ({"lr": 0.9, "steps": 10_000}, "underflow"),  # 0.8^10000 ≈ 10^-969
        ({"x0": 0.0}, "start_saddle"),
    ],
)
def test_what_plain_descent_does_to_x(inputs, fate):
    assert compute(**inputs).facts["plain_x"] == fate


@pytest.mark.parametrize(
    ("inputs", "outcome"),
    [
        ({}, "valley"),
        ({"lr": 0.7}, "left"),
        ({"lr": 1e-12}, "near"),
        ({"noise": 0.0}, "no_noise"),
        ({"noise": 1e-200, "lr": 1e-200}, "tiny_noise"),
        ({"lr": 1.0}, "not_finite"),
    ],
)
def test_how_the_noisy_run_ends(inputs, outcome):
    given = {"x0": 1.0, "lr": 0.1, "steps": 100, "noise": 0.1, "seed": 0, **inputs}
    t = compute(**given)
    assert t.facts["noisy_run"] == outcome
    xs, ys = noisy_run(given["x0"], given["lr"], given["steps"], given["noise"], given["seed"])
    x, y = xs[-1], ys[-1]
    if outcome == "valley":
        assert abs(x) < 0.2 and abs(abs(y) - math.sqrt(2)) < 0.2
    if outcome in ("left", "near"):
        assert math.isfinite(f(x, y))
        assert not (abs(x) < 0.2 and abs(abs(y) - math.sqrt(2)) < 0.2)
        assert (max(abs(v) for v in ys) >= 1) == (outcome == "left")
    if outcome in ("no_noise", "tiny_noise"):
        assert ys[1] == 0.0
    if outcome == "not_finite":
        assert math.isnan(ys[-1])


def test_a_run_that_blows_up_says_when():
    # lr = 1: the noisy y overshoots more at every step; rebuilt here step by step.
    t = compute(lr=1.0)
    _, ys = noisy_run(1.0, 1.0, 100, 0.1, 0)
    first = next(k for k, y in enumerate(ys) if not math.isfinite(y))
    assert math.isinf(ys[first]) and math.isnan(ys[first + 1])
    note = t["noisy_final_y"].note
    assert f"overflowed to {'∞' if ys[first] > 0 else '-∞'} at step {first}" in note
    assert "∞ − ∞" in note
    assert t["noisy_final_loss"].note == "y_noisy = nan is not a finite number"


def test_no_two_values_share_a_label():
    for inputs in ({}, {"x0": 0.0}, {"steps": 1}, {"noise": 0.0}):
        symbols = [q.symbol for q in compute(**inputs).values()]
        assert len(symbols) == len(set(symbols)), symbols
