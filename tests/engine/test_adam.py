"""Adam, step by step, against the source's walkthrough and torch.optim.Adam."""

import itertools
import math
import random

import pytest
import torch

from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.adam import compute


def torch_adam(gradients, beta1, beta2, lr, eps, w0):
    """Every step's (w, m, v) from torch.optim.Adam on one float64 parameter."""
    param = torch.nn.Parameter(torch.tensor([w0], dtype=torch.float64))
    optimizer = torch.optim.Adam([param], lr=lr, betas=(beta1, beta2), eps=eps)
    steps = []
    for g in gradients:
        param.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
        state = optimizer.state[param]
        steps.append((param.item(), state["exp_avg"].item(), state["exp_avg_sq"].item()))
    return steps


def check_against_torch(gradients, beta1, beta2, lr, eps, w0):
    t = compute(gradients=gradients, beta1=beta1, beta2=beta2, lr=lr, eps=eps, w0=w0)
    expected = torch_adam(gradients, beta1, beta2, lr, eps, w0)
    for step, (w, m, v) in enumerate(expected, start=1):
        assert t.value(f"g_{step}") == gradients[step - 1]
        assert t.value(f"m_{step}") == pytest.approx(m, abs=1e-6, rel=1e-9), step
        assert t.value(f"v_{step}") == pytest.approx(v, abs=1e-6, rel=1e-9), step
        assert t.value(f"w_{step}") == pytest.approx(w, abs=1e-6, rel=1e-9), step
        previous = w0 if step == 1 else expected[step - 2][0]
        assert t.value(f"update_{step}") == pytest.approx(previous - w, abs=1e-6), step
    assert f"g_{len(gradients) + 1}" not in t


def test_source_walkthrough():
    t = compute()
    expected = {
        "m": (0.05, 0.075, 0.1075, 0.0768),
        "mhat": (0.500, 0.395, 0.397, 0.223),
        "vhat": (0.250, 0.170, 0.167, 0.135),
        "update": (0.0100, 0.0096, 0.0097, 0.0061),
    }
    tolerance = {"m": 5.1e-5, "mhat": 1e-3, "vhat": 1.5e-3, "update": 1e-4}
    for name, values in expected.items():
        for step, value in enumerate(values, start=1):
            got = t.value(f"{name}_{step}")
            assert got == pytest.approx(value, abs=tolerance[name]), (name, step)
    assert t.value("v_1") == pytest.approx(0.00025)
    # Momentum still points the old way when the gradient flips at step 4.
    assert t.value("g_4") < 0 < t.value("mhat_4")


def torch_steps(gradients, beta1, beta2, lr, eps, w0):
    """Every step of torch.optim.Adam on one float64 parameter: m and v from its state, m̂
    and v̂ as its step() forms them from m and v (it keeps no copy), the update as the
    parameter before the step less the parameter after, and w."""
    param = torch.nn.Parameter(torch.tensor([w0], dtype=torch.float64))
    optimizer = torch.optim.Adam([param], lr=lr, betas=(beta1, beta2), eps=eps, foreach=False)
    steps = []
    for t, g in enumerate(gradients, start=1):
        before = param.item()
        param.grad = torch.tensor([g], dtype=torch.float64)
        optimizer.step()
        state = optimizer.state[param]
        m, v = state["exp_avg"].item(), state["exp_avg_sq"].item()
        steps.append(
            {
                "m": m,
                "v": v,
                "mhat": m / (1 - beta1**t),
                "vhat": v / (1 - beta2**t),
                "update": before - param.item(),
                "w": param.item(),
            }
        )
    return steps


@pytest.mark.parametrize("count", [1, 2, 6, 12])
@pytest.mark.parametrize(
    ("beta1", "beta2", "lr", "eps", "w0"),
    [(0.9, 0.999, 0.01, 1e-8, 1.0), (0.5, 0.9, 0.3, 1e-3, -2.0), (0.0, 0.0, 0.05, 1e-8, 0.0)],
)
def test_every_step_of_any_run_matches_torch(count, beta1, beta2, lr, eps, w0):
    """Issue 11: with 1, 2, 6 and 12 gradients, every step's m, v, m̂, v̂, update and w."""
    rng = random.Random(count)
    gradients = tuple(round(rng.uniform(-2, 2), 3) for _ in range(count))
    t = compute(gradients=gradients, beta1=beta1, beta2=beta2, lr=lr, eps=eps, w0=w0)
    expected = torch_steps(gradients, beta1, beta2, lr, eps, w0)
    assert t.value("gradients") == count
    for step, values in enumerate(expected, start=1):
        assert t.value(f"g_{step}") == gradients[step - 1]
        for name, value in values.items():
            got = t.value(f"{name}_{step}")
            # the update is exact in the engine; torch's is w before less w after
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), (name, step)
    assert f"m_{count + 1}" not in t and f"update_{count + 1}" not in t
    # the charts follow the run: one point per step, and w from w₀ on
    assert t.series["updates"].x == tuple(float(s) for s in range(1, count + 1))
    assert t.series["updates"].y == pytest.approx([s["update"] for s in expected], abs=1e-12)
    assert t.series["w_path"].y == pytest.approx([w0] + [s["w"] for s in expected], abs=1e-12)


def test_defaults_match_torch():
    check_against_torch((0.5, 0.3, 0.4, -0.2), 0.9, 0.999, 0.01, 1e-8, 1.0)


@pytest.mark.parametrize("seed", range(8))
def test_random_runs_match_torch(seed):
    rng = random.Random(seed)
    gradients = tuple(rng.uniform(-3, 3) for _ in range(rng.randint(1, 30)))
    beta1 = rng.choice([0.0, rng.uniform(0, 0.99)])
    beta2 = rng.uniform(0.5, 0.9999)
    lr = 10 ** rng.uniform(-4, -1)
    eps = 10 ** rng.uniform(-10, -3)
    w0 = rng.uniform(-2, 2)
    check_against_torch(gradients, beta1, beta2, lr, eps, w0)


def test_bias_correction():
    t = compute()
    assert t.value("update_1_uncorrected") == pytest.approx(t.value("update_1") / 10, rel=1e-6)
    assert t.value("correction_ratio") == pytest.approx(10, rel=1e-6)
    assert compute(beta1=0.5).value("correction_ratio") == pytest.approx(2, rel=1e-6)
    # Without either correction the first step is (1 − β1) / √(1 − β2) times the corrected one.
    ratio = t.value("update_1_raw") / t.value("update_1")
    assert ratio == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-6)
    assert t.value("bias1_10") == pytest.approx(0.65, abs=5e-3)
    assert t.value("bias1_100") == pytest.approx(0.99997, abs=1e-5)


def test_scenarios():
    t = compute()
    assert abs(t.value("alt_ratio")) < 0.1  # momentum cancels: barely moves
    assert t.value("alt_vhat") == pytest.approx(25)
    assert t.value("steady5_ratio") == pytest.approx(1.0, abs=1e-6)
    assert t.value("steady001_ratio") == pytest.approx(1.0, abs=1e-5)
    assert t.value("steady5_update") == pytest.approx(0.01, rel=1e-6)
    assert t.value("steady001_update") == pytest.approx(0.01, rel=1e-5)
    assert t.value("grad_spread") == pytest.approx(500)
    # The same patterns through torch: the final update is the last change of the parameter.
    for name, pattern in (
        ("alt", [5.0 if i % 2 == 0 else -5.0 for i in range(10)]),
        ("steady5", [5.0] * 10),
        ("steady001", [0.01] * 10),
    ):
        path = [1.0] + [w for w, _, _ in torch_adam(pattern, 0.9, 0.999, 0.01, 1e-8, 1.0)]
        assert t.value(f"{name}_update") == pytest.approx(path[-2] - path[-1], abs=1e-9), name


@pytest.mark.parametrize("steps", [1, 2, 3, 10, 25])
@pytest.mark.parametrize(("beta1", "beta2"), [(0.9, 0.999), (0.5, 0.8), (0.0, 0.0)])
def test_closed_forms_of_the_patterns_match_torch(steps, beta1, beta2):
    """The three patterns are worked out in closed form; torch runs them step by step."""
    t = compute(beta1=beta1, beta2=beta2, scenario_steps=steps)
    for name, pattern in (
        ("alt", [5.0 if i % 2 == 0 else -5.0 for i in range(steps)]),
        ("steady5", [5.0] * steps),
        ("steady001", [0.01] * steps),
    ):
        last = torch_steps(pattern, beta1, beta2, 0.01, 1e-8, 1.0)[-1]
        for key in ("m", "v", "mhat", "vhat", "update"):
            got = t.value(f"{name}_{key}")
            assert got == pytest.approx(last[key], rel=1e-9, abs=1e-15), (name, key)
    assert t.value("alt_last") == (5.0 if steps % 2 else -5.0)


def test_scenario_length_and_lr_follow_inputs():
    t = compute(scenario_steps=3, lr=0.1)
    assert t.value("steady5_update") == pytest.approx(0.1, rel=1e-6)
    assert t.value("steady5_ratio") == pytest.approx(1.0, abs=1e-6)
    # After 3 steps of +5, −5, +5 the momentum is positive.
    assert t.value("alt_mhat") > 0


def test_memory():
    t = compute()
    assert t.value("sgd_gb") == pytest.approx(32)
    assert t.value("adam_gb") == pytest.approx(96)
    assert compute(params=1e9, bytes_per=2).value("adam_gb") == pytest.approx(6)


def test_series():
    t = compute()
    # The parameter after each step by torch.optim.Adam, and each update the change it made.
    path = [1.0] + [w for w, _, _ in torch_adam((0.5, 0.3, 0.4, -0.2), 0.9, 0.999, 0.01, 1e-8, 1.0)]
    updates = t.series["updates"]
    assert updates.x == (1.0, 2.0, 3.0, 4.0)
    assert updates.y == pytest.approx([a - b for a, b in itertools.pairwise(path)], abs=1e-12)
    assert updates.y == pytest.approx((0.0100, 0.0096, 0.0097, 0.0061), abs=1e-4)  # the source's
    w_path = t.series["w_path"]
    assert w_path.x == (0.0, 1.0, 2.0, 3.0, 4.0)
    assert w_path.y == pytest.approx(path, abs=1e-12)


def test_extreme_inputs():
    # β1 = β2 = 0 keep no history: m̂ = g, v̂ = g², so u = lr·g ÷ (|g| + ε) = ±lr (0 for g = 0).
    t = compute(gradients=(1e12, -1e12, 0.0), beta1=0.0, beta2=0.0, lr=1e12, eps=1e-300)
    assert [t.value(f"update_{i}") for i in (1, 2, 3)] == pytest.approx([1e12, -1e12, 0.0])
    assert [t.value(f"w_{i}") for i in (1, 2, 3)] == pytest.approx([1 - 1e12, 1.0, 1.0])
    t = compute(gradients=(0.0,), eps=1e-8)
    assert t.value("update_1") == 0.0
    assert math.isnan(t.value("correction_ratio"))  # 0 ÷ 0, reported not raised
    # β within one float of 1: the bias corrections 1 − β^t are as small as floats go, yet
    # for a steady gradient g = 1, m̂ = v̂ = 1 at every step and u = lr ÷ (1 + ε).
    beta = 0.9999999999999999
    t = compute(gradients=(1.0,) * 50, beta1=beta, beta2=beta)
    for step in range(1, 51):
        assert t.value(f"mhat_{step}") == pytest.approx(1.0, rel=1e-12), step
        assert t.value(f"vhat_{step}") == pytest.approx(1.0, rel=1e-12), step
        assert t.value(f"update_{step}") == pytest.approx(0.01 / (1 + 1e-8), rel=1e-12), step


def test_registered_with_list_input():
    c = COMPUTATIONS["adam"]
    spec = c.input("gradients")
    t = c.run({"gradients": spec.parse("1, 1, 1, 1")})
    assert [t.value(f"update_{i}") for i in range(1, 5)] == pytest.approx([0.01] * 4, rel=1e-6)
    assert t.value("gradients") == 4


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        # The article's run: three gradients with the momentum, then one that flips.
        (
            {},
            {
                "run_length": "four",
                "step_2": "agrees",
                "step_3": "agrees",
                "step_4": "flips_held",
                "first_update": "lr",
                "update_sizes": "similar",
                "correction": "fades",
                "alternating": "cancels",
                "steady": "both_lr",
            },
        ),
        ({"gradients": (1.0, 2.0), "beta1": 0.5}, {"run_length": "two", "step_3": "absent"}),
        ({"gradients": (1.0,) * 5}, {"run_length": "five"}),
        ({"gradients": (1.0,) * 6}, {"run_length": "more", "update_sizes": "similar"}),
        # m₁ = 0.1, m₂ = 0.09 − 0.01 = 0.08 > 0: g₂ flips, the momentum holds. g₃ = −0.1 is
        # against m₂ as g₂ was: m₃ = 0.072 − 0.01 > 0 holds; g₄ = −5: m₄ = 0.0558 − 0.5 < 0.
        (
            {"gradients": (1.0, -0.1, -0.1, -5.0)},
            {"step_2": "flips_held", "step_3": "against_held", "step_4": "against_turned"},
        ),
        # β1 = 0 keeps no history: m₂ = g₂ = −1 turns at once; nothing to correct.
        (
            {"gradients": (1.0, -1.0), "beta1": 0.0},
            {"step_2": "flips_turned", "correction": "none", "alternating": "none"},
        ),
        ({"gradients": (0.0, 1.0)}, {"step_2": "first", "first_update": "zero"}),
        ({"gradients": (1.0, 0.0)}, {"step_2": "no_gradient"}),
        ({"gradients": (0.0, 0.0)}, {"update_sizes": "zero"}),
        ({"gradients": (3.0,)}, {"run_length": "one", "update_sizes": "single"}),
        # u: 0.01, 0.01, 0.01, 0.0042, 0.00072, −0.0016: some more than twice others
        ({"gradients": (1.0, 1.0, 1.0, -1.0, -1.0, -1.0)}, {"update_sizes": "varied"}),
        # ε = 1: u₁ = lr × 0.5 ÷ 1.5; a steady 5 moves 5 ÷ 6 lr, a steady 0.01 0.01 ÷ 1.01 lr
        ({"eps": 1.0}, {"first_update": "below_lr", "steady": "both_shrunk"}),
        # ε = 0.001: 5 ÷ 5.001 ≥ 0.99 but 0.01 ÷ 0.011 < 0.99
        ({"eps": 1e-3}, {"steady": "small_shrunk"}),
        # 1 ÷ (1 − 0.99^100) = 1.58: still there at step 100
        ({"beta1": 0.99}, {"correction": "lasts"}),
        # k = 10, β1 = 0.5: m̂ = −5 × 0.5 × (1 − 0.5^10) ÷ 1.5 ÷ (1 − 0.5^10) = −5 ÷ 3
        ({"beta1": 0.5}, {"alternating": "partly"}),
    ],
)
def test_facts(inputs, expected):
    facts = compute(**inputs).facts
    assert {name: facts[name] for name in expected} == expected


def test_gradient_and_update_ranges():
    t = compute(gradients=(0.5, -3.0, 2.0))
    assert (t.value("lowest_g"), t.value("highest_g")) == (-3.0, 2.0)
    updates = [t.value(f"update_{i}") for i in (1, 2, 3)]
    assert (t.value("lowest_update"), t.value("highest_update")) == (min(updates), max(updates))


def test_bias_correction_factors():
    t = compute(beta1=0.5)
    assert t.value("boost1_1") == 2.0
    assert t.value("boost1_10") == pytest.approx(1 / (1 - 0.5**10))
    assert t.value("boost1_100") == 1.0  # 0.5^100 is below a float's precision next to 1
