"""AdamW against L2-regularised Adam: every value of the adamw computation against
torch.optim.AdamW, torch.optim.Adam(weight_decay=λ) and plain torch.optim.Adam in float64,
stepped here one gradient at a time; m̂, v̂ and g' (which torch keeps nowhere) against their
formulas written out here from torch's m, v and w."""

from __future__ import annotations

import math
import random

import pytest
import torch
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llmtutor.cli import cli
from llmtutor.engine import COMPUTATIONS
from llmtutor.engine.adamw import FACTS, compute

PATHS = ("adam", "l2", "adamw")


def torch_run(gradients, beta1, beta2, lr, eps, w0, weight_decay):
    """Each step of plain Adam, Adam(weight_decay=λ) and AdamW on one float64 parameter from
    w0: w before and after, and m and v from the optimizer's state."""
    runs = {}
    for name in PATHS:
        weight = torch.tensor([w0], dtype=torch.float64, requires_grad=True)
        settings_ = {"lr": lr, "betas": (beta1, beta2), "eps": eps, "foreach": False}
        if name == "adam":
            optimizer = torch.optim.Adam([weight], **settings_)
        elif name == "l2":
            optimizer = torch.optim.Adam([weight], weight_decay=weight_decay, **settings_)
        else:
            optimizer = torch.optim.AdamW([weight], weight_decay=weight_decay, **settings_)
        runs[name] = (weight, optimizer)
    steps = []
    for g in gradients:
        step = {}
        for name, (weight, optimizer) in runs.items():
            before = weight.item()
            weight.grad = torch.tensor([g], dtype=torch.float64)
            optimizer.step()
            state = optimizer.state[weight]
            step[name] = {
                "before": before,
                "w": weight.item(),
                "m": state["exp_avg"].item(),
                "v": state["exp_avg_sq"].item(),
            }
        steps.append(step)
    return steps


def near(ours: float, theirs: float, scale: float = 1.0) -> bool:
    """Equal to float64 arithmetic in another order: 1e-9 relative, or 1e-12 of `scale`
    (the size of what a difference was taken from)."""
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12 * scale)


def check_run(gradients, beta1, beta2, lr, eps, w0, weight_decay) -> None:
    t = compute(gradients, beta1, beta2, lr, eps, w0, weight_decay, scenario_steps=1)
    steps = torch_run(gradients, beta1, beta2, lr, eps, w0, weight_decay)
    scale = abs(w0) + 1
    for k, step in enumerate(steps, start=1):
        l2, adamw, adam = step["l2"], step["adamw"], step["adam"]
        where = (k, gradients, beta1, beta2, lr, eps, w0, weight_decay)
        # L2: the decay joins the gradient before m and v, from L2's own weight
        assert near(t.value(f"l2_g_{k}"), gradients[k - 1] + weight_decay * l2["before"]), where
        assert near(t.value(f"l2_m_{k}"), l2["m"]), where
        assert near(t.value(f"l2_v_{k}"), l2["v"]), where
        assert near(t.value(f"l2_mhat_{k}"), l2["m"] / (1 - beta1**k)), where
        assert near(t.value(f"l2_vhat_{k}"), l2["v"] / (1 - beta2**k)), where
        assert near(t.value(f"l2_update_{k}"), l2["before"] - l2["w"], scale), where
        assert near(t.value(f"l2_w_{k}"), l2["w"], scale), where
        # AdamW: m and v of the gradient alone, the same as plain Adam's
        assert near(t.value(f"adamw_m_{k}"), adamw["m"]), where
        assert near(t.value(f"adamw_v_{k}"), adamw["v"]), where
        assert adamw["m"] == adam["m"] and adamw["v"] == adam["v"], where
        assert near(t.value(f"adamw_mhat_{k}"), adamw["m"] / (1 - beta1**k)), where
        assert near(t.value(f"adamw_vhat_{k}"), adamw["v"] / (1 - beta2**k)), where
        # its update is plain Adam's move; its decay, the rest of its own move
        adam_move = adam["before"] - adam["w"]
        assert near(t.value(f"adamw_update_{k}"), adam_move, scale), where
        decay = (adamw["before"] - adamw["w"]) - adam_move
        assert near(t.value(f"adamw_decay_{k}"), decay, scale), where
        assert near(t.value(f"adamw_decay_{k}"), lr * weight_decay * adamw["before"]), where
        assert near(t.value(f"adamw_w_{k}"), adamw["w"], scale), where
        assert near(t.value(f"adam_w_{k}"), adam["w"], scale), where
    end = steps[-1]
    assert near(t.value("l2_pull"), end["adam"]["w"] - end["l2"]["w"], scale)
    assert near(t.value("adamw_pull"), end["adam"]["w"] - end["adamw"]["w"], scale)
    assert near(t.value("decay_sum"), end["adam"]["w"] - end["adamw"]["w"], scale)
    n = len(gradients)
    assert f"l2_m_{n + 1}" not in t and f"adamw_decay_{n + 1}" not in t
    # the chart: each path's w from w0, step by step
    for name, series in (("adam", "w_adam"), ("l2", "w_l2"), ("adamw", "w_adamw")):
        path = t.series[series]
        assert path.x == tuple(float(s) for s in range(n + 1))
        assert path.y[0] == w0
        for ours, step in zip(path.y[1:], steps, strict=True):
            assert near(ours, step[name]["w"], scale)


def test_the_lessons_numbers_match_torch() -> None:
    check_run((0.5, 0.3, 0.4, -0.2), 0.9, 0.999, 0.01, 1e-8, 1.0, 0.1)


@pytest.mark.parametrize("seed", range(12))
def test_random_runs_of_20_steps_or_more_match_torch(seed: int) -> None:
    """The issue's test: random gradients, λ, lr and betas (and ε and w0), 20 to 50 steps."""
    rng = random.Random(seed)
    gradients = tuple(rng.uniform(-3, 3) for _ in range(rng.randint(20, 50)))
    beta1 = rng.choice([0.0, rng.uniform(0, 0.99)])
    beta2 = rng.uniform(0.5, 0.9999)
    lr = 10 ** rng.uniform(-4, -0.5)
    eps = 10 ** rng.uniform(-10, -3)
    w0 = rng.choice([1.0, rng.uniform(-3, 3)])
    weight_decay = rng.choice([0.0, 10 ** rng.uniform(-3, 0.5)])
    check_run(gradients, beta1, beta2, lr, eps, w0, weight_decay)


def test_first_steps_written_out() -> None:
    """Step 1 of both paths with the lesson's numbers, by hand: g'₁ = 0.5 + 0.1 × 1 = 0.6,
    whose first Adam step is lr with its sign (m̂₁ = g'₁, v̂₁ = g'₁²); AdamW takes Adam's
    0.01 and a decay of 0.01 × 0.1 × 1 = 0.001."""
    t = compute()
    assert t.value("l2_g_1") == pytest.approx(0.6, abs=1e-15)
    assert t.value("l2_mhat_1") == pytest.approx(0.6, abs=1e-15)
    assert t.value("l2_vhat_1") == pytest.approx(0.36, abs=1e-15)
    assert t.value("l2_update_1") == pytest.approx(0.01 * 0.6 / (0.6 + 1e-8), abs=1e-17)
    assert t.value("adamw_update_1") == pytest.approx(0.01 * 0.5 / (0.5 + 1e-8), abs=1e-17)
    assert t.value("adamw_decay_1") == pytest.approx(0.001, abs=1e-17)
    assert t.value("adamw_w_1") == pytest.approx(1 - 0.01 * 0.5 / (0.5 + 1e-8) - 0.001)


def torch_final(gradients, w0, lr, beta1, beta2, eps, weight_decay):
    """Where each path ends after `gradients`, and the first step's move of each."""
    steps = torch_run(gradients, beta1, beta2, lr, eps, w0, weight_decay)
    ends = {name: steps[-1][name]["w"] for name in PATHS}
    first = {name: steps[0][name]["before"] - steps[0][name]["w"] for name in PATHS}
    return ends, first


@pytest.mark.parametrize(
    ("settings_", "k"),
    [
        ({}, 100),
        ({"weight_decay": 0.01, "lr": 0.001}, 1000),
        ({"weight_decay": 2.0, "w0": -1.5, "beta1": 0.5, "beta2": 0.9}, 37),
        ({"eps": 0.01, "weight_decay": 0.3}, 250),  # ε not tiny next to λ·w
        ({"weight_decay": 0.0}, 10),
        ({"w0": 0.0}, 5),
        ({"lr": 0.5, "weight_decay": 1.0}, 1),
    ],
)
def test_scenarios_match_torch(settings_: dict, k: int) -> None:
    """The weight with no gradient (and again with λ ÷ 100) and the one whose gradients
    alternate ±5, each run k steps in torch."""
    inputs = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "w0": 1.0}
    inputs |= {"weight_decay": 0.1} | settings_
    t = compute(scenario_steps=k, **inputs)
    w0, weight_decay = inputs["w0"], inputs["weight_decay"]
    optim = {name: inputs[name] for name in ("lr", "beta1", "beta2", "eps")}
    scale = abs(w0) + 1
    idle, idle_first = torch_final([0.0] * k, w0, weight_decay=weight_decay, **optim)
    assert idle["adam"] == w0  # plain Adam leaves a weight with no gradient where it is
    assert near(t.value("idle_l2_update_1"), idle_first["l2"], scale)
    assert near(t.value("idle_adamw_decay_1"), idle_first["adamw"], scale)
    assert near(t.value("idle_l2_w"), idle["l2"], scale)
    assert near(t.value("idle_adamw_w"), idle["adamw"], scale)
    assert near(t.value("idle_l2_shift"), w0 - idle["l2"], scale)
    assert near(t.value("idle_adamw_shift"), w0 - idle["adamw"], scale)
    small, _ = torch_final([0.0] * k, w0, weight_decay=weight_decay / 100, **optim)
    assert near(t.value("small_decay"), weight_decay / 100)
    assert near(t.value("idle_l2_w_small"), small["l2"], scale)
    assert near(t.value("idle_adamw_w_small"), small["adamw"], scale)
    alternating = [5.0 if s % 2 == 0 else -5.0 for s in range(k)]
    busy, _ = torch_final(alternating, w0, weight_decay=weight_decay, **optim)
    assert t.value("busy_grad") == 5.0
    for name in PATHS:
        assert near(t.value(f"busy_{name}_w"), busy[name], scale), name
    assert near(t.value("busy_l2_shift"), busy["adam"] - busy["l2"], scale)
    assert near(t.value("busy_adamw_shift"), busy["adam"] - busy["adamw"], scale)
    # the idle chart: both paths from w0, one point per step
    idle_steps = torch_run(
        [0.0] * k, optim["beta1"], optim["beta2"], optim["lr"], optim["eps"], w0, weight_decay
    )
    for series, name in (("idle_l2", "l2"), ("idle_adamw", "adamw")):
        assert t.series[series].x == tuple(float(s) for s in range(k + 1))
        assert t.series[series].y[0] == w0
        for ours, step in zip(t.series[series].y[1:], idle_steps, strict=True):
            assert near(ours, step[name]["w"], scale), series


def test_an_idle_weight_under_l2_moves_by_lr_whatever_lambda() -> None:
    """With no gradient, L2's g' is λw alone and Adam divides it by its own size: the
    lesson's numbers put the weight at 0.22445 after 100 steps, for λ = 0.1 and for
    λ = 0.001 alike, while AdamW's is w₀(1 − lr·λ)^100 = 0.999^100 = 0.90479."""
    t = compute()
    assert t.value("idle_l2_w") == pytest.approx(t.value("idle_l2_w_small"), rel=1e-3)
    assert round(t.value("idle_l2_w"), 5) == 0.22445
    assert t.value("idle_adamw_w") == pytest.approx(0.999**100, rel=1e-12)
    assert t.value("idle_adamw_w_small") == pytest.approx(0.99999**100, rel=1e-12)
    assert t.facts["idle"] == "l2_nearer" and t.facts["idle_lambda"] == "free"


HUGE = {"gradients": (1.0,) * 50, "lr": 1e10, "weight_decay": 100.0, "scenario_steps": 1000}
# (inputs, fact, value): inputs that give each value of each fact, worked out by hand
FACT_CASES = [
    ({}, "run_length", "more"),
    ({"gradients": (1.0,)}, "run_length", "one"),
    ({"gradients": (1.0, 2.0)}, "run_length", "two"),
    ({}, "l2_first", "same"),  # g'₁ = 0.6 and g₁ = 0.5: both give lr to 5 digits
    ({"eps": 0.1}, "l2_first", "differs"),  # 0.01 × 0.6 ÷ 0.7 against 0.01 × 0.5 ÷ 0.6
    ({"gradients": (-0.05, 0.3)}, "l2_first", "turned"),  # g'₁ = -0.05 + 0.1 = 0.05
    ({"gradients": (0.0, 0.3)}, "l2_first", "from_decay"),
    ({"gradients": (-0.1, 0.2)}, "l2_first", "zero"),  # g'₁ = -0.1 + 0.1 × 1 = 0
    ({}, "decay_first", "down"),
    ({"w0": -2.0}, "decay_first", "up"),
    ({"weight_decay": 0.0}, "decay_first", "none"),
    ({}, "pulls", "adamw_more"),
    ({"gradients": (0.0, 0.0, 0.0, 0.0)}, "pulls", "l2_more"),  # L2 moves lr a step
    ({"weight_decay": 0.0}, "pulls", "same"),
    ({}, "idle_first", "lr"),
    ({"eps": 1.0}, "idle_first", "below_lr"),  # 0.01 × 0.1 ÷ (0.1 + 1)
    ({"w0": 0.0}, "idle_first", "none"),
    ({}, "idle", "l2_nearer"),
    ({"weight_decay": 50.0}, "idle", "adamw_nearer"),  # AdamW: (1 − 0.5)^100
    ({"w0": 0.0}, "idle", "none"),
    ({"eps": 0.01}, "idle_lambda", "depends"),
    ({"weight_decay": 0.0}, "idle_lambda", "none"),
    ({}, "busy", "l2_less"),
    ({"lr": 0.5, "weight_decay": 1.0}, "busy", "l2_more"),
    ({"weight_decay": 0.0}, "busy", "none"),
    ({}, "idle_lambda", "free"),
    # lr·λ = 1e12: each AdamW step multiplies w by about −1e12, past a float in 26 steps
    (HUGE, "pulls", "not_finite"),
    (HUGE, "idle", "not_finite"),
    (HUGE, "busy", "not_finite"),
]


@pytest.mark.parametrize(("inputs", "fact", "value"), FACT_CASES)
def test_facts(inputs: dict, fact: str, value: str) -> None:
    assert compute(**inputs).facts[fact] == value


def test_every_value_of_every_fact_is_reached_or_is_a_tie() -> None:
    reached = {(fact, value) for _, fact, value in FACT_CASES}
    rare = {("idle", "same"), ("busy", "same")}  # equal to 5 digits: not met by chance
    for fact in FACTS:
        for value in fact.values:
            assert (fact.name, value) in reached | rare, (fact.name, value)


def test_a_huge_decay_overflows_into_words_not_errors() -> None:
    """lr·λ far above 2 makes AdamW's idle weight grow as (1 − lr·λ)^k: past a float."""
    inputs = {"lr": 1e10, "weight_decay": 100.0, "scenario_steps": 1000}
    t = compute(**inputs)
    assert math.isinf(t.value("idle_adamw_w"))
    assert t.facts["idle"] == "not_finite"
    result = CliRunner().invoke(
        cli,
        [
            "lesson",
            "adamw",
            "--plain",
            "--set",
            "lr=1e10",
            "--set",
            "weight_decay=100",
            "--set",
            "scenario_steps=1000",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "no longer a finite number" in result.output


finite = st.floats(-1e3, 1e3) | st.sampled_from([0.0, 1e-12, -1e-12])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    gradients=st.lists(finite, min_size=1, max_size=50),
    beta1=st.floats(0, 0.999) | st.just(0.0),
    beta2=st.floats(0, 0.99999) | st.just(0.999),
    lr=st.floats(1e-6, 1.0),
    eps=st.floats(1e-12, 1e-2),
    w0=st.floats(-100, 100),
    weight_decay=st.floats(0, 100) | st.just(0.0),
)
@example(
    gradients=[0.5, 0.3, 0.4, -0.2],
    beta1=0.9,
    beta2=0.999,
    lr=0.01,
    eps=1e-8,
    w0=1.0,
    weight_decay=0.1,
)
def test_any_accepted_inputs_compute_and_choose_words(
    gradients, beta1, beta2, lr, eps, w0, weight_decay
) -> None:
    """Whatever the learner gives within the inputs' rules: the computation runs, every
    fact has one of its values, and the weights agree with torch's where they are finite."""
    values = {"gradients": gradients, "beta1": beta1, "beta2": beta2, "lr": lr, "eps": eps}
    values |= {"w0": w0, "weight_decay": weight_decay, "scenario_steps": 3}
    computation = COMPUTATIONS["adamw"]
    assert computation.validate(values) is None
    t = computation.run(values)
    for fact in FACTS:
        assert t.facts[fact.name] in fact.values
    steps = torch_run(gradients, beta1, beta2, lr, eps, w0, weight_decay)
    moved = abs(w0) + sum(abs(t.value(f"l2_update_{k}")) for k in range(1, len(steps) + 1))
    moved += sum(abs(t.value(f"adamw_update_{k}")) for k in range(1, len(steps) + 1))
    for k, step in enumerate(steps, start=1):
        for name, key in (("l2", "l2_w"), ("adamw", "adamw_w"), ("adam", "adam_w")):
            ours, theirs = t.value(f"{key}_{k}"), step[name]["w"]
            assert math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-6 * moved), (k, name)


def test_the_pytorch_view_gives_every_step_of_both_paths() -> None:
    from llmtutor.pytorch import run_view

    values = {"gradients": (1.0, -1.0, 2.0), "weight_decay": 0.5, "scenario_steps": 5}
    trace = COMPUTATIONS["adamw"].run(values)
    produced = set(run_view("adamw", values, trace).values)
    per_step = {f"l2_{q}" for q in ("m", "v", "mhat", "vhat", "update", "w")}
    per_step |= {f"adamw_{q}" for q in ("m", "v", "mhat", "vhat", "update", "decay", "w")}
    per_step |= {"adam_w"}
    assert {f"{name}_{t}" for name in per_step for t in (1, 2, 3)} <= produced
    assert not any(name.endswith("_4") for name in produced)
    assert {"l2_pull", "adamw_pull", "idle_l2_w", "idle_adamw_w", "busy_l2_shift"} <= produced
