"""The PyTorch views agree with the engine: an independent check of the engine's numbers by
autograd and torch.optim, and of each view by the engine."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from llmtutor.engine.registry import COMPUTATIONS
from llmtutor.pytorch import VIEWS, ViewResult, run_view, views

# Each computation with its defaults ({}) and a few edited inputs.
CASES: dict[str, list[dict[str, object]]] = {
    "toy_network": [
        {},
        {"w1": 0.7, "target": 2},
        {"x": -1.5, "w3": -0.4, "lr": 0.5},
        {"w2": 0.0},
    ],
    "autograd": [
        {},
        {"w1": 0.7, "target": 2},
        {"x": -1.5, "w3": -0.4, "w2": 3.25},
        {"w2": 0.0},
    ],
    "cross_entropy": [
        {},
        {"p": 0.5},
        {"p": 1.0, "avg_loss": 0},
        {"p": 0.01, "avg_loss": 7.25},
        {"avg_loss": 800},  # perplexity overflows to inf in both
    ],
    "slope": [
        {},
        {"w": -0.2, "nudge": 0.01, "lr": 0.3},
        {"w": 0.35},
        {"w": 3.0, "lr": 1.5},
    ],
    "chain_rule": [
        {},
        {"factor": 1.1, "layers": 100},
        {"layers": 1, "f_prime": -0.3, "wobble": 0.2, "residual_input": -2, "f_output": 4},
        {"factor": -3, "layers": 999, "small_factor": 0.5},  # −∞, and an underflow to 0
        {"factor": 0, "small_factor": -0.9, "f_prime": 0},
    ],
    "adam": [
        {},
        {"gradients": (1, -1, 2), "lr": 0.05},
        {"gradients": (0.0, 0.0), "beta1": 0.0},
        {"gradients": (3.0,) * 20, "beta2": 0.9, "eps": 1e-3, "w0": -2},
        {"gradients": (1e-6, -4.0, 0.25), "beta1": 0.5, "beta2": 0.5},
    ],
    "adamw": [
        {},
        {"gradients": (1, -1, 2), "weight_decay": 0.5, "w0": -2, "scenario_steps": 7},
        {"gradients": (0.0, 0.0), "beta1": 0.0, "weight_decay": 0.0, "scenario_steps": 1},
        {"gradients": (3.0,) * 20, "beta2": 0.9, "eps": 1e-3, "lr": 0.2, "weight_decay": 2.0},
        {"gradients": (-0.1, 0.2), "w0": 0.0, "scenario_steps": 300},
    ],
    "schedule": [
        {},
        {"warmup": 100, "total": 1000},
        {"warmup": 0, "total": 500, "floor_fraction": 0},  # 1000 is past the end here
        {"warmup": 7, "total": 20, "peak": 1.0, "floor_fraction": 1},  # mid at step 13.5
    ],
    "saddle": [
        {},
        {"x0": -2.0, "steps": 30, "lr": 0.3},
        {"x0": 0.0, "steps": 1},
        {"x0": 1.0, "lr": 1.2, "steps": 10},  # overshoots and grows
    ],
    "training_step": [
        {"steps": 1},
        {"batch": 16, "seed": 3, "lr": 0.5, "steps": 1},
        {"batch": 1, "seed": 7, "beta1": 0.5, "beta2": 0.9, "steps": 1},
        {"batch": 12, "seed": 11, "lr": 0.01, "steps": 1},
    ],
    "landscape": [
        {},
        {"w1": -1.5, "w2": 1.9, "ravine_w1": 3.9, "ravine_w2": -0.2, "saddle_w2": 0.01}
        | {"minima_w1": -1.7, "minima_w2": -0.9, "sharp_w1": -0.2, "sharp_w2": 0.1},
        {"lr": 0.5},  # above 2 ÷ 5: GD's w2 grows on the ravine; the toy's runs overflow
        # The ravine's GD and momentum overflow too (after 145 and 150 steps). Without noise:
        # with it, SGD's steps this large on the sharp map are chaotic, and the last-digit
        # difference between autograd's gradient and the one written out by hand (1e-12 at
        # step 25) grows past any tolerance by step 200.
        {"lr": 2.5, "noise": 0},
        {"noise": 3.0, "seed": 5},  # SGD's own draws, from another seed
        {"beta1": 0, "beta2": 0.9},
        {"momentum": 0, "steps": 50},
        {"steps": 1},
    ],
}

# What makes each view honest: the torch calls its numbers come from.
HONEST: dict[str, tuple[str, ...]] = {
    "toy_network": ("requires_grad=True", "retain_grad()", "backward()", "torch.optim.SGD"),
    "autograd": ("requires_grad=True", "backward()", "grad_fn", "zero_grad()", "no_grad()"),
    "cross_entropy": ("F.cross_entropy", "torch.exp"),
    "slope": ("requires_grad=True", "backward()", "torch.optim.SGD", "W_STAR", "L_STAR"),
    "chain_rule": ("torch.autograd.grad", "requires_grad=True"),
    "adam": ("torch.optim.Adam", "optimizer.step()", "exp_avg", "exp_avg_sq"),
    "adamw": ("torch.optim.AdamW", "weight_decay=decay", "optimizer.step()", "exp_avg_sq"),
    "schedule": ("torch.optim.lr_scheduler.LambdaLR", "scheduler.step()", "last_epoch"),
    "saddle": ("torch.autograd.grad", "backward()", "torch.optim.SGD"),
    "training_step": ("F.cross_entropy", "backward()", "torch.optim.Adam", "positions"),
    "landscape": ("backward()", "torch.optim.SGD", "torch.optim.Adam", "isfinite"),
}

PARAMS = [(name, values) for name, cases in CASES.items() for values in cases]


def same(ours: float, engine: float) -> bool:
    if math.isnan(engine) or math.isnan(ours):
        return math.isnan(engine) and math.isnan(ours)
    if math.isinf(engine) or math.isinf(ours):
        return ours == engine
    return math.isclose(ours, engine, rel_tol=1e-6, abs_tol=1e-9)


def test_every_computation_has_a_view() -> None:
    assert set(VIEWS) == set(COMPUTATIONS)
    assert set(CASES) == set(COMPUTATIONS)


@pytest.mark.parametrize(("name", "values"), PARAMS, ids=[f"{n}-{v}" for n, v in PARAMS])
def test_view_matches_engine(name: str, values: dict[str, object]) -> None:
    computation = COMPUTATIONS[name]
    assert computation.validate(values) is None
    trace = computation.run(values)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation or scheduler-order warnings
        result = run_view(name, values, trace)
    assert isinstance(result, ViewResult)
    assert result.values, "the view computed nothing"
    assert result.seconds >= 0
    for key, ours in result.values.items():
        assert key in trace, f"{name}: the engine has no quantity {key!r}"
        engine = trace.value(key)
        assert same(ours, engine), f"{name} {values}: {key} torch {ours!r} ≠ engine {engine!r}"


def test_adam_view_covers_every_step() -> None:
    values = {"gradients": (1.0, -1.0, 2.0), "lr": 0.05}
    trace = COMPUTATIONS["adam"].run(values)
    produced = set(run_view("adam", values, trace).values)
    expected = {f"{q}_{t}" for t in (1, 2, 3) for q in ("m", "v", "mhat", "vhat", "update", "w")}
    assert produced == expected


def test_views_produce_the_names_the_brief_lists() -> None:
    surfaces = ("toy", "ravine", "saddle", "minima", "sharp")
    ends = ("w1_end", "w2_end", "L_end", "1_w1", "1_w2")  # the landscape's, per optimizer
    wanted = {
        "toy_network": {"h", "a", "y", "L", "dL_dy", "dL_da", "dL_dh", "dL_dw1", "dL_dw2"}
        | {"dL_dw3", "w1_new", "w2_new", "w3_new", "h_new", "a_new", "y_new", "L_new"},
        "cross_entropy": {"loss", "perplexity"},
        "slope": {"L", "grad", "w_step", "L_step"},
        "chain_rule": {"vanish", "vanish_small", "residual_grad", "plain_chain"}
        | {"residual_low", "residual_high"},
        "schedule": {"lr_at_0", "lr_at_1000", "lr_at_warmup", "lr_at_mid", "lr_at_end"}
        | {"lr_min"},
        "saddle": {"start_grad_y", "plain_final_x", "plain_final_y", "plain_final_loss"},
        "training_step": {"loss", "grad_correct", "grad_wrong", "update_1", "loss_after"},
        "landscape": {f"{s}_L_0" for s in surfaces}
        | {
            f"{s}_{o}_{q}"
            for s in surfaces
            for o in ("gd", "sgd", "momentum", "adam")
            for q in ends
        },
    }
    for name, names in wanted.items():
        trace = COMPUTATIONS[name].run({"steps": 1} if name == "training_step" else {})
        assert names <= set(run_view(name, {}, trace).values), name


def test_training_step_uses_the_engines_batch() -> None:
    values = {"batch": 5, "seed": 42, "steps": 1}
    trace = COMPUTATIONS["training_step"].run(values)
    arguments = VIEWS["training_step"].arguments(values, trace)
    assert arguments["positions"] == [int(trace.value(f"pos_{k}")) for k in range(1, 6)]
    assert arguments["lr"] == trace.value("lr")


@pytest.mark.parametrize("name", sorted(HONEST))
def test_code_is_the_source_of_the_function_that_ran(name: str) -> None:
    view = VIEWS[name]
    # The function as it is written in views.py, found by Python's parser in the file's text.
    text = Path(views.__file__).read_text(encoding="utf-8")
    written = next(
        node
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef) and node.name == view.function.__name__
    )
    assert view.code == f"{ast.get_source_segment(text, written)}\n"
    for call in HONEST[name]:
        assert call in view.code, f"{name}: its code does not show {call!r}"
    # The code the learner reads, run on its own, gives the engine's numbers.
    values = {"steps": 1} if name == "training_step" else {}
    trace = COMPUTATIONS[name].run(values)
    namespace = dict(vars(views))  # what the function's module gives it: torch, F, TEXT, …
    exec(compile(view.code, f"<the {name} view as shown>", "exec"), namespace)
    shown = namespace[view.function.__name__](**view.arguments(values, trace))
    assert shown
    for key, ours in shown.items():
        assert same(float(ours), trace.value(key)), f"{name}: {key} {ours!r}"
    result = run_view(name, values, trace)
    assert result.code == view.code
    assert result.values == {key: float(value) for key, value in shown.items()}


def test_importing_the_app_does_not_import_torch_or_this_package() -> None:
    script = (
        "import sys, llmtutor.app\n"
        "print('llmtutor.pytorch' in sys.modules, 'torch' in sys.modules)\n"
        "import llmtutor.pytorch\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]


# -- values no two computations could agree on ----------------------------------------------

# SGD at lr 2.5 on the sharp map (noise 1) is chaotic: autograd's gradient and the engine's
# hand-written one differ in the last digit (about 1e-12 by step 25), and the paths part.
CHAOTIC = {"lr": 2.5, "noise": 1.0}


def test_a_chaotic_value_is_sensitive_not_wrong() -> None:
    computation = COMPUTATIONS["landscape"]
    trace = computation.run(CHAOTIC)
    result = run_view("landscape", CHAOTIC, trace)
    name = "sharp_sgd_w1_end"
    engine = trace.value(name)
    assert not math.isclose(result.values[name], engine, rel_tol=1e-3)  # far apart
    assert result.verdict(name, engine) == "sensitive"
    assert not math.isclose(result.nudged[name], result.values[name], rel_tol=1e-3)
    # The engine's own path is as sensitive: its start moved by one part in 10¹² ends far off.
    moved = computation.run({**CHAOTIC, "sharp_w1": 1.4 * (1 - 1e-12)})
    assert not math.isclose(moved.value(name), engine, rel_tol=1e-3)
    # Only the values that differ were run again; every other one is the same.
    assert set(result.nudged) == {name}
    others = [key for key in result.values if key != name]
    assert {result.verdict(key, trace.value(key)) for key in others} == {"same"}


def test_a_wrong_value_on_a_steady_path_stays_wrong() -> None:
    # The engine's trace for other inputs stands in for an engine that computes wrongly.
    computation = COMPUTATIONS["toy_network"]
    wrong = computation.run({"w1": 0.7})
    result = run_view("toy_network", {}, wrong)
    assert result.nudged, "a disagreement runs torch again, nudged"
    for name in ("L", "dL_dw1", "w1_new"):
        assert result.verdict(name, wrong.value(name)) == "differs", name
        assert math.isclose(result.nudged[name], result.values[name], rel_tol=1e-9)


def test_nothing_is_run_twice_when_torch_and_the_engine_agree() -> None:
    trace = COMPUTATIONS["landscape"].run({})
    assert run_view("landscape", {}, trace).nudged == {}


def test_agreement_treats_two_nans_as_the_same() -> None:
    assert views.agrees(math.nan, math.nan)
    assert not views.agrees(math.nan, 1.0)
    assert views.agrees(math.inf, math.inf)
    assert not views.agrees(1.0, 1.0 + 1e-5)
