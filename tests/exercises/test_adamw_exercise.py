"""The AdamW exercise's expected values against torch: each input set is one step of
torch.optim.AdamW from the state it gives (m, v and t − 1 steps taken), beside plain
torch.optim.Adam from the same state, whose move is the update AdamW's decay goes beside."""

from __future__ import annotations

import math

import torch

from llmtutor.engine.exercises import EXERCISES

INDEPENDENT_SETS = 30  # random input sets, after the lesson's four


def near(ours: float, theirs: float, scale: float = 1.0) -> bool:
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12 * scale)


def torch_step(inputs: dict, decoupled: bool) -> dict[str, float]:
    """One step of AdamW (or plain Adam) in float64 from the exercise's state."""
    weight = torch.tensor([inputs["w"]], dtype=torch.float64, requires_grad=True)
    settings = {
        "lr": inputs["lr"],
        "betas": (inputs["beta1"], inputs["beta2"]),
        "eps": inputs["eps"],
        "foreach": False,
    }
    if decoupled:
        optimizer = torch.optim.AdamW([weight], weight_decay=inputs["weight_decay"], **settings)
    else:
        optimizer = torch.optim.Adam([weight], **settings)
    optimizer.state[weight] = {
        "step": torch.tensor(float(inputs["t"] - 1)),
        "exp_avg": torch.tensor([inputs["m"]], dtype=torch.float64),
        "exp_avg_sq": torch.tensor([inputs["v"]], dtype=torch.float64),
    }
    weight.grad = torch.tensor([inputs["g"]], dtype=torch.float64)
    optimizer.step()
    state = optimizer.state[weight]
    return {
        "m": state["exp_avg"].item(),
        "v": state["exp_avg_sq"].item(),
        "w": weight.item(),
        "step": float(state["step"]),
    }


def test_adamw_step_against_torch_optim_adamw() -> None:
    exercise = EXERCISES["adamw"]
    for inputs in exercise.input_sets(INDEPENDENT_SETS):
        check = exercise.compute(inputs)
        adamw = torch_step(inputs, decoupled=True)
        adam = torch_step(inputs, decoupled=False)
        assert adamw["step"] == inputs["t"]
        scale = abs(inputs["w"])
        for name in ("m", "v"):
            assert near(check.value(name), adamw[name]), (inputs, name)
            assert adamw[name] == adam[name]  # the decay never enters m or v
        assert near(check.value("w"), adamw["w"], scale), inputs
        t = inputs["t"]
        assert near(check.value("m_hat"), adamw["m"] / (1 - inputs["beta1"] ** t)), inputs
        assert near(check.value("v_hat"), adamw["v"] / (1 - inputs["beta2"] ** t)), inputs
        update = inputs["w"] - adam["w"]  # plain Adam's move
        assert near(check.value("update"), update, scale), inputs
        decay = (inputs["w"] - adamw["w"]) - update  # the rest of AdamW's move
        assert near(check.value("decay"), decay, scale), inputs
        assert near(check.value("decay"), inputs["lr"] * inputs["weight_decay"] * inputs["w"])


def test_the_lessons_four_steps_against_torch_from_scratch() -> None:
    """The lesson's walkthrough: AdamW with λ = 0.1 from w = 1 on the Adam lesson's
    gradients, in torch from a fresh state; each input set starts where torch's step
    before ended, and ends where torch's ends."""
    article = EXERCISES["adamw"].article
    first = article[0]
    weight = torch.tensor([first["w"]], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.AdamW(
        [weight],
        lr=first["lr"],
        betas=(first["beta1"], first["beta2"]),
        eps=first["eps"],
        weight_decay=first["weight_decay"],
    )
    assert [inputs["g"] for inputs in article] == [0.5, 0.3, 0.4, -0.2]
    assert {inputs["weight_decay"] for inputs in article} == {0.1}
    for t, inputs in enumerate(article, start=1):
        state = optimizer.state[weight]
        m = state["exp_avg"].item() if state else 0.0
        v = state["exp_avg_sq"].item() if state else 0.0
        assert inputs["t"] == t
        assert near(inputs["w"], weight.item()) and near(inputs["m"], m) and near(inputs["v"], v)
        weight.grad = torch.tensor([inputs["g"]], dtype=torch.float64)
        optimizer.step()
        check = EXERCISES["adamw"].compute(inputs)
        assert near(check.value("w"), weight.item()), t
        assert near(check.value("m"), optimizer.state[weight]["exp_avg"].item()), t
    # the first step by hand: Adam's 0.01 × 0.5 ÷ (0.5 + 1e-8), and 0.01 × 0.1 × 1
    step_1 = EXERCISES["adamw"].compute(article[0])
    assert near(step_1.value("decay"), 0.001)
    assert near(step_1.value("w"), 1 - 0.01 * 0.5 / (0.5 + 1e-8) - 0.001)
