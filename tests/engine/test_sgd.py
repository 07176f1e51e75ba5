"""Plain vs noisy gradient descent from a saddle, and the batch arithmetic."""

import math

import numpy as np
import pytest

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.sgd import compute, descend


def f(x, y):
    return x**2 - y**2 + y**4 / 4


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
    assert plain.x == tuple(float(i) for i in range(51))
    assert plain.y[0] == noisy.y[0] == pytest.approx(1.0)
    assert noisy.y[-1] == pytest.approx(t.value("noisy_final_loss"))
    assert set(t.series["plain_xy"].y) == {0.0}


def test_extreme_inputs_do_not_raise():
    t = compute(x0=1e12, lr=1e12, noise=1e12, steps=200)
    assert math.isnan(t.value("plain_final_loss")) or t.value("plain_final_loss") >= 0


def test_registered():
    assert COMPUTATIONS["saddle"].run({"seed": 1}).value("seed") == 1
