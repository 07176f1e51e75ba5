"""Plain vs noisy gradient descent from a saddle, and the batch arithmetic."""

import math

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
    # x0 = lr = σ = 10¹²: each plain step multiplies x by 1 − 2·10¹², so x overflows to ±inf
    # within 25 steps and the next step gives inf − inf = nan. The engine reports that nan
    # (and the noisy run's) rather than raising.
    t = compute(x0=1e12, lr=1e12, noise=1e12, steps=200)
    x = 1e12
    for _ in range(200):
        x = x - 1e12 * (2 * x)
    assert math.isnan(x)
    assert math.isnan(t.value("plain_final_x"))
    assert t.value("plain_final_y") == 0.0
    assert math.isnan(t.value("plain_final_loss"))
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
